import type { LogBatch } from '../domain/records';
import type { LogStore } from '../store/types';
import { platformLog } from './platform-log';

/** Log events are written to the store in batches at this interval, off the invoke path. */
const flushIntervalMs = 200;
/** A flush starts at once (not after the interval) when this many lines are pending… */
const flushLinesThreshold = 1_000;
/** …or this many bytes of them. */
const flushBytesThreshold = 1024 * 1024;
/**
 * Function output held in memory while the store is behind (it writes more
 * slowly than EEs print, or a write failed). Past it, function lines are
 * dropped and counted, and a LOGS_DROPPED line says so; platform lines are
 * never dropped. With the SQLite store a write is synchronous, so pending
 * output never reaches this: reading the EEs' pipes waits for each write,
 * and the pipes make the EEs wait in turn.
 */
const pendingOutputBytesMax = 64 * 1024 * 1024;
/** A single log line longer than this is cut (AWS CloudWatch: 256 KB per event). */
export const logLineBytesMax = 256 * 1024;
/** Bytes a pending line costs beyond its text (the object and its array slot), for the memory bound. */
const lineOverheadBytes = 64;

interface Pending extends LogBatch {
  droppedLines: number;
  droppedBytes: number;
}

/**
 * Collects log lines per log group/stream and writes them to the store in
 * batches, so the invoke path never waits on disk for logging. Two kinds of
 * lines: platform lines (`push`: START, END, REPORT, errors, async notices),
 * always kept, and function output (`pushOutput`), kept unless the store
 * falls `pendingOutputBytesMax` behind. `durable()` is the async queue's
 * barrier: it resolves once every line pushed before it survives a crash.
 */
export class LogSink {
  private pending = new Map<string, Pending>();
  private count = 0;
  private bytes = 0;
  private outputBytes = 0;
  /** Function output taken by flushes whose write has not finished (an asynchronous store). */
  private writingOutputBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private durableWanted = false;
  /** Callers of `durable()` waiting for the next flush (scheduled on the next turn, or earlier by a threshold). */
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** The last write failed: retry on the interval only (not on every line past the threshold), and say so once. */
  private failing = false;
  /** Function lines dropped since start (past `pendingOutputBytesMax`). */
  dropped = 0;
  /**
   * Called with each batch once it is stored, off the invoke path (metrics
   * read Embedded Metric Format lines here: src/metrics/emf.ts).
   */
  onStored: ((batches: readonly LogBatch[]) => void) | undefined;

  constructor(private readonly store: LogStore) {}

  /** A platform line: never dropped. */
  push(group: string, stream: string, message: string, timestampMs = Date.now()): void {
    this.add(this.batch(group, stream), message, timestampMs);
  }

  /** A line the function printed: dropped (and counted in the stream) only past `pendingOutputBytesMax`. */
  pushOutput(group: string, stream: string, message: string, timestampMs = Date.now()): void {
    const b = this.batch(group, stream);
    const cost = message.length + lineOverheadBytes;
    if (this.outputBytes + this.writingOutputBytes + cost > pendingOutputBytesMax) {
      b.droppedLines++;
      b.droppedBytes += Buffer.byteLength(message);
      this.dropped++;
      return;
    }
    this.outputBytes += cost;
    this.add(b, message, timestampMs);
  }

  /**
   * Resolves once every line pushed before the call is in the store durably
   * (surviving a machine crash, not only the process). Calls in the same turn
   * share one write.
   */
  durable(): Promise<void> {
    this.durableWanted = true;
    return this.flushSoon();
  }

  /** Writes everything pending; resolves when it is in the store. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearImmediate(this.soon);
    const waiting = this.waiting;
    this.timer = this.soon = this.waiting = undefined;
    const batch = [...this.pending.values()];
    const durable = this.durableWanted;
    const outputBytes = this.outputBytes;
    this.writingOutputBytes += outputBytes;
    this.pending = new Map();
    this.count = this.bytes = this.outputBytes = 0;
    this.durableWanted = false;
    const run = this.flushing.then(async () => {
      const writes: LogBatch[] = batch.map((b) =>
        b.droppedLines
          ? {
              group: b.group,
              stream: b.stream,
              // AWS's Telemetry API reports this as platform.logsDropped (reason, droppedRecords, droppedBytes).
              events: b.events.concat({
                timestampMs: Date.now(),
                message: platformLog.logsDropped(b.droppedLines, b.droppedBytes, `more than ${pendingOutputBytesMax} bytes of function output were waiting to be stored`),
              }),
            }
          : b,
      );
      try {
        await this.store.appendLogs(writes, { durable });
        if (this.failing) console.error('kumo: writing function logs works again');
        this.failing = false;
        try {
          this.onStored?.(batch);
        } catch (e) {
          console.error('kumo: a log observer failed:', e);
        }
      } catch (e) {
        // The store refused (disk full…): keep the lines for the next flush, within the same bound.
        if (!this.failing) console.error('kumo: writing function logs failed, retrying:', (e as Error).message);
        this.failing = true;
        for (const b of batch) this.requeue(b);
        throw e;
      } finally {
        this.writingOutputBytes -= outputBytes;
      }
    });
    this.flushing = run.catch(() => undefined);
    if (waiting) run.then(waiting.resolve, waiting.reject);
    return run;
  }

  private batch(group: string, stream: string): Pending {
    const key = group + '\0' + stream;
    let b = this.pending.get(key);
    if (!b) this.pending.set(key, (b = { group, stream, events: [], droppedLines: 0, droppedBytes: 0 }));
    return b;
  }

  private add(b: Pending, message: string, timestampMs: number): void {
    b.events.push({ timestampMs, message });
    this.count++;
    this.bytes += message.length + lineOverheadBytes;
    // At once, not on the next turn: the write then runs (a microtask) before the next chunk of EE output is read.
    if (!this.failing && (this.count >= flushLinesThreshold || this.bytes >= flushBytesThreshold)) void this.flush().catch(() => undefined);
    else this.flushLater();
  }

  private flushLater(): void {
    if (!this.timer && !this.soon) this.timer = setTimeout(() => void this.flush().catch(() => undefined), flushIntervalMs);
  }

  /** A flush on the next turn of the event loop, shared by everyone who asks before it runs. */
  private flushSoon(): Promise<void> {
    if (!this.waiting) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.waiting = { promise, resolve, reject };
      this.soon = setImmediate(() => void this.flush().catch(() => undefined));
    }
    return this.waiting.promise;
  }

  /**
   * Puts a batch that failed to write in front of what arrived since. Its
   * bytes count as function output from then on, so a store that keeps
   * failing makes function lines drop, not the memory grow.
   */
  private requeue(failed: Pending): void {
    const b = this.batch(failed.group, failed.stream);
    b.events = failed.events.concat(b.events);
    b.droppedLines += failed.droppedLines;
    b.droppedBytes += failed.droppedBytes;
    for (const e of failed.events) {
      const cost = e.message.length + lineOverheadBytes;
      this.count++;
      this.bytes += cost;
      this.outputBytes += cost;
    }
    this.flushLater();
  }
}

/** Splits a byte stream into lines (LF), keeping a partial line until its end arrives. */
export class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer): void {
    let text = this.partial + chunk.toString('utf8');
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      this.onLine(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    if (text.length > logLineBytesMax) {
      this.onLine(text.slice(0, logLineBytesMax));
      text = '';
    }
    this.partial = text;
  }

  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

/** Lambda's log stream name: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function logStreamName(version: string, idHex: string, now = new Date()): string {
  const d = now.toISOString();
  return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/[${version}]${idHex}`;
}
