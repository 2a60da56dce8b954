import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { parseArn } from '../domain/arn';
import type { Deliveries, DeliverySource, MessageAttributeValue } from '../domain/delivery';
import type { ScheduledRule, ScheduledRuleSource } from '../domain/scheduled-rules';
import type { ScheduleStore } from '../store/schedules';
import type { ClaimPlan, DueTimer, ScheduleFire } from './records';
import { nextDue, parseScheduleExpression } from './expression';
import { planAfter, windowMs, type PlanSettings } from './plan';
import * as L from './limits';

/**
 * The schedule engine: runs every enabled schedule and every enabled
 * EventBridge rule with a ScheduleExpression (from the ScheduledRuleSource
 * the composition root hands in), firing each due time once.
 *
 * Contract, in order:
 *  1. Next due times are stored: a schedule's in its row (planned by the
 *     write that created or changed it), a rule's in `sched_rule_timers`
 *     (planned when the engine first sees the rule, or sees it changed).
 *  2. One timer: the engine asks the store how long until the earliest due
 *     time (or fire retry) and sleeps that long (at most `engineWakeMsMax`,
 *     so changes written by another server on the same PostgreSQL are seen);
 *     no per-second polling across rows. A write through this process pokes
 *     it at once.
 *  3. A tick claims at most `claimsPerTickMax` due timers in one store
 *     transaction (`claimDueTimers`): for each, with the store's clock, the
 *     timer moves to its next due time AND a fire row is recorded (the
 *     outbox) — or, for a due time found more than its tolerance late (the
 *     server was down: max(60 s precision, the flexible window)), it is
 *     skipped without a fire, as Scheduler documents for missed invocations.
 *     at() schedules have no next due time; with ActionAfterCompletion
 *     DELETE the schedule is deleted in the same transaction.
 *  4. Fires are delivered after their claim committed, through `Deliveries`
 *     (schedules) or `ScheduledRuleSource.fire` (rules); the row is removed
 *     once the target has it, retried with back-off while the retry policy
 *     allows, else dead-lettered (SQS, with Scheduler's DLQ attributes) and
 *     removed.
 *
 * Delivery semantics (kill -9): a due time is claimed exactly once (the
 * claim and the outbox row are one transaction, so a crash either left the
 * timer unclaimed — it is claimed after the restart, or skipped if too late
 * — or left a fire row, delivered after the restart). A crash after the
 * target took the message but before the fire row was removed delivers it
 * again after the restart: at least once, as AWS's Scheduler ("at least
 * once event delivery"); never twice otherwise. FIFO queue targets get the
 * fire's id as MessageDeduplicationId, so even that redelivery is dropped
 * by the queue within its 5-minute window.
 */
export interface EngineOptions {
  store: ScheduleStore;
  deliveries: Deliveries;
  /** EventBridge's scheduled rules; undefined while no event-bus service is composed. */
  rules?: ScheduledRuleSource;
  settings: PlanSettings;
  log: (line: string) => void;
}

export class ScheduleEngine {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private tickAgain = false;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  private ruleSync: Promise<void> = Promise.resolve();
  /** Due times handed to targets by this process (for tests and logs). */
  firedCount = 0;

  constructor(private readonly o: EngineOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    // A previous process's leases on SQLite (one server per data dir) are void now.
    await this.o.store.releaseFireLeases();
    if (this.o.rules) {
      this.unsubscribe = this.o.rules.onChange(() => this.syncRules());
      this.syncRules();
      await this.ruleSync;
    }
    this.poke();
  }

  /** Re-arms the timer now (a schedule was written, a fire finished). */
  poke(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.ruleSync.catch(() => {});
    await Promise.allSettled([...this.inFlight]);
  }

  // ---- rules ----------------------------------------------------------------------

  /** Brings rule timers in line with the source: one sync at a time, in order. */
  private syncRules(): void {
    this.ruleSync = this.ruleSync.then(() => this.doSyncRules()).catch((e) => this.o.log(`kumo: scheduler: syncing scheduled rules failed: ${String(e)}`));
    void this.ruleSync.then(() => this.poke());
  }

  private async doSyncRules(): Promise<void> {
    const rules = await this.o.rules!.list();
    const timers = new Map((await this.o.store.listRuleTimers()).map((t) => [t.arn, t.signature]));
    const live = new Set<string>();
    for (const r of rules) {
      if (!r.enabled) continue;
      live.add(r.arn);
      const sig = ruleSignature(r);
      if (timers.get(r.arn) === sig) continue;
      await this.o.store.putRuleTimer(r.arn, sig, r.scheduleExpression, (now) => this.firstRuleDue(r, now));
    }
    for (const arn of timers.keys()) if (!live.has(arn)) await this.o.store.deleteRuleTimer(arn);
  }

  /** A rule's first due time: the first after it took this expression, and not in the past. */
  private firstRuleDue(r: ScheduledRule, now: number): { dueMs: number; fireMs: number } | undefined {
    let parsed;
    try {
      parsed = parseScheduleExpression(r.scheduleExpression, { allowSeconds: this.o.settings.allowSeconds });
    } catch {
      this.o.log(`kumo: scheduler: rule ${r.arn} has an expression the engine cannot run: ${r.scheduleExpression}`);
      return undefined;
    }
    const due = nextDue(parsed, Math.max(r.sinceMs, now - 1), 'UTC', r.sinceMs);
    return due === undefined ? undefined : { dueMs: due, fireMs: due };
  }

  // ---- the tick -------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.ticking = true;
    this.tickAgain = false;
    let delay: number | undefined;
    try {
      const claimed = await this.o.store.claimDueTimers(L.claimsPerTickMax, L.fireLeaseMs, (t, now) => this.safePlan(t, now));
      for (const f of claimed) this.deliver(f);
      const room = L.firesInFlightMax - this.inFlight.size;
      if (room > 0) for (const f of await this.o.store.leaseFires(room, L.fireLeaseMs)) this.deliver(f);
      // A full batch: more may be due at once; go again without sleeping.
      delay = claimed.length >= L.claimsPerTickMax ? 0 : await this.o.store.nextWakeDelayMs();
    } catch (e) {
      if (!this.stopped) this.o.log(`kumo: scheduler: tick failed (retrying): ${String(e)}`);
      delay = L.retryBaseDelayMs;
    } finally {
      this.ticking = false;
    }
    if (this.stopped) return;
    if (this.tickAgain) delay = 0;
    this.timer = setTimeout(() => void this.tick(), Math.min(delay ?? L.engineWakeMsMax, L.engineWakeMsMax));
  }

  /**
   * A timer whose expression this process cannot run any more (a seconds rate stored while
   * KUMO_SCHEDULER_ALLOW_SECONDS was on) must not fail every claim: it stops, and the log says why.
   */
  private safePlan(t: DueTimer, now: number): ClaimPlan {
    try {
      return this.plan(t, now);
    } catch (e) {
      this.o.log(`kumo: scheduler: ${t.key} stopped: its schedule cannot be evaluated: ${String((e as Error).message ?? e)}`);
      return { fire: false };
    }
  }

  /** Decides one due timer inside the claiming transaction (`now`: the store's clock). */
  private plan(t: DueTimer, now: number): ClaimPlan {
    if (t.kind === 'rule') {
      const parsed = parseScheduleExpression(t.expression!, { allowSeconds: this.o.settings.allowSeconds });
      const precision = this.o.settings.precisionMs ?? L.precisionMs;
      const late = now - t.nextDueMs > precision;
      const after = late ? now - precision : t.nextDueMs;
      const due = nextDue(parsed, after, 'UTC', t.nextDueMs);
      if (late) this.o.log(`kumo: scheduler: rule ${t.key}: due time ${new Date(t.nextDueMs).toISOString()} missed (the server was down), skipped`);
      return { fire: !late, next: due === undefined ? undefined : { dueMs: due, fireMs: due } };
    }
    const sch = t.schedule!;
    const spec = sch.spec;
    const toleranceMs = Math.max(this.o.settings.precisionMs ?? L.precisionMs, windowMs(spec));
    const late = now - t.nextDueMs > toleranceMs;
    // Past a missed time: the next due time not already missed (it may still be within its tolerance: then it fires next tick).
    const next = planAfter(spec, late ? now - toleranceMs : t.nextDueMs, sch.modifiedMs, this.o.settings);
    if (late) this.o.log(`kumo: scheduler: schedule ${sch.arn}: due time ${new Date(t.nextDueMs).toISOString()} missed (the server was down), skipped`);
    return { fire: !late, next, deleteSchedule: next === undefined && spec.actionAfterCompletion === 'DELETE' };
  }

  // ---- delivery -------------------------------------------------------------------

  private deliver(f: ScheduleFire): void {
    const p = this.attempt(f).catch((e) => this.o.log(`kumo: scheduler: fire ${f.id} failed: ${String(e)}`)).finally(() => {
      this.inFlight.delete(p);
      this.poke();
    });
    this.inFlight.add(p);
  }

  private async attempt(f: ScheduleFire): Promise<void> {
    try {
      if (f.kind === 'rule') await this.o.rules!.fire(f.key, f.dueMs);
      else await this.send(f);
    } catch (e) {
      if (this.stopped) return; // the lease runs out (or is released at the next start) and the fire is tried again
      await this.failed(f, e);
      return;
    }
    this.firedCount++;
    await this.o.store.finishFire(f.id);
  }

  private send(f: ScheduleFire): Promise<void> {
    const t = f.target!;
    if (!this.o.rules && f.kind === 'rule') throw new Error('no scheduled rule source');
    const body = t.Input === undefined ? defaultInput : withContext(t.Input, f);
    const a = parseArn(t.Arn);
    const from = fireSource(f);
    if (a?.service === 'sqs') {
      const fifo = a.resource.endsWith('.fifo');
      return this.o.deliveries.send(t.Arn, { body, ...(fifo ? { groupId: t.SqsParameters?.MessageGroupId, dedupId: f.id } : {}) }, from);
    }
    if (a?.service === 'events') {
      // The events sink takes an event as EventBridge forms it (src/events/sink.ts): Scheduler's PutEvents
      // target sends Input as the detail, EventBridgeParameters' Source and DetailType, the schedule as its resource.
      let detail: unknown;
      try {
        detail = JSON.parse(body);
      } catch {
        throw new DomainError('InvalidParameter', 'Detail is malformed.');
      }
      const event = {
        version: '0', id: randomUUID(), 'detail-type': t.EventBridgeParameters!.DetailType, source: t.EventBridgeParameters!.Source,
        account: a.account, time: new Date(Math.floor(f.dueMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'), region: a.region,
        resources: [f.key], detail,
      };
      return this.o.deliveries.send(t.Arn, { body: JSON.stringify(event) }, from);
    }
    return this.o.deliveries.send(t.Arn, { body }, from);
  }

  /** A failed attempt: retry while the policy allows (not for a target that cannot take it), else dead-letter. */
  private async failed(f: ScheduleFire, e: unknown): Promise<void> {
    const attempts = f.attempts + 1;
    const policy = f.target?.RetryPolicy ?? { MaximumEventAgeInSeconds: L.eventAgeSecondsMax, MaximumRetryAttempts: L.retryAttemptsMax };
    const permanent = e instanceof DomainError && permanentKinds.has(e.kind);
    const ageExceeded = Date.now() - f.claimedMs >= policy.MaximumEventAgeInSeconds * 1000;
    const retriesExceeded = f.attempts >= policy.MaximumRetryAttempts;
    if (!permanent && !ageExceeded && !retriesExceeded) {
      const backoff = Math.min(L.retryDelayMsMax, L.retryBaseDelayMs * 2 ** f.attempts);
      // Full jitter on the upper half, so retries of many schedules spread out.
      await this.o.store.retryFire(f.id, attempts, Math.floor(backoff / 2 + (this.o.settings.random() * backoff) / 2));
      return;
    }
    const condition = permanent ? undefined : retriesExceeded ? 'MaximumRetryAttemptsExceeded' : 'MaximumEventAgeExceeded';
    const dlq = f.target?.DeadLetterConfig?.Arn;
    if (dlq) {
      try {
        await this.o.deliveries.send(dlq, { body: f.target!.Input === undefined ? defaultInput : withContext(f.target!.Input, f), attributes: dlqAttributes(f, e, condition) }, fireSource(f));
      } catch (dlqError) {
        this.o.log(`kumo: scheduler: ${f.key}: dead-letter queue ${dlq} refused the event: ${String(dlqError)}`);
      }
    } else {
      this.o.log(`kumo: scheduler: ${f.key}: giving up on the due time ${new Date(f.dueMs).toISOString()} after ${f.attempts} retries: ${String(e)}`);
    }
    await this.o.store.finishFire(f.id);
  }
}

/**
 * Scheduler's context attributes in a target's Input (User Guide, "Adding
 * context attributes"): `<aws.scheduler.schedule-arn>`,
 * `<aws.scheduler.scheduled-time>` (the due time, e.g. 2022-03-22T18:59:43Z),
 * `<aws.scheduler.execution-id>` (one per due time: the fire's id) and
 * `<aws.scheduler.attempt-number>` (1 on the first try).
 */
export function withContext(input: string, f: ScheduleFire): string {
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', f.key)
    .replaceAll('<aws.scheduler.scheduled-time>', new Date(Math.floor(f.dueMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'))
    .replaceAll('<aws.scheduler.execution-id>', f.id)
    .replaceAll('<aws.scheduler.attempt-number>', String(f.attempts + 1));
}

/** The payload when a target has no Input (Kumo's choice: an empty JSON object, well-formed for every target type). */
export const defaultInput = '{}';

/** Failures a retry cannot mend: the target does not exist or refuses the message. */
/**
 * Who a fire's delivery comes from, for a target of another account
 * (src/domain/delivery.ts): Scheduler acting as the schedule's RoleArn, or
 * EventBridge for a scheduled rule.
 */
function fireSource(f: ScheduleFire): DeliverySource {
  if (f.kind === 'rule') return { service: 'events.amazonaws.com', sourceArn: f.key };
  const role = f.target?.RoleArn;
  return { service: 'scheduler.amazonaws.com', sourceArn: f.key, ...(role ? { as: { roleArn: role, sessionName: (f.name ?? 'schedule').slice(0, 64) } } : {}) };
}

const permanentKinds = new Set<DomainError['kind']>(['NotFound', 'InvalidParameter', 'Validation', 'AccessDenied', 'PayloadTooLarge']);

const ruleSignature = (r: ScheduledRule) => `${r.scheduleExpression}\n${r.sinceMs}`;

/**
 * Scheduler's dead-letter message attributes (User Guide, "Configuring a
 * dead-letter queue", "Retrieve the dead-letter event"): the error, the
 * retry condition that ran out (absent for a failure no retry could mend),
 * the retries made, and the schedule and target ARNs.
 */
function dlqAttributes(f: ScheduleFire, e: unknown, condition: string | undefined): Record<string, MessageAttributeValue> {
  const s = (v: string): MessageAttributeValue => ({ DataType: 'String', StringValue: v });
  return {
    ERROR_CODE: s(errorCode(f.target!.Arn, e)),
    ERROR_MESSAGE: s(e instanceof Error ? e.message : String(e)),
    ...(condition ? { EXHAUSTED_RETRY_CONDITION: s(condition) } : {}),
    RETRY_ATTEMPTS: s(String(f.attempts)),
    SCHEDULE_ARN: s(f.key),
    TARGET_ARN: s(f.target!.Arn),
  };
}

/** The target service's own error code, as AWS's dead-letter events carry it. */
function errorCode(targetArn: string, e: unknown): string {
  const service = parseArn(targetArn)?.service;
  const kind = e instanceof DomainError ? e.kind : undefined;
  if (kind === 'NotFound') {
    if (service === 'sqs') return 'AWS.SimpleQueueService.NonExistentQueue';
    if (service === 'sns') return 'NotFound';
    return 'ResourceNotFoundException';
  }
  if (kind === 'Throttled') return service === 'lambda' ? 'TooManyRequestsException' : 'ThrottlingException';
  if (kind === 'InvalidParameter' || kind === 'Validation' || kind === 'PayloadTooLarge') return service === 'lambda' ? 'InvalidRequestContentException' : 'InvalidParameterValue';
  return 'InternalFailure';
}
