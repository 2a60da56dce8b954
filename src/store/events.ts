import type { EventBusRecord, EventDelivery, NewEventDelivery, RuleRecord, RuleState, TargetRecord } from '../events/records';

export type { BusEvent, EventBusRecord, EventDelivery, NewEventDelivery, RuleRecord, RuleState, TargetRecord } from '../events/records';

/** A rule with its targets (the fan-out of one event). */
export interface RuleWithTargets {
  rule: RuleRecord;
  targets: TargetRecord[];
}

/**
 * Persistence of EventBridge buses, rules, targets and the delivery outbox.
 * Every method is one transaction. Due times and leases are passed as
 * *durations*: the store adds them to its own clock (SQLite: this
 * process's; PostgreSQL: the database's), as the topic store does.
 */
export interface EventBusStore {
  /** Creates the bus; `exists` when a bus of that ARN exists; `too-many` when `max` buses exist already. */
  createEventBus(rec: EventBusRecord, max: number): Promise<'created' | 'exists' | 'too-many'>;
  getEventBus(arn: string): Promise<EventBusRecord | undefined>;
  /** Buses whose name starts with `prefix`, by name after `afterName` (exclusive). */
  listEventBuses(q: { prefix?: string; afterName?: string; limit: number }): Promise<EventBusRecord[]>;
  /**
   * The bus's resource policy (PutPermission / RemovePermission): `change`
   * gets the current text (undefined: none) and answers the next (undefined:
   * remove it), under the bus row's lock in one transaction; what it throws
   * leaves the policy as it was. `no-bus` when the bus does not exist.
   */
  changeEventBusPolicy(arn: string, change: (current: string | undefined) => string | undefined): Promise<{ kind: 'ok'; policy?: string } | { kind: 'no-bus' }>;
  /** Deletes the bus with its rules, their targets and pending deliveries; false when it did not exist. */
  deleteEventBus(arn: string): Promise<boolean>;

  /**
   * Creates or replaces the rule (`no-bus` when its bus is gone; `too-many`
   * when creating it would pass `max` rules on the bus). A replaced rule keeps
   * its creation time, tags (unless `tags` are given, which are added) and
   * `sinceMs` unless its schedule expression or state changed.
   */
  putRule(rec: RuleRecord, busArn: string, max: number): Promise<{ kind: 'ok'; rule: RuleRecord } | { kind: 'no-bus' } | { kind: 'too-many' }>;
  getRule(arn: string): Promise<RuleRecord | undefined>;
  /** Rules of a bus whose name starts with `prefix`, by name after `afterName`. */
  listRules(q: { busName: string; prefix?: string; afterName?: string; limit: number }): Promise<RuleRecord[]>;
  /** Sets the state (sinceMs moves when it changes); false when the rule does not exist. */
  setRuleState(arn: string, state: RuleState): Promise<boolean>;
  /** Deletes the rule; `has-targets` (nothing deleted) while it has targets, as AWS refuses. */
  deleteRule(arn: string): Promise<'deleted' | 'no-rule' | 'has-targets'>;
  /** Every rule with a schedule expression (the schedule engine's list). */
  scheduledRules(): Promise<RuleRecord[]>;

  /** Adds or replaces targets by Id; `too-many` (nothing changed) when the rule would pass `max`. */
  putTargets(ruleArn: string, targets: TargetRecord[], max: number): Promise<'ok' | 'no-rule' | 'too-many'>;
  /** Removes the targets of these ids (and their pending deliveries); returns the ids that existed. */
  removeTargets(ruleArn: string, ids: string[]): Promise<{ kind: 'ok'; removed: string[] } | { kind: 'no-rule' }>;
  /** A rule's targets by Id after `afterId`. */
  listTargets(ruleArn: string, q: { afterId?: string; limit: number }): Promise<TargetRecord[]>;
  getTarget(ruleArn: string, id: string): Promise<TargetRecord | undefined>;
  /** The ENABLED rules of a bus with an event pattern, each with its targets. */
  matchingCandidates(busName: string): Promise<RuleWithTargets[]>;

  /** Merges tag changes into a bus or a rule (by ARN); nothing changes when over `max`. */
  changeEventTags(arn: string, change: { set?: Record<string, string>; remove?: string[] }, max: number):
    Promise<{ kind: 'ok'; tags: Record<string, string> } | { kind: 'not-found' } | { kind: 'too-many' }>;

  /** Records deliveries, due at once, in one transaction (PutEvents answers after it). */
  enqueueEventDeliveries(deliveries: NewEventDelivery[]): Promise<void>;
  /** Leases up to `limit` due deliveries for `leaseMs` to `owner` (PostgreSQL: SKIP LOCKED). */
  leaseEventDeliveries(owner: string, limit: number, leaseMs: number): Promise<EventDelivery[]>;
  finishEventDelivery(id: string): Promise<void>;
  retryEventDelivery(id: string, attempts: number, delayMs: number): Promise<void>;
  /** Releases every lease not held by `owner` (SQLite, at start: that process is dead); PostgreSQL releases none. */
  releaseEventDeliveryLeases(exceptOwner: string): Promise<number>;
}
