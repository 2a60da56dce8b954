import * as ss from './schedule-sql';
import type { ScheduleStore } from './schedules';
import type { QueueOp } from './queue-sql';

/** Runs one operation of schedule-sql.ts in one transaction of a database, with that database's clock. */
export type ScheduleRunner = <T, A extends unknown[]>(op: (now: number, ...a: A) => QueueOp<T>, ...args: A) => Promise<T>;

/**
 * `ScheduleStore` over the logic of schedule-sql.ts, written once for both
 * databases: sqlite/schedules.ts and postgres/schedules.ts only say how an
 * operation runs there (`run`: a write transaction; `read`: a plain read).
 */
export class ScheduleOps implements ScheduleStore {
  constructor(private readonly run: ScheduleRunner, private readonly read: ScheduleRunner, private readonly releaseOnStart: boolean) {}

  createScheduleGroup(rec: Parameters<ScheduleStore['createScheduleGroup']>[0]): ReturnType<ScheduleStore['createScheduleGroup']> { return this.run(ss.createScheduleGroup, rec); }
  getScheduleGroup(name: string): ReturnType<ScheduleStore['getScheduleGroup']> { return this.read(ss.getScheduleGroup, name); }
  listScheduleGroups(q: Parameters<ScheduleStore['listScheduleGroups']>[0]): ReturnType<ScheduleStore['listScheduleGroups']> { return this.read(ss.listScheduleGroups, q); }
  deleteScheduleGroup(name: string): ReturnType<ScheduleStore['deleteScheduleGroup']> { return this.run(ss.deleteScheduleGroup, name); }
  changeScheduleGroupTags(...a: Parameters<ScheduleStore['changeScheduleGroupTags']>): ReturnType<ScheduleStore['changeScheduleGroupTags']> { return this.run(ss.changeScheduleGroupTags, ...a); }
  createSchedule(...a: Parameters<ScheduleStore['createSchedule']>): ReturnType<ScheduleStore['createSchedule']> { return this.run(ss.createSchedule, ...a); }
  getSchedule(group: string, name: string): ReturnType<ScheduleStore['getSchedule']> { return this.read(ss.getSchedule, group, name); }
  updateSchedule(...a: Parameters<ScheduleStore['updateSchedule']>): ReturnType<ScheduleStore['updateSchedule']> { return this.run(ss.updateSchedule, ...a); }
  deleteSchedule(group: string, name: string): ReturnType<ScheduleStore['deleteSchedule']> { return this.run(ss.deleteSchedule, group, name); }
  listSchedules(q: Parameters<ScheduleStore['listSchedules']>[0]): ReturnType<ScheduleStore['listSchedules']> { return this.read(ss.listSchedules, q); }
  listRuleTimers(): ReturnType<ScheduleStore['listRuleTimers']> { return this.read(ss.listRuleTimers); }
  putRuleTimer(...a: Parameters<ScheduleStore['putRuleTimer']>): ReturnType<ScheduleStore['putRuleTimer']> { return this.run(ss.putRuleTimer, ...a); }
  deleteRuleTimer(arn: string): ReturnType<ScheduleStore['deleteRuleTimer']> { return this.run(ss.deleteRuleTimer, arn); }
  claimDueTimers(...a: Parameters<ScheduleStore['claimDueTimers']>): ReturnType<ScheduleStore['claimDueTimers']> { return this.run(ss.claimDueTimers, ...a); }
  leaseFires(limit: number, leaseMs: number): ReturnType<ScheduleStore['leaseFires']> { return this.run(ss.leaseFires, limit, leaseMs); }
  finishFire(id: string): ReturnType<ScheduleStore['finishFire']> { return this.run(ss.finishFire, id); }
  retryFire(id: string, attempts: number, delayMs: number): ReturnType<ScheduleStore['retryFire']> { return this.run(ss.retryFire, id, attempts, delayMs); }
  releaseFireLeases(): ReturnType<ScheduleStore['releaseFireLeases']> { return this.releaseOnStart ? this.run(ss.releaseFireLeases) : Promise.resolve(); }
  // Reads the clock, so it runs as a transaction (SQLite: a plain read's `now` would be 0).
  nextWakeDelayMs(): ReturnType<ScheduleStore['nextWakeDelayMs']> { return this.run(ss.nextWakeDelayMs); }
}
