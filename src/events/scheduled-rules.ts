import type { ScheduledRule, ScheduledRuleSource } from '../domain/scheduled-rules';
import type { EventBusStore } from '../store/events';
import { eventTime } from './put-events';
import type { BusEvent } from './records';
import { randomUUID } from 'node:crypto';
import type { ArnScope } from '../domain/arn';

/**
 * The event-bus side of the schedule seam (src/domain/scheduled-rules.ts):
 * every rule with a ScheduleExpression, change notices, and `fire`, which
 * records AWS's "Scheduled Event" for the due time for every target of the
 * rule in one store transaction (the delivery worker sends it as any other
 * event, with the target's Input*, RetryPolicy and DeadLetterConfig).
 */
export class BusScheduledRules implements ScheduledRuleSource {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: EventBusStore, private readonly scope: ArnScope, private readonly wake: () => void) {}

  async list(): Promise<ScheduledRule[]> {
    return (await this.store.scheduledRules()).map((r) => ({
      arn: r.arn, scheduleExpression: r.scheduleExpression!, enabled: r.state === 'ENABLED', sinceMs: r.sinceMs,
    }));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by BusService after a put, state change or delete. */
  changed(): void {
    for (const l of this.listeners) l();
  }

  async fire(arn: string, dueMs: number): Promise<void> {
    const rule = await this.store.getRule(arn);
    if (!rule || rule.scheduleExpression === undefined || rule.state !== 'ENABLED') return;
    const targets = await this.store.listTargets(arn, { limit: 100 });
    if (!targets.length) return;
    // AWS's scheduled event: detail-type "Scheduled Event", source "aws.events", the rule as its one resource, an empty detail.
    const event: BusEvent = {
      version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: this.scope.accountId,
      time: eventTime(dueMs), region: this.scope.region, resources: [arn], detail: {},
    };
    await this.store.enqueueEventDeliveries(targets.map((t) => ({ ruleArn: arn, targetId: t.Id, event, hops: 0 })));
    this.wake();
  }
}
