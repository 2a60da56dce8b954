import { randomUUID } from 'node:crypto';
import type { Row, Sql, QueueOp } from './queue-sql';
import type { ClaimPlan, DueTimer, ScheduleFire, ScheduleGroupRecord, ScheduleRecord, ScheduleSpec } from './schedules';

/**
 * The schedule store's logic, written once for SQLite and PostgreSQL in the
 * queue store's style (queue-sql.ts): generators yielding SQL (`$n`
 * placeholders) and receiving rows, run by each driver in one transaction
 * with the store's clock as `now`. `/*SKIP*\/` is `FOR UPDATE SKIP LOCKED`
 * and `/*LOCK*\/` `FOR UPDATE` on PostgreSQL (SQLite's write transaction
 * already excludes every other writer).
 */
type Op<T> = QueueOp<T>;
const s = (sql: string, ...args: unknown[]): Sql => ({ sql, args });
const numOrUndef = (v: unknown) => (v == null ? undefined : Number(v));

function groupRow(r: Row): ScheduleGroupRecord {
  return {
    name: String(r.name), arn: String(r.arn), createdMs: Number(r.created_ms), modifiedMs: Number(r.modified_ms),
    tags: JSON.parse(String(r.tags)) as Record<string, string>, clientToken: r.client_token == null ? undefined : String(r.client_token),
  };
}

function scheduleRow(r: Row): ScheduleRecord {
  return {
    group: String(r.group_name), name: String(r.name), arn: String(r.arn), spec: JSON.parse(String(r.spec)) as ScheduleSpec,
    createdMs: Number(r.created_ms), modifiedMs: Number(r.modified_ms),
    clientToken: r.client_token == null ? undefined : String(r.client_token),
    nextDueMs: numOrUndef(r.next_due_ms), nextFireMs: numOrUndef(r.next_fire_ms),
  };
}

function fireRow(r: Row): ScheduleFire {
  return {
    id: String(r.id), kind: String(r.kind) as ScheduleFire['kind'], key: String(r.key), dueMs: Number(r.due_ms), attempts: Number(r.attempts),
    target: r.target == null ? undefined : JSON.parse(String(r.target)) as ScheduleFire['target'],
    group: r.group_name == null ? undefined : String(r.group_name), name: r.name == null ? undefined : String(r.name),
    claimedMs: Number(r.claimed_ms),
  };
}

// ---- groups -------------------------------------------------------------------

export function* createScheduleGroup(now: number, rec: Omit<ScheduleGroupRecord, 'createdMs' | 'modifiedMs'>):
  Op<{ kind: 'ok' | 'exists'; group: ScheduleGroupRecord }> {
  const existing = yield s('SELECT * FROM sched_groups WHERE name = $1', rec.name);
  if (existing.length) return { kind: 'exists', group: groupRow(existing[0]!) };
  // ON CONFLICT: two creates of one name at once on PostgreSQL (two servers starting make `default`) — one wins, the other is `exists`.
  const ins = yield s(
    'INSERT INTO sched_groups (name, arn, created_ms, modified_ms, tags, client_token) VALUES ($1, $2, $3, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING name',
    rec.name, rec.arn, now, JSON.stringify(rec.tags), rec.clientToken ?? null,
  );
  if (!ins.length) return { kind: 'exists', group: groupRow((yield s('SELECT * FROM sched_groups WHERE name = $1', rec.name))[0]!) };
  return { kind: 'ok', group: { ...rec, createdMs: now, modifiedMs: now } };
}

export function* getScheduleGroup(_now: number, name: string): Op<ScheduleGroupRecord | undefined> {
  const r = yield s('SELECT * FROM sched_groups WHERE name = $1', name);
  return r.length ? groupRow(r[0]!) : undefined;
}

export function* listScheduleGroups(_now: number, q: { prefix?: string; afterName?: string; limit: number }): Op<ScheduleGroupRecord[]> {
  const rows = yield s(
    'SELECT * FROM sched_groups WHERE name > $1 AND substr(name, 1, $2) = $3 ORDER BY name LIMIT $4',
    q.afterName ?? '', (q.prefix ?? '').length, q.prefix ?? '', q.limit,
  );
  return rows.map(groupRow);
}

export function* deleteScheduleGroup(_now: number, name: string): Op<boolean> {
  const g = yield s('SELECT name FROM sched_groups WHERE name = $1 /*LOCK*/', name);
  if (!g.length) return false;
  yield s('DELETE FROM sched_schedules WHERE group_name = $1', name);
  yield s('DELETE FROM sched_groups WHERE name = $1', name);
  return true;
}

export function* changeScheduleGroupTags(
  now: number, name: string, change: { set?: Record<string, string>; remove?: string[] }, max: number,
): Op<{ kind: 'ok'; tags: Record<string, string> } | { kind: 'no-group' } | { kind: 'too-many' }> {
  const r = yield s('SELECT tags FROM sched_groups WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return { kind: 'no-group' };
  const tags = JSON.parse(String(r[0]!.tags)) as Record<string, string>;
  for (const k of change.remove ?? []) delete tags[k];
  Object.assign(tags, change.set ?? {});
  if (Object.keys(tags).length > max) return { kind: 'too-many' };
  yield s('UPDATE sched_groups SET tags = $1, modified_ms = $2 WHERE name = $3', JSON.stringify(tags), now, name);
  return { kind: 'ok', tags };
}

// ---- schedules ----------------------------------------------------------------

type Planned = { dueMs: number; fireMs: number } | undefined;

export function* createSchedule(
  now: number, rec: { group: string; name: string; arn: string; spec: ScheduleSpec; clientToken?: string }, plan: (nowMs: number) => Planned,
): Op<{ kind: 'ok' | 'exists'; schedule: ScheduleRecord } | { kind: 'no-group' }> {
  // The group row's lock: a DeleteScheduleGroup in flight either ran first (no group) or waits for this insert and deletes it.
  const g = yield s('SELECT name FROM sched_groups WHERE name = $1 /*SHARE*/', rec.group);
  if (!g.length) return { kind: 'no-group' };
  const existing = yield s('SELECT * FROM sched_schedules WHERE group_name = $1 AND name = $2', rec.group, rec.name);
  if (existing.length) return { kind: 'exists', schedule: scheduleRow(existing[0]!) };
  const next = rec.spec.state === 'ENABLED' ? plan(now) : undefined;
  const ins = yield s(
    `INSERT INTO sched_schedules (group_name, name, arn, state, spec, client_token, created_ms, modified_ms, next_due_ms, next_fire_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) ON CONFLICT (group_name, name) DO NOTHING RETURNING name`,
    rec.group, rec.name, rec.arn, rec.spec.state, JSON.stringify(rec.spec), rec.clientToken ?? null, now, next?.dueMs ?? null, next?.fireMs ?? null,
  );
  // A concurrent create of the same name (PostgreSQL) committed first: this one is `exists`.
  if (!ins.length) return { kind: 'exists', schedule: scheduleRow((yield s('SELECT * FROM sched_schedules WHERE group_name = $1 AND name = $2', rec.group, rec.name))[0]!) };
  return { kind: 'ok', schedule: { ...rec, createdMs: now, modifiedMs: now, nextDueMs: next?.dueMs, nextFireMs: next?.fireMs } };
}

export function* getSchedule(_now: number, group: string, name: string): Op<ScheduleRecord | undefined> {
  const r = yield s('SELECT * FROM sched_schedules WHERE group_name = $1 AND name = $2', group, name);
  return r.length ? scheduleRow(r[0]!) : undefined;
}

export function* updateSchedule(
  now: number, group: string, name: string, spec: ScheduleSpec, clientToken: string | undefined,
  plan: (nowMs: number, previous: ScheduleRecord) => Planned,
): Op<{ kind: 'ok'; schedule: ScheduleRecord } | { kind: 'missing' }> {
  const r = yield s('SELECT * FROM sched_schedules WHERE group_name = $1 AND name = $2 /*LOCK*/', group, name);
  if (!r.length) return { kind: 'missing' };
  const prev = scheduleRow(r[0]!);
  const next = spec.state === 'ENABLED' ? plan(now, prev) : undefined;
  yield s(
    `UPDATE sched_schedules SET state = $1, spec = $2, client_token = $3, modified_ms = $4, next_due_ms = $5, next_fire_ms = $6
     WHERE group_name = $7 AND name = $8`,
    spec.state, JSON.stringify(spec), clientToken ?? null, now, next?.dueMs ?? null, next?.fireMs ?? null, group, name,
  );
  return { kind: 'ok', schedule: { ...prev, spec, clientToken, modifiedMs: now, nextDueMs: next?.dueMs, nextFireMs: next?.fireMs } };
}

export function* deleteSchedule(_now: number, group: string, name: string): Op<boolean> {
  const r = yield s('DELETE FROM sched_schedules WHERE group_name = $1 AND name = $2 RETURNING name', group, name);
  return r.length > 0;
}

export function* listSchedules(
  _now: number, q: { group?: string; prefix?: string; state?: string; after?: { group: string; name: string }; limit: number },
): Op<ScheduleRecord[]> {
  const where = ['(group_name > $1 OR (group_name = $1 AND name > $2))', 'substr(name, 1, $3) = $4'];
  const args: unknown[] = [q.after?.group ?? '', q.after?.name ?? '', (q.prefix ?? '').length, q.prefix ?? ''];
  if (q.group !== undefined) {
    args.push(q.group);
    where.push(`group_name = $${args.length}`);
  }
  if (q.state !== undefined) {
    args.push(q.state);
    where.push(`state = $${args.length}`);
  }
  args.push(q.limit);
  const rows = yield s(`SELECT * FROM sched_schedules WHERE ${where.join(' AND ')} ORDER BY group_name, name LIMIT $${args.length}`, ...args);
  return rows.map(scheduleRow);
}

// ---- rule timers --------------------------------------------------------------

export function* listRuleTimers(_now: number): Op<{ arn: string; signature: string }[]> {
  const rows = yield s('SELECT arn, signature FROM sched_rule_timers ORDER BY arn');
  return rows.map((r) => ({ arn: String(r.arn), signature: String(r.signature) }));
}

export function* putRuleTimer(now: number, arn: string, signature: string, expression: string, plan: (nowMs: number) => Planned): Op<void> {
  yield s('DELETE FROM sched_rule_timers WHERE arn = $1', arn);
  const next = plan(now);
  if (!next) return;
  yield s(
    'INSERT INTO sched_rule_timers (arn, signature, expression, next_due_ms, next_fire_ms) VALUES ($1, $2, $3, $4, $5)',
    arn, signature, expression, next.dueMs, next.fireMs,
  );
}

export function* deleteRuleTimer(_now: number, arn: string): Op<void> {
  yield s('DELETE FROM sched_rule_timers WHERE arn = $1', arn);
}

// ---- the engine -----------------------------------------------------------------

function* insertFire(now: number, leaseMs: number, f: Omit<ScheduleFire, 'id' | 'attempts' | 'claimedMs'>): Op<ScheduleFire> {
  const id = randomUUID();
  yield s(
    `INSERT INTO sched_fires (id, kind, key, due_ms, attempts, target, group_name, name, claimed_ms, next_attempt_ms, lease_until_ms)
     VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $8, $9)`,
    id, f.kind, f.key, f.dueMs, f.target ? JSON.stringify(f.target) : null, f.group ?? null, f.name ?? null, now, now + leaseMs,
  );
  return { ...f, id, attempts: 0, claimedMs: now };
}

export function* claimDueTimers(now: number, limit: number, leaseMs: number, plan: (t: DueTimer, nowMs: number) => ClaimPlan): Op<ScheduleFire[]> {
  const out: ScheduleFire[] = [];
  const schedules = yield s(
    'SELECT * FROM sched_schedules WHERE next_fire_ms IS NOT NULL AND next_fire_ms <= $1 ORDER BY next_fire_ms LIMIT $2 /*SKIP*/', now, limit,
  );
  for (const r of schedules) {
    const sch = scheduleRow(r);
    const p = plan({ kind: 'schedule', key: sch.arn, nextDueMs: sch.nextDueMs!, nextFireMs: sch.nextFireMs!, schedule: sch }, now);
    if (p.deleteSchedule && !p.next) {
      yield s('DELETE FROM sched_schedules WHERE group_name = $1 AND name = $2', sch.group, sch.name);
    } else {
      yield s(
        'UPDATE sched_schedules SET next_due_ms = $1, next_fire_ms = $2 WHERE group_name = $3 AND name = $4',
        p.next?.dueMs ?? null, p.next?.fireMs ?? null, sch.group, sch.name,
      );
    }
    if (p.fire) out.push(yield* insertFire(now, leaseMs, { kind: 'schedule', key: sch.arn, dueMs: sch.nextDueMs!, target: sch.spec.target, group: sch.group, name: sch.name }));
  }
  if (schedules.length < limit) {
    const rules = yield s(
      'SELECT * FROM sched_rule_timers WHERE next_fire_ms <= $1 ORDER BY next_fire_ms LIMIT $2 /*SKIP*/', now, limit - schedules.length,
    );
    for (const r of rules) {
      const t: DueTimer = { kind: 'rule', key: String(r.arn), nextDueMs: Number(r.next_due_ms), nextFireMs: Number(r.next_fire_ms), expression: String(r.expression) };
      const p = plan(t, now);
      if (p.next) yield s('UPDATE sched_rule_timers SET next_due_ms = $1, next_fire_ms = $2 WHERE arn = $3', p.next.dueMs, p.next.fireMs, t.key);
      else yield s('DELETE FROM sched_rule_timers WHERE arn = $1', t.key);
      if (p.fire) out.push(yield* insertFire(now, leaseMs, { kind: 'rule', key: t.key, dueMs: t.nextDueMs }));
    }
  }
  return out;
}

export function* leaseFires(now: number, limit: number, leaseMs: number): Op<ScheduleFire[]> {
  const rows = yield s(
    'SELECT * FROM sched_fires WHERE next_attempt_ms <= $1 AND lease_until_ms <= $1 ORDER BY next_attempt_ms LIMIT $2 /*SKIP*/', now, limit,
  );
  for (const r of rows) yield s('UPDATE sched_fires SET lease_until_ms = $1 WHERE id = $2', now + leaseMs, r.id);
  return rows.map(fireRow);
}

export function* finishFire(_now: number, id: string): Op<void> {
  yield s('DELETE FROM sched_fires WHERE id = $1', id);
}

export function* retryFire(now: number, id: string, attempts: number, delayMs: number): Op<void> {
  yield s('UPDATE sched_fires SET attempts = $1, next_attempt_ms = $2, lease_until_ms = 0 WHERE id = $3', attempts, now + delayMs, id);
}

export function* releaseFireLeases(_now: number): Op<void> {
  yield s('UPDATE sched_fires SET lease_until_ms = 0 WHERE lease_until_ms > 0');
}

export function* nextWakeDelayMs(now: number): Op<number | undefined> {
  const r = yield s(
    `SELECT MIN(t) AS t FROM (
       SELECT MIN(next_fire_ms) AS t FROM sched_schedules WHERE next_fire_ms IS NOT NULL
       UNION ALL SELECT MIN(next_fire_ms) AS t FROM sched_rule_timers
       UNION ALL SELECT MIN(CASE WHEN lease_until_ms > next_attempt_ms THEN lease_until_ms ELSE next_attempt_ms END) AS t FROM sched_fires) AS due`,
  );
  const t = r[0]?.t;
  return t == null ? undefined : Math.max(0, Number(t) - now);
}
