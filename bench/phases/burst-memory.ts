/**
 * Burst, then memory with the EEs the burst left warm.
 *
 * Burst: `burst` simultaneous first invokes of a never-invoked function, each
 * on its own connection: time until all have answered, errors, EEs created
 * (new EE cgroups of this server in /proc, and cold REPORT lines in its logs).
 *
 * Memory: if the burst made fewer than `memEes` EEs, more never-invoked
 * functions are burst until there are; then, with those EEs idle (frozen):
 *   per-EE platform memory = (Δ RSS of the Kumo process
 *                            + Δ PSS of its other host-side processes
 *                            + PSS of in-EE processes other than the runtime)
 *                            / new EEs
 * PSS for the many small per-EE processes, because their RSS counts the same
 * shared pages (e.g. one copy of bash's text) once per process; the RSS and
 * USS variants are reported beside it.
 * and the runtime process's RSS against a bare `node -e` process.
 */
import { simultaneous } from '../lib/load';
import { measuredEnv, smapsRollup, start, statusBytes, type KumoProcs } from '../lib/procs';
import { median, summarize } from '../lib/stats';
import type { BurstResult, MemoryResult, Sizes } from '../lib/results';
import type { Kumo } from '../targets/kumo';

/** Simultaneous first invokes per top-up function. */
export const topUpBatchMax = 25;
/** The top-up gives up after this long (the figure is then over fewer EEs, and says so). */
const topUpTimeMsMax = 90_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const hostRss = (p: KumoProcs) => sum(p.host.map((x) => x.rss));
const hostPss = (p: KumoProcs) => sum(p.host.map((x) => x.pss));

/** RSS and PSS of an idle `node -e` process (started with the measured environment). */
export async function bareNodeMemory(): Promise<{ rss?: number; pss?: number; uss?: number }> {
  const p = start('/usr/bin/node', ['-e', 'setInterval(() => {}, 1 << 30)'], { env: measuredEnv() });
  await sleep(500);
  const m = smapsRollup(p.pid);
  const out = { rss: statusBytes(p.pid), pss: m.Pss, uss: (m.Private_Clean ?? 0) + (m.Private_Dirty ?? 0) };
  await p.stop('SIGKILL', 1000);
  return out;
}

export async function runBurstAndMemory(
  kumo: Kumo,
  sizes: Sizes,
  fns: { burst: string; topUp: string[] },
  idle: { afterStart: number; deployed: number },
  log: (s: string) => void,
): Promise<{ burst: BurstResult; memory: MemoryResult }> {
  await sleep(1000);
  const p0 = kumo.processes();
  const before = { rss: kumo.rss() ?? NaN, hostRss: hostRss(p0), hostPss: hostPss(p0), ees: p0.ees.size };

  log(`  burst: ${sizes.burst} simultaneous first invokes of ${fns.burst}…`);
  const { result } = await simultaneous(kumo.endpoint(fns.burst), sizes.burst);
  await sleep(1500);
  const p1 = kumo.processes();
  const eesCreatedProc = [...p1.ees.keys()].filter((k) => !p0.ees.has(k)).length;
  let eesCreatedLogs: number | undefined;
  try {
    eesCreatedLogs = kumo.logs(fns.burst, 'Init Duration').length;
  } catch (e) {
    log(`  (kumo logs failed: ${(e as Error).message})`);
  }
  const burst: BurstResult = {
    count: sizes.burst,
    allDoneMs: result.elapsedMs,
    errors: result.errors,
    errorSamples: result.errorSamples,
    eesCreatedProc,
    eesCreatedLogs,
    latency: summarize(result.latencies),
    cores: 0,
  };
  log(`  burst: all answered after ${result.elapsedMs.toFixed(0)} ms, ${result.errors} errors, ${eesCreatedProc} EEs (proc) / ${eesCreatedLogs ?? '?'} (logs)`);

  // Top up to memEes warm EEs with more never-invoked functions, in batches small enough not to
  // be a second burst (on a busy machine a big one can make every cold start miss its init timeout).
  let p2 = p1;
  const topUpDeadline = performance.now() + topUpTimeMsMax;
  for (const fn of fns.topUp) {
    const have = [...p2.ees.keys()].filter((k) => !p0.ees.has(k)).length;
    if (have >= sizes.memEes) break;
    if (performance.now() > topUpDeadline) {
      log(`  memory: top-up stopped after ${topUpTimeMsMax / 1000} s with ${have} new EEs`);
      break;
    }
    const batch = Math.min(topUpBatchMax, sizes.memEes - have);
    log(`  memory: ${have} new EEs, ${batch} simultaneous first invokes of ${fn}…`);
    const r = await simultaneous(kumo.endpoint(fn), batch);
    if (r.result.errors) log(`  memory top-up: ${r.result.errors} errors (${r.result.errorSamples[0]})`);
    await sleep(1000);
    p2 = kumo.processes();
  }
  await sleep(1000);
  p2 = kumo.processes();
  const newKeys = [...p2.ees.keys()].filter((k) => !p0.ees.has(k));
  const after = { rss: kumo.rss() ?? NaN, hostRss: hostRss(p2), hostPss: hostPss(p2), ees: p2.ees.size };
  const newEes = newKeys.map((k) => p2.ees.get(k)!);
  const inEeRss = sum(newEes.flatMap((e) => e.other.map((x) => x.rss)));
  const inEePss = sum(newEes.flatMap((e) => e.other.map((x) => x.pss)));
  const inEeUss = sum(newEes.flatMap((e) => e.other.map((x) => x.uss)));
  const runtimes = newEes.flatMap((e) => e.runtime);
  const n = newKeys.length;
  const serverDelta = after.rss - before.rss;
  const hostDelta = after.hostRss - before.hostRss;
  const hostPssDelta = after.hostPss - before.hostPss;
  const hostUssDelta = sum(p2.host.map((x) => x.uss)) - sum(p0.host.map((x) => x.uss));
  const bare = await bareNodeMemory();
  const memory: MemoryResult = {
    idleRssAfterStart: idle.afterStart,
    idleRssDeployed: idle.deployed,
    before,
    after,
    newEes: n,
    inEePlatformRss: inEeRss,
    inEePlatformPss: inEePss,
    inEePlatformUss: inEeUss,
    perEePlatformUssBytes: n ? (serverDelta + hostUssDelta + inEeUss) / n : NaN,
    perEePlatformRssBytes: n ? (serverDelta + hostDelta + inEeRss) / n : NaN,
    perEePlatformBytes: n ? (serverDelta + hostPssDelta + inEePss) / n : NaN,
    perEeParts: { serverDelta: n ? serverDelta / n : NaN, hostProcesses: n ? hostPssDelta / n : NaN, inEe: n ? inEePss / n : NaN },
    runtimeRss: { median: median(runtimes.map((r) => r.rss)), samples: runtimes.length },
    runtimePss: { median: median(runtimes.map((r) => r.pss)) },
    runtimeUss: { median: median(runtimes.map((r) => r.uss)) },
    bareNodeRss: bare.rss,
    bareNodePss: bare.pss,
    bareNodeUss: bare.uss,
    commands: [...new Set(newEes.flatMap((e) => [...e.runtime, ...e.other].map((x) => x.cmd.slice(0, 120))))].slice(0, 6),
  };
  log(`  memory: ${n} new EEs; Kumo RSS ${(before.rss / 1e6).toFixed(1)} → ${(after.rss / 1e6).toFixed(1)} MB; per EE platform-side ${(memory.perEePlatformBytes / 1e6).toFixed(3)} MB`);

  // Drain those EEs so later phases run without them.
  for (const fn of [fns.burst, ...fns.topUp]) await kumo.remove(fn).catch(() => undefined);
  for (let i = 0; i < 120 && kumo.processes().ees.size > p0.ees.size; i++) await sleep(500);
  await sleep(3000); // network namespaces and cgroups go after the processes
  return { burst, memory };
}
