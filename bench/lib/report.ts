/** PASS/MISS lines, the stdout table, the markdown report and its charts, from one run's results. */
import { barChart, percentileChart, type BarRow } from './svg';
import { median, ratio } from './stats';
import { modeName, modeSuffix, type AsyncResult, type ControlResult, type QueueResult, type StreamResult, type BurstResult, type Check, type ColdResult, type MemoryResult, type ScratchResult, type Sizes, type StoreMode, type WarmResult } from './results';
import type { WarmDbUse } from './db-use';

export interface RunData {
  startedAt: string;
  finishedAt?: string;
  durationS?: number;
  env: Record<string, string | number>;
  sizes: Sizes;
  warm: WarmResult[];
  cold: ColdResult[];
  burst?: BurstResult;
  scratch?: ScratchResult;
  memory?: MemoryResult;
  /** One per Kumo store mode measured (`--database`). */
  async: AsyncResult[];
  control: ControlResult[];
  /** Queue phase: Kumo per store mode, sqslite, moto. */
  queue: QueueResult[];
  stream: StreamResult[];
  /** What the database did during the warm phase, per Kumo store mode. */
  warmDb: WarmDbUse[];
  /** Targets or phases that could not be measured, and why. */
  missing: { what: string; why: string }[];
  notes: string[];
  leftovers: string[];
}

const MB = 1e6;
const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const fx = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`);
const mb = (b: number | undefined) => (b === undefined || !Number.isFinite(b) ? '–' : `${(b / MB).toFixed(2)} MB`);

function warmOf(d: RunData, key: string): WarmResult | undefined {
  return d.warm.find((w) => w.target === key);
}
function coldOf(d: RunData, key: string): ColdResult | undefined {
  return d.cold.find((c) => c.subject === key);
}

/** The Kumo store modes this run measured, SQLite first. */
function kumoModes(d: RunData): StoreMode[] {
  const seen = new Set<StoreMode>([...d.warm.flatMap((w) => (w.database ? [w.database] : [])), ...d.async.map((a) => a.database), ...d.control.map((c) => c.database), ...d.queue.flatMap((q) => (q.database ? [q.database] : []))]);
  return (['sqlite', 'postgres'] as const).filter((m) => seen.has(m));
}

/** The issue's targets, as PASS / MISS / N/A lines, with ratios from this run only. */
export function checks(d: RunData): { checks: Check[]; info: string[] } {
  const out: Check[] = [];
  const info: string[] = [];
  const usable = (w: WarmResult | undefined, key: string): string | undefined =>
    !w ? `${key} not measured` : !w.valid ? `${key} invalid (${w.invalidReason})` : undefined;
  const cmp = (name: string, aKey: string, bKey: string, pick: (w: WarmResult) => number | undefined, op: 'le' | 'lt' | 'ge', factor: number, unit: string) => {
    const a = warmOf(d, aKey), b = warmOf(d, bKey);
    const why = usable(a, aKey) ?? usable(b, bKey);
    if (why) return out.push({ status: 'N/A', name, detail: why });
    const va = pick(a!)!, vb = pick(b!)!;
    const r = ratio(va, vb);
    const pass = op === 'le' ? r <= factor : op === 'lt' ? r < factor : r >= factor;
    out.push({ status: pass ? 'PASS' : 'MISS', name, detail: `${f(va, 3)} vs ${f(vb, 3)} ${unit} = ${fx(r)} (target ${op === 'le' ? '≤' : op === 'lt' ? '<' : '≥'} ${factor}×)` });
  };
  const p50 = (w: WarmResult) => w.seq?.p50;
  const rps = (w: WarmResult) => w.conc?.rps;
  // The warm targets hold for Kumo in every store mode measured (the warm path touches no database, so they should not differ).
  const warmModes = kumoModes(d).filter((m) => d.warm.some((w) => w.database === m));
  for (const m of warmModes.length ? warmModes : (['sqlite'] as StoreMode[])) {
    const tag = ` [${modeName(m)}]`, node = `kumo-node${modeSuffix(m)}`, python = `kumo-python${modeSuffix(m)}`;
    cmp(`Warm sequential p50, Kumo nodejs20.x${tag} ≤ 1.2 × Floor B1`, node, 'floor-b1', p50, 'le', 1.2, 'ms');
    cmp(`Warm sequential p50, Kumo python3.11${tag} ≤ 1.2 × Floor B1 (python runtime)`, python, 'floor-b1-py', p50, 'le', 1.2, 'ms');
    cmp(`Warm sequential p50, Kumo nodejs20.x${tag} faster than serverless-offline in-process`, node, 'sls-inprocess', p50, 'lt', 1, 'ms');
    cmp(`Warm throughput (${d.sizes.connections} conn), Kumo nodejs20.x${tag} ≥ serverless-offline in-process`, node, 'sls-inprocess', rps, 'ge', 1, 'req/s');
    cmp(`Warm throughput (${d.sizes.connections} conn), Kumo nodejs20.x${tag} ≥ 0.8 × Floor B2`, node, 'floor-b2', rps, 'ge', 0.8, 'req/s');
    cmp(`Warm throughput (${d.sizes.connections} conn), Kumo python3.11${tag} ≥ 0.8 × Floor B2 (python runtime)`, python, 'floor-b2-py', rps, 'ge', 0.8, 'req/s');
  }
  // Issue 17's Numbers: tracing on (every invoke exported) within 5 % of off, same run (bench/phases/tracing.ts).
  if (warmOf(d, 'kumo-node-trace-off') || warmOf(d, 'kumo-node-trace-on')) {
    cmp('Warm sequential p50, Kumo nodejs20.x, tracing on ≤ 1.05 × tracing off', 'kumo-node-trace-on', 'kumo-node-trace-off', p50, 'le', 1.05, 'ms');
    cmp(`Warm throughput (${d.sizes.connections} conn), tracing on ≥ 0.95 × tracing off`, 'kumo-node-trace-on', 'kumo-node-trace-off', rps, 'ge', 0.95, 'req/s');
  }
  if (warmOf(d, 'kumo-node-metrics-off')) {
    cmp('Warm sequential p50, Kumo nodejs20.x, metrics on ≤ 1.05 × metrics off', 'kumo-node-trace-off', 'kumo-node-metrics-off', p50, 'le', 1.05, 'ms');
    cmp(`Warm throughput (${d.sizes.connections} conn), metrics on ≥ 0.95 × metrics off`, 'kumo-node-trace-off', 'kumo-node-metrics-off', rps, 'ge', 0.95, 'req/s');
  }
  queueChecks(d, out, info);
  streamChecks(d, out, info);
  for (const u of d.warmDb) out.push({ status: u.ok ? 'PASS' : 'MISS', name: `Warm invoke path touches no database [${modeName(u.database)}]`, detail: u.detail });

  const kc = coldOf(d, 'kumo-node'), rc = coldOf(d, 'runc-node-e-0');
  const coldName = 'Cold start, Kumo nodejs20.x no-op ≤ 1.15 × runc run node -e 0';
  if (!kc || !rc || !kc.samplesMs.length || !rc.samplesMs.length) {
    out.push({ status: 'N/A', name: coldName, detail: !kc?.samplesMs.length ? 'Kumo cold start not measured' : 'runc floor not measured' });
  } else if (kc.errors) {
    out.push({ status: 'N/A', name: coldName, detail: `invalid: ${kc.errors} failed cold start(s): ${kc.errorSamples[0]}` });
  } else {
    const r = ratio(kc.medianMs, rc.medianMs);
    out.push({ status: r <= 1.15 ? 'PASS' : 'MISS', name: coldName, detail: `median ${f(kc.medianMs, 1)} vs ${f(rc.medianMs, 1)} ms = ${fx(r)} (target ≤ 1.15×)` });
  }
  const memName = 'Platform-side memory per warm EE ≤ 1 MB';
  const m = d.memory;
  if (!m || !m.newEes) out.push({ status: 'N/A', name: memName, detail: m ? 'no EE was created' : 'memory not measured' });
  else out.push({ status: m.perEePlatformBytes <= MB ? 'PASS' : 'MISS', name: memName, detail: `${mb(m.perEePlatformBytes)} per EE over ${m.newEes} EEs (Kumo RSS delta + PSS of per-EE processes; with RSS ${mb(m.perEePlatformRssBytes)}, with USS ${mb(m.perEePlatformUssBytes)}) (target ≤ 1 MB)` });

  // Informational ratios (no target in the issue, or a later aim).
  const kn = coldOf(d, 'node-e-0');
  if (kc?.samplesMs.length && kn?.samplesMs.length) info.push(`cold start Kumo nodejs20.x / node -e 0 = ${fx(ratio(kc.medianMs, kn.medianMs))} (later aim: < 1×, with pre-initialised runtimes)`);
  const kp = coldOf(d, 'kumo-python'), pc = coldOf(d, 'python3-c-0'), rpc = coldOf(d, 'runc-python3-c-0');
  if (kp?.samplesMs.length && pc?.samplesMs.length) info.push(`cold start Kumo python3.11 / python3 -c 0 = ${fx(ratio(kp.medianMs, pc.medianMs))}; / runc run python3 -c 0 = ${fx(ratio(kp.medianMs, rpc?.medianMs))}`);
  const bN = warmOf(d, `floor-b${d.sizes.connections}`), knN = warmOf(d, 'kumo-node');
  if (bN?.valid && knN?.valid) {
    info.push(`warm throughput Kumo nodejs20.x / Floor B${d.sizes.connections} (same number of runtime processes as connections, as Kumo needs) = ${fx(ratio(knN.conc?.rps, bN.conc?.rps))}; p50 sequential ratio = ${fx(ratio(knN.seq?.p50, bN.seq?.p50))}`);
  }
  const sw = warmOf(d, 'sls-worker'), knw = warmOf(d, 'kumo-node');
  if (sw?.valid && knw?.valid) {
    info.push(`warm p50 Kumo nodejs20.x / serverless-offline worker threads = ${fx(ratio(knw.seq?.p50, sw.seq?.p50))}; throughput ratio = ${fx(ratio(knw.conc?.rps, sw.conc?.rps))}`);
  }
  if (d.burst && rc?.samplesMs.length) {
    const floor = (d.burst.count * rc.medianMs) / d.burst.cores;
    info.push(`burst ${d.burst.count}: all answered in ${f(d.burst.allDoneMs, 0)} ms = ${fx(ratio(d.burst.allDoneMs, floor))} of ${d.burst.count} × runc floor ÷ ${d.burst.cores} cores (${f(floor, 0)} ms)`);
  }
  const modes = kumoModes(d);
  if (modes.length === 2) {
    const wn = (m: StoreMode) => warmOf(d, `kumo-node${modeSuffix(m)}`);
    const as = (m: StoreMode) => d.async.find((a) => a.database === m);
    const co = (m: StoreMode) => d.control.find((c) => c.database === m);
    const pairs: [string, (m: StoreMode) => number | undefined][] = [
      ['warm seq p50', (m) => wn(m)?.seq?.p50], ['warm req/s', (m) => wn(m)?.conc?.rps],
      ['async 202 p50', (m) => as(m)?.seq202.p50], ['async accepted/s', (m) => as(m)?.batch.acceptedPerSec], ['async end-to-end events/s', (m) => as(m)?.e2e.eventsPerSec],
      ['GetFunctionConfiguration p50', (m) => co(m)?.get.p50], ['UpdateFunctionConfiguration until applied p50', (m) => co(m)?.update.p50],
      ['CreateFunction until Active p50', (m) => co(m)?.create.p50], ['DeleteFunction p50', (m) => co(m)?.delete.p50],
    ];
    const shown = pairs.map(([l, v]) => [l, ratio(v('postgres'), v('sqlite'))] as const).filter(([, r]) => Number.isFinite(r));
    if (shown.length) info.push(`Kumo on PostgreSQL / on SQLite (same run): ${shown.map(([l, r]) => `${l} ${fx(r)}`).join('; ')}`);
  }
  if (m?.runtimeRss.samples && m.bareNodeRss) info.push(`runtime process RSS (node bootstrap, warm) / bare node -e = ${fx(ratio(m.runtimeRss.median, m.bareNodeRss))} (${mb(m.runtimeRss.median)} vs ${mb(m.bareNodeRss)})`);
  return { checks: out, info };
}

/** Queue figures a peer is measured on too, and whether more is better. */
const queueFigures: { name: string; pick: (q: QueueResult) => number | undefined; unit: string; higher: boolean }[] = [
  { name: 'SendMessage, 1 connection', pick: (q) => q.send1?.msgsPerSec, unit: 'msgs/s', higher: true },
  { name: 'SendMessage, 1 connection, p50', pick: (q) => q.send1?.p50, unit: 'ms', higher: false },
  { name: 'SendMessage, concurrent', pick: (q) => q.sendConc?.msgsPerSec, unit: 'msgs/s', higher: true },
  { name: 'receive+delete', pick: (q) => q.recv?.msgsPerSec, unit: 'msgs/s', higher: true },
];

/** A queue figure with an error is not a figure. */
function queueFigureError(q: QueueResult, name: string): string | undefined {
  const e = name.startsWith('SendMessage, 1') ? q.send1 : name.startsWith('SendMessage') ? q.sendConc : q.recv;
  return !e ? `${q.target} not measured` : e.errors ? `${q.target} invalid (${e.errors} errors: ${e.errorSamples[0]})` : undefined;
}

/** "Kumo leads every peer": per figure and Kumo store mode, against each peer measured in this run. */
function queueChecks(d: RunData, out: Check[], info: string[]): void {
  if (!d.queue.length) return;
  for (const q of d.queue) if (q.recv?.deleteNote) info.push(`${q.target} receive+delete deleted with DeleteMessage, not DeleteMessageBatch: ${q.recv.deleteNote}`);
  for (const q of d.queue) for (const x of q.failures) info.push(`${q.target} queue figure failed: ${x}`);
  const peers = d.queue.filter((q) => !q.database);
  const absent = d.missing.filter((m) => m.what === 'sqslite' || m.what === 'moto').map((m) => `${m.what}: ${m.why}`);
  for (const k of d.queue.filter((q) => q.database)) {
    for (const fig of queueFigures) {
      const name = `Queue ${fig.name.replace('concurrent', `${d.sizes.connections} connections`)} (${fig.unit}), Kumo [${modeName(k.database!)}] leads every peer`;
      const why = queueFigureError(k, fig.name);
      if (why) {
        out.push({ status: 'N/A', name, detail: why });
        continue;
      }
      const usable = peers.filter((p) => !queueFigureError(p, fig.name));
      const skipped = [...peers.filter((p) => queueFigureError(p, fig.name)).map((p) => queueFigureError(p, fig.name)!), ...absent];
      if (!usable.length) {
        out.push({ status: 'N/A', name, detail: `no peer measured${skipped.length ? ` (${skipped.join('; ')})` : ''}` });
        continue;
      }
      const vk = fig.pick(k)!;
      const parts = usable.map((p) => {
        const vp = fig.pick(p)!;
        const lead = fig.higher ? vk > vp : vk < vp;
        return { lead, text: `${p.target} ${f(vp, fig.higher ? 0 : 3)} (${fx(fig.higher ? ratio(vk, vp) : ratio(vp, vk))}${lead ? '' : ', AHEAD OF KUMO'})` };
      });
      out.push({
        status: parts.every((p) => p.lead) ? 'PASS' : 'MISS',
        name,
        detail: `Kumo ${f(vk, fig.higher ? 0 : 3)} vs ${parts.map((p) => p.text).join(', ')}${skipped.length ? `; not compared: ${skipped.join('; ')}` : ''}`,
      });
    }
    if (k.e2e) {
      out.push({ status: 'N/A', name: `Queue → function through an event source mapping (events/s), Kumo [${modeName(k.database!)}] leads every peer`, detail: `Kumo ${f(k.e2e.eventsPerSec, 0)}${k.e2e.timedOut ? ' (TIMED OUT)' : ''}; no peer has Lambda (sqslite, moto: n/a)` });
    }
  }
}

/** The stream figures issue 14 asks Kumo to lead: PutRecords on 1 and 8 connections, GetRecords (records/s, higher is better). */
const streamFigures: { name: string; pick: (r: StreamResult) => { recordsPerSec: number; errors: number; errorSamples: string[] } | undefined }[] = [
  { name: 'PutRecords ×500, 1 connection', pick: (r) => r.put1 },
  { name: 'PutRecords ×500, 8 connections', pick: (r) => r.put8 },
  { name: 'GetRecords, 4 connections', pick: (r) => r.get },
];

/** "Kumo leads every peer" for streams (issue 14): per figure and Kumo store mode, against kinesalite and moto measured in this run. */
function streamChecks(d: RunData, out: Check[], info: string[]): void {
  if (!d.stream.length) return;
  for (const r of d.stream) for (const x of r.failures) info.push(`${r.target} stream figure failed: ${x}`);
  const peers = d.stream.filter((r) => !r.database);
  const absent = d.missing.filter((m) => m.what === 'kinesalite' || m.what === 'moto').map((m) => `${m.what}: ${m.why}`);
  const error = (r: StreamResult, fig: (typeof streamFigures)[number]) => {
    const e = fig.pick(r);
    return !e ? `${r.target} not measured` : e.errors ? `${r.target} invalid (${e.errors} errors: ${e.errorSamples[0]})` : undefined;
  };
  for (const k of d.stream.filter((r) => r.database)) {
    for (const fig of streamFigures) {
      const name = `Stream ${fig.name} (records/s), Kumo [${modeName(k.database!)}] leads every peer`;
      const why = error(k, fig);
      if (why) {
        out.push({ status: 'N/A', name, detail: why });
        continue;
      }
      const usable = peers.filter((p) => !error(p, fig));
      const skipped = [...peers.filter((p) => error(p, fig)).map((p) => error(p, fig)!), ...absent];
      if (!usable.length) {
        out.push({ status: 'N/A', name, detail: `no peer measured${skipped.length ? ` (${skipped.join('; ')})` : ''}` });
        continue;
      }
      const vk = fig.pick(k)!.recordsPerSec;
      const parts = usable.map((p) => {
        const vp = fig.pick(p)!.recordsPerSec;
        return { lead: vk > vp, text: `${p.target} ${f(vp, 0)} (${fx(ratio(vk, vp))}${vk > vp ? '' : ', AHEAD OF KUMO'})` };
      });
      out.push({
        status: parts.every((p) => p.lead) ? 'PASS' : 'MISS',
        name,
        detail: `Kumo ${f(vk, 0)} vs ${parts.map((p) => p.text).join(', ')}${skipped.length ? `; not compared: ${skipped.join('; ')}` : ''}`,
      });
    }
  }
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** One column of the figure table: a warm target, and for Kumo's node column the async and control figures of its server. */
interface Column {
  key: string;
  warm?: WarmResult;
  async?: AsyncResult;
  control?: ControlResult;
  queue?: QueueResult;
  db?: WarmDbUse;
}
interface FigureSection {
  title: string;
  rows: { figure: string; cells: string[] }[];
}

/**
 * Warm, async and control-plane figures in one table: a row per figure, a
 * column per target (floors, peer, Kumo in each store mode side by side).
 * The async and control phases run per Kumo server, on its nodejs20.x
 * function, so their figures are in the `kumo-node…` columns.
 */
export function figureTable(d: RunData): { columns: string[]; sections: FigureSection[] } {
  const cols: Column[] = d.warm.map((w) => ({ key: w.target, warm: w }));
  for (const m of kumoModes(d)) {
    const key = `kumo-node${modeSuffix(m)}`;
    let c = cols.find((x) => x.key === key);
    if (!c) cols.push((c = { key }));
    c.async = d.async.find((a) => a.database === m);
    c.control = d.control.find((x) => x.database === m);
    c.db = d.warmDb.find((u) => u.database === m);
  }
  for (const q of d.queue) {
    let c = cols.find((x) => x.key === q.target);
    if (!c) cols.push((c = { key: q.target }));
    c.queue = q;
  }
  const b1 = warmOf(d, 'floor-b1')?.seq?.p50, sip = warmOf(d, 'sls-inprocess'), b2 = warmOf(d, 'floor-b2')?.conc?.rps;
  type Row = [string, (c: Column) => string | undefined];
  const w = (pick: (w: WarmResult) => string | undefined): Row[1] => (c) => (c.warm ? pick(c.warm) : undefined);
  const a = (pick: (a: AsyncResult) => string): Row[1] => (c) => (c.async ? pick(c.async) : undefined);
  const k = (pick: (k: ControlResult) => string): Row[1] => (c) => (c.control ? pick(c.control) : undefined);
  const q = (pick: (q: QueueResult) => string | undefined): Row[1] => (c) => (c.queue ? pick(c.queue) : undefined);
  const qBest = (pick: (q: QueueResult) => number | undefined, higher: boolean) => {
    const peers = d.queue.filter((x) => !x.database).map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return peers.length ? (higher ? Math.max(...peers) : Math.min(...peers)) : undefined;
  };
  const bestSend1 = qBest((x) => x.send1?.msgsPerSec, true), bestConc = qBest((x) => x.sendConc?.msgsPerSec, true), bestRecv = qBest((x) => x.recv?.msgsPerSec, true);
  const qErr = (e: { errors: number } | undefined, v: string) => (!e ? undefined : e.errors ? `${v} (${e.errors} err)` : v);
  const cpu = (part: 'server' | 'runtime' | 'client') => w((x) => (x.conc?.cpuMsPerRequest ? f(x.conc.cpuMsPerRequest[part], 3) : undefined));
  const sections: [string, Row[]][] = [
    [`WARM sequential: ${d.sizes.seqRequests} req on 1 connection (ms)`, [
      ['p50', w((x) => f(x.seq?.p50, 3))], ['p90', w((x) => f(x.seq?.p90, 3))], ['p99', w((x) => f(x.seq?.p99, 3))],
      ['p50 ×B1', w((x) => fx(ratio(x.seq?.p50, b1)))], ['p50 ×sls-ip', w((x) => fx(ratio(x.seq?.p50, sip?.seq?.p50)))],
    ]],
    [`WARM concurrent: ${d.sizes.connections} connections, ${d.sizes.concSeconds} s`, [
      ['req/s', w((x) => f(x.conc?.rps, 0))], ['p50 ms', w((x) => f(x.conc?.p50, 2))], ['p99 ms', w((x) => f(x.conc?.p99, 2))],
      ['req/s ×B2', w((x) => fx(ratio(x.conc?.rps, b2)))], ['req/s ×sls-ip', w((x) => fx(ratio(x.conc?.rps, sip?.conc?.rps)))],
      ['runtime procs', w((x) => (x.runtimeProcesses === undefined ? '?' : String(x.runtimeProcesses)))],
      ['cpu ms/req server', cpu('server')], ['cpu ms/req runtime', cpu('runtime')], ['cpu ms/req client', cpu('client')],
      ['valid', w((x) => (x.valid ? 'yes' : `NO (${x.seq!.errors + x.conc!.errors} err)`))],
    ]],
    ['WARM database use (whole server, whole phase)', [
      ['metadata+queue stmts', (c) => (!c.db ? undefined : c.db.statements ? String((c.db.statements.metadata ?? 0) + (c.db.statements.queue ?? 0)) : c.db.metadataFilesChanged ? 'WRITTEN' : 'no writes')],
      ['all statements', (c) => (c.db?.statements ? String(Object.values(c.db.statements).reduce((s, n) => s + (n ?? 0), 0)) : undefined)],
    ]],
    [`ASYNC (InvocationType Event): ${d.sizes.asyncSeq} sequential, then ${d.sizes.asyncEvents} over ${d.sizes.connections} connections`, [
      ['202 seq p50 ms', a((x) => f(x.seq202.p50, 2))], ['202 seq p99 ms', a((x) => f(x.seq202.p99, 2))],
      ['accepted/s', a((x) => f(x.batch.acceptedPerSec, 0))], ['202 batch p50 ms', a((x) => f(x.batch.latency202.p50, 2))], ['202 batch p99 ms', a((x) => f(x.batch.latency202.p99, 2))],
      ['end to end events/s', a((x) => f(x.e2e.eventsPerSec, 0))], ['accepted→ran p50 ms', a((x) => f(x.e2e.latency.p50, 0))], ['accepted→ran p99 ms', a((x) => f(x.e2e.latency.p99, 0))],
      ['ran', a((x) => `${x.e2e.ran}/${x.e2e.expected}${x.e2e.timedOut ? ' TIMEOUT' : ''}`)],
    ]],
    [`QUEUE (SQS): SendMessage ${d.sizes.queueSeq} sequential and ${d.sizes.connections} connections × ${d.sizes.queueSeconds} s; receive+delete ${d.sizes.queueRecv}; queue → function ${d.sizes.queueE2e}`, [
      ['protocol', q((x) => x.protocol)],
      ['send 1 conn msgs/s', q((x) => qErr(x.send1, f(x.send1?.msgsPerSec, 0)))], ['send 1 conn p50 ms', q((x) => f(x.send1?.p50, 3))], ['send 1 conn p99 ms', q((x) => f(x.send1?.p99, 3))],
      [`send ${d.sizes.connections} conn msgs/s`, q((x) => qErr(x.sendConc, f(x.sendConc?.msgsPerSec, 0)))], [`send ${d.sizes.connections} conn p50 ms`, q((x) => f(x.sendConc?.p50, 2))], [`send ${d.sizes.connections} conn p99 ms`, q((x) => f(x.sendConc?.p99, 2))],
      ['receive+delete msgs/s', q((x) => qErr(x.recv, f(x.recv?.msgsPerSec, 0)))],
      ['queue→fn events/s', q((x) => (x.database ? (x.e2e ? `${f(x.e2e.eventsPerSec, 0)}${x.e2e.timedOut ? ' TIMEOUT' : ''}` : undefined) : 'n/a'))],
      ['queue→fn invokes', q((x) => (x.database ? (x.e2e?.invokes === undefined ? undefined : String(x.e2e.invokes)) : 'n/a'))],
      ['send 1 conn ×best peer', q((x) => (x.database ? fx(ratio(x.send1?.msgsPerSec, bestSend1)) : undefined))],
      [`send ${d.sizes.connections} conn ×best peer`, q((x) => (x.database ? fx(ratio(x.sendConc?.msgsPerSec, bestConc)) : undefined))],
      ['receive+delete ×best peer', q((x) => (x.database ? fx(ratio(x.recv?.msgsPerSec, bestRecv)) : undefined))],
    ]],
    ['CONTROL PLANE through the SDK (ms)', [
      ['Get p50', k((x) => f(x.get.p50, 2))], ['Get p99', k((x) => f(x.get.p99, 2))],
      ['Update→applied p50', k((x) => f(x.update.p50, 2))], ['Update→applied p99', k((x) => f(x.update.p99, 2))],
      ['Create→Active p50', k((x) => f(x.create.p50, 1))], ['Create→Active p99', k((x) => f(x.create.p99, 1))],
      ['Delete p50', k((x) => f(x.delete.p50, 1))], ['Delete p99', k((x) => f(x.delete.p99, 1))],
    ]],
  ];
  const out: FigureSection[] = [];
  for (const [title, rows] of sections) {
    const filled = rows
      .map(([figure, cell]) => ({ figure, raw: cols.map(cell) }))
      .filter((r) => r.raw.some((x) => x !== undefined && x !== '–'))
      .map((r) => ({ figure: r.figure, cells: r.raw.map((x) => x ?? '–') }));
    if (filled.length) out.push({ title, rows: filled });
  }
  return { columns: cols.map((c) => c.key), sections: out };
}

function figureText(d: RunData): string[] {
  const t = figureTable(d);
  if (!t.sections.length) return [];
  const labelW = Math.max(22, ...t.sections.flatMap((s) => s.rows.map((r) => r.figure.length))) + 1;
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.sections.flatMap((s) => s.rows.map((r) => r.cells[i]!.length))) + 2);
  const lines = [[pad('figure', labelW), ...t.columns.map((c, i) => pad(c, widths[i]!, true))].join('')];
  for (const s of t.sections) {
    lines.push(s.title);
    for (const r of s.rows) lines.push([pad(`  ${r.figure}`, labelW), ...r.cells.map((c, i) => pad(c, widths[i]!, true))].join(''));
  }
  return lines;
}

/** The plain-text table printed at the end of a run. */
/** The stream phase as rows: a header (targets), then one row per figure. */
function streamRows(d: RunData): string[][] {
  const s = d.stream;
  const cell = (v: number | undefined, e?: { errors: number; throttled?: number }) =>
    v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(0)}${e?.errors ? ` (${e.errors} err)` : ''}${e?.throttled ? ` (${e.throttled} thr)` : ''}`;
  return [
    ['figure', ...s.map((x) => x.target)],
    ['PutRecords ×500, 1 conn', ...s.map((x) => cell(x.put1?.recordsPerSec, x.put1))],
    ['PutRecords ×500, 8 conn', ...s.map((x) => cell(x.put8?.recordsPerSec, x.put8))],
    ['GetRecords, 4 conn', ...s.map((x) => cell(x.get?.recordsPerSec, x.get))],
    ['stream → function (mapping)', ...s.map((x) => (x.e2e ? cell(x.e2e.recordsPerSec) + (x.e2e.timedOut ? ' TIMED OUT' : '') : '—'))],
    ['failed figures', ...s.map((x) => String(x.failures.length))],
  ];
}

export function table(d: RunData): string {
  const lines: string[] = [];
  // Warm, async and control plane: a row per figure, a column per target (Kumo in each store mode side by side).
  lines.push(...figureText(d));
  if (d.cold.length) {
    const node0 = coldOf(d, 'node-e-0')?.medianMs, runc0 = coldOf(d, 'runc-node-e-0')?.medianMs;
    lines.push('', `COLD START  median of ${d.sizes.coldRuns} (ms), interleaved`);
    lines.push([pad('subject', 28), pad('median', 9, true), pad('min', 9, true), pad('max', 9, true), pad('init', 9, true), pad('×node-e-0', 10, true), pad('×runc-node', 11, true), pad('errors', 8, true)].join(''));
    for (const c of d.cold) {
      lines.push(
        [
          pad(c.label, 28), pad(f(c.medianMs, 1), 9, true), pad(f(Math.min(...c.samplesMs), 1), 9, true), pad(f(Math.max(...c.samplesMs), 1), 9, true),
          pad(f(c.medianInitMs, 1), 9, true), pad(fx(ratio(c.medianMs, node0)), 10, true), pad(fx(ratio(c.medianMs, runc0)), 11, true), pad(String(c.errors), 8, true),
        ].join(''),
      );
    }
  }
  if (d.scratch) {
    const x = d.scratch;
    lines.push('', `SCRATCH /tmp DISKS  median of ${x.rounds}: ${x.made.map((m) => `${m.sizeMb} MB made on demand ${f(m.makeMedianMs, 1)} ms (max ${f(m.makeMaxMs, 1)}), removed ${f(m.removeMedianMs, 1)} ms`).join('; ')}; 512 MB from the pool ${f(x.pooledTakeMedianMs, 3)} ms`);
  }
  if (d.burst) {
    const b = d.burst;
    lines.push('', `BURST  ${b.count} simultaneous first invokes: all answered in ${f(b.allDoneMs, 0)} ms, ${b.errors} errors, EEs created ${b.eesCreatedProc ?? '?'} (/proc) / ${b.eesCreatedLogs ?? '?'} (logs), latency p50 ${f(b.latency.p50, 0)} p99 ${f(b.latency.p99, 0)} ms`);
  }
  if (d.memory) {
    const m = d.memory;
    lines.push(
      '',
      `MEMORY  Kumo RSS idle ${mb(m.idleRssAfterStart)} (after start), ${mb(m.idleRssDeployed)} (functions deployed); ${mb(m.before.rss)} → ${mb(m.after.rss)} with ${m.newEes} more warm EEs`,
      `        per EE platform-side ${mb(m.perEePlatformBytes)} (Kumo RSS ${mb(m.perEeParts.serverDelta)} + host procs PSS ${mb(m.perEeParts.hostProcesses)} + in-EE non-runtime procs PSS ${mb(m.perEeParts.inEe)}); with RSS ${mb(m.perEePlatformRssBytes)}, with USS ${mb(m.perEePlatformUssBytes)}`,
      `        runtime process RSS ${mb(m.runtimeRss.median)} (PSS ${mb(m.runtimePss.median)}, USS ${mb(m.runtimeUss.median)}) vs bare node -e ${mb(m.bareNodeRss)} (PSS ${mb(m.bareNodePss)}, USS ${mb(m.bareNodeUss)})`,
    );
  }
  if (d.stream.length) lines.push('', 'STREAM (Kinesis, records/s)', ...streamRows(d).map((r) => r.map((x, i) => pad(x, i ? 14 : 40)).join('')));
  const c = checks(d);
  lines.push('', 'TARGETS (ratios from this run)');
  for (const k of c.checks) lines.push(`${pad(k.status, 5)} ${k.name}: ${k.detail}`);
  for (const i of c.info) lines.push(`INFO  ${i}`);
  for (const m of d.missing) lines.push(`N/A   ${m.what}: ${m.why}`);
  return lines.join('\n');
}

export function charts(d: RunData): Record<string, string> {
  const out: Record<string, string> = {};
  const curves = d.warm.filter((w) => w.curve).map((w) => ({ name: w.target, points: w.curve! }));
  if (curves.length) out['latency.svg'] = percentileChart(`Warm invoke latency, sequential (${d.sizes.seqRequests} requests per target)`, 'ms', curves);
  if (d.warm.length) {
    out['throughput.svg'] = barChart(
      `Warm throughput, ${d.sizes.connections} connections`,
      'req/s',
      d.warm.map((w) => ({ label: w.target, segments: [{ name: 'req/s', value: w.conc?.rps ?? NaN }] })),
    );
  }
  if (d.cold.length) {
    const rows: BarRow[] = d.cold.map((c) => {
      if (c.kind === 'floor') return { label: c.label, segments: [{ name: 'process start → exit (floor)', value: c.medianMs }], note: `${c.medianMs.toFixed(1)} ms` };
      const init = c.medianInitMs ?? 0;
      const phases = Object.entries(c.phasesMs ?? {});
      const inPhases = phases.reduce((a, [, v]) => a + v, 0);
      const invokeMs = c.medianInvokeMs ?? 0;
      const segs = [
        ...phases.map(([k, v]) => ({ name: `init: ${k}`, value: v })),
        { name: phases.length ? 'init: rest (runtime start, handler init)' : 'Init Duration (sandbox, network, runtime start, handler init)', value: Math.max(0, init - inPhases) },
        { name: 'invoke (REPORT Duration)', value: invokeMs },
        { name: 'API, queueing, signing, response', value: Math.max(0, c.medianMs - init - invokeMs) },
      ];
      return { label: c.label.replace(' first invoke', ''), segments: segs, note: `${c.medianMs.toFixed(1)} ms` };
    });
    out['cold-start.svg'] = barChart(`Cold start, median of ${d.sizes.coldRuns} (Kumo: first invoke of a fresh function, end to end)`, 'ms', rows);
  }
  return out;
}

/** The markdown report (charts referenced as files beside it). */
export function markdown(d: RunData, chartFiles: string[]): string {
  const L: string[] = [];
  const c = checks(d);
  L.push(`# Kumo benchmark — ${d.startedAt}`, '');
  L.push('## Targets (ratios from this run)', '', '```');
  for (const k of c.checks) L.push(`${k.status.padEnd(4)} ${k.name}: ${k.detail}`);
  for (const i of c.info) L.push(`INFO ${i}`);
  for (const m of d.missing) L.push(`N/A  ${m.what}: ${m.why}`);
  L.push('```', '');
  L.push('## Machine and run', '');
  for (const [k, v] of Object.entries(d.env)) L.push(`- ${k}: ${v}`);
  L.push(`- sizes: ${Object.entries(d.sizes).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (d.durationS !== undefined) L.push(`- run time: ${d.durationS.toFixed(0)} s`);
  L.push('');
  const ft = figureTable(d);
  if (ft.sections.length) {
    L.push('## Warm invoke, async, queues and control plane, by target', '');
    L.push(`Warm: sequential ${d.sizes.seqRequests} requests per target on one kept-alive connection; concurrent ${d.sizes.connections} connections for ${d.sizes.concSeconds} s per target; both interleaved across targets in ${d.sizes.rounds} round(s). Kumo's columns are one server per store mode (\`kumo-…\`: SQLite, \`kumo-…-pg\`: PostgreSQL), measured side by side in this run; async and control-plane figures are per server, in its \`kumo-node…\` column. Latency in ms.`, '');
    L.push(`| figure | ${ft.columns.join(' | ')} |`, `|---|${ft.columns.map(() => '---:').join('|')}|`);
    for (const sec of ft.sections) {
      L.push(`| **${sec.title}** |${ft.columns.map(() => ' ').join('|')}|`);
      for (const r of sec.rows) L.push(`| ${r.figure} | ${r.cells.join(' | ')} |`);
    }
    L.push('', '"runtime procs": processes running handlers at the end of the concurrent phase (Kumo: EEs created for the function, from its cold REPORT lines; serverless-offline worker threads are not counted). "cpu ms/req": CPU time (utime+stime, 10 ms ticks) of the target\'s server side (Kumo: the server process; Floor B: the front process; serverless-offline: its whole process, workers included), its runtime processes (Kumo: every process in its EEs), and the load client, divided by the requests of the concurrent phase. "Database use": PostgreSQL statements of the server\'s database during the whole warm phase (pg_stat_statements), on the metadata and queue tables (must be 0) and in all (log appends, the queue owner\'s heartbeat, transaction control); SQLite: whether the metadata database files were written.', '');
    if (d.queue.length) L.push(`Queue: Kumo's SQS in its server's \`kumo-node…\` column (JSON 1.0, SigV4-signed per request; the queue → function figure goes through an event source mapping to that server's no-op nodejs20.x function), beside sqslite (query protocol, the only one it speaks) and moto_server (JSON 1.0; unsigned, as the floors and serverless-offline). Every figure runs target after target on a fresh standard queue. "×best peer": Kumo's rate divided by the best peer's.`, '');
    const warmup = d.warm.filter((x) => x.warmupErrors || !x.valid);
    for (const x of warmup) L.push(`- ${x.label}: ${x.valid ? '' : `**invalid**: ${x.invalidReason}`}${x.warmupErrors ? ` (${x.warmupErrors} errors in unmeasured warm-up)` : ''}`);
    if (warmup.length) L.push('');
  }
  if (d.cold.length) {
    const node0 = coldOf(d, 'node-e-0')?.medianMs, runc0 = coldOf(d, 'runc-node-e-0')?.medianMs;
    L.push('## Cold start', '');
    L.push(`Median of ${d.sizes.coldRuns}, interleaved run by run. Kumo: first invoke of a freshly created function (end to end at the client, SigV4 signing included; Init Duration from the REPORT line of \`LogType: Tail\`). Floors: process spawn → exit.`, '');
    L.push('| subject | median | min | max | Init Duration | REPORT Duration | ×node -e 0 | ×runc node -e 0 | errors |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of d.cold) {
      L.push(`| ${x.label} | ${f(x.medianMs, 1)} | ${f(Math.min(...x.samplesMs), 1)} | ${f(Math.max(...x.samplesMs), 1)} | ${f(x.medianInitMs, 1)} | ${f(x.medianInvokeMs, 2)} | ${fx(ratio(x.medianMs, node0))} | ${fx(ratio(x.medianMs, runc0))} | ${x.errors}${x.errorSamples.length ? ` (${x.errorSamples[0]})` : ''} |`);
    }
    // Pre-initialised EEs: which first invokes took one, and the medians of each kind.
    for (const x of d.cold.filter((c) => c.pooled?.some(Boolean))) {
      const on = x.samplesMs.filter((_, i) => x.pooled![i]);
      const off = x.samplesMs.filter((_, i) => !x.pooled![i]);
      L.push('', `${x.label}: ${on.length} of ${x.samplesMs.length} on a pre-initialised EE (median ${f(median(on), 1)} ms${off.length ? `; the other ${off.length}: median ${f(median(off), 1)} ms` : ''}).`);
    }
    const phases = d.cold.filter((x) => x.phasesMs);
    L.push('', phases.length ? `Init phases reported by Kumo: ${phases.map((x) => `${x.label}: ${Object.entries(x.phasesMs!).map(([k, v]) => `${k} ${f(v, 1)} ms`).join(', ')}`).join('; ')}` : 'Kumo does not report init phases (sandbox creation, network set-up, runtime start, handler init) separately yet: the breakdown is Init Duration / invoke / the rest of the request.', '');
  }
  if (d.scratch) {
    const x = d.scratch;
    L.push('## /tmp scratch disks', '');
    L.push(`Median of ${x.rounds}. A cold start takes a disk from the pool prepared ahead (its cost is the \`Scratch\` init phase above); a size with none prepared is made on demand (sparse file, mkfs, tune2fs, losetup, mount); removal runs after the EE is gone, off the request path.`, '');
    L.push('| EphemeralStorage | made on demand | max | removed |', '|---:|---:|---:|---:|');
    for (const m of x.made) L.push(`| ${m.sizeMb} MB | ${f(m.makeMedianMs, 1)} ms | ${f(m.makeMaxMs, 1)} ms | ${f(m.removeMedianMs, 1)} ms |`);
    L.push('', `Taken from the pool (512 MB): ${f(x.pooledTakeMedianMs, 3)} ms.`, '');
  }
  if (d.burst) {
    const b = d.burst;
    L.push('## Burst', '');
    L.push(`${b.count} simultaneous first invokes of a never-invoked function, one connection each: all answered after **${f(b.allDoneMs, 0)} ms**; ${b.errors} errors${b.errorSamples.length ? ` (${b.errorSamples.join(' | ')})` : ''}; EEs created: ${b.eesCreatedProc ?? '?'} (new EE cgroups in /proc), ${b.eesCreatedLogs ?? '?'} (REPORT lines with Init Duration); per-request latency p50 ${f(b.latency.p50, 0)} / p99 ${f(b.latency.p99, 0)} / max ${f(b.latency.max, 0)} ms.`, '');
  }
  if (d.memory) {
    const m = d.memory;
    L.push('## Memory', '');
    L.push('| | value |', '|---|---:|');
    L.push(`| Kumo RSS, idle after start | ${mb(m.idleRssAfterStart)} |`);
    L.push(`| Kumo RSS, idle with the benchmark's functions deployed | ${mb(m.idleRssDeployed)} |`);
    L.push(`| Kumo RSS before the burst (${m.before.ees} EE${m.before.ees === 1 ? '' : 's'} of earlier phases) | ${mb(m.before.rss)} |`);
    L.push(`| Kumo RSS with ${m.newEes} more warm EEs (${m.after.ees} in all) | ${mb(m.after.rss)} |`);
    L.push(`| host-side helper processes of Kumo, RSS before → after | ${mb(m.before.hostRss)} → ${mb(m.after.hostRss)} |`);
    L.push(`| in-EE processes other than the runtime (sum of RSS / PSS / USS) | ${mb(m.inEePlatformRss)} / ${mb(m.inEePlatformPss)} / ${mb(m.inEePlatformUss)} |`);
    L.push(`| **platform-side memory per warm EE** (Kumo RSS delta + PSS of per-EE processes) | **${mb(m.perEePlatformBytes)}** |`);
    L.push(`| … of which Kumo process / host processes / in-EE non-runtime processes | ${mb(m.perEeParts.serverDelta)} / ${mb(m.perEeParts.hostProcesses)} / ${mb(m.perEeParts.inEe)} |`);
    L.push(`| same with RSS for the processes (shared pages counted in every process: upper bound) | ${mb(m.perEePlatformRssBytes)} |`);
    L.push(`| same with USS for the processes (private pages only: marginal cost) | ${mb(m.perEePlatformUssBytes)} |`);
    L.push(`| runtime process RSS / PSS / USS, median of ${m.runtimeRss.samples} | ${mb(m.runtimeRss.median)} / ${mb(m.runtimePss.median)} / ${mb(m.runtimeUss.median)} |`);
    L.push(`| bare \`node -e\` process RSS / PSS / USS | ${mb(m.bareNodeRss)} / ${mb(m.bareNodePss)} / ${mb(m.bareNodeUss)} |`);
    L.push('', `Processes seen in the new EEs: ${(m.commands ?? []).map((x) => `\`${x}\``).join(', ') || '–'}. MB = 10^6 bytes. Kernel memory (cgroups, network namespaces, veths) is not in any RSS and is not counted.`, '');
  }
  if (chartFiles.length) {
    L.push('## Charts', '');
    for (const c of chartFiles) L.push(`![${c}](${c})`, '');
  }
  if (d.stream.length) {
    const rows = streamRows(d);
    L.push('## Streams (Kinesis), by target', '');
    L.push(`Kumo's Kinesis in its server's \`kumo-node…\` column (JSON 1.1, SigV4-signed per request), beside kinesalite (in memory, memdown) and moto_server (unsigned, JSON 1.1). PutRecords: batches of 500 records of ${100} bytes with random partition keys on a ${d.stream[0]!.shards}-shard stream, ${d.sizes.streamBatches} batches on 1 connection, then 8 closed loops for ${d.sizes.streamSeconds} s; accepted records/s (throttled records are counted apart). GetRecords: every record of that stream read back from TRIM_HORIZON on 4 connections. Stream → function (Kumo only): ${d.sizes.streamE2e} records pre-filled on 4 shards, a mapping (TRIM_HORIZON, BatchSize 500) to a function that logs its batch size, timed from CreateEventSourceMapping until the logged counts reach every record.`, '');
    L.push(`| figure | ${rows[0]!.slice(1).join(' | ')} |`, `|---|${rows[0]!.slice(1).map(() => '---:').join('|')}|`);
    for (const r of rows.slice(1)) L.push(`| ${r.join(' | ')} |`);
    L.push('');
  }
  if (d.notes.length || d.leftovers.length) {
    L.push('## Notes', '');
    for (const n of d.notes) L.push(`- ${n}`);
    for (const l of d.leftovers) L.push(`- LEFTOVER after stop: ${l}`);
    L.push('');
  }
  return L.join('\n');
}
