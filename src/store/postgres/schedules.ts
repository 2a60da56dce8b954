import type pg from 'pg';
import { ScheduleOps } from '../schedule-ops';
import { readPostgres, runPostgres } from './queue-driver';

/**
 * `ScheduleStore` on PostgreSQL: each write one transaction (synchronous
 * commit) running schedule-sql.ts with the database's clock; due timers and
 * fires are claimed FOR UPDATE SKIP LOCKED, so two servers on one database
 * never claim one due time or deliver one fire at once.
 */
export class PgSchedules extends ScheduleOps {
  constructor(pool: pg.Pool) {
    super((op, ...args) => runPostgres(pool, op, ...args), (op, ...args) => readPostgres(pool, op, ...args), false);
  }
}

export const postgresScheduleMigration = `
  CREATE TABLE sched_groups (
    name text COLLATE "C" PRIMARY KEY, arn text NOT NULL, created_ms bigint NOT NULL, modified_ms bigint NOT NULL, tags text NOT NULL, client_token text);
  CREATE TABLE sched_schedules (
    group_name text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, arn text NOT NULL, state text NOT NULL, spec text NOT NULL, client_token text,
    created_ms bigint NOT NULL, modified_ms bigint NOT NULL, next_due_ms bigint, next_fire_ms bigint,
    PRIMARY KEY (group_name, name));
  CREATE INDEX sched_schedules_due ON sched_schedules (next_fire_ms) WHERE next_fire_ms IS NOT NULL;
  CREATE TABLE sched_rule_timers (
    arn text COLLATE "C" PRIMARY KEY, signature text NOT NULL, expression text NOT NULL, next_due_ms bigint NOT NULL, next_fire_ms bigint NOT NULL);
  CREATE INDEX sched_rule_timers_due ON sched_rule_timers (next_fire_ms);
  CREATE TABLE sched_fires (
    id text PRIMARY KEY, kind text NOT NULL, key text NOT NULL, due_ms bigint NOT NULL, attempts integer NOT NULL, target text,
    group_name text, name text, claimed_ms bigint NOT NULL, next_attempt_ms bigint NOT NULL, lease_until_ms bigint NOT NULL);
  CREATE INDEX sched_fires_due ON sched_fires (next_attempt_ms);`;
