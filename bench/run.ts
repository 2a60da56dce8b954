/**
 * Kumo benchmark harness (issue 4): Kumo, the floors and the peer, measured in
 * one run on one machine, reported as ratios.
 *
 *   node dist/bench/run.js [--quick] [--only floors,peer,kumo,sqslite,moto] [--phases warm,cold,scratch,burst,memory,async,control,queue,stream,tracing] [sizes…]
 *
 * See bench/README.md for what each metric means.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { charts, checks, markdown, table, type RunData } from './lib/report';
import { invoke } from './lib/load';
import { cleanupAllSync, removeTempDir } from './lib/procs';
import type { Sizes } from './lib/results';
import { runWarm } from './phases/warm';
import { floorSubjects, kumoColdSubject, runCold, type ColdSubject } from './phases/cold';
import { runBurstAndMemory, topUpBatchMax } from './phases/burst-memory';
import { runAsync } from './phases/async';
import { runScratch } from './phases/scratch';
import { runControl } from './phases/control';
import { runQueue, type QueueSubject } from './phases/queue';
import { runStream, type StreamSubject } from './phases/stream';
import { runTracing } from './phases/tracing';
import { installKinesalite, startKinesalite, startMotoKinesis, type KinesaliteInstall, type StreamPeer } from './targets/stream-peers';
import { findMotoServer, installSqslite, startMoto, startSqslite, type QueueTarget, type SqsliteInstall } from './targets/queue-peers';
import { startFloorA, startFloorB } from './targets/floors';
import { installPeer, startPeer, type PeerInstall } from './targets/peer';
import { asyncCode, streamCode, javaNoopSource, Kumo, noopCode, projectRoot, rubyNoopCode } from './targets/kumo';
import { compileJava } from '../test/runtimes/build';
import { RuncFloor } from './targets/cold-floors';
import type { Group, WarmTarget } from './targets/types';
import { startPostgres, type ThrowawayPostgres } from '../test/postgres';
import { enableStatementCounts, watchPostgres, watchSqlite, type StoreMode, type WarmDbProbe } from './lib/db-use';
import { modeName, modeSuffix } from './lib/results';

const groups: Group[] = ['floors', 'peer', 'kumo', 'sqslite', 'kinesalite', 'moto'];
const storeModes: StoreMode[] = ['sqlite', 'postgres'];
/** Kumo's database in the throwaway PostgreSQL (the harness's own statements go to `postgres`). */
const pgDatabase = 'kumo';
const phases = ['warm', 'cold', 'scratch', 'burst', 'memory', 'async', 'control', 'queue', 'stream', 'tracing'] as const;
type Phase = (typeof phases)[number];

/** Unmeasured rounds before the cold-start measurements. */
const coldWarmupRuns = 1;

const fullSizes: Sizes = { seqRequests: 2100, concSeconds: 12, connections: 32, rounds: 3, coldRuns: 11, burst: 100, memEes: 100, asyncSeq: 200, asyncEvents: 1000, controlReads: 300, controlWrites: 30, controlCreates: 10, queueSeq: 2000, queueSeconds: 10, queueRecv: 2000, queueE2e: 2000, streamBatches: 100, streamSeconds: 10, streamE2e: 20_000 };
const quickSizes: Sizes = { seqRequests: 300, concSeconds: 2, connections: 32, rounds: 1, coldRuns: 3, burst: 20, memEes: 20, asyncSeq: 30, asyncEvents: 100, controlReads: 50, controlWrites: 5, controlCreates: 3, queueSeq: 200, queueSeconds: 2, queueRecv: 500, queueE2e: 200, streamBatches: 20, streamSeconds: 2, streamE2e: 2_000 };

const usage = `usage: node dist/bench/run.js [options]   (or: make bench BENCH_ARGS="…")

  --quick                 small sizes for a smoke run (~1-2 min without the peer install)
  --only LIST             target groups: floors,peer,kumo,sqslite,moto (default: all; sqslite and moto are the queue phase's peers)
  --phases LIST           warm,cold,scratch,burst,memory,async,control,queue,stream,tracing (default: all; burst and memory run together)
  --seq N                 sequential requests per target (default ${fullSizes.seqRequests})
  --duration S            concurrent seconds per target (default ${fullSizes.concSeconds})
  --connections C         concurrent connections (default ${fullSizes.connections})
  --rounds R              interleaving rounds for the warm phases (default ${fullSizes.rounds})
  --cold N                cold starts per subject (default ${fullSizes.coldRuns})
  --burst N               simultaneous first invokes (default ${fullSizes.burst})
  --mem-ees N             warm EEs for the memory figure (default ${fullSizes.memEes})
  --async N               Event invokes in the concurrent async batch (default ${fullSizes.asyncEvents})
  --queue-seq N           queue phase: sequential SendMessages per target (default ${fullSizes.queueSeq})
  --queue-duration S      queue phase: seconds of concurrent SendMessage per target (default ${fullSizes.queueSeconds})
  --queue-recv N          queue phase: messages received+deleted per target (default ${fullSizes.queueRecv})
  --queue-e2e N           queue phase: messages through the event source mapping per Kumo server (default ${fullSizes.queueE2e})
  --stream-batches N      stream phase: PutRecords batches of 500 on 1 connection per target (default ${fullSizes.streamBatches})
  --stream-duration S     stream phase: seconds of PutRecords on 8 connections per target (default ${fullSizes.streamSeconds})
  --stream-e2e N          stream phase: records through the event source mapping per Kumo server (default ${fullSizes.streamE2e})
  --out DIR               results dir (default bench/results/<timestamp>)
  --database LIST         Kumo's store modes, one server each, measured side by side: sqlite,postgres (default: both;
                          postgres: a throwaway PostgreSQL, test/postgres.ts). Cold, burst and memory run on the first only
  --note TEXT             a line added to the report's notes (e.g. what was measured)
  --write-baseline [DIR]  also write DIR/BASELINE.md and DIR/baseline/*.svg from this run (default DIR: bench/)
`;

function parseArgs(argv: string[]) {
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${usage}`);
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags[a.slice(2)] = argv[++i]!;
    else flags[a.slice(2)] = true;
  }
  if (flags.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const sizes: Sizes = { ...(flags.quick ? quickSizes : fullSizes) };
  const num = (k: string, key: keyof Sizes, min: number) => {
    if (flags[k] === undefined) return;
    const v = Number(flags[k]);
    if (!Number.isFinite(v) || v < min) throw new Error(`--${k} wants a number ≥ ${min}`);
    sizes[key] = v;
  };
  num('seq', 'seqRequests', 1);
  num('duration', 'concSeconds', 0.1);
  num('connections', 'connections', 1);
  num('rounds', 'rounds', 1);
  num('cold', 'coldRuns', 1);
  num('burst', 'burst', 1);
  num('mem-ees', 'memEes', 1);
  num('async', 'asyncEvents', 1);
  num('queue-seq', 'queueSeq', 1);
  num('queue-duration', 'queueSeconds', 0.1);
  num('queue-recv', 'queueRecv', 1);
  num('queue-e2e', 'queueE2e', 1);
  num('stream-batches', 'streamBatches', 1);
  num('stream-duration', 'streamSeconds', 0.1);
  num('stream-e2e', 'streamE2e', 1);
  const list = <T extends string>(k: string, all: readonly T[]): Set<T> => {
    if (typeof flags[k] !== 'string') return new Set(all);
    const xs = (flags[k] as string).split(',').map((s) => s.trim()).filter(Boolean);
    for (const x of xs) if (!all.includes(x as T)) throw new Error(`--${k}: unknown ${x} (choose from ${all.join(', ')})`);
    return new Set(xs as T[]);
  };
  const only = list('only', groups);
  const ph = list('phases', phases);
  if (ph.has('memory')) ph.add('burst');
  if (ph.has('burst')) ph.add('memory');
  if (flags.database === true) throw new Error('--database wants a list: sqlite, postgres or sqlite,postgres');
  const databases = [...new Set(flags.database === undefined ? storeModes : flags.database.split(',').map((x) => x.trim()).filter(Boolean))];
  for (const x of databases) if (!storeModes.includes(x as StoreMode)) throw new Error(`--database: unknown ${x} (choose from ${storeModes.join(', ')})`);
  if (!databases.length) throw new Error('--database: name at least one of sqlite, postgres');
  return {
    sizes, only, phases: ph, quick: !!flags.quick, databases: databases as StoreMode[],
    out: typeof flags.out === 'string' ? flags.out : undefined,
    note: typeof flags.note === 'string' ? flags.note : undefined,
    baselineDir: flags['write-baseline'] === undefined ? undefined : typeof flags['write-baseline'] === 'string' ? path.resolve(flags['write-baseline']) : path.join(projectRoot, 'bench'),
  };
}

function commandOutput(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim();
  } catch {
    return 'unavailable';
  }
}

/** Commit and cleanliness of the measured tree (read-only git commands). */
function gitState(): Record<string, string> {
  const commit = commandOutput('git', ['-C', projectRoot, 'rev-parse', '--short', 'HEAD']);
  if (commit === 'unavailable') return { commit: 'unknown (not a git work tree)' };
  const dirty = commandOutput('git', ['-C', projectRoot, 'status', '--porcelain', '--untracked-files=no']);
  return { commit, 'work tree': dirty === 'unavailable' ? 'unknown' : dirty ? 'has uncommitted changes' : 'clean' };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const stamp = new Date(t0).toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const outDir = path.resolve(opts.out ?? path.join(projectRoot, 'bench', 'results', stamp));
  fs.mkdirSync(outDir, { recursive: true });
  const logFile = fs.createWriteStream(path.join(outDir, 'run.log'));
  const log = (s: string) => {
    const line = `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}`;
    process.stdout.write(line + '\n');
    logFile.write(line + '\n');
  };
  const has = (g: Group) => opts.only.has(g);
  const phase = (p: Phase) => opts.phases.has(p);
  const sizes = opts.sizes;

  const data: RunData = {
    startedAt: new Date(t0).toISOString(),
    env: {
      host: os.hostname(),
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
      memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
      kernel: `${os.type()} ${os.release()}`,
      node: process.version,
      python: commandOutput('python3', ['--version']),
      runc: commandOutput('runc', ['--version']).split('\n')[0] ?? '?',
      ...gitState(),
      'load average at start': os.loadavg().map((x) => x.toFixed(2)).join(' '),
      mode: opts.quick ? 'quick' : 'full',
      'target groups': [...opts.only].join(','),
      phases: [...opts.phases].join(','),
    },
    sizes,
    warm: [],
    cold: [],
    async: [],
    control: [],
    queue: [],
    stream: [],
    warmDb: [],
    missing: [],
    notes: [
      'Every measured process (floors, peer, Kumo server, cold-start floors) runs with a minimal environment: PATH, HOME, LANG and what it needs (Kumo credentials, serverless settings). NODE_EXTRA_CA_CERTS, set in some shells and worth ~28 ms per Node.js start, never reaches them. npm (peer install) keeps the caller\'s environment.',
      'Requests to Kumo are SigV4-signed per request inside the timed section with @smithy/signature-v4 and the SHA-256 the AWS SDK v3 uses in Node.js (@smithy/core/checksum, node:crypto based); the floors and the peer do not verify signatures and get unsigned requests. The SDK\'s other per-request middleware (serialisation, retries) is not included.',
      'Load client, floors, peer and Kumo share the machine\'s cores; the client runs in the harness process. Only ratios from the same run are meaningful; absolute times drift on a shared machine.',
    ],
    leftovers: [],
  };
  if (has('kumo')) {
    data.env['Kumo store modes'] = opts.databases.map(modeName).join(', ') + (opts.databases.length > 1 ? ` (one server each; cold, burst and memory on ${modeName(opts.databases[0]!)} only)` : '');
  }
  if (opts.databases.includes('postgres') && has('kumo')) {
    data.notes.unshift('Kumo on PostgreSQL (`kumo-…-pg`) ran with KUMO_DATABASE_URL on a throwaway PostgreSQL on this machine (Debian\'s server, fsync on, default settings plus pg_stat_statements preloaded to count the warm phase\'s statements): metadata, async queue and logs in PostgreSQL. Both Kumo servers were up during every phase; the one not measured idles.');
  }
  if (opts.note) data.notes.unshift(opts.note);
  log(`Kumo benchmark → ${path.relative(process.cwd(), outDir) || outDir}`);
  log(`sizes: ${JSON.stringify(sizes)}; groups: ${[...opts.only].join(',')}; phases: ${[...opts.phases].join(',')}`);

  const targets = live.targets;
  /** One Kumo server per store mode, in `--database` order; the first one also runs cold, burst and memory. */
  const servers: { mode: StoreMode; kumo: Kumo }[] = [];
  let kumo: Kumo | undefined;
  let pgServer: ThrowawayPostgres | undefined;
  let peer: PeerInstall | undefined;
  let sqslite: SqsliteInstall | undefined;
  let kinesalite: KinesaliteInstall | undefined;
  let runc: RuncFloor | undefined;
  const missing = (what: string, why: string) => {
    data.missing.push({ what, why });
    log(`N/A ${what}: ${why}`);
  };
  const jsonl: unknown[] = [];

  try {
    // 1. The peer install (network and CPU heavy: before anything is measured).
    if (has('peer') && phase('warm')) {
      try {
        peer = await installPeer(log);
        data.env['serverless-offline'] = `serverless ${peer.versions.serverless}, serverless-offline ${peer.versions['serverless-offline']} (npm install ${(peer.installMs / 1000).toFixed(0)} s)`;
      } catch (e) {
        missing('serverless-offline (both modes)', (e as Error).message);
      }
    }
    if (has('kinesalite') && phase('stream')) {
      try {
        kinesalite = await installKinesalite(log);
        data.env.kinesalite = `${kinesalite.version} (npm install ${(kinesalite.installMs / 1000).toFixed(0)} s)`;
      } catch (e) {
        missing('kinesalite', (e as Error).message);
      }
    }
    if (has('sqslite') && phase('queue')) {
      try {
        sqslite = await installSqslite(log);
        data.env.sqslite = `${sqslite.version} (npm install ${(sqslite.installMs / 1000).toFixed(0)} s)`;
      } catch (e) {
        missing('sqslite', (e as Error).message);
      }
    }

    // 2. Kumo: start, idle RSS, deploy.
    const fnNames = {
      node: 'bench-warm-node',
      python: 'bench-warm-python',
      burst: 'bench-burst',
      // Enough for memEes EEs in batches of topUpBatchMax even if the burst made none, plus two for failures.
      topUp: Array.from({ length: Math.ceil(sizes.memEes / topUpBatchMax) + 2 }, (_, i) => `bench-mem-${i + 1}`),
      async: 'bench-async',
      control: 'bench-control',
      queue: 'bench-queue',
      stream: 'bench-stream',
      // One more than measured: the first round of the cold phase is an unmeasured warm-up.
      coldNode: Array.from({ length: sizes.coldRuns + coldWarmupRuns }, (_, i) => `bench-cold-node-${i}`),
      coldPython: Array.from({ length: sizes.coldRuns + coldWarmupRuns }, (_, i) => `bench-cold-python-${i}`),
      coldJava: Array.from({ length: sizes.coldRuns + coldWarmupRuns }, (_, i) => `bench-cold-java-${i}`),
      coldRuby: Array.from({ length: sizes.coldRuns + coldWarmupRuns }, (_, i) => `bench-cold-ruby-${i}`),
    };
    let idle = { afterStart: NaN, deployed: NaN };
    if (has('kumo')) {
      for (const [i, mode] of opts.databases.entries()) {
        const primary = i === 0;
        // The other modes serve the phases that touch the store only.
        if (!primary && !phase('warm') && !phase('async') && !phase('control') && !phase('queue') && !phase('stream')) {
          log(`Kumo [${modeName(mode)}] not started: none of warm, async, control, queue is among the phases`);
          continue;
        }
        let k: Kumo | undefined;
        try {
          let databaseUrl: string | undefined;
          if (mode === 'postgres') {
            log('starting a throwaway PostgreSQL for Kumo (pg_stat_statements preloaded)…');
            pgServer = await startPostgres({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
            await enableStatementCounts(pgServer.url);
            databaseUrl = await pgServer.createDatabase(pgDatabase);
          }
          log(`starting Kumo on ${modeName(mode)} (bin/kumo server --port 0, temp data dir)…`);
          k = await Kumo.start({ databaseUrl });
          live.kumos.push(k);
          log(`Kumo [${modeName(mode)}] listening on 127.0.0.1:${k.port} (pid ${k.pid})`);
          await new Promise((r) => setTimeout(r, 1000));
          if (primary) idle.afterStart = k.rss() ?? NaN;
          type Code = { handler: string; files: Record<string, string | Buffer> };
          const todo: { name: string; runtime: string; code: Code }[] = [];
          const add = (names: string[], runtime: 'nodejs20.x' | 'python3.11', code: Code = noopCode[runtime]) =>
            todo.push(...names.map((name) => ({ name, runtime, code })));
          if (primary && phase('cold')) {
            // java17 and ruby3.2 cold starts (issue 19): the Java class compiled here with the manifest's javac, zipped as classes.
            const java = { handler: javaNoopSource.handler, files: compileJava(javaNoopSource.sources) };
            todo.push(...fnNames.coldJava.map((name) => ({ name, runtime: 'java17', code: java })));
            todo.push(...fnNames.coldRuby.map((name) => ({ name, runtime: 'ruby3.2', code: rubyNoopCode })));
          }
          if (phase('warm')) add([fnNames.node], 'nodejs20.x'), add([fnNames.python], 'python3.11');
          if (phase('async')) add([fnNames.async], 'nodejs20.x', asyncCode);
          if (phase('control')) add([fnNames.control], 'nodejs20.x');
          if (phase('queue')) add([fnNames.queue], 'nodejs20.x');
          if (phase('stream')) add([fnNames.stream], 'nodejs20.x', streamCode);
          if (primary && phase('burst')) add([fnNames.burst, ...fnNames.topUp], 'nodejs20.x');
          if (primary && phase('cold')) add(fnNames.coldNode, 'nodejs20.x'), add(fnNames.coldPython, 'python3.11');
          log(`deploying ${todo.length} functions…`);
          for (const f of todo) await k.deploy(f.name, f.runtime, f.code.handler, { ...f.code.files });
          await new Promise((r) => setTimeout(r, 1000));
          if (primary) idle.deployed = k.rss() ?? NaN;
          // Does the invoke path work at all? One invoke of a throw-away function would be a cold start of
          // a function we measure, so check with the warm functions only (their first invoke is a warm-up anyway).
          // It also loads their versions into the server's cache before the warm phase's database watch starts.
          for (const fn of phase('warm') ? [fnNames.node, fnNames.python] : []) {
            const agent = new http.Agent({ keepAlive: false });
            const o = await invoke(k.endpoint(fn), agent, { timeoutMs: 60_000 });
            agent.destroy();
            if (!o.ok) throw new Error(`first invoke of ${fn} failed: ${o.error}`);
          }
          servers.push({ mode, kumo: k });
          if (primary) kumo = k;
        } catch (e) {
          missing(`Kumo [${modeName(mode)}]`, `${(e as Error).message.slice(0, 1500)}`);
          if (k) {
            live.kumos.splice(live.kumos.indexOf(k), 1);
            data.leftovers.push(...(await k.stop()));
          }
        }
      }
    }

    if (kumo) {
      const us = await signingCost(kumo);
      data.env['SigV4 signing (client, per request)'] = `${us.toFixed(1)} µs (included in every Kumo latency)`;
      log(`SigV4 signing costs the client ${us.toFixed(1)} µs per request`);
    }

    // 3. Cold starts, interleaved with the floors, on a quiet server.
    if (phase('cold') && (has('floors') || kumo)) {
      log('COLD START');
      const subjects: ColdSubject[] = [];
      if (has('floors') || kumo) {
        try {
          runc = new RuncFloor();
        } catch (e) {
          missing('runc floors', (e as Error).message);
        }
        subjects.push(...floorSubjects(runc, (e) => missing('runc floors', e.message)));
      }
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      if (kumo) {
        subjects.push(
          kumoColdSubject(kumo, 'nodejs20.x', fnNames.coldNode, agent), kumoColdSubject(kumo, 'python3.11', fnNames.coldPython, agent),
          kumoColdSubject(kumo, 'java17', fnNames.coldJava, agent), kumoColdSubject(kumo, 'ruby3.2', fnNames.coldRuby, agent),
        );
      }
      data.cold = await runCold(subjects, sizes.coldRuns, coldWarmupRuns, log);
      agent.destroy();
    }

    // 3b. /tmp scratch disks: made on demand and taken from a pool (no server needed; Kumo's built code).
    if (has('kumo') && phase('scratch')) {
      log('SCRATCH DISKS');
      try {
        data.scratch = await runScratch(sizes.coldRuns, log);
      } catch (e) {
        missing('scratch disks', (e as Error).message.slice(0, 500));
      }
    }

    // 4. Burst and memory (after the cold starts: the burst leaves teardown work behind that would disturb them).
    if (kumo && phase('burst')) {
      log('BURST + MEMORY');
      try {
        const r = await runBurstAndMemory(kumo, sizes, { burst: fnNames.burst, topUp: fnNames.topUp }, idle, log);
        r.burst.cores = os.cpus().length;
        data.burst = r.burst;
        data.memory = r.memory;
      } catch (e) {
        missing('burst/memory', (e as Error).message);
      }
    }

    // 5. Warm phases, all targets up at once, interleaved.
    if (phase('warm')) {
      log('WARM: starting targets…');
      const starters: [string, () => Promise<WarmTarget>][] = [];
      if (has('floors')) {
        starters.push(['floor-a', startFloorA], ['floor-b1', () => startFloorB(1, 'node')], ['floor-b2', () => startFloorB(2, 'node')]);
        starters.push(['floor-b1-py', () => startFloorB(1, 'python')], ['floor-b2-py', () => startFloorB(2, 'python')]);
        // As many runtime processes as a Lambda-style platform needs at this concurrency (one request per EE at a time).
        if (sizes.connections > 2) starters.push([`floor-b${sizes.connections}`, () => startFloorB(sizes.connections, 'node')]);
      }
      if (peer) starters.push(['sls-worker', () => startPeer(peer!, 'worker')], ['sls-inprocess', () => startPeer(peer!, 'inprocess')]);
      // Kumo in each store mode, side by side: node on SQLite, node on PostgreSQL, then python.
      const kumoOf = new Map<string, Kumo>();
      for (const [fn, runtime, base] of [[fnNames.node, 'nodejs20.x', 'kumo-node'], [fnNames.python, 'python3.11', 'kumo-python']] as const) {
        for (const { mode, kumo: k } of servers) {
          const key = `${base}${modeSuffix(mode)}`;
          kumoOf.set(key, k);
          starters.push([key, async () => k.warmTarget(key, `Kumo ${runtime} (${modeName(mode)})`, fn)]);
        }
      }
      for (const [key, s] of starters) {
        try {
          targets.push(await s());
        } catch (e) {
          missing(key, (e as Error).message.slice(0, 1500));
        }
      }
      if (targets.length) {
        log(`WARM: ${targets.map((t) => t.key).join(', ')}`);
        // Kumo: EEs created for the function = its cold REPORT lines (one per EE).
        const afterConc = async (t: WarmTarget) => {
          const k = kumoOf.get(t.key);
          if (t.group !== 'kumo' || !k) return t.runtimeProcesses();
          await new Promise((r) => setTimeout(r, 500));
          try {
            return k.logs(t.endpoint.functionName, 'Init Duration').length;
          } catch {
            return undefined;
          }
        };
        // The warm invoke path touches no database: watch each server's store over the whole phase.
        const probes: { mode: StoreMode; probe: WarmDbProbe }[] = [];
        for (const { mode, kumo: k } of servers) {
          try {
            probes.push({ mode, probe: mode === 'postgres' ? await watchPostgres(pgServer!.url, pgDatabase) : watchSqlite(k.dataDir) });
          } catch (e) {
            missing(`warm database use [${modeName(mode)}]`, (e as Error).message);
          }
        }
        data.warm = await runWarm(targets, sizes, log, afterConc);
        for (const { mode, probe } of probes) {
          try {
            const u = await probe.finish();
            data.warmDb.push(u);
            log(`WARM database use [${modeName(mode)}]: ${u.ok ? 'none on the invoke path' : 'ON THE INVOKE PATH'}; ${u.detail}`);
          } catch (e) {
            missing(`warm database use [${modeName(mode)}]`, (e as Error).message);
          }
        }
      }
      for (const t of targets.splice(0)) await t.stop().catch(() => undefined);
    }

    // 5b. Tracing on and off: two more Kumo servers (SQLite), the warm phase's rounds on each (bench/phases/tracing.ts).
    if (has('kumo') && phase('tracing')) {
      log('TRACING ON/OFF (two Kumo servers; the second exports every invocation over OTLP to a collector here that discards it)');
      let pair: Kumo[] = [];
      try {
        const r = await runTracing(sizes, log, (k) => {
          live.kumos.push(k);
          pair.push(k);
        });
        data.warm.push(...r.results);
        if (r.exports === 0) missing('tracing on/off', 'the traced server exported nothing');
      } catch (e) {
        missing('tracing on/off', (e as Error).message.slice(0, 1500));
      } finally {
        for (const k of pair) {
          data.leftovers.push(...(await k.stop()));
          live.kumos.splice(live.kumos.indexOf(k), 1);
        }
        pair = [];
      }
    }

    // 6. Async, each store mode in turn (the store is on this path).
    for (const { mode, kumo: k } of phase('async') ? servers : []) {
      log(`ASYNC [${modeName(mode)}]`);
      try {
        data.async.push(await runAsync(k, fnNames.async, sizes, opts.quick ? 60_000 : 180_000, log));
      } catch (e) {
        missing(`async [${modeName(mode)}]`, (e as Error).message);
      }
    }
    // 7. Control plane, each store mode in turn.
    for (const { mode, kumo: k } of phase('control') ? servers : []) {
      log(`CONTROL PLANE [${modeName(mode)}]`);
      try {
        data.control.push(await runControl(k, fnNames.control, sizes, log));
      } catch (e) {
        missing(`control plane [${modeName(mode)}]`, (e as Error).message);
      }
    }
    // 8. Queues: Kumo's SQS in each store mode beside sqslite and moto, in the same phase.
    if (phase('queue') && (servers.length || has('sqslite') || has('moto'))) {
      log('QUEUE');
      const subjects: QueueSubject[] = [];
      for (const { mode, kumo: k } of servers) {
        subjects.push({ key: `kumo-node${modeSuffix(mode)}`, label: `Kumo SQS (${modeName(mode)})`, protocol: 'json', endpoint: k.sqsEndpoint(), stop: async () => undefined, kumo: { server: k, functionName: fnNames.queue } });
      }
      const peerStarts: [string, () => Promise<QueueTarget>][] = [];
      if (sqslite) peerStarts.push(['sqslite', () => startSqslite(sqslite!)]);
      if (has('moto')) {
        const bin = findMotoServer();
        if (bin) peerStarts.push(['moto', () => startMoto(bin)]);
        else missing('moto', 'absent (no moto_server on PATH)');
      }
      for (const [key, s] of peerStarts) {
        try {
          const t = await s();
          live.queuePeers.push(t);
          subjects.push(t);
          log(`queue peer ${key}: ${t.label} on 127.0.0.1:${t.endpoint.port} (${t.protocol})`);
        } catch (e) {
          missing(key, (e as Error).message.slice(0, 1500));
        }
      }
      if (subjects.length) {
        try {
          data.queue = await runQueue(subjects, sizes, log);
        } catch (e) {
          missing('queue', (e as Error).message);
        }
      }
      for (const t of live.queuePeers.splice(0)) await t.stop().catch(() => undefined);
    }
    // 9. Streams: Kumo's Kinesis in each store mode beside kinesalite and moto, in the same phase.
    if (phase('stream') && (servers.length || kinesalite || has('moto'))) {
      log('STREAM');
      const subjects: StreamSubject[] = servers.map(({ mode, kumo: k }) => ({ key: `kumo-node${modeSuffix(mode)}`, label: `Kumo Kinesis (${modeName(mode)})`, endpoint: k.kinesisEndpoint(), kumo: { server: k, functionName: fnNames.stream } }));
      const peerStarts: [string, () => Promise<StreamPeer>][] = [];
      if (kinesalite) peerStarts.push(['kinesalite', () => startKinesalite(kinesalite!)]);
      if (has('moto')) {
        const bin = findMotoServer();
        if (bin) peerStarts.push(['moto', () => startMotoKinesis(bin)]);
        else missing('moto (stream)', 'absent (no moto_server on PATH)');
      }
      for (const [key, s] of peerStarts) {
        try {
          const t = await s();
          live.streamPeers.push(t);
          subjects.push(t);
          log(`stream peer ${key}: ${t.label} on 127.0.0.1:${t.endpoint.port}`);
        } catch (e) {
          missing(`${key} (stream)`, (e as Error).message.slice(0, 1500));
        }
      }
      if (subjects.length) {
        try {
          data.stream = await runStream(subjects, sizes, log);
        } catch (e) {
          missing('stream', (e as Error).message);
        }
      }
      for (const t of live.streamPeers.splice(0)) await t.stop().catch(() => undefined);
    }
  } finally {
    for (const t of targets) await t.stop().catch(() => undefined);
    for (const t of live.streamPeers.splice(0)) await t.stop().catch(() => undefined);
    for (const t of live.queuePeers.splice(0)) await t.stop().catch(() => undefined);
    for (const { mode, kumo: k } of servers) {
      log(`stopping Kumo [${modeName(mode)}] (SIGTERM: it destroys its EEs)…`);
      data.leftovers.push(...(await k.stop()));
      live.kumos.splice(live.kumos.indexOf(k), 1);
    }
    // After Kumo (its last writes), with -m immediate; test/postgres.ts also stops it on exit if a run is interrupted.
    pgServer?.stop();
    runc?.removeCgroups();
    if (peer) removeTempDir(peer.dir);
    if (sqslite) removeTempDir(sqslite.dir);
    if (kinesalite) removeTempDir(kinesalite.dir);
  }

  data.finishedAt = new Date().toISOString();
  data.durationS = (Date.now() - t0) / 1000;
  data.env['load average at end'] = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  // Outputs.
  const c = checks(data);
  jsonl.push({ type: 'run', startedAt: data.startedAt, finishedAt: data.finishedAt, durationS: data.durationS, env: data.env, sizes });
  for (const w of data.warm) jsonl.push({ type: 'warm', ...w });
  for (const x of data.cold) jsonl.push({ type: 'cold', ...x });
  if (data.scratch) jsonl.push({ type: 'scratch', ...data.scratch });
  if (data.burst) jsonl.push({ type: 'burst', ...data.burst });
  if (data.memory) jsonl.push({ type: 'memory', ...data.memory });
  for (const a of data.async) jsonl.push({ type: 'async', ...a });
  for (const k of data.control) jsonl.push({ type: 'control', ...k });
  for (const q of data.queue) jsonl.push({ type: 'queue', ...q });
  for (const x of data.stream) jsonl.push({ type: 'stream', ...x });
  for (const u of data.warmDb) jsonl.push({ type: 'warm-db', ...u });
  for (const k of c.checks) jsonl.push({ type: 'check', ...k });
  for (const i of c.info) jsonl.push({ type: 'info', text: i });
  for (const m of data.missing) jsonl.push({ type: 'missing', ...m });
  for (const l of data.leftovers) jsonl.push({ type: 'leftover', what: l });
  fs.writeFileSync(path.join(outDir, 'results.jsonl'), jsonl.map((j) => JSON.stringify(j)).join('\n') + '\n');
  const svgs = charts(data);
  for (const [name, svg] of Object.entries(svgs)) fs.writeFileSync(path.join(outDir, name), svg);
  fs.writeFileSync(path.join(outDir, 'report.md'), markdown(data, Object.keys(svgs)));
  const t = table(data);
  fs.writeFileSync(path.join(outDir, 'table.txt'), t + '\n');
  process.stdout.write('\n' + t + '\n\n');
  log(`results: ${outDir}/{${['report.md', 'results.jsonl', 'table.txt', 'run.log', ...Object.keys(svgs)].join(',')}} (${data.durationS.toFixed(0)} s)`);
  for (const l of data.leftovers) log(`LEFTOVER: ${l}`);
  if (opts.baselineDir) {
    const dir = path.join(opts.baselineDir, 'baseline');
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, svg] of Object.entries(svgs)) fs.writeFileSync(path.join(dir, name), svg);
    const header = [
      '<!-- Written by `node dist/bench/run.js --write-baseline` (bench/run.ts); re-run and commit when performance changes. -->',
      '',
      `This is the reference run of the benchmark harness (see bench/README.md for what each number means and how to read the ratios). Produced with the full default sizes${opts.quick ? ' (NO: --quick sizes)' : ''} on ${data.startedAt.slice(0, 10)}; the machine and load are listed below. Compare ratios, not absolute times, with your own run.`,
      '',
    ].join('\n');
    const md = markdown(data, Object.keys(svgs).map((n) => `baseline/${n}`)).replace(/^# Kumo benchmark — /, '# Kumo benchmark baseline — ');
    const [title, ...rest] = md.split('\n');
    fs.writeFileSync(path.join(opts.baselineDir, 'BASELINE.md'), [title, '', header, ...rest].join('\n'));
    log(`baseline written: ${path.join(opts.baselineDir, 'BASELINE.md')} and ${dir}/`);
  }
  await new Promise<void>((r) => logFile.end(r));
  return 0;
}

// The AWS SDK (used only to deploy) warns once that Node.js 20 is past its support window; keep the output readable.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
  if (String(typeof w === 'string' ? w : w.message).includes('AWS SDK for JavaScript')) return;
  (emitWarning as (...a: unknown[]) => void)(w, ...rest);
}) as typeof process.emitWarning;

/** Mean cost of signing one Invoke request, µs (the part of Kumo's latency the floors and the peer do not pay). */
async function signingCost(kumo: Kumo): Promise<number> {
  const body = Buffer.from('{"bench":true}');
  const req = () => ({
    method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: kumo.port, path: '/2015-03-31/functions/x/invocations', query: {},
    headers: { host: `127.0.0.1:${kumo.port}`, 'content-type': 'application/octet-stream', 'content-length': String(body.length) }, body,
  });
  for (let i = 0; i < 200; i++) await kumo.signer.sign(req());
  const n = 2000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await kumo.signer.sign(req());
  return ((performance.now() - t0) * 1000) / n;
}

/** What is running, so that an interrupted run still stops it properly (Kumo: SIGTERM, so it removes its EEs). */
const live: { kumos: Kumo[]; targets: WarmTarget[]; queuePeers: QueueTarget[]; streamPeers: StreamPeer[] } = { kumos: [], targets: [], queuePeers: [], streamPeers: [] };

let cleaned = false;
const cleanup = () => {
  if (cleaned) return;
  cleaned = true;
  cleanupAllSync();
};
process.on('exit', cleanup);
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (interrupted) {
      process.stderr.write(`\nbench: ${sig} again, killing what is left\n`);
      cleanup();
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping every process it started (again to force)…\n`);
    void (async () => {
      await Promise.all([...live.targets, ...live.queuePeers, ...live.streamPeers].map((t) => t.stop().catch(() => undefined)));
      await Promise.all(live.kumos.map((k) => k.stop().catch(() => undefined)));
      cleanup();
      process.exit(130);
    })();
  });
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
