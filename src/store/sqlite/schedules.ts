import type Database from 'better-sqlite3';
import { ScheduleOps } from '../schedule-ops';
import { readSqlite, runSqlite } from './queue-driver';

/**
 * `ScheduleStore` on SQLite: the main database, each write one immediate
 * transaction running schedule-sql.ts with this process's clock (SqliteStore
 * answers a write after its WAL fsync, so a claimed due time survives kill -9).
 */
export class SqliteSchedules extends ScheduleOps {
  constructor(db: Database.Database) {
    super(async (op, ...args) => runSqlite(db, op, ...args), async (op, ...args) => readSqlite(db, op, ...args), true);
  }
}

export const sqliteScheduleMigration = `
  CREATE TABLE sched_groups (
    name TEXT PRIMARY KEY, arn TEXT NOT NULL, created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, tags TEXT NOT NULL, client_token TEXT);
  CREATE TABLE sched_schedules (
    group_name TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL, state TEXT NOT NULL, spec TEXT NOT NULL, client_token TEXT,
    created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, next_due_ms INTEGER, next_fire_ms INTEGER,
    PRIMARY KEY (group_name, name));
  CREATE INDEX sched_schedules_due ON sched_schedules (next_fire_ms) WHERE next_fire_ms IS NOT NULL;
  CREATE TABLE sched_rule_timers (
    arn TEXT PRIMARY KEY, signature TEXT NOT NULL, expression TEXT NOT NULL, next_due_ms INTEGER NOT NULL, next_fire_ms INTEGER NOT NULL);
  CREATE INDEX sched_rule_timers_due ON sched_rule_timers (next_fire_ms);
  CREATE TABLE sched_fires (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, due_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, target TEXT,
    group_name TEXT, name TEXT, claimed_ms INTEGER NOT NULL, next_attempt_ms INTEGER NOT NULL, lease_until_ms INTEGER NOT NULL);
  CREATE INDEX sched_fires_due ON sched_fires (next_attempt_ms);`;
