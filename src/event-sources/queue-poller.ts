import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../domain/errors';
import { matches, parsePattern, type Pattern } from '../domain/event-pattern';
import type { QueueSource, SourceMessage } from '../domain/queue-source';
import type { EventSourceMappingRecord } from '../domain/event-source-mapping';
import type { InvokeInput, InvokeResult } from '../invoke/service';
import { readBatchResponse, type BatchOutcome } from './batch-result';
import { envelopeBytes, filterView, sqsEventPayload, sqsRecord } from './sqs-event';
import * as L from './limits';
import { limits } from '../config';

/** What the poller needs of the invoke path (InvokeService is one). */
export interface MappingInvoker {
  /** Throws DomainError NotFound when the function or qualifier does not exist. */
  resolve(name: string, qualifier: string | undefined): Promise<unknown>;
  invoke(input: InvokeInput): Promise<InvokeResult>;
  /** The function's reserved concurrency (undefined: none), read from memory (InvokeService.reservedConcurrency). */
  reservedConcurrency?(functionName: string): number | undefined;
}

export interface PollerDeps {
  queues: QueueSource;
  invoker: MappingInvoker;
  /** The mapping's LastProcessingResult after each batch (or problem); the caller writes it when it changed. */
  report(result: string): void;
  /** An unexpected failure, for the server log. */
  log(message: string, e?: unknown): void;
  /**
   * Resolves once the log lines written so far (the batch's START … REPORT
   * and the function's own lines) are durable. A batch's messages are
   * deleted only after it: the logs are the only record that they were
   * processed, and a crash between the delete and the log sink's next flush
   * would otherwise leave messages that are gone from the queue with no
   * trace of their invoke (found by test/integration/queue-crash.test.ts).
   */
  logsDurable?: () => Promise<void>;
  /** The account's concurrency limit (`KumoConfig.accountConcurrency`); absent: AWS's default, `limits.accountConcurrencyDefault`. */
  accountConcurrency?: number;
  /** Milliseconds before a poller retries after a problem (tests shorten it). */
  problemBackoffMs?: number;
  /** The long poll of an empty queue (AWS: 20 s; tests shorten it). */
  receiveWaitMs?: number;
  now?: () => number;
}

/** AWS's LastProcessingResult texts. */
export const results = {
  ok: 'OK',
  functionFailed: 'PROBLEM: Function call failed',
  functionNotFound: 'PROBLEM: Function not found',
  throttled: 'PROBLEM: Function call throttled',
  queueNotFound: 'PROBLEM: Queue not found',
} as const;

interface Item {
  m: SourceMessage;
  json: string;
}

/**
 * The pollers of one enabled mapping, for one configuration (a change of the
 * mapping stops this one and starts another: pollers.ts).
 *
 *   1. Workers: `pollersInitial` (5) at start, each receive → batch → invoke
 *      → delete, one batch at a time, so concurrent invocations never exceed
 *      the workers. A batch that came back full means a backlog: once per
 *      `scaleIntervalMs` the scaler adds up to `pollersScaleUpPerSecond`
 *      workers, up to ScalingConfig.MaximumConcurrency (else the account's
 *      concurrency, and never past 1,000). A worker whose receive found
 *      nothing leaves while more than the initial number run (scale down
 *      when drained).
 *   1a. Reserved concurrency: the workers never exceed the function's
 *      reserved concurrency either, re-read every `capRecheckMs`, so the
 *      mapping does not take messages its function would throttle (each
 *      throttled receive would count towards the queue's maxReceiveCount).
 *      When it drops, waiting receives are aborted and the workers over it
 *      leave; a reservation of 0 leaves no worker: the mapping pauses and
 *      the messages stay visible in the queue until it is raised.
 *   2. Batching: long-poll for the first message; with a batching window,
 *      keep receiving until BatchSize, the window (timed from the first
 *      message) or the 6 MB payload limit; without one, invoke with what one
 *      receive returned. A message that would push the payload past 6 MB is
 *      made visible again at once for the next batch.
 *   3. Filters: messages no filter matches are deleted without an invoke (AWS).
 *   4. Results: success deletes the batch; a function error or timeout (or an
 *      invoke error) leaves it, so it returns after the visibility timeout
 *      and the queue's RedrivePolicy counts the receive; with
 *      ReportBatchItemFailures only the named messages stay. FIFO: from a
 *      group's first failed message on, every later message of that group in
 *      the batch stays too and is made visible again at once (the failed one,
 *      still invisible, blocks its group, so order holds).
 *   5. Stop: the receives are aborted, batches in flight finish, messages
 *      received but not yet invoked are made visible again.
 */
export class QueuePoller {
  private readonly abort = new AbortController();
  private readonly workers = new Set<Promise<void>>();
  /** Aborted when the cap drops below the workers running (then replaced): ends their long polls so they can leave. */
  private shrink = new AbortController();
  private capTimer: NodeJS.Timeout | undefined;
  private active = 0;
  private lastScaleMs = 0;
  private readonly maxWorkers: number;
  private readonly minWorkers: number;
  private readonly filters: Pattern[] | undefined;
  private readonly region: string;
  private readonly fifo: boolean;
  /** Peak of workers running at once (tests read it: bounds). */
  peakWorkers = 0;

  constructor(
    readonly rec: EventSourceMappingRecord,
    private readonly deps: PollerDeps,
    opts: { fifo: boolean },
  ) {
    const ceiling = Math.min(deps.accountConcurrency ?? limits.accountConcurrencyDefault, L.concurrentBatchesMax);
    this.maxWorkers = Math.min(rec.maximumConcurrency ?? ceiling, ceiling);
    this.minWorkers = Math.min(L.pollersInitial, this.maxWorkers);
    this.filters = rec.filterPatterns?.map((p) => parsePattern(p));
    this.region = rec.eventSourceArn.split(':')[3] ?? '';
    this.fifo = opts.fifo;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Workers running now. */
  get running(): number {
    return this.active;
  }

  /** How many workers may run now: the mapping's maximum, and the function's reserved concurrency (step 1a). */
  cap(): number {
    const reserved = this.deps.invoker.reservedConcurrency?.(this.rec.functionName);
    return reserved === undefined ? this.maxWorkers : Math.min(this.maxWorkers, reserved);
  }

  start(): void {
    this.topUp();
    this.capTimer = setInterval(() => this.topUp(), L.capRecheckMs);
    this.capTimer.unref();
  }

  /** Keeps min(initial, cap) workers running, and makes the ones over the cap leave (step 1a). */
  private topUp(): void {
    const cap = this.cap();
    if (this.active > cap) {
      this.shrink.abort();
      this.shrink = new AbortController();
    }
    while (!this.stopped && this.active < Math.min(this.minWorkers, cap)) this.spawn();
  }

  /** Stops receiving at once; resolves when every batch in flight has finished. */
  async stop(): Promise<void> {
    clearInterval(this.capTimer);
    this.abort.abort();
    while (this.workers.size) await Promise.all([...this.workers]);
  }

  private spawn(): void {
    if (this.stopped || this.active >= this.cap()) return;
    this.active++;
    this.peakWorkers = Math.max(this.peakWorkers, this.active);
    // A worker that decides to leave counts itself out at once (`leave`), so
    // two deciding together never both leave when only one should.
    let left = false;
    const leave = () => {
      left = true;
      this.active--;
    };
    const w = this.work(leave).finally(() => {
      if (!left) this.active--;
      this.workers.delete(w);
    });
    this.workers.add(w);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async backoff(): Promise<void> {
    await sleep(this.deps.problemBackoffMs ?? L.problemBackoffMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  private async work(leave: () => void): Promise<void> {
    while (!this.stopped) {
      if (this.active > this.cap()) return leave(); // the reserved concurrency dropped (step 1a)
      try {
        // A function that is gone must not consume the queue (each receive counts towards the DLQ).
        await this.deps.invoker.resolve(this.rec.functionName, this.rec.qualifier);
      } catch (e) {
        this.deps.report(e instanceof DomainError && e.kind === 'NotFound' ? results.functionNotFound : results.functionFailed);
        await this.backoff();
        continue;
      }
      let batch: { items: Item[]; full: boolean };
      try {
        batch = await this.collect();
      } catch (e) {
        if (e instanceof DomainError && e.kind === 'NotFound') this.deps.report(results.queueNotFound);
        else this.deps.log(`event source mapping ${this.rec.uuid}: receive failed`, e);
        await this.backoff();
        continue;
      }
      if (batch.items.length === 0) {
        if (this.active > this.minWorkers) return leave(); // drained: scale down
        continue;
      }
      if (this.stopped || this.active > this.cap()) {
        // Received while stopping or while the cap dropped: not invoked, visible again at once.
        await this.giveBack(batch.items);
        continue;
      }
      try {
        await this.process(batch.items);
      } catch (e) {
        this.deps.log(`event source mapping ${this.rec.uuid}: batch failed`, e);
        await this.backoff();
      }
      if (batch.full) this.scaleUp();
    }
  }

  private scaleUp(): void {
    const t = this.now();
    if (t - this.lastScaleMs < L.scaleIntervalMs) return;
    this.lastScaleMs = t;
    const add = Math.min(L.pollersScaleUpPerSecond, this.cap() - this.active);
    for (let i = 0; i < add; i++) this.spawn();
  }

  /** One batch: up to BatchSize within the window and the payload limit (see the class comment, step 2). */
  private async collect(): Promise<{ items: Item[]; full: boolean }> {
    const items: Item[] = [];
    const windowMs = this.rec.maximumBatchingWindowInSeconds * 1000;
    let bytes = envelopeBytes;
    let deadline = Infinity;
    let full = false;
    while (items.length < this.rec.batchSize && !this.stopped && !full) {
      let waitMs = this.deps.receiveWaitMs ?? L.receiveWaitMsMax;
      if (items.length > 0) {
        const remaining = deadline - this.now();
        if (remaining <= 0) break;
        waitMs = Math.min(waitMs, remaining);
      }
      const got = await this.deps.queues.receive(this.rec.eventSourceArn, {
        max: Math.min(L.receiveMessagesMax, this.rec.batchSize - items.length),
        waitMs,
        signal: AbortSignal.any([this.abort.signal, this.shrink.signal]),
      });
      if (items.length === 0 && got.length === 0) break; // one long poll found nothing: the queue is drained
      if (items.length === 0) deadline = this.now() + windowMs;
      const back: SourceMessage[] = [];
      for (const m of got) {
        const json = JSON.stringify(sqsRecord(m, this.rec.eventSourceArn, this.region));
        const size = Buffer.byteLength(json) + (items.length ? 1 : 0);
        // A message alone over the limit still goes (its invoke fails and the queue's redrive handles it).
        if (full || (items.length > 0 && bytes + size > L.batchPayloadBytesMax)) {
          full = true;
          back.push(m);
          continue;
        }
        items.push({ m, json });
        bytes += size;
      }
      if (back.length) await this.giveBack(back.map((m) => ({ m, json: '' })));
      if (windowMs === 0 && items.length > 0) break;
    }
    return { items, full: full || items.length >= this.rec.batchSize };
  }

  private async giveBack(items: Item[]): Promise<void> {
    for (const it of items) await this.deps.queues.changeVisibility(this.rec.eventSourceArn, it.m.receiptHandle, 0).catch(() => undefined);
  }

  private async process(items: Item[]): Promise<void> {
    let batch = items;
    if (this.filters) {
      const filters = this.filters;
      const dropped = items.filter((it) => !filters.some((p) => matches(p, filterView(JSON.parse(it.json)))));
      if (dropped.length) await this.deps.queues.deleteMessages(this.rec.eventSourceArn, dropped.map((it) => it.m.receiptHandle));
      batch = items.filter((it) => !dropped.includes(it));
      if (batch.length === 0) return;
    }
    const outcome = await this.invoke(batch);
    const { remove, resurface } = this.settle(batch, outcome);
    if (remove.length) {
      try {
        await this.deps.logsDurable?.();
      } catch (e) {
        // The lines cannot be stored: keep the messages (they come back after the visibility timeout; at least once).
        this.deps.log(`event source mapping ${this.rec.uuid}: logs not durable, batch left in the queue`, e);
        return;
      }
      await this.deps.queues.deleteMessages(this.rec.eventSourceArn, remove.map((it) => it.m.receiptHandle));
    }
    await this.giveBack(resurface);
  }

  private async invoke(batch: Item[]): Promise<BatchOutcome> {
    let res: InvokeResult;
    try {
      res = await this.deps.invoker.invoke({
        name: this.rec.functionName,
        qualifier: this.rec.qualifier,
        payload: sqsEventPayload(batch.map((it) => it.json)),
        tail: false,
        // A message sent with AWSTraceHeader continues its trace (the batch's first such message); otherwise a new trace.
        traceId: traceOf(batch),
      });
    } catch (e) {
      const kind = e instanceof DomainError ? e.kind : undefined;
      this.deps.report(kind === 'NotFound' ? results.functionNotFound : kind === 'Throttled' ? results.throttled : results.functionFailed);
      if (!kind) this.deps.log(`event source mapping ${this.rec.uuid}: invoke failed`, e);
      return { kind: 'all-failed', why: 'invoke failed' };
    }
    if (res.functionError || res.platformError) {
      this.deps.report(results.functionFailed);
      return { kind: 'all-failed', why: 'function error' };
    }
    this.deps.report(results.ok);
    if (!this.rec.functionResponseTypes.includes('ReportBatchItemFailures')) return { kind: 'all-ok' };
    return readBatchResponse(res.payload, new Set(batch.map((it) => it.m.messageId)));
  }

  /** Which messages to delete, and which to make visible again at once (FIFO: later messages of a failed group). */
  settle(batch: Item[], outcome: BatchOutcome): { remove: Item[]; resurface: Item[] } {
    if (outcome.kind === 'all-ok') return { remove: batch, resurface: [] };
    if (outcome.kind === 'all-failed') return { remove: [], resurface: [] };
    const remove: Item[] = [];
    const resurface: Item[] = [];
    const stoppedGroups = new Set<string>();
    for (const it of batch) {
      const group = this.fifo ? it.m.attributes.MessageGroupId : undefined;
      if (outcome.failed.has(it.m.messageId)) {
        if (group !== undefined) stoppedGroups.add(group);
      } else if (group !== undefined && stoppedGroups.has(group)) {
        resurface.push(it);
      } else {
        remove.push(it);
      }
    }
    return { remove, resurface };
  }
}

/** The first AWSTraceHeader among a batch's messages (undefined: the invoke starts a new trace). */
function traceOf(batch: Item[]): string | undefined {
  for (const it of batch) {
    const h = it.m.attributes.AWSTraceHeader;
    if (h) return h;
  }
  return undefined;
}
