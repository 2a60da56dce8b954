import type { ClaimPlan, DueTimer, ScheduleFire, ScheduleGroupRecord, ScheduleRecord, ScheduleSpec } from '../schedules/records';

export type { ClaimPlan, DueTimer, ScheduleFire, ScheduleGroupRecord, ScheduleRecord, ScheduleSpec } from '../schedules/records';

/**
 * Persistence of EventBridge Scheduler's schedule groups and schedules, and
 * the schedule engine's state: each schedule's and each scheduled rule's next
 * due time, and the outbox of due times handed to targets (`sched_fires`).
 * The logic is written once (schedule-sql.ts) and run by each store's driver,
 * one transaction per method.
 *
 * Time: due times are wall-clock instants (a cron names a time of day), so
 * the store cannot take them as durations; instead every decision that
 * compares one with "now" runs inside the store with the store's clock
 * (SQLite: this process's; PostgreSQL: the database's), through the `plan`
 * callbacks, and `nextWakeDelayMs` answers a duration. Hosts sharing a
 * database then never compare their own clocks with a stored due time.
 */
export interface ScheduleStore {
  /** `exists` when a group of that name exists (unchanged). `createdMs`/`modifiedMs` are the store's clock. */
  createScheduleGroup(rec: Omit<ScheduleGroupRecord, 'createdMs' | 'modifiedMs'>): Promise<{ kind: 'ok'; group: ScheduleGroupRecord } | { kind: 'exists'; group: ScheduleGroupRecord }>;
  getScheduleGroup(name: string): Promise<ScheduleGroupRecord | undefined>;
  /** Groups by name after `afterName` (exclusive), optionally only names starting with `prefix`. */
  listScheduleGroups(q: { prefix?: string; afterName?: string; limit: number }): Promise<ScheduleGroupRecord[]>;
  /** Deletes the group and every schedule in it, in one transaction; false when it did not exist. */
  deleteScheduleGroup(name: string): Promise<boolean>;
  /** Merges tag changes and checks the count inside the transaction; nothing changes when over `max`. */
  changeScheduleGroupTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, max: number):
    Promise<{ kind: 'ok'; tags: Record<string, string> } | { kind: 'no-group' } | { kind: 'too-many' }>;

  /**
   * Creates the schedule with its first due time (`plan(now)`, undefined: none)
   * in one transaction; `exists` (with the stored one) when the name is taken
   * in the group, `no-group` when the group does not exist.
   */
  createSchedule(rec: { group: string; name: string; arn: string; spec: ScheduleSpec; clientToken?: string },
    plan: (nowMs: number) => { dueMs: number; fireMs: number } | undefined):
    Promise<{ kind: 'ok'; schedule: ScheduleRecord } | { kind: 'exists'; schedule: ScheduleRecord } | { kind: 'no-group' }>;
  getSchedule(group: string, name: string): Promise<ScheduleRecord | undefined>;
  /** Replaces the spec and re-plans the due time in one transaction; `missing` when the schedule is gone. */
  updateSchedule(group: string, name: string, spec: ScheduleSpec, clientToken: string | undefined,
    plan: (nowMs: number, previous: ScheduleRecord) => { dueMs: number; fireMs: number } | undefined):
    Promise<{ kind: 'ok'; schedule: ScheduleRecord } | { kind: 'missing' }>;
  deleteSchedule(group: string, name: string): Promise<boolean>;
  /** Schedules ordered by (group, name) after `after` (exclusive), filtered. */
  listSchedules(q: { group?: string; prefix?: string; state?: string; after?: { group: string; name: string }; limit: number }): Promise<ScheduleRecord[]>;

  /** The scheduled rules the engine keeps timers for, with the signature each was planned from. */
  listRuleTimers(): Promise<{ arn: string; signature: string }[]>;
  /** Sets a rule's timer (`plan(now)`; undefined: no due time, the timer row is removed). */
  putRuleTimer(arn: string, signature: string, expression: string, plan: (nowMs: number) => { dueMs: number; fireMs: number } | undefined): Promise<void>;
  deleteRuleTimer(arn: string): Promise<void>;

  /**
   * Claims up to `limit` timers whose fire time has come (by the store's
   * clock), earliest first: for each, `plan` decides (with the store's clock)
   * whether the due time fires and what comes next, and in the same
   * transaction the timer moves on, a fire row is recorded (leased to the
   * caller for `leaseMs`) and, for a completed schedule with
   * ActionAfterCompletion DELETE, the schedule is deleted. A due time is
   * claimed at most once: on PostgreSQL the rows are taken FOR UPDATE SKIP
   * LOCKED, so two servers never claim the same one.
   */
  claimDueTimers(limit: number, leaseMs: number, plan: (t: DueTimer, nowMs: number) => ClaimPlan): Promise<ScheduleFire[]>;
  /** Fire rows due for a (re)try and not leased, leased to the caller for `leaseMs`. */
  leaseFires(limit: number, leaseMs: number): Promise<ScheduleFire[]>;
  /** The fire is delivered, dead-lettered or given up: the row goes. */
  finishFire(id: string): Promise<void>;
  /** Another try after `delayMs` (from the store's clock), with `attempts` recorded; the lease is released. */
  retryFire(id: string, attempts: number, delayMs: number): Promise<void>;
  /**
   * At start-up: fire leases of a previous process are void. SQLite (one
   * server per data dir) releases them all; PostgreSQL keeps them (another
   * live server may hold them; a dead one's run out after their lease).
   */
  releaseFireLeases(): Promise<void>;
  /** Milliseconds from the store's clock until the earliest timer or unleased fire is due (0: now; undefined: nothing). */
  nextWakeDelayMs(): Promise<number | undefined>;
}
