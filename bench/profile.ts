/**
 * Profiles Kumo's warm invoke path: starts the real server (`bin/kumo server
 * --port 0`, temp data dir, as the benchmark does) with `--cpu-prof` in
 * NODE_OPTIONS, deploys a no-op nodejs20.x function with the AWS SDK, drives
 * warm invokes with the benchmark's signed load client (sequential, then
 * `--connections` concurrent), stops the server with SIGTERM (which writes the
 * profile) and prints the server's self time per function and per file, and
 * the CPU ms per request of the server side (as the benchmark counts it).
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/profile.js [--seq N] [--duration S] [--connections C] [--no-prof] [--top N]
 *   node dist/bench/profile.js --summarise FILE.cpuprofile [--top N]
 *   node dist/bench/profile.js --ab OTHER_CHECKOUT [--rounds R] [--seq N] [--duration S]
 *
 * `--ab`: before/after on one machine at one time: a server from another
 * built checkout (e.g. `git archive <commit>` + tsc, node_modules linked)
 * and one from this one, measured round by round, alternating which goes
 * first (as the benchmark interleaves targets), without the profiler.
 *
 * `--no-prof` measures CPU ms per request without the profiler's own cost;
 * `--trace` exports every invocation's spans (KUMO_TRACING_SAMPLE_ALL=1) to
 * an OTLP/HTTP sink in this process, as the benchmark's tracing phase does.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { concurrent, sequential, simultaneous } from './lib/load';
import { cpuMs, tempDir } from './lib/procs';
import { summarize } from './lib/stats';
import { Kumo, noopCode } from './targets/kumo';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

const root = path.resolve(__dirname, '..', '..');

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const u = url.replace(/^file:\/\//, '');
  if (u.startsWith(root + '/')) return u.slice(root.length + 1);
  const nm = u.lastIndexOf('node_modules/');
  return nm >= 0 ? u.slice(nm) : u;
}

/** Self and total (inclusive) time per function and self time per file, in ms and % of the non-idle samples. */
export function summarise(file: string, top = 40): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${shortUrl(n.callFrame.url)}${n.callFrame.url ? ':' + (n.callFrame.lineNumber + 1) : ''}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const byFile = new Map<string, number>();
  let all = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000; // the delta after a sample is the time it stood for
    const n = byId.get(p.samples[i]!)!;
    if (n.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    all += dt;
    const k = key(n);
    self.set(k, (self.get(k) ?? 0) + dt);
    const f = n.callFrame.url ? shortUrl(n.callFrame.url) : n.callFrame.functionName;
    byFile.set(f, (byFile.get(f) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const kk = key(byId.get(id)!);
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + dt);
    }
  }
  const pct = (ms: number) => ((100 * ms) / all).toFixed(1).padStart(5);
  const rows = (m: Map<string, number>, n: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, ms]) => `${pct(ms)} %  ${ms.toFixed(0).padStart(6)} ms  ${k}`).join('\n');
  return [
    `${path.basename(file)}: ${all.toFixed(0)} ms busy, ${idle.toFixed(0)} ms idle`,
    `\nSELF TIME per function (top ${top})`, rows(self, top),
    `\nSELF TIME per file (top ${top})`, rows(byFile, top),
    `\nTOTAL (inclusive) TIME per function (top ${top})`, rows(total, top),
  ].join('\n');
}

interface Side { label: string; kumo: Kumo; seq: number[]; seqCpu: number; seqN: number; concReq: number; concMs: number; concCpu: number }

async function ab(other: string): Promise<void> {
  const rounds = Number(arg('--rounds') ?? 6);
  const seqN = Number(arg('--seq') ?? 3000);
  const durationS = Number(arg('--duration') ?? 12);
  const connections = Number(arg('--connections') ?? 32);
  const sides: Side[] = [];
  try {
    for (const [label, root] of [['before', other], ['after', undefined]] as const) {
      const kumo = await Kumo.start({ root });
      sides.push({ label: `${label} (${root ?? 'this checkout'})`, kumo, seq: [], seqCpu: 0, seqN: 0, concReq: 0, concMs: 0, concCpu: 0 });
      const c = noopCode['nodejs20.x'];
      await kumo.deploy('prof-node', 'nodejs20.x', c.handler, c.files);
    }
    const cpuOf = (k: Kumo) => [k.pid, ...k.processes().host.map((x) => x.pid)].reduce((a, pid) => a + (cpuMs(pid) ?? 0), 0);
    for (const s of sides) {
      const ep = s.kumo.endpoint('prof-node');
      await sequential(ep, 300);
      for (let i = 0; i < 2; i++) await simultaneous(ep, connections);
      await concurrent(ep, connections, 3000);
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...sides].reverse() : sides;
      for (const s of order) {
        const ep = s.kumo.endpoint('prof-node');
        await sequential(ep, 50);
        const c0 = cpuOf(s.kumo);
        const x = await sequential(ep, Math.ceil(seqN / rounds));
        s.seqCpu += cpuOf(s.kumo) - c0;
        s.seqN += x.requests;
        s.seq.push(...x.latencies);
        if (x.errors) console.log(`${s.label}: ${x.errors} errors`, x.errorSamples);
      }
      for (const s of order) {
        const ep = s.kumo.endpoint('prof-node');
        await concurrent(ep, connections, 500);
        const c0 = cpuOf(s.kumo);
        const x = await concurrent(ep, connections, (durationS * 1000) / rounds);
        s.concCpu += cpuOf(s.kumo) - c0;
        s.concReq += x.requests;
        s.concMs += x.elapsedMs;
        if (x.errors) console.log(`${s.label}: ${x.errors} errors`, x.errorSamples);
      }
      console.log(`round ${r + 1}/${rounds} done`);
    }
    for (const s of sides) {
      const st = summarize(s.seq);
      console.log(
        `${s.label}: sequential p50 ${st.p50.toFixed(3)} ms p90 ${st.p90.toFixed(3)} ms, server CPU ${(s.seqCpu / s.seqN).toFixed(3)} ms/req; ` +
          `${connections} conn ${(s.concReq / (s.concMs / 1000)).toFixed(0)} req/s, server CPU ${(s.concCpu / s.concReq).toFixed(3)} ms/req; EEs ${s.kumo.processes().ees.size}`,
      );
    }
    const [a, b] = sides as [Side, Side];
    console.log(
      `after/before: sequential p50 ${(summarize(b.seq).p50 / summarize(a.seq).p50).toFixed(3)}×, server CPU seq ${(b.seqCpu / b.seqN / (a.seqCpu / a.seqN)).toFixed(3)}×; ` +
        `throughput ${(b.concReq / b.concMs / (a.concReq / a.concMs)).toFixed(3)}×, server CPU conc ${(b.concCpu / b.concReq / (a.concCpu / a.concReq)).toFixed(3)}×`,
    );
  } finally {
    for (const s of sides) await s.kumo.stop();
  }
}

async function main(): Promise<void> {
  const top = Number(arg('--top') ?? 40);
  const only = arg('--summarise');
  if (only) {
    console.log(summarise(only, top));
    return;
  }
  const other = arg('--ab');
  if (other) return ab(path.resolve(other));
  const seqN = Number(arg('--seq') ?? 3000);
  const durationS = Number(arg('--duration') ?? 10);
  const connections = Number(arg('--connections') ?? 32);
  const prof = !process.argv.includes('--no-prof');
  const profDir = tempDir('kumo-prof');
  fs.chmodSync(profDir, 0o777); // the API process drops root before it exits and writes its profile
  const env: Record<string, string> = {};
  if (process.env.KUMO_LAMBDA_METRICS) env.KUMO_LAMBDA_METRICS = process.env.KUMO_LAMBDA_METRICS;
  let sink: http.Server | undefined;
  if (process.argv.includes('--trace')) {
    sink = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => sink!.listen(0, '127.0.0.1', () => r()));
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
    env.KUMO_TRACING_SAMPLE_ALL = '1';
  }
  const kumo = await Kumo.start({ env, nodeArgs: prof ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
  console.log(`Kumo pid ${kumo.pid} on port ${kumo.port}${prof ? `, profiles in ${profDir}` : ''}`);
  const fn = 'prof-node';
  const c = noopCode['nodejs20.x'];
  await kumo.deploy(fn, 'nodejs20.x', c.handler, c.files);
  const ep = kumo.endpoint(fn);
  const serverPids = () => {
    const p = kumo.processes();
    return [kumo.pid, ...p.host.map((x) => x.pid)];
  };
  const cpu = () => serverPids().reduce((a, pid) => a + (cpuMs(pid) ?? 0), 0);
  const apiCpu = () => cpuMs(kumo.pid) ?? 0;
  try {
    await sequential(ep, 300);
    let c0 = cpu();
    let a0 = apiCpu();
    const s = await sequential(ep, seqN);
    const seqCpu = cpu() - c0;
    const seqApi = apiCpu() - a0;
    console.log(`sequential: ${s.requests} req, ${s.errors} errors, p50 ${summarize(s.latencies).p50.toFixed(3)} ms; server CPU ${(seqCpu / s.requests).toFixed(3)} ms/req (API process ${(seqApi / s.requests).toFixed(3)})`);
    for (let i = 0; i < 2; i++) await simultaneous(ep, connections);
    await concurrent(ep, connections, 3000);
    c0 = cpu();
    a0 = apiCpu();
    const r = await concurrent(ep, connections, durationS * 1000);
    const concCpu = cpu() - c0;
    const concApi = apiCpu() - a0;
    console.log(
      `concurrent ${connections}: ${r.requests} req, ${r.errors} errors, ${(r.requests / (r.elapsedMs / 1000)).toFixed(0)} req/s, p50 ${summarize(r.latencies).p50.toFixed(2)} ms; ` +
        `server CPU ${(concCpu / r.requests).toFixed(3)} ms/req (API process ${(concApi / r.requests).toFixed(3)}); EEs ${kumo.processes().ees.size}`,
    );
    if (s.errorSamples.length || r.errorSamples.length) console.log('errors:', [...s.errorSamples, ...r.errorSamples]);
  } finally {
    await kumo.stop();
    sink?.close();
  }
  if (!prof) return;
  const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  // The API process's profile is the one of its pid (the two others are the root supervisors, active and standby).
  const sized = files.map((f) => ({ f: path.join(profDir, f), size: fs.statSync(path.join(profDir, f)).size, api: f.includes(`.${kumo.pid}.`) })).sort((a, b) => Number(b.api) - Number(a.api) || b.size - a.size);
  const keep = arg('--keep');
  for (const x of sized) {
    if (keep) fs.copyFileSync(x.f, path.join(keep, path.basename(x.f)));
  }
  if (sized[0]) console.log(summarise(sized[0].f, top));
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
