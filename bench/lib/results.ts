/** Everything one run measured; written as JSON lines and rendered as the table and report. */
import type { LatencySummary } from './stats';
import type { StoreMode } from './db-use';

export type { StoreMode } from './db-use';

/** Where a Kumo target's key or a check names its store mode: SQLite (the default) has none, PostgreSQL `-pg`. */
export const modeSuffix = (m: StoreMode): string => (m === 'sqlite' ? '' : '-pg');
export const modeName = (m: StoreMode): string => (m === 'sqlite' ? 'SQLite' : 'PostgreSQL');

export interface Sizes {
  seqRequests: number;
  concSeconds: number;
  connections: number;
  rounds: number;
  coldRuns: number;
  burst: number;
  memEes: number;
  asyncSeq: number;
  asyncEvents: number;
  /** Control-plane phase: sequential reads, configuration changes (until applied), create+delete cycles. */
  controlReads: number;
  controlWrites: number;
  controlCreates: number;
  /** Queue phase: sequential SendMessages, seconds of concurrent sends, messages received+deleted, messages through a mapping. */
  queueSeq: number;
  queueSeconds: number;
  queueRecv: number;
  queueE2e: number;
  /** Stream phase: PutRecords batches of 500 on 1 connection, seconds of PutRecords on 8, records through a mapping. */
  streamBatches: number;
  streamSeconds: number;
  streamE2e: number;
}

export interface WarmResult {
  target: string;
  label: string;
  group: string;
  /** Kumo targets: the store mode of the server measured. */
  database?: StoreMode;
  seq?: LatencySummary & { requests: number; errors: number; errorSamples: string[] };
  conc?: LatencySummary & { requests: number; errors: number; errorSamples: string[]; rps: number; connections: number; seconds: number;
    /** CPU time per request during the concurrent phase (utime+stime from /proc; 10 ms ticks): target's server side, its runtime side, and the load client. */
    cpuMsPerRequest: { server: number; runtime: number; client: number } };
  /** Sequential latencies' percentile curve (for the chart). */
  curve?: { p: number; v: number }[];
  warmupErrors: number;
  runtimeProcesses?: number;
  valid: boolean;
  invalidReason?: string;
}

export interface ColdResult {
  subject: string;
  label: string;
  kind: 'floor' | 'kumo';
  samplesMs: number[];
  medianMs: number;
  /** Kumo: Init Duration from the REPORT line (LogType Tail), per sample. */
  initMs?: number[];
  medianInitMs?: number;
  /** Kumo: REPORT's Duration (the invoke itself, after init), median. */
  medianInvokeMs?: number;
  /** Kumo: any extra `X Duration: N ms` fields of REPORT (phases inside init), medians. */
  phasesMs?: Record<string, number>;
  /** Kumo: per sample, whether it started on a pre-initialised EE (its INIT_PHASES has `Bind:`). */
  pooled?: boolean[];
  errors: number;
  errorSamples: string[];
}

/** /tmp scratch disks: made on demand per size, taken from the prepared pool (bench/phases/scratch.ts). */
export interface ScratchResult {
  rounds: number;
  made: { sizeMb: number; makeMedianMs: number; makeMaxMs: number; removeMedianMs: number }[];
  pooledTakeMedianMs: number;
}

export interface BurstResult {
  count: number;
  allDoneMs: number;
  errors: number;
  errorSamples: string[];
  eesCreatedProc?: number;
  eesCreatedLogs?: number;
  latency: LatencySummary;
  floorMs?: number;
  cores: number;
}

export interface MemoryResult {
  idleRssAfterStart: number;
  idleRssDeployed: number;
  before: { rss: number; hostRss: number; hostPss: number; ees: number };
  after: { rss: number; hostRss: number; hostPss: number; ees: number };
  newEes: number;
  /** In-EE processes other than the runtime (e.g. the container's init shell), summed over new EEs. */
  inEePlatformRss: number;
  inEePlatformPss: number;
  inEePlatformUss: number;
  /** The same per-EE figure with USS (private pages only) for every part: what one more EE really costs. */
  perEePlatformUssBytes: number;
  /** Kumo's RSS delta + RSS of the per-EE processes (shared pages counted once per process: an upper bound). */
  perEePlatformRssBytes: number;
  /** Kumo's RSS delta + PSS of the per-EE processes (shared pages divided among their users): the figure checked. */
  perEePlatformBytes: number;
  /** Parts of perEePlatformBytes. */
  perEeParts: { serverDelta: number; hostProcesses: number; inEe: number };
  runtimeRss: { median: number; samples: number };
  runtimePss: { median: number };
  runtimeUss: { median: number };
  bareNodeRss?: number;
  bareNodePss?: number;
  bareNodeUss?: number;
  commands?: string[];
}

export interface AsyncResult {
  database: StoreMode;
  seq202: LatencySummary & { errors: number };
  batch: { events: number; accepted: number; errors: number; acceptedPerSec: number; latency202: LatencySummary; errorSamples: string[] };
  e2e: { ran: number; expected: number; eventsPerSec: number; lastRanAfterMs: number; latency: LatencySummary; timedOut: boolean };
}

/** Control-plane call latency through the SDK (ms). */
export interface ControlResult {
  database: StoreMode;
  get: LatencySummary;
  update: LatencySummary;
  create: LatencySummary;
  delete: LatencySummary;
}

/** One queue target's figures (bench/phases/queue.ts); Kumo: one per store mode. */
export interface QueueResult {
  /** Column key: `kumo-node`, `kumo-node-pg` (the server's column, as async and control), `sqslite`, `moto`. */
  target: string;
  label: string;
  /** The SQS protocol it was measured with. */
  protocol: 'JSON 1.0' | 'query';
  database?: StoreMode;
  send1?: LatencySummary & { msgsPerSec: number; requests: number; errors: number; errorSamples: string[] };
  sendConc?: { msgsPerSec: number; connections: number; seconds: number; p50: number; p99: number; requests: number; errors: number; errorSamples: string[] };
  recv?: { msgsPerSec: number; messages: number; deleted: number; connections: number; receives: number; errors: number; errorSamples: string[];
    /** Set when it deleted with DeleteMessage instead of DeleteMessageBatch, and why. */
    deleteNote?: string };
  /** Kumo only: queue → function through an event source mapping (BatchSize 10), until the queue is empty. */
  e2e?: { events: number; eventsPerSec: number; drainedMs: number; invokes?: number; timedOut: boolean };
  /** Figures that could not be measured, and why. */
  failures: string[];
}

/** The stream phase (phases/stream.ts): one per target. */
export interface StreamResult {
  /** `kumo-node`, `kumo-node-pg`, `kinesalite`, `moto`. */
  target: string;
  label: string;
  database?: StoreMode;
  /** Shards of the measured stream. */
  shards: number;
  put1?: { recordsPerSec: number; accepted: number; throttled: number; batches: number; connections: number; seconds: number; errors: number; errorSamples: string[] };
  put8?: { recordsPerSec: number; accepted: number; throttled: number; batches: number; connections: number; seconds: number; errors: number; errorSamples: string[] };
  get?: { recordsPerSec: number; records: number; calls: number; throttled: number; connections: number; errors: number; errorSamples: string[] };
  /** Kumo only: stream → function through an event source mapping. */
  e2e?: { records: number; processed: number; recordsPerSec: number; drainedMs: number; shards: number; batchSize: number; timedOut: boolean };
  failures: string[];
}

export type CheckStatus = 'PASS' | 'MISS' | 'N/A';

export interface Check {
  status: CheckStatus;
  name: string;
  detail: string;
}
