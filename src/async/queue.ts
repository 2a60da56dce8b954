import { randomUUID } from 'node:crypto';
import { limits, type KumoConfig } from '../config';
import { DomainError } from '../domain/errors';
import type { AsyncEvent, NewAsyncEvent } from '../domain/records';
import { hasAsyncWakeups, type AsyncQueueStore } from '../store/types';
import type { InvokeService } from '../invoke/service';
import type { LogSink } from '../observability/logs';
import { platformLog } from '../observability/platform-log';

/** Events a poller runs at once. */
const pollerConcurrencyMax = 16;
/** Events leased per store round trip. */
const leaseBatchMax = 32;
/**
 * A leased event is offered again after this long even if its owner looks
 * alive (covers the 900 s timeout maximum). After a crash, the next start
 * releases the dead process's leases at once (`recover`), so this only
 * matters for an owner that hangs.
 */
const leaseMs = 16 * 60 * 1000;

/**
 * Durable asynchronous invocation (InvocationType=Event). `enqueue` resolves
 * only after the event is in the store (then the caller gets 202); pollers run
 * events through the same sync invoke path and apply AWS's retry policy:
 * 2 retries after a function error, about 1 and 2 minutes apart (configurable
 * for tests), events older than 6 hours are dropped. Dead-letter queues and
 * destinations come with the async issue.
 *
 * Delivery is at least once. Each queue (one per server process lifetime)
 * leases events under its own random `ownerId`; `recover()` at start returns
 * the leases of owners that are gone, so events a crashed process held run
 * again within a poll, not after `leaseMs`. An event is deleted (or
 * rescheduled) only after the log lines of its attempt are durable: the
 * logs are the only record that it ran.
 */
export class AsyncQueue {
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pumping = false;
  private unsubscribe: (() => void) | undefined;
  private readonly inflight = new Set<Promise<void>>();
  /** This process lifetime's lease owner id. */
  readonly ownerId = randomUUID();

  constructor(
    private readonly cfg: KumoConfig,
    private readonly store: AsyncQueueStore,
    private readonly invoker: InvokeService,
    private readonly logs: LogSink,
  ) {}

  async enqueue(name: string, qualifier: string | undefined, payload: Buffer, clientContext?: string): Promise<string> {
    if (payload.length > limits.asyncPayloadBytesMax) {
      throw new DomainError(
        'PayloadTooLarge', `Request must be smaller than ${limits.asyncPayloadBytesMax} bytes for the InvokeFunction operation`,
      );
    }
    // Due at once; the store stamps the enqueue time with its own clock (the event's age is measured there).
    const ev: NewAsyncEvent = {
      id: randomUUID(),
      functionName: name,
      qualifier: qualifier ?? '$LATEST',
      payload,
      requestId: randomUUID(),
      attempts: 0,
      clientContext,
    };
    await this.store.enqueueAsync(ev);
    this.wake(0);
    return ev.requestId;
  }

  /** Releases the leases of owners that are gone (a crashed earlier process); call before `start`. */
  async recover(): Promise<number> {
    return this.store.recoverAsyncLeases(this.ownerId);
  }

  start(): void {
    // A shared store (PostgreSQL) says when another server enqueued: this queue runs the event without polling for it.
    if (hasAsyncWakeups(this.store)) this.unsubscribe ??= this.store.onAsyncEnqueued(() => this.wake(0));
    this.wake(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.inflight);
  }

  private wake(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pump(), Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.running < pollerConcurrencyMax) {
        const batch = await this.store.leaseDueAsync(leaseMs, Math.min(leaseBatchMax, pollerConcurrencyMax - this.running), this.ownerId);
        if (!batch.length) break;
        for (const ev of batch) {
          // A store failure here leaves the event leased to this live owner until `leaseMs`; it must not crash the server.
          this.track(this.run(ev).catch((e: unknown) => console.error(`kumo: async event ${ev.id}:`, e)));
        }
      }
      // A delay on the store's clock: the timer never compares this host's clock with the database's.
      const next = await this.store.nextAsyncDueInMs();
      if (next !== undefined && !this.stopped) this.wake(Math.max(next, this.running >= pollerConcurrencyMax ? 50 : 0));
    } catch {
      this.wake(this.cfg.asyncPollIntervalMs);
    } finally {
      this.pumping = false;
    }
  }

  private track(p: Promise<void>): void {
    this.running++;
    this.inflight.add(p);
    void p.finally(() => {
      this.running--;
      this.inflight.delete(p);
      this.wake(0);
    });
  }

  private async run(ev: AsyncEvent): Promise<void> {
    const next = await this.attempt(ev);
    try {
      // The lines of this attempt (START … REPORT, a drop notice) must survive a crash before the row changes.
      await this.logs.durable();
    } catch {
      // Logs cannot be written: run the event again later rather than lose the record (at least once).
      await this.store.rescheduleAsync(ev.id, ev.attempts, this.cfg.asyncRetryDelaysMs[0] ?? 60_000);
      return;
    }
    if (next === 'done') await this.store.deleteAsync(ev.id);
    // `attempt` says when on this process's clock; the store takes the delay from now and applies it on its own.
    else await this.store.rescheduleAsync(ev.id, next.attempts, Math.max(0, next.dueAtMs - Date.now()));
  }

  /** Runs one attempt; says whether the event is finished or when to try again. */
  private async attempt(ev: AsyncEvent): Promise<'done' | { attempts: number; dueAtMs: number }> {
    const attempt = ev.attempts + 1;
    let failed: string | undefined;
    try {
      const res = await this.invoker.invoke({
        name: ev.functionName,
        qualifier: ev.qualifier === '$LATEST' ? undefined : ev.qualifier,
        payload: ev.payload,
        tail: false,
        clientContext: ev.clientContext,
        requestId: ev.requestId,
        reportBeforeReturn: true,
      });
      if (res.functionError) failed = res.platformError ?? 'Unhandled';
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') {
        // The function is gone: AWS discards its queued events.
        return 'done';
      }
      failed = e instanceof DomainError ? e.kind : 'InternalError';
    }
    if (!failed) return 'done';
    const ageS = (Date.now() - ev.enqueuedAtMs) / 1000;
    const delay = this.cfg.asyncRetryDelaysMs[attempt - 1];
    if (attempt > limits.asyncRetriesMax || delay === undefined || ageS >= limits.asyncEventAgeSecondsMax) {
      this.logs.push(
        `/aws/lambda/${ev.functionName}`,
        'kumo-async',
        platformLog.asyncDropped(ev.requestId, attempt, failed),
      );
      return 'done';
    }
    return { attempts: attempt, dueAtMs: Date.now() + delay };
  }
}
