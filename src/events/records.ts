/** The records of the event-bus domain, as the store keeps them. */

export interface EventBusRecord {
  arn: string;
  name: string;
  description?: string;
  createdMs: number;
  modifiedMs: number;
  tags: Record<string, string>;
  /** The bus's resource policy (PutPermission), as DescribeEventBus answers it; absent without one. */
  policy?: string;
}

export type RuleState = 'ENABLED' | 'DISABLED';

export interface RuleRecord {
  arn: string;
  name: string;
  /** The bus's name (`default` for the default bus). */
  busName: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  roleArn?: string;
  createdMs: number;
  /** When the rule last took its schedule expression or state (the schedule engine's first due time follows it). */
  sinceMs: number;
  tags: Record<string, string>;
}

/** A target as PutTargets stored it (AWS's member names, only those Kumo honours). */
export interface TargetRecord {
  Id: string;
  Arn: string;
  RoleArn?: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  SqsParameters?: { MessageGroupId?: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
}

/** An event as EventBridge forms it (what targets receive when no Input* is set). */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** One (event, rule target) waiting in the outbox. */
export interface EventDelivery {
  id: string;
  ruleArn: string;
  targetId: string;
  event: BusEvent;
  /** Attempts made so far. */
  attempts: number;
  /** How long ago PutEvents (or the schedule) accepted the event, on the store's clock when it was leased: MaximumEventAgeInSeconds counts it. */
  ageMs: number;
  /** Bus-to-bus hops the event has taken (a loop stops at `busHopsMax`). */
  hops: number;
}

/** A delivery PutEvents records: the store adds its id, clock and attempts. */
export interface NewEventDelivery {
  ruleArn: string;
  targetId: string;
  event: BusEvent;
  hops: number;
}
