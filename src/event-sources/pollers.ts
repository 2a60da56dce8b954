import { randomUUID } from 'node:crypto';
import type { QueueSource } from '../domain/queue-source';
import type { StreamSource } from '../domain/stream-source';
import type { DeliverySource, OutboundMessage } from '../domain/delivery';
import type { CheckpointStore } from '../store/checkpoints';
import { StreamPoller } from './stream-poller';
import type { EventSourceMappingRecord } from '../domain/event-source-mapping';
import type { EventSourceMappingStore } from '../store/types';
import type { EventSourceMappingService } from './mappings';
import { QueuePoller, type MappingInvoker, type PollerDeps } from './queue-poller';
import * as L from './limits';

/** Mappings read per page when the pollers start. */
const startPageSize = 100;

/**
 * Runs a QueuePoller for every enabled mapping and settles the mappings'
 * transitional states, one mapping at a time (a chain of promises per UUID,
 * so a create, an update and a delete in quick succession apply in order):
 *   Creating / Enabling / Updating (enabled) → (re)start the pollers with the
 *     stored configuration → Enabled;
 *   Disabling, or any of those with Enabled false → stop them → Disabled;
 *   Deleting → stop them (batches in flight finish) → delete the row.
 * Each settle is a compare-and-swap; a lost one (the user changed the mapping
 * meanwhile) re-reads and settles again, up to `casRetriesMax` times.
 *
 * The queue service comes in as a `QueueSource` (src/server.ts composes the
 * real one; the unit tests a fake that passes the same contract suite).
 */
export class EventSourcePollers {
  private readonly running = new Map<string, QueuePoller | StreamPoller>();
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;

  /** `accountConcurrency`: the account's limit (KumoConfig.accountConcurrency), which bounds a mapping without MaximumConcurrency. */
  constructor(
    private readonly store: EventSourceMappingStore & CheckpointStore,
    private readonly queues: QueueSource,
    private readonly invoker: MappingInvoker,
    private readonly opts: {
      log?: (message: string, e?: unknown) => void;
      problemBackoffMs?: number;
      logsDurable?: () => Promise<void>;
      accountConcurrency?: number;
      /** Kinesis mappings: the stream service and the OnFailure destinations (Deliveries). */
      streams?: StreamSource;
      deliveries?: { send(arn: string, msg: OutboundMessage, from?: DeliverySource): Promise<void> };
      /** Test hooks for stream pollers (shorter idle polls, discovery and retry backoff). */
      streamTuning?: { idlePollMs?: number; discoveryMs?: number; retryBackoffMs?: number };
    } = {},
  ) {}

  /** Follows the service's changes. */
  attach(service: EventSourceMappingService): void {
    service.onChange((uuid) => void this.reconcile(uuid));
  }

  /** Starts the pollers of every stored mapping and finishes what a stop interrupted (a Deleting row is removed). */
  async start(): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listEventSourceMappings({ afterUuid: after, limit: startPageSize });
      for (const m of page) void this.reconcile(m.uuid);
      if (page.length < startPageSize) break;
      after = page[page.length - 1]!.uuid;
    }
    await Promise.all([...this.chains.values()]);
  }

  /** Stops every poller; resolves when their batches in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running.values()].map((p) => p.stop()));
    await Promise.all([...this.chains.values()]);
    // A settle that was under way may have started a poller before it saw `stopped`.
    await Promise.all([...this.running.keys()].map((uuid) => this.stopPoller(uuid)));
  }

  /** The queue poller of a mapping, if one runs (tests). */
  poller(uuid: string): QueuePoller | undefined {
    const p = this.running.get(uuid);
    return p instanceof QueuePoller ? p : undefined;
  }

  /** The stream poller of a mapping, if one runs. */
  streamPoller(uuid: string): StreamPoller | undefined {
    const p = this.running.get(uuid);
    return p instanceof StreamPoller ? p : undefined;
  }

  /**
   * A stream mapping's IteratorAge in milliseconds (the oldest of its
   * shards': the time between a read and the arrival of the last record it
   * returned), kept in memory; undefined for queues, stopped mappings, or
   * before any read returned records. For `kumo` and the metrics to come.
   */
  iteratorAgeMs(uuid: string): number | undefined {
    return this.streamPoller(uuid)?.iteratorAgeMs();
  }

  /** Every running stream mapping's IteratorAge (undefined: nothing read yet). */
  iteratorAges(): { uuid: string; iteratorAgeMs?: number }[] {
    const out: { uuid: string; iteratorAgeMs?: number }[] = [];
    for (const [uuid, p] of this.running) {
      if (!(p instanceof StreamPoller)) continue;
      const age = p.iteratorAgeMs();
      out.push(age === undefined ? { uuid } : { uuid, iteratorAgeMs: age });
    }
    return out;
  }

  /** Settles one mapping, after whatever is already queued for it; resolves when done. */
  reconcile(uuid: string): Promise<void> {
    return this.enqueue(uuid, () => this.settle(uuid));
  }

  private enqueue(uuid: string, step: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(uuid) ?? Promise.resolve()).then(step).catch((e) => this.log(`event source mapping ${uuid}: settle failed`, e));
    this.chains.set(uuid, next);
    void next.then(() => {
      if (this.chains.get(uuid) === next) this.chains.delete(uuid);
    });
    return next;
  }

  private async settle(uuid: string): Promise<void> {
    for (let i = 0; i < L.casRetriesMax; i++) {
      const rec = await this.store.getEventSourceMapping(uuid);
      if (!rec) return this.stopPoller(uuid);
      if (rec.state === 'Deleting') {
        await this.stopPoller(uuid);
        // Checkpoints first: a crash in between leaves the row Deleting, finished at the next start.
        if (rec.stream) await this.store.deleteCheckpoints(uuid);
        if (await this.store.deleteEventSourceMapping(uuid, rec.revisionId)) return;
        continue;
      }
      if (!rec.enabled) {
        await this.stopPoller(uuid);
        if (rec.state === 'Disabled' || (await this.transition(rec, 'Disabled'))) return;
        continue;
      }
      if (rec.state === 'Enabled') {
        if (!this.running.has(uuid)) await this.startPoller(rec);
        return;
      }
      // Creating, Enabling, Updating: run the stored configuration.
      await this.stopPoller(uuid);
      const settled = { ...rec, state: 'Enabled' as const, revisionId: randomUUID() };
      if (await this.store.updateEventSourceMapping(settled, rec.revisionId)) {
        await this.startPoller(settled);
        return;
      }
    }
    this.log(`event source mapping ${uuid}: state not settled after ${L.casRetriesMax} attempts`);
  }

  private async transition(rec: EventSourceMappingRecord, state: EventSourceMappingRecord['state']): Promise<boolean> {
    return this.store.updateEventSourceMapping({ ...rec, state, revisionId: randomUUID() }, rec.revisionId);
  }

  private async startPoller(rec: EventSourceMappingRecord): Promise<void> {
    if (this.stopped) return;
    if (rec.stream) return this.startStreamPoller(rec);
    let fifo = false;
    try {
      fifo = (await this.queues.describe(rec.eventSourceArn)).fifo;
    } catch {
      // The queue is gone: the pollers report it on each receive (LastProcessingResult) and keep trying.
    }
    const deps: PollerDeps = {
      queues: this.queues,
      invoker: this.invoker,
      report: (result) => this.report(rec.uuid, result),
      log: (m, e) => this.log(m, e),
      problemBackoffMs: this.opts.problemBackoffMs,
      logsDurable: this.opts.logsDurable,
      accountConcurrency: this.opts.accountConcurrency,
    };
    const p = new QueuePoller(rec, deps, { fifo });
    this.running.set(rec.uuid, p);
    p.start();
  }

  private startStreamPoller(rec: EventSourceMappingRecord): void {
    const { streams, deliveries } = this.opts;
    if (!streams || !deliveries) {
      this.log(`event source mapping ${rec.uuid}: no stream service in this server; not polled`);
      return;
    }
    const p = new StreamPoller(rec, {
      streams, deliveries, invoker: this.invoker, checkpoints: this.store,
      report: (result) => this.report(rec.uuid, result),
      log: (m, e) => this.log(m, e),
      logsDurable: this.opts.logsDurable,
      ...this.opts.streamTuning,
    });
    this.running.set(rec.uuid, p);
    p.start();
  }

  private async stopPoller(uuid: string): Promise<void> {
    const p = this.running.get(uuid);
    if (!p) return;
    this.running.delete(uuid);
    await p.stop();
  }

  /** Writes LastProcessingResult when it changed (a compare-and-swap; no change event: it is not a user change). */
  private readonly reported = new Map<string, string>();
  private report(uuid: string, result: string): void {
    if (this.reported.get(uuid) === result) return;
    this.reported.set(uuid, result);
    void this.enqueue(uuid, async () => {
      for (let i = 0; i < L.casRetriesMax; i++) {
        const rec = await this.store.getEventSourceMapping(uuid);
        if (!rec || rec.lastProcessingResult === result) return;
        if (await this.store.updateEventSourceMapping({ ...rec, lastProcessingResult: result, revisionId: randomUUID() }, rec.revisionId)) return;
      }
    });
  }

  private log(message: string, e?: unknown): void {
    (this.opts.log ?? ((m: string, err?: unknown) => console.error(`kumo: ${m}`, err ?? '')))(message, e);
  }
}
