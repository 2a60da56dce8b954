import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../domain/errors';
import { matches, parsePattern, type Pattern } from '../domain/event-pattern';
import type { DeliverySource, OutboundMessage } from '../domain/delivery';
import type { SourceShard, SourceStreamRecord, StreamPosition, StreamSource } from '../domain/stream-source';
import type { EventSourceMappingRecord, StreamMappingSettings } from '../domain/event-source-mapping';
import type { CheckpointStore, StreamCheckpoint } from '../store/checkpoints';
import { hashKeyOf } from '../streams/hash';
import type { InvokeResult } from '../invoke/service';
import { readBatchResponse } from './batch-result';
import { kinesisEnvelopeBytes, kinesisEventPayload, kinesisFailureRecord, kinesisFilterView, kinesisRecord, type KinesisEventRecord } from './kinesis-event';
import type { MappingInvoker } from './queue-poller';
import { results } from './queue-poller';
import * as L from './limits';
import { decodeWindow, encodeWindow, overStateLimit, readWindowState, windowEventPayload, windowStartMs, type OpenWindow } from './tumbling-window';

export interface StreamPollerDeps {
  streams: StreamSource;
  invoker: MappingInvoker;
  checkpoints: CheckpointStore;
  /** Deliveries (src/domain/delivery.ts): the OnFailure destination is an SQS queue or SNS topic ARN. */
  deliveries: { send(arn: string, msg: OutboundMessage, from?: DeliverySource): Promise<void> };
  report(result: string): void;
  log(message: string, e?: unknown): void;
  /** Resolves once the log lines written so far are durable (a checkpoint moves only after them, as the queue poller deletes). */
  logsDurable?: () => Promise<void>;
  /** Test hooks: shorter waits. */
  idlePollMs?: number;
  discoveryMs?: number;
  retryBackoffMs?: number;
  now?: () => number;
}

interface Item {
  rec: SourceStreamRecord;
  json: string;
  event: KinesisEventRecord;
  done: boolean;
  /** When the reader buffered it (the batching window runs from the first buffered record). */
  bufferedMs: number;
}

/**
 * The pollers of one enabled Kinesis mapping, for one configuration (a change
 * stops this one and starts another: pollers.ts). The numbered contract:
 *
 *   1. Shards: every open shard, and every closed one not yet processed to
 *      its end, has a reader; a shard starts only once its parents (still
 *      within retention) are processed to their end (checkpoint `ended`),
 *      so a partition key is seen in put order across a reshard. The shard
 *      list is re-read every `shardDiscoveryMs` and when a shard ends.
 *   2. Position: from the shard's checkpoint (AFTER_SEQUENCE_NUMBER), else a
 *      child starts at TRIM_HORIZON, else the mapping's StartingPosition.
 *      LATEST is resolved to a sequence number and checkpointed first, so a
 *      restart does not skip what arrived in between.
 *   3. Slots: ParallelizationFactor slots per shard; a record goes to slot
 *      MD5(partitionKey) mod factor, so one key's records are always
 *      processed in order by one slot. Concurrency of the mapping is
 *      shards × factor (each slot has one batch at a time).
 *   4. Batching: up to BatchSize records and the 6 MB payload; with a window,
 *      a slot waits up to MaximumBatchingWindowInSeconds from its first
 *      buffered record for a full batch.
 *   5. Filters: records no filter matches are skipped (and checkpointed).
 *   6. Failure: a failed batch is retried (backoff doubling from
 *      `streamRetryBackoffMs`), blocking its slot: nothing newer of that
 *      slot runs meanwhile. BisectBatchOnFunctionError splits a failed batch
 *      in two. ReportBatchItemFailures: records before the first failed
 *      itemIdentifier (a sequence number) succeeded; the retry starts at it
 *      (an empty or null list is success; an invalid answer fails the whole
 *      batch: batch-result.ts). When MaximumRetryAttempts is spent, or a
 *      record passes MaximumRecordAgeInSeconds (-1: the stream's retention),
 *      the batch's location is sent to DestinationConfig.OnFailure (AWS's
 *      record, kinesis-event.ts) and the slot moves on.
 *   7. Checkpoint: a shard's checkpoint is the last record of its longest
 *      finished prefix (across its slots), saved by compare-and-swap after
 *      the batch's log lines are durable: after a crash the shard resumes
 *      there (at least once, never a gap).
 *   8. IteratorAge: per shard, at each read, the time between the read and
 *      the arrival of the read's last record; the mapping's is the maximum.
 *   9. Tumbling windows (TumblingWindowInSeconds > 0, one slot per shard:
 *      validate.ts; the event and answer: tumbling-window.ts): a batch holds
 *      records of one window only; each invocation gets the state the
 *      previous one of its window returned (`{}` first) and its answer's
 *      state (required: without one the invocation failed, and is retried
 *      as any failed batch, blocking the shard) is saved in the same write
 *      as the checkpoint, so after a crash the window resumes with the
 *      state matching the records already processed. The window closes when
 *      a record of a later window is next, or when its end has passed and a
 *      read begun after the end found nothing more of it (or the shard
 *      ended); then the final invoke (no records, isFinalInvokeForWindow)
 *      runs until it succeeds, and the window is dropped from the store.
 *      A returned state over 1 MB ends the window early: the final invoke
 *      (isWindowTerminatedEarly) carries that state and the window's later
 *      records start again from `{}` (AWS: "Subsequent invoke will continue
 *      the same window with a fresh state"). With ReportBatchItemFailures a
 *      partial answer's state is kept (the function reported which records
 *      it did not count); a failed invocation's is not.
 */
export class StreamPoller {
  private readonly abort = new AbortController();
  private readonly shards = new Map<string, ShardReader>();
  private readonly checkpoints = new Map<string, StreamCheckpoint>();
  private readonly filters: Pattern[] | undefined;
  readonly settings: StreamMappingSettings;
  readonly region: string;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  roleArn = '';
  /** Peak of batches in flight at once (tests read it: shards × factor bound). */
  peakBatches = 0;
  batchesInFlight = 0;

  constructor(readonly rec: EventSourceMappingRecord, readonly deps: StreamPollerDeps) {
    if (!rec.stream) throw new Error(`mapping ${rec.uuid} is not a stream mapping`);
    this.settings = rec.stream;
    this.filters = rec.filterPatterns?.map((p) => parsePattern(p));
    this.region = rec.eventSourceArn.split(':')[3] ?? '';
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    this.loop = this.run().catch((e) => this.deps.log(`event source mapping ${this.rec.uuid}: poller failed`, e));
  }

  /** Stops reading at once; resolves when every batch in flight has finished (and its checkpoint is saved). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
    await Promise.all([...this.shards.values()].map((s) => s.finished));
  }

  /** The mapping's IteratorAge in milliseconds (the oldest of its shards'), undefined before any read returned records. */
  iteratorAgeMs(): number | undefined {
    let age: number | undefined;
    for (const s of this.shards.values()) if (s.iteratorAgeMs !== undefined) age = Math.max(age ?? 0, s.iteratorAgeMs);
    return age;
  }

  /** Shard ids being processed now (tests). */
  activeShards(): string[] {
    return [...this.shards.entries()].filter(([, s]) => !s.ended).map(([id]) => id);
  }

  async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  /** Re-reads the shard list soon (a shard ended: its children may start). */
  discover(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    for (const c of await this.deps.checkpoints.listCheckpoints(this.rec.uuid)) this.checkpoints.set(c.shardId, c);
    while (!this.stopped) {
      try {
        await this.resolveRole();
        const info = await this.deps.streams.describe(this.rec.eventSourceArn);
        const present = new Set(info.shards.map((s) => s.shardId));
        for (const s of info.shards) {
          if (this.shards.has(s.shardId) || this.checkpoints.get(s.shardId)?.ended) continue;
          const parents = [s.parentShardId, s.adjacentParentShardId].filter((p): p is string => !!p && present.has(p));
          if (parents.every((p) => this.checkpoints.get(p)?.ended)) this.startShard(s, info.retentionHours);
        }
      } catch (e) {
        if (e instanceof DomainError && e.kind === 'NotFound') this.deps.report('PROBLEM: Stream not found');
        else this.deps.log(`event source mapping ${this.rec.uuid}: shard discovery failed`, e);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.deps.discoveryMs ?? L.shardDiscoveryMs);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  /** The function's role (the records' invokeIdentityArn). */
  private async resolveRole(): Promise<void> {
    if (this.roleArn) return;
    try {
      const t = (await this.deps.invoker.resolve(this.rec.functionName, this.rec.qualifier)) as { rec?: { config?: { role?: string } } } | undefined;
      this.roleArn = t?.rec?.config?.role ?? '';
    } catch {
      // the function is gone: each batch reports it
    }
  }

  private startShard(s: SourceShard, retentionHours: number): void {
    const reader = new ShardReader(this, s, retentionHours, this.checkpoints.get(s.shardId));
    this.shards.set(s.shardId, reader);
    reader.start();
  }

  /** A shard's checkpoint moved (kept for its children's start). */
  checkpointed(c: StreamCheckpoint): void {
    this.checkpoints.set(c.shardId, c);
    if (c.ended) this.discover();
  }

  matches(item: Item): boolean {
    if (!this.filters) return true;
    const view = kinesisFilterView(item.event);
    return this.filters.some((p) => matches(p, view));
  }
}

/** One shard: its reader, its slots, its checkpoint. */
class ShardReader {
  private readonly slots: Slot[] = [];
  /** Every buffered record not yet checkpointed, in shard order. */
  private readonly pending: Item[] = [];
  private checkpoint: string | undefined;
  /** The last record of the finished prefix (what the next save stores). */
  private upTo: string | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readDone = false;
  ended = false;
  iteratorAgeMs: number | undefined;
  finished: Promise<void> = Promise.resolve();
  private roomWaiter: (() => void) | undefined;
  /** The last sequence number read (a new iterator continues after it). */
  private lastRead: string | undefined;
  /** The open tumbling window (step 9), as stored with the checkpoint. */
  window: OpenWindow | undefined;
  /** When the last read whose records are dispatched began (a window is closed once one began after its end). */
  readThroughMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly poller: StreamPoller,
    readonly shard: SourceShard,
    private readonly retentionHours: number,
    private readonly stored: StreamCheckpoint | undefined,
  ) {
    this.checkpoint = stored?.sequenceNumber;
    this.upTo = this.checkpoint;
    this.window = decodeWindow(stored?.window);
    for (let i = 0; i < poller.settings.parallelizationFactor; i++) this.slots.push(new Slot(this, i));
  }

  get deps(): StreamPollerDeps {
    return this.poller.deps;
  }

  /** Record age past which a batch goes to the OnFailure destination: MaximumRecordAgeInSeconds, else the stream's retention. */
  get maxAgeMs(): number {
    const s = this.poller.settings.maximumRecordAgeInSeconds;
    return s === -1 ? this.retentionHours * 3_600_000 : s * 1000;
  }

  start(): void {
    this.poller.signal.addEventListener('abort', () => {
      this.roomWaiter?.();
      for (const s of this.slots) s.wake();
    });
    const slots = this.slots.map((s) => s.run());
    this.finished = (async () => {
      await this.read().catch((e) => this.deps.log(`event source mapping ${this.poller.rec.uuid}: shard ${this.shard.shardId} reader failed`, e));
      for (const s of this.slots) s.wake();
      await Promise.all(slots);
      await this.saving;
    })();
  }

  private async position(): Promise<StreamPosition> {
    if (this.checkpoint !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.checkpoint };
    const st = this.poller.settings;
    // A child of a reshard is read from its start: its parents were processed to their end first.
    if (this.shard.parentShardId || this.shard.adjacentParentShardId || st.startingPosition === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
    if (st.startingPosition === 'AT_TIMESTAMP') return { type: 'AT_TIMESTAMP', timestampMs: st.startingPositionTimestampMs ?? 0 };
    const latest = await this.deps.streams.latest(this.poller.rec.eventSourceArn, this.shard.shardId);
    if (latest === undefined) return { type: 'TRIM_HORIZON' };
    this.upTo = latest;
    await this.save(latest, false);
    return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: latest };
  }

  private buffered(): number {
    return this.pending.length;
  }

  private async read(): Promise<void> {
    const p = this.poller;
    const arn = p.rec.eventSourceArn;
    let iterator: string | undefined;
    while (!p.stopped) {
      try {
        if (iterator === undefined) {
          const last = this.lastRead;
          const from: StreamPosition = last !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last } : await this.position();
          iterator = await this.deps.streams.iterator(arn, this.shard.shardId, from);
        }
        while (!p.stopped && this.buffered() >= L.shardBufferRecordsMax) await new Promise<void>((r) => (this.roomWaiter = r));
        if (p.stopped) break;
        const limit = Math.min(L.getRecordsLimitMax, L.shardBufferRecordsMax - this.buffered());
        const startedMs = p.now();
        const r = await this.deps.streams.read(arn, iterator, limit);
        const nowMs = p.now();
        if (r.records.length) this.iteratorAgeMs = Math.max(0, nowMs - r.records[r.records.length - 1]!.arrivalMs);
        for (const rec of r.records) this.dispatch(rec, nowMs);
        if (r.records.length) this.lastRead = r.records[r.records.length - 1]!.sequenceNumber;
        this.readThroughMs = startedMs;
        if (r.ended) {
          this.readDone = true;
          for (const s of this.slots) s.wake();
          await this.maybeEnd();
          return;
        }
        iterator = r.nextIterator;
        if (r.records.length === 0) await p.pause(this.deps.idlePollMs ?? L.shardIdlePollMs);
      } catch (e) {
        if (e instanceof DomainError && e.kind === 'NotFound') {
          p.deps.report('PROBLEM: Stream not found');
        } else if (!(e instanceof DomainError && e.kind === 'Throttled')) {
          this.deps.log(`event source mapping ${p.rec.uuid}: read of ${this.shard.shardId} failed`, e);
        }
        iterator = undefined; // an expired or unusable iterator: take a new one from what is buffered or checkpointed
        await p.pause(L.shardReadBackoffMs);
      }
    }
  }

  private dispatch(rec: SourceStreamRecord, nowMs: number): void {
    const p = this.poller;
    const event = kinesisRecord(rec, { shardId: this.shard.shardId, streamArn: p.rec.eventSourceArn, region: p.region, roleArn: p.roleArn });
    const item: Item = { rec, event, json: JSON.stringify(event), done: false, bufferedMs: nowMs };
    this.pending.push(item);
    const n = this.slots.length;
    const slot = n === 1 ? 0 : Number(hashKeyOf(rec.partitionKey) % BigInt(n));
    this.slots[slot]!.push(item);
  }

  /** Whether the reader has reached the end of a closed shard (the slots then flush what they hold). */
  get drained(): boolean {
    return this.readDone;
  }

  /** Marks records processed and moves the checkpoint over the finished prefix. */
  async finish(items: Item[]): Promise<void> {
    for (const it of items) it.done = true;
    let last: string | undefined;
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.done) last = this.pending[n++]!.rec.sequenceNumber;
    if (n > 0) {
      this.pending.splice(0, n);
      this.roomWaiter?.();
      this.roomWaiter = undefined;
      this.upTo = last;
      await this.save(last!, false);
    }
    await this.maybeEnd();
  }

  /** Step 9: the window's final invoke succeeded; it is dropped from the store (the checkpoint stays where it is). */
  async closeWindow(): Promise<void> {
    this.window = undefined;
    await this.save(this.upTo, this.ended);
    await this.maybeEnd();
  }

  private async maybeEnd(): Promise<void> {
    // A closed shard ends only once its open window had its final invoke.
    if (!this.readDone || this.pending.length || this.ended || this.window) return;
    this.ended = true;
    await this.save(this.upTo, true);
  }

  /** Saves the checkpoint (one at a time per shard, after the log lines are durable); a lost compare-and-swap re-reads the stored one. */
  private save(seq: string | undefined, ended: boolean): Promise<void> {
    // The window as it is now: its state is the one that matches `seq` (the slot set it before finishing the batch).
    const window = encodeWindow(this.window);
    const next = this.saving.then(async () => {
      const p = this.poller;
      await this.deps.logsDurable?.();
      for (let i = 0; i < L.casRetriesMax; i++) {
        const expected = this.stored === undefined && this.checkpoint === undefined ? undefined : this.checkpoint;
        const r = await this.deps.checkpoints.saveCheckpoint(p.rec.uuid, this.shard.shardId, { ...(seq !== undefined ? { sequenceNumber: seq } : {}), ended, ...(window !== undefined ? { window } : {}) }, expected);
        if (r === 'ok') {
          this.checkpoint = seq;
          p.checkpointed({ mappingId: p.rec.uuid, shardId: this.shard.shardId, ...(seq !== undefined ? { sequenceNumber: seq } : {}), ended, updatedMs: p.now() });
          return;
        }
        const cur = (await this.deps.checkpoints.listCheckpoints(p.rec.uuid)).find((c) => c.shardId === this.shard.shardId);
        this.checkpoint = cur?.sequenceNumber;
        if (cur && cur.sequenceNumber !== undefined && seq !== undefined && cur.sequenceNumber >= seq && !ended) return; // already past it
      }
      this.deps.log(`event source mapping ${p.rec.uuid}: checkpoint of ${this.shard.shardId} not saved after ${L.casRetriesMax} attempts`);
    });
    this.saving = next.catch((e) => this.deps.log(`event source mapping ${this.poller.rec.uuid}: checkpoint of ${this.shard.shardId} failed`, e));
    return this.saving;
  }
}

/** One ParallelizationFactor slot of a shard: its records in order, one batch at a time. */
class Slot {
  private readonly queue: Item[] = [];
  private waiter: (() => void) | undefined;

  constructor(private readonly shard: ShardReader, readonly index: number) {}

  push(it: Item): void {
    this.queue.push(it);
    this.wake();
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private wait(ms?: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = ms !== undefined ? setTimeout(() => this.wake(), Math.max(0, ms)) : undefined;
      this.waiter = () => {
        if (t) clearTimeout(t);
        r();
      };
      if (this.shard.poller.stopped) this.wake();
    });
  }

  async run(): Promise<void> {
    const p = this.shard.poller;
    const st = p.settings;
    const windowMs = p.rec.maximumBatchingWindowInSeconds * 1000;
    const tumblingS = st.tumblingWindowInSeconds;
    while (!p.stopped) {
      if (tumblingS > 0 && (await this.closeWindowIfDue(tumblingS))) continue;
      if (this.queue.length === 0) {
        if (this.shard.drained) return;
        const open = this.shard.window;
        // An open window is looked at again once its end has passed and the next read ran.
        await this.wait(tumblingS > 0 && open ? Math.max(0, open.startMs + tumblingS * 1000 - p.now()) + (p.deps.idlePollMs ?? L.shardIdlePollMs) : undefined);
        continue;
      }
      // Step 4: a window waits for a full batch, from the first buffered record.
      if (windowMs > 0 && this.queue.length < p.rec.batchSize && !this.shard.drained) {
        const left = this.queue[0]!.bufferedMs + windowMs - p.now();
        if (left > 0) {
          await this.wait(left);
          continue;
        }
      }
      const batch = this.take(p.rec.batchSize, tumblingS);
      if (tumblingS > 0 && !this.shard.window) this.shard.window = { startMs: windowStartMs(batch[0]!.rec.arrivalMs, tumblingS), state: {}, terminatedEarly: false };
      await this.process(batch, st);
    }
  }

  /** Step 9: runs the open window's final invoke when the window has closed; true when it did (or the poller stopped meanwhile). */
  private async closeWindowIfDue(tumblingS: number): Promise<boolean> {
    const w = this.shard.window;
    if (!w) return false;
    const p = this.shard.poller;
    const endMs = w.startMs + tumblingS * 1000;
    const head = this.queue[0];
    const closed = w.terminatedEarly
      || (head !== undefined ? windowStartMs(head.rec.arrivalMs, tumblingS) !== w.startMs : this.shard.drained || (p.now() >= endMs && this.shard.readThroughMs >= endMs));
    if (!closed) return false;
    await this.finalInvoke(w, tumblingS);
    return true;
  }

  /** The final invoke of a window: no records, the window's last state; retried until it succeeds, blocking the shard ("If invocation fails, your Lambda function suspends further processing until a successful invocation"). */
  private async finalInvoke(w: OpenWindow, tumblingS: number): Promise<void> {
    const p = this.shard.poller;
    let backoff = p.deps.retryBackoffMs ?? L.streamRetryBackoffMs;
    while (!p.stopped) {
      const payload = windowEventPayload([], { window: w, windowSeconds: tumblingS, shardId: this.shard.shard.shardId, streamArn: p.rec.eventSourceArn, final: true });
      let ok = false;
      try {
        const res = await p.deps.invoker.invoke({ name: p.rec.functionName, qualifier: p.rec.qualifier, payload, tail: false });
        const answer = readWindowState(res.payload);
        ok = !res.functionError && !res.platformError && answer.ok;
        if (!ok && !res.functionError && !res.platformError && !answer.ok) p.deps.log(`event source mapping ${p.rec.uuid}: final invoke of a window failed: ${answer.why}`);
      } catch (e) {
        const kind = e instanceof DomainError ? e.kind : undefined;
        p.deps.report(kind === 'NotFound' ? results.functionNotFound : kind === 'Throttled' ? results.throttled : results.functionFailed);
        if (!kind) p.deps.log(`event source mapping ${p.rec.uuid}: invoke failed`, e);
        await p.pause(backoff);
        backoff = Math.min(backoff * 2, L.streamRetryBackoffMaxMs);
        continue;
      }
      p.deps.report(ok ? results.ok : results.functionFailed);
      if (ok) {
        await this.shard.closeWindow();
        return;
      }
      await p.pause(backoff);
      backoff = Math.min(backoff * 2, L.streamRetryBackoffMaxMs);
    }
  }

  /** Up to `max` records within the payload limit (a record alone over it still goes: its invoke fails); with tumbling windows, of the head record's window only. */
  private take(max: number, tumblingS: number): Item[] {
    const out: Item[] = [];
    let bytes = kinesisEnvelopeBytes + (tumblingS > 0 ? L.windowEnvelopeBytes + (this.shard.window ? Buffer.byteLength(JSON.stringify(this.shard.window.state)) : 2) : 0);
    const win = tumblingS > 0 && this.queue.length ? windowStartMs(this.queue[0]!.rec.arrivalMs, tumblingS) : undefined;
    while (this.queue.length && out.length < max) {
      if (win !== undefined && windowStartMs(this.queue[0]!.rec.arrivalMs, tumblingS) !== win) break;
      const size = Buffer.byteLength(this.queue[0]!.json) + (out.length ? 1 : 0);
      if (out.length > 0 && bytes + size > L.batchPayloadBytesMax) break;
      bytes += size;
      out.push(this.queue.shift()!);
    }
    return out;
  }

  private async process(items: Item[], st: StreamMappingSettings): Promise<void> {
    const p = this.shard.poller;
    const skipped = items.filter((it) => !p.matches(it));
    const batch = items.filter((it) => !skipped.includes(it));
    const finished: Item[] = [...skipped];
    const later: Item[][] = []; // the second halves of bisected batches
    p.batchesInFlight++;
    p.peakBatches = Math.max(p.peakBatches, p.batchesInFlight);
    try {
      await this.attempt(batch, later, finished, st);
    } catch (e) {
      if (!(e instanceof StopBeforeDelivery)) throw e;
    } finally {
      p.batchesInFlight--;
      if (finished.length) await this.shard.finish(finished);
    }
  }

  /** Step 6: invoke, retry, bisect, give up; `finished` collects what may be checkpointed. */
  private async attempt(first: Item[], later: Item[][], finished: Item[], st: StreamMappingSettings): Promise<void> {
    const p = this.shard.poller;
    let batch = first;
    let invokes = 0;
    let backoff = p.deps.retryBackoffMs ?? L.streamRetryBackoffMs;
    let lastResponse: { statusCode: number; executedVersion: string; functionError: string | null } | undefined;
    while (batch.length || later.length) {
      if (!batch.length) batch = later.shift()!;
      if (p.stopped) return; // not finished: read again after a restart, from the checkpoint
      // Step 6: records past their age are given up on before they are invoked again.
      const maxAge = this.shard.maxAgeMs;
      const expired = batch.filter((it) => p.now() - it.rec.arrivalMs > maxAge);
      if (expired.length) {
        await this.giveUp(expired, 'RecordAgeExceeded', Math.max(invokes, 1), lastResponse);
        finished.push(...expired);
        batch = batch.filter((it) => !expired.includes(it));
        if (!batch.length) continue;
      }
      const outcome = await this.invoke(batch);
      invokes++;
      if (outcome.kind === 'ok') {
        finished.push(...batch);
        batch = [];
        backoff = p.deps.retryBackoffMs ?? L.streamRetryBackoffMs;
        continue;
      }
      lastResponse = outcome.response;
      if (outcome.kind === 'partial') {
        // Checkpoint at the first failed itemIdentifier: what precedes it succeeded.
        const i = batch.findIndex((it) => it.rec.sequenceNumber === outcome.firstFailed);
        finished.push(...batch.slice(0, i));
        batch = batch.slice(i);
      }
      if (st.maximumRetryAttempts !== -1 && invokes - 1 >= st.maximumRetryAttempts) {
        await this.giveUp(batch, 'RetryAttemptsExhausted', invokes, lastResponse);
        finished.push(...batch);
        batch = [];
        continue;
      }
      if (st.bisectBatchOnFunctionError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        later.unshift(batch.slice(half));
        batch = batch.slice(0, half);
      }
      if (finished.length) await this.shard.finish(finished.splice(0));
      // The slot is blocked while its batch fails: nothing newer of it runs.
      await p.pause(backoff);
      backoff = Math.min(backoff * 2, L.streamRetryBackoffMaxMs);
    }
  }

  private async invoke(batch: Item[]): Promise<
    | { kind: 'ok' }
    | { kind: 'failed'; response?: { statusCode: number; executedVersion: string; functionError: string | null } }
    | { kind: 'partial'; firstFailed: string; response: { statusCode: number; executedVersion: string; functionError: string | null } }
  > {
    const p = this.shard.poller;
    let res: InvokeResult;
    const tumblingS = p.settings.tumblingWindowInSeconds;
    const window = tumblingS > 0 ? this.shard.window : undefined;
    const jsons = batch.map((it) => it.json);
    const payload = window
      ? windowEventPayload(jsons, { window, windowSeconds: tumblingS, shardId: this.shard.shard.shardId, streamArn: p.rec.eventSourceArn, final: false })
      : kinesisEventPayload(jsons);
    try {
      res = await p.deps.invoker.invoke({ name: p.rec.functionName, qualifier: p.rec.qualifier, payload, tail: false });
    } catch (e) {
      const kind = e instanceof DomainError ? e.kind : undefined;
      p.deps.report(kind === 'NotFound' ? results.functionNotFound : kind === 'Throttled' ? results.throttled : results.functionFailed);
      if (!kind) p.deps.log(`event source mapping ${p.rec.uuid}: invoke failed`, e);
      return { kind: 'failed' };
    }
    if (res.functionError || res.platformError) {
      p.deps.report(results.functionFailed);
      return { kind: 'failed', response: { statusCode: 200, executedVersion: res.executedVersion, functionError: res.functionError ?? 'Unhandled' } };
    }
    // Step 9: a window invocation's answer must carry the window's state.
    const answer = window ? readWindowState(res.payload) : undefined;
    if (answer && !answer.ok) {
      p.deps.report(results.functionFailed);
      p.deps.log(`event source mapping ${p.rec.uuid}: window invocation failed: ${answer.why}`);
      return { kind: 'failed', response: { statusCode: 200, executedVersion: res.executedVersion, functionError: null } };
    }
    const keepState = (): void => {
      if (!window || !answer?.ok) return;
      window.state = answer.state;
      if (overStateLimit(answer.bytes)) window.terminatedEarly = true;
    };
    p.deps.report(results.ok);
    if (!p.rec.functionResponseTypes.includes('ReportBatchItemFailures')) {
      keepState();
      return { kind: 'ok' };
    }
    const seqs = batch.map((it) => it.rec.sequenceNumber);
    const outcome = readBatchResponse(res.payload, new Set(seqs));
    const response = { statusCode: 200, executedVersion: res.executedVersion, functionError: null };
    if (outcome.kind === 'all-failed') return { kind: 'partial', firstFailed: seqs[0]!, response };
    keepState();
    if (outcome.kind === 'all-ok') return { kind: 'ok' };
    return { kind: 'partial', firstFailed: seqs.find((s) => outcome.failed.has(s))!, response };
  }

  /** Sends the batch's location to the OnFailure destination (retrying until it is delivered or the poller stops); without one the records are dropped, as AWS does. */
  private async giveUp(batch: Item[], condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded', invokes: number, response: { statusCode: number; executedVersion: string; functionError: string | null } | undefined): Promise<void> {
    const p = this.shard.poller;
    const dest = p.settings.onFailureDestination;
    if (!dest) return;
    const body = JSON.stringify(kinesisFailureRecord({
      requestId: randomUUID(), functionArn: p.rec.functionArn, condition, approximateInvokeCount: invokes,
      ...(condition === 'RetryAttemptsExhausted' && response ? { response } : {}),
      nowMs: p.now(), shardId: this.shard.shard.shardId, streamArn: p.rec.eventSourceArn, records: batch.map((it) => it.rec),
    }));
    let backoff = p.deps.retryBackoffMs ?? L.streamRetryBackoffMs;
    while (!p.stopped) {
      try {
        // A destination of another account must allow Lambda for this function in its resource policy (Kumo's choice: not the role, see ARCHITECTURE.md).
        await p.deps.deliveries.send(dest, { body }, { service: 'lambda.amazonaws.com', sourceArn: p.rec.functionArn });
        return;
      } catch (e) {
        p.deps.log(`event source mapping ${p.rec.uuid}: OnFailure delivery to ${dest} failed; retrying`, e);
        await p.pause(backoff);
        backoff = Math.min(backoff * 2, L.streamRetryBackoffMaxMs);
      }
    }
    throw new StopBeforeDelivery();
  }
}

/** The poller stopped before an OnFailure record was delivered: the batch is not finished (it is read again after a restart). */
class StopBeforeDelivery extends Error {}
