import { rolePrincipal, type RoleAccess } from '../identity/role-access';
import { randomUUID } from 'node:crypto';
import { limits, type KumoConfig } from '../config';
import { DomainError } from '../domain/errors';
import type { AsyncEvent, NewAsyncEvent } from '../domain/records';
import { hasAsyncWakeups, type AsyncQueueStore } from '../store/types';
import type { InvokeService } from '../invoke/service';
import type { LogSink } from '../observability/logs';
import { platformLog } from '../observability/platform-log';
import type { Deliveries, OutboundMessage } from '../domain/delivery';
import type { AsyncPolicy } from './invoke-configs';
import type { AsyncMetrics } from '../metrics/lambda-metrics';
import { deadLetterMessage, invocationRecord, type AttemptResult, type Condition } from './outcome';

/** Where the queue reads each event's settings (EventInvokeConfigService). */
export interface AsyncPolicySource {
  policy(functionName: string, qualifier: string): Promise<AsyncPolicy>;
  deadLetterArn(functionName: string, version: string): Promise<string | undefined>;
  arn(functionName: string, qualifier: string): string;
}

/** The log stream of the queue's own lines in a function's log group. */
const logStream = 'kumo-async';
/** Waits before the 2nd and 3rd send of a destination or DLQ message; then it is logged and given up. */
const deliveryRetryDelaysMs = [500, 2_000];
/** Backoff of throttles and platform errors: at least a second, at most 5 minutes (AWS: "up to 5 minutes"). */
const platformRetryDelayMsMin = 1_000;
const platformRetryDelayMsMax = 5 * 60 * 1000;

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
/** Retry delays of a failed outcome write (`settle`): doubling from 100 ms up to 5 s, for as long as the queue runs. */
const settleRetryMsMin = 100;
const settleRetryMsMax = 5_000;

/**
 * Durable asynchronous invocation (InvocationType=Event). `enqueue` resolves
 * only after the event is in the store (then the caller gets 202); pollers run
 * events through the same sync invoke path and apply AWS's retry policy:
 * 2 retries after a function error, about 1 and 2 minutes apart (configurable
 * for tests), events older than 6 hours are dropped — or what the event
 * invoke config of the event's qualifier says (MaximumRetryAttempts,
 * MaximumEventAgeInSeconds). Throttles and platform errors are retried with
 * backoff until the maximum age without counting an attempt. A finished
 * event's record goes to its OnSuccess/OnFailure destination and its
 * payload to the version's dead-letter queue (outcome.ts, through
 * `Deliveries`); the row is deleted only after those sends resolved.
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
  /** Ids of the events this process is running (their leases are its own). */
  private readonly runningIds = new Set<string>();
  /** A lease call failed: this owner may hold leases it does not know of until `releaseUnknownLeases` succeeds. */
  private leaseUnsure = false;
  /** This process lifetime's lease owner id. */
  readonly ownerId = randomUUID();

  constructor(
    private readonly cfg: KumoConfig,
    private readonly store: AsyncQueueStore,
    private readonly invoker: Pick<InvokeService, 'invoke' | 'reservedConcurrency'>,
    private readonly logs: LogSink,
    private readonly deliveries: Pick<Deliveries, 'send'>,
    private readonly policies: AsyncPolicySource,
    /** Lambda's async metrics (AsyncEventsReceived, AsyncEventAge, AsyncEventsDropped, DeadLetterErrors, DestinationDeliveryFailures). */
    private readonly metrics?: AsyncMetrics,
  ) {}

  /**
   * Destinations and dead-letter queues are sent as the function's execution
   * role (issue 18): when set, a target the role may not send to is a failed
   * delivery. The composition root sets it (enforcement is on).
   */
  sendAs: { roleOf(functionName: string, version: string | undefined): Promise<string | undefined>; access: RoleAccess } | undefined;

  async enqueue(name: string, qualifier: string | undefined, payload: Buffer, clientContext?: string, traceHeader?: string): Promise<string> {
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
      ...(traceHeader ? { traceHeader } : {}),
    };
    await this.store.enqueueAsync(ev);
    this.metrics?.asyncReceived(name, qualifier);
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
      if (this.leaseUnsure) await this.releaseUnknownLeases();
      while (!this.stopped && this.running < pollerConcurrencyMax) {
        const batch = await this.store.leaseDueAsync(leaseMs, Math.min(leaseBatchMax, pollerConcurrencyMax - this.running), this.ownerId);
        if (!batch.length) break;
        for (const ev of batch) {
          // A store failure here leaves the event leased to this live owner until `leaseMs`; it must not crash the server.
          this.track(ev.id, this.run(ev).catch((e: unknown) => console.error(`kumo: async event ${ev.id}:`, e)));
        }
      }
      // A delay on the store's clock: the timer never compares this host's clock with the database's.
      const next = await this.store.nextAsyncDueInMs();
      if (next !== undefined && !this.stopped) this.wake(Math.max(next, this.running >= pollerConcurrencyMax ? 50 : 0));
    } catch {
      // A lease whose answer was lost may still have committed: those events are leased to this owner, which does not run them.
      this.leaseUnsure = true;
      this.wake(this.cfg.asyncPollIntervalMs);
    } finally {
      this.pumping = false;
    }
  }

  /** After a failed store call in `pump`: gives back any lease this owner holds on an event it is not running. */
  private async releaseUnknownLeases(): Promise<void> {
    await this.store.releaseAsyncLeases(this.ownerId, [...this.runningIds]);
    this.leaseUnsure = false;
  }

  private track(id: string, p: Promise<void>): void {
    this.running++;
    this.runningIds.add(id);
    this.inflight.add(p);
    void p.finally(() => {
      this.running--;
      this.runningIds.delete(id);
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
      await this.settle(ev, () => this.store.rescheduleAsync(ev.id, ev.attempts, this.cfg.asyncRetryDelaysMs[0] ?? 60_000));
      return;
    }
    if (next.kind === 'retry') {
      // `attempt` says when on this process's clock; the store takes the delay from now and applies it on its own.
      return this.settle(ev, () => this.store.rescheduleAsync(ev.id, next.attempts, Math.max(0, next.dueAtMs - Date.now())));
    }
    // The event leaves the queue only once its record is durable at its targets (at least once: a crash
    // before this point runs the event again after the restart).
    await this.deliver(ev, next.sends);
    await this.logs.durable().catch(() => undefined);
    await this.settle(ev, () => this.store.deleteAsync(ev.id));
  }

  /**
   * Writes an event's outcome (reschedule or delete), retrying while the
   * store is unreachable (a database restart): given up, the event would stay
   * leased to this live process until `leaseMs` (16 minutes). Stops trying
   * when the queue stops; the next start (or, on a shared store, the lease
   * sweep after this process's heartbeat goes stale) releases the lease.
   */
  private async settle(ev: AsyncEvent, write: () => Promise<void>): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        return await write();
      } catch (e) {
        if (this.stopped) throw e;
        if (i === 0) console.error(`kumo: async event ${ev.id}: storing its outcome failed, retrying:`, (e as Error).message);
        await sleep(Math.min(settleRetryMsMax, settleRetryMsMin * 2 ** i));
      }
    }
  }

  /** Sends each message, retrying a failed send a bounded number of times; a target that stays unreachable is logged, never fatal. */
  private async deliver(ev: AsyncEvent, sends: Send[]): Promise<void> {
    const group = `/aws/lambda/${ev.functionName}`;
    for (const s of sends) {
      // Lambda sends as the function's execution role (issue 18): a role that may not is a failed delivery, logged, not retried.
      const { refused, role } = await this.refusedByRole(ev, s);
      if (refused) {
        this.logs.push(group, logStream, platformLog.asyncDeliveryFailed(ev.requestId, s.arn, 1, refused));
        if (s.what === 'DeadLetterQueue') this.metrics?.deadLetterError(ev.functionName, metricQualifier(ev.qualifier));
        else this.metrics?.destinationDeliveryFailure(ev.functionName, metricQualifier(ev.qualifier));
        continue;
      }
      for (let tries = 1; ; tries++) {
        try {
          // A target of another account also checks the role against its resource policy (src/domain/delivery.ts).
          await this.deliveries.send(s.arn, s.msg, {
            service: 'lambda.amazonaws.com', sourceArn: `arn:aws:lambda:${this.cfg.region}:${this.cfg.accountId}:function:${ev.functionName}`,
            ...(role ? { as: { roleArn: role, sessionName: ev.functionName } } : {}),
          });
          this.logs.push(group, logStream, platformLog.asyncDelivered(ev.requestId, s.what, s.arn));
          break;
        } catch (e) {
          // Another account refusing it (src/domain/delivery.ts) is an answer, not an outage: not retried, as a refusal by the role is not.
          const delay = e instanceof DomainError && e.kind === 'AccessDenied' ? undefined : deliveryRetryDelaysMs[tries - 1];
          if (delay === undefined || this.stopped) {
            this.logs.push(group, logStream, platformLog.asyncDeliveryFailed(ev.requestId, s.arn, tries, describe(e)));
            if (s.what === 'DeadLetterQueue') this.metrics?.deadLetterError(ev.functionName, metricQualifier(ev.qualifier));
            else this.metrics?.destinationDeliveryFailure(ev.functionName, metricQualifier(ev.qualifier));
            break;
          }
          await sleep(delay);
        }
      }
    }
  }

  /** AccessDenied text when the function's role may not send to the target (also when no role check is composed: undefined), and the role. */
  private async refusedByRole(ev: AsyncEvent, s: Send): Promise<{ refused?: string; role?: string }> {
    const as = this.sendAs;
    if (!as) return {};
    const action = destinationActions[s.arn.split(':')[2] ?? ''];
    if (!action) return {};
    let role: string | undefined;
    try {
      role = await as.roleOf(ev.functionName, s.version);
    } catch {
      return {}; // the function is gone: its delivery fails on its own terms below
    }
    if (!role || (await as.access.allows(role, ev.functionName, action, s.arn))) return { role };
    return { role, refused: `AccessDenied: ${rolePrincipal(role, ev.functionName).arn} is not authorized to perform: ${action} on resource: ${s.arn}` };
  }

  /** Runs one attempt; says whether the event is finished (and what to send where) or when to try again. */
  private async attempt(ev: AsyncEvent): Promise<Next> {
    const group = `/aws/lambda/${ev.functionName}`;
    const now = Date.now();
    const ageMs = now - ev.enqueuedAtMs;
    let policy: AsyncPolicy;
    try {
      policy = await this.policies.policy(ev.functionName, ev.qualifier);
    } catch (e) {
      // The store is unreachable: a platform error, retried without counting an attempt.
      return this.deferred(ev, ageMs, limits.asyncEventAgeSecondsMax * 1000, describe(e));
    }
    const ageMaxMs = policy.maximumEventAgeSeconds * 1000;
    if (ageMs >= ageMaxMs) {
      // Deferred (throttled) until too old: it never ran again.
      return this.finish(ev, policy, 'EventAgeExceeded', ev.attempts, { statusCode: 429, errorMessage: 'The event expired before it could be run.' });
    }
    const attempt = ev.attempts + 1;
    // AsyncEventAge: from enqueue to each time the event is taken to be run.
    this.metrics?.asyncAge(ev.functionName, metricQualifier(ev.qualifier), ageMs);
    this.logs.push(group, logStream, platformLog.asyncAttempt(ev.requestId, attempt, policy.maximumRetryAttempts + 1));
    let result: AttemptResult;
    try {
      const res = await this.invoker.invoke({
        name: ev.functionName,
        qualifier: ev.qualifier === '$LATEST' ? undefined : ev.qualifier,
        payload: ev.payload,
        tail: false,
        clientContext: ev.clientContext,
        traceId: ev.traceHeader,
        requestId: ev.requestId,
        reportBeforeReturn: true,
      });
      result = { statusCode: 200, executedVersion: res.executedVersion, payload: res.payload, ...(res.functionError ? { functionError: res.functionError } : {}) };
      if (!res.functionError) return this.finish(ev, policy, 'Success', attempt, result);
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') {
        // The function is gone: AWS discards its queued events.
        return { kind: 'done', sends: [] };
      }
      if (e instanceof DomainError && e.kind === 'Throttled' && this.invoker.reservedConcurrency(ev.functionName) === 0) {
        // AWS's one throttle that is not retried: a function reserved at 0 never runs, so the event fails at once.
        return this.finish(ev, policy, 'ZeroReservedConcurrency', ev.attempts, { statusCode: 429, errorMessage: e.message });
      }
      // Throttles and platform errors are retried with backoff until the event is too old, not counted (AWS).
      return this.deferred(ev, ageMs, ageMaxMs, e instanceof DomainError ? e.kind : describe(e));
    }
    // A function error (its own, a timeout, a crash): counted; retried after the configured delays.
    if (attempt > policy.maximumRetryAttempts) return this.finish(ev, policy, 'RetriesExhausted', attempt, result);
    const delay = this.cfg.asyncRetryDelaysMs[attempt - 1] ?? this.cfg.asyncRetryDelaysMs.at(-1) ?? 60_000;
    // AWS looks ahead: a retry that would run after the maximum age is not scheduled.
    if (ageMs + delay > ageMaxMs) return this.finish(ev, policy, 'EventAgeExceeded', attempt, result);
    return { kind: 'retry', attempts: attempt, dueAtMs: now + delay };
  }

  /** A throttle or platform error: run again after half the event's age so far (exponential backoff without a counter), bounded. */
  private deferred(ev: AsyncEvent, ageMs: number, ageMaxMs: number, reason: string): Next {
    const delay = Math.min(platformRetryDelayMsMax, Math.max(platformRetryDelayMsMin, Math.round(ageMs / 2)));
    this.logs.push(`/aws/lambda/${ev.functionName}`, logStream, platformLog.asyncDeferred(ev.requestId, reason, delay));
    const due = Math.min(Date.now() + delay, ev.enqueuedAtMs + ageMaxMs);
    return { kind: 'retry', attempts: ev.attempts, dueAtMs: due };
  }

  /**
   * The event is finished: on success, the OnSuccess destination gets the
   * invocation record; on failure, the OnFailure destination gets it and the
   * version's dead-letter queue gets the payload (both when both are set, as
   * AWS's docs describe them as independent); with neither, it is dropped
   * with a log line.
   */
  private async finish(ev: AsyncEvent, policy: AsyncPolicy, condition: Condition, invokeCount: number, result: AttemptResult): Promise<Next> {
    const sends: Send[] = [];
    const record = () =>
      invocationRecord({
        requestId: ev.requestId,
        functionArn: this.policies.arn(ev.functionName, ev.qualifier),
        condition,
        approximateInvokeCount: invokeCount,
        requestPayload: ev.payload,
        result,
      });
    if (condition === 'Success') {
      if (policy.onSuccess) sends.push({ arn: policy.onSuccess, msg: record(), what: condition, version: result.executedVersion ?? ev.qualifier });
      return { kind: 'done', sends };
    }
    // AsyncEventsDropped: every event that ends without a successful run (also when a DLQ or destination receives it, as AWS counts).
    this.metrics?.asyncDropped(ev.functionName, metricQualifier(ev.qualifier));
    if (policy.onFailure) sends.push({ arn: policy.onFailure, msg: record(), what: condition, version: result.executedVersion ?? ev.qualifier });
    let dlq: string | undefined;
    try {
      dlq = await this.policies.deadLetterArn(ev.functionName, result.executedVersion ?? ev.qualifier);
    } catch (e) {
      console.error(`kumo: async event ${ev.id}: reading the dead-letter queue failed:`, e);
    }
    if (dlq) sends.push({ arn: dlq, msg: deadLetterMessage({ requestId: ev.requestId, payload: ev.payload, result }), what: 'DeadLetterQueue', version: result.executedVersion ?? ev.qualifier });
    if (!sends.length) {
      const reason = result.functionError ?? (result.payload ? 'Unhandled' : result.errorMessage ?? condition);
      this.logs.push(`/aws/lambda/${ev.functionName}`, logStream, platformLog.asyncDropped(ev.requestId, invokeCount, `${condition} (${reason})`));
    }
    return { kind: 'done', sends };
  }
}

/** A message to send once the event is finished; `what` names it in the log (a condition, or DeadLetterQueue). */
interface Send {
  arn: string;
  msg: OutboundMessage;
  what: string;
  /** The version whose execution role sends it (the one that ran, else the invoked qualifier). */
  version: string | undefined;
}

/** The IAM action a destination or dead-letter target needs of the function's role, by the target ARN's service. */
const destinationActions: Record<string, string> = {
  sqs: 'sqs:SendMessage', sns: 'sns:Publish', lambda: 'lambda:InvokeFunction', events: 'events:PutEvents',
};

type Next = { kind: 'done'; sends: Send[] } | { kind: 'retry'; attempts: number; dueAtMs: number };

/** Metrics name an unqualified event's series without Resource. */
const metricQualifier = (q: string) => (q === '$LATEST' ? undefined : q);
const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
