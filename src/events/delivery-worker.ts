import { randomUUID } from 'node:crypto';
import type { Deliveries, DeliverySource, MessageAttributeValue } from '../domain/delivery';
import { parseArn } from '../domain/arn';
import { DomainError } from '../domain/errors';
import type { EventBusStore, EventDelivery, RuleRecord, TargetRecord } from '../store/events';
import * as L from './limits';
import type { EventPublisher } from './put-events';
import { nextStep } from './retry';
import { targetInput } from './target-input';

/**
 * Delivers the event outbox (`EventBusStore` deliveries): each (event,
 * rule target) at least once, as the SNS worker does for topics.
 *   1. lease due deliveries (`deliveryLeaseMs` on the store's clock: a
 *      crashed server's leases run out and they are due again)
 *   2. load the rule and target (gone: finish — AWS stops delivering to a removed target)
 *   3. shape the input (Input / InputPath / InputTransformer)
 *   4. send: a function is an async invoke, a queue a SendMessage, a topic a
 *      Publish (all through `Deliveries`), a bus a PutEvents of the event there
 *   5. finish; or retry by the target's RetryPolicy; or, when it ran out or
 *      the target does not exist (AWS does not retry those), send the event
 *      to the target's DeadLetterConfig queue with AWS's attributes, else drop
 *      it with a line in the server log.
 */
export interface EventWorkerDeps {
  store: EventBusStore;
  deliveries: Deliveries;
  publisher: EventPublisher;
  log(line: string): void;
  /**
   * How long a lease is this process's (default `deliveryLeaseMs`, 60 s). On
   * PostgreSQL a crashed server's leases are not released by the next one to
   * start (another server may be alive), so they are due again when this runs
   * out: KUMO_EVENTS_LEASE_MS shortens it (tests), on the same code path.
   */
  leaseMs?: number;
}

/** A failure retrying cannot fix (the target does not exist or refuses the message). */
class PermanentFailure extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class EventDeliveryWorker {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: EventWorkerDeps) {}

  /** Before serving: a previous process's leases (SQLite: that process is dead) are due again at once. */
  async recover(): Promise<void> {
    await this.d.store.releaseEventDeliveryLeases(this.owner);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    let leased = 0;
    try {
      do {
        this.again = false;
        const room = L.deliveriesInFlightMax - this.inFlight.size;
        if (room <= 0) break;
        const batch = await this.d.store.leaseEventDeliveries(this.owner, Math.min(room, L.deliveryLeaseBatchMax), this.d.leaseMs ?? L.deliveryLeaseMs);
        leased = batch.length;
        for (const del of batch) {
          const p = this.deliver(del).finally(() => {
            this.inFlight.delete(p);
            this.wake();
          });
          this.inFlight.add(p);
        }
      } while ((this.again || leased === L.deliveryLeaseBatchMax) && !this.stopped);
    } catch (e) {
      this.d.log(`kumo: events delivery poll failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule(this.again ? 0 : L.deliveryPollMs);
    }
  }

  private async deliver(del: EventDelivery): Promise<void> {
    try {
      const rule = await this.d.store.getRule(del.ruleArn);
      const target = rule && (await this.d.store.getTarget(del.ruleArn, del.targetId));
      if (!rule || !target) return await this.d.store.finishEventDelivery(del.id);
      try {
        await this.send(del, rule, target);
        await this.d.store.finishEventDelivery(del.id);
      } catch (e) {
        await this.failed(del, rule, target, e);
      }
    } catch (e) {
      // The store failed: the lease runs out and the delivery is tried again then.
      this.d.log(`kumo: events delivery ${del.id} could not be recorded: ${(e as Error).message}`);
    }
  }

  private async send(del: EventDelivery, rule: RuleRecord, target: TargetRecord): Promise<void> {
    const a = parseArn(target.Arn);
    try {
      if (a?.service === 'events') {
        if (del.hops + 1 > L.busHopsMax) throw new PermanentFailure('LoopDetected', `the event passed ${L.busHopsMax} event buses`);
        const bus = a.resource.slice('event-bus/'.length);
        if (a.account !== parseArn(rule.arn)?.account) {
          // Another account's bus (the cross-account pattern): that account takes the event when its bus policy allows this account or the rule's role.
          await this.d.deliveries.send(target.Arn, { body: JSON.stringify(del.event), hops: del.hops + 1 }, source(rule, target));
          return;
        }
        if ((await this.d.publisher.forward(del.event, bus, del.hops + 1)) === 'no-bus') {
          throw new PermanentFailure('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
        }
        return;
      }
      const body = targetInput(target, del.event, { ruleArn: rule.arn, ruleName: rule.name, ingestionTime: del.event.time });
      const groupId = a?.service === 'sqs' ? target.SqsParameters?.MessageGroupId : undefined;
      // A FIFO queue target deduplicates by the event's id (AWS: EventBridge sets it; content-based deduplication not needed).
      await this.d.deliveries.send(target.Arn, { body, groupId, dedupId: groupId !== undefined ? del.event.id : undefined }, source(rule, target));
    } catch (e) {
      if (e instanceof DomainError && (e.kind === 'NotFound' || e.kind === 'InvalidParameter' || e.kind === 'PayloadTooLarge' || e.kind === 'AccessDenied')) {
        throw new PermanentFailure(e.kind === 'NotFound' ? 'ResourceNotFoundException' : e.kind === 'AccessDenied' ? 'NO_PERMISSIONS' : 'ValidationException', e.message);
      }
      throw e;
    }
  }

  private async failed(del: EventDelivery, rule: RuleRecord, target: TargetRecord, e: unknown): Promise<void> {
    const attempts = del.attempts + 1;
    const why = (e as Error).message;
    let exhausted: string;
    if (e instanceof PermanentFailure) exhausted = 'None';
    else {
      const step = nextStep(target, attempts, del.ageMs);
      if (step.retry) return this.d.store.retryEventDelivery(del.id, attempts, step.delayMs);
      exhausted = step.exhausted;
    }
    const code = e instanceof PermanentFailure ? e.code : 'InternalException';
    const dlq = target.DeadLetterConfig?.Arn;
    if (dlq) {
      const s = (v: string): MessageAttributeValue => ({ DataType: 'String', StringValue: v });
      try {
        await this.d.deliveries.send(dlq, {
          body: JSON.stringify(del.event),
          attributes: {
            RULE_ARN: s(rule.arn), TARGET_ARN: s(target.Arn), ERROR_CODE: s(code), ERROR_MESSAGE: s(why.slice(0, 1024)),
            EXHAUSTED_RETRY_CONDITION: s(exhausted), RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(attempts - 1) },
          },
        }, { service: 'events.amazonaws.com', sourceArn: rule.arn });
        this.d.log(`kumo: event ${del.event.id} for ${target.Arn} (rule ${rule.arn}) moved to ${dlq} after ${attempts} attempt(s): ${why}`);
      } catch (d) {
        // The dead-letter queue is unreachable for now: keep the delivery and try again later rather than lose the event.
        if (!(d instanceof DomainError)) return this.d.store.retryEventDelivery(del.id, del.attempts, L.retryDelayMaxMs);
        this.d.log(`kumo: event ${del.event.id} for ${target.Arn} dropped: ${why}; its dead-letter queue ${dlq} refused it: ${d.message}`);
      }
    } else {
      this.d.log(`kumo: event ${del.event.id} for ${target.Arn} (rule ${rule.arn}) dropped after ${attempts} attempt(s): ${why}`);
    }
    await this.d.store.finishEventDelivery(del.id);
  }
}

/**
 * Who a rule's delivery comes from, for a target of another account
 * (src/domain/delivery.ts): EventBridge for the rule, acting as the target's
 * RoleArn when it has one (that role's policies must then allow it too).
 */
function source(rule: RuleRecord, target: TargetRecord): DeliverySource {
  return { service: 'events.amazonaws.com', sourceArn: rule.arn, ...(target.RoleArn ? { as: { roleArn: target.RoleArn, sessionName: rule.name.slice(0, 64) } } : {}) };
}
