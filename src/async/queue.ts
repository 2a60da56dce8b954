import { randomUUID } from 'node:crypto';
import { limits, type KumoConfig } from '../config';
import { ApiError } from '../frontend/errors';
import type { AsyncEvent, Store } from '../store/types';
import type { InvokeService } from '../invoke/service';
import type { LogSink } from '../observability/logs';

/** Events a poller runs at once. */
const pollerConcurrencyMax = 16;
/** Events leased per store round trip. */
const leaseBatchMax = 32;
/** A leased event is offered again after this long if its poller died (covers the 900 s timeout maximum). */
const leaseMs = 16 * 60 * 1000;

/**
 * Durable asynchronous invocation (InvocationType=Event). `enqueue` resolves
 * only after the event is in the store (then the caller gets 202); pollers run
 * events through the same sync invoke path and apply AWS's retry policy:
 * 2 retries after a function error, about 1 and 2 minutes apart (configurable
 * for tests), events older than 6 hours are dropped. Dead-letter queues and
 * destinations come with the async issue.
 */
export class AsyncQueue {
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pumping = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly cfg: KumoConfig,
    private readonly store: Store,
    private readonly invoker: InvokeService,
    private readonly logs: LogSink,
  ) {}

  async enqueue(name: string, qualifier: string | undefined, payload: Buffer, clientContext?: string): Promise<string> {
    if (payload.length > limits.asyncPayloadBytesMax) {
      throw new ApiError(
        'RequestTooLargeException',
        `Request must be smaller than ${limits.asyncPayloadBytesMax} bytes for the InvokeFunction operation`,
      );
    }
    const now = Date.now();
    const ev: AsyncEvent = {
      id: randomUUID(),
      functionName: name,
      qualifier: qualifier ?? '$LATEST',
      payload,
      requestId: randomUUID(),
      attempts: 0,
      dueAtMs: now,
      enqueuedAtMs: now,
      clientContext,
    };
    await this.store.enqueueAsync(ev);
    this.wake(0);
    return ev.requestId;
  }

  start(): void {
    this.wake(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
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
        const now = Date.now();
        const batch = await this.store.leaseDueAsync(now, now + leaseMs, Math.min(leaseBatchMax, pollerConcurrencyMax - this.running));
        if (!batch.length) break;
        for (const ev of batch) this.track(this.run(ev));
      }
      const next = await this.store.nextAsyncDueMs();
      if (next !== undefined && !this.stopped) this.wake(Math.max(next - Date.now(), this.running >= pollerConcurrencyMax ? 50 : 0));
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
      });
      if (res.functionError) failed = res.platformError ?? 'Unhandled';
    } catch (e) {
      if (e instanceof ApiError && e.errorName === 'ResourceNotFoundException') {
        // The function is gone: AWS discards its queued events.
        await this.store.deleteAsync(ev.id);
        return;
      }
      failed = e instanceof ApiError ? e.errorName : 'ServiceException';
    }
    if (!failed) {
      await this.store.deleteAsync(ev.id);
      return;
    }
    const ageS = (Date.now() - ev.enqueuedAtMs) / 1000;
    const delay = this.cfg.asyncRetryDelaysMs[attempt - 1];
    if (attempt > limits.asyncRetriesMax || delay === undefined || ageS >= limits.asyncEventAgeSecondsMax) {
      this.logs.push(
        `/aws/lambda/${ev.functionName}`,
        'kumo-async',
        `Event ${ev.requestId} dropped after ${attempt} attempt(s): ${failed}`,
      );
      await this.store.deleteAsync(ev.id);
      return;
    }
    await this.store.rescheduleAsync(ev.id, attempt, Date.now() + delay);
  }
}
