/**
 * The records the schedule domain works with and a store persists
 * (src/store/schedules.ts re-exports them for the implementations).
 * Member names inside `ScheduleTarget` are AWS's, so the wire shape and the
 * stored shape are one and a field added later is kept by both.
 */
export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  /** Always present: AWS fills in its defaults (86,400 s, 185 attempts) and returns them. */
  RetryPolicy: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number };
  DeadLetterConfig?: { Arn: string };
  SqsParameters?: { MessageGroupId: string };
  EventBridgeParameters?: { DetailType: string; Source: string };
}

export type ScheduleState = 'ENABLED' | 'DISABLED';

export interface ScheduleSpec {
  expression: string;
  /** IANA zone; AWS's default UTC is stored and returned. */
  timezone: string;
  startMs?: number;
  endMs?: number;
  state: ScheduleState;
  flexibleWindow: { mode: 'OFF' | 'FLEXIBLE'; maxMinutes?: number };
  target: ScheduleTarget;
  description?: string;
  actionAfterCompletion: 'NONE' | 'DELETE';
}

export interface ScheduleRecord {
  group: string;
  name: string;
  arn: string;
  spec: ScheduleSpec;
  createdMs: number;
  modifiedMs: number;
  /** The ClientToken of the create or update that wrote this version (idempotent retries). */
  clientToken?: string;
  /** The engine's: the next nominal due time, and when it fires (a flexible window's offset after it). */
  nextDueMs?: number;
  nextFireMs?: number;
}

export interface ScheduleGroupRecord {
  name: string;
  arn: string;
  createdMs: number;
  modifiedMs: number;
  tags: Record<string, string>;
  clientToken?: string;
}

/** Something the engine keeps a due time for: a schedule, or an EventBridge rule with a ScheduleExpression. */
export type TimerKind = 'schedule' | 'rule';

/** A due row the engine decides about inside the claiming transaction. */
export interface DueTimer {
  kind: TimerKind;
  /** The schedule's or rule's ARN. */
  key: string;
  nextDueMs: number;
  nextFireMs: number;
  /** Schedules only: the stored schedule. */
  schedule?: ScheduleRecord;
  /** Rules only: the expression the timer was planned from. */
  expression?: string;
}

/** What the engine decided for one due timer (computed with the store's clock). */
export interface ClaimPlan {
  /** Hand this due time to the target (false: skipped, e.g. missed by more than its window). */
  fire: boolean;
  /** The next due time and fire time; undefined: no more (an at() that ran, an EndDate passed). */
  next?: { dueMs: number; fireMs: number };
  /** ActionAfterCompletion DELETE after the last fire: the schedule row goes in the same transaction. */
  deleteSchedule?: boolean;
}

/** One due time handed to a target: the outbox row, kept until delivered, dead-lettered or given up. */
export interface ScheduleFire {
  id: string;
  kind: TimerKind;
  key: string;
  dueMs: number;
  /** Deliveries tried so far. */
  attempts: number;
  /** Schedules: the target as it was when the due time was claimed. */
  target?: ScheduleTarget;
  /** Schedules: group and name (for the DLQ's attributes and the payload). */
  group?: string;
  name?: string;
  /** The store's clock when the fire was claimed (the event's age counts from it). */
  claimedMs: number;
}
