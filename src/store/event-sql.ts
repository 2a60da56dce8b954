import { randomUUID } from 'node:crypto';
import type { Row, Sql, QueueOp } from './queue-sql';
import type { EventBusRecord, EventDelivery, NewEventDelivery, RuleRecord, RuleState, RuleWithTargets, TargetRecord } from './events';

/**
 * The event-bus store's logic, written once for SQLite and PostgreSQL in the
 * queue store's style (queue-sql.ts): each operation is a generator yielding
 * SQL (`$n` placeholders) and receiving rows, run by a driver in one
 * transaction with the store's clock as `now`. `/*SKIP*\/` is `FOR UPDATE
 * SKIP LOCKED` on PostgreSQL (two hosts never lease one delivery); `/*LOCK*\/`
 * `FOR UPDATE` (a rule's target count is checked under its row's lock).
 */
export type EventOp<T> = QueueOp<T>;
type Op<T> = EventOp<T>;
const s = (sql: string, ...args: unknown[]): Sql => ({ sql, args });

const busRow = (r: Row): EventBusRecord => ({
  arn: String(r.arn), name: String(r.name), description: r.description == null ? undefined : String(r.description),
  createdMs: Number(r.created_ms), modifiedMs: Number(r.modified_ms), tags: JSON.parse(String(r.tags)) as Record<string, string>,
  ...(r.policy == null ? {} : { policy: String(r.policy) }),
});

const ruleRow = (r: Row): RuleRecord => ({
  ...(JSON.parse(String(r.record)) as Omit<RuleRecord, 'arn' | 'name' | 'busName' | 'tags' | 'sinceMs' | 'createdMs'>),
  arn: String(r.arn), name: String(r.name), busName: String(r.bus_name), tags: JSON.parse(String(r.tags)) as Record<string, string>,
  sinceMs: Number(r.since_ms), createdMs: Number(r.created_ms),
});

/** What of a rule goes in its `record` column (the rest has columns of its own). */
function ruleBody(r: RuleRecord): string {
  const { arn: _a, name: _n, busName: _b, tags: _t, sinceMs: _s, createdMs: _c, ...body } = r;
  return JSON.stringify(body);
}

const targetRow = (r: Row): TargetRecord => JSON.parse(String(r.record)) as TargetRecord;

export function* createEventBus(now: number, rec: EventBusRecord, max: number): Op<'created' | 'exists' | 'too-many'> {
  if ((yield s('SELECT arn FROM eb_buses WHERE arn = $1', rec.arn)).length) return 'exists';
  const [count] = yield s('SELECT COUNT(*) AS n FROM eb_buses');
  if (Number(count!.n) >= max) return 'too-many';
  yield s(
    'INSERT INTO eb_buses (arn, name, description, created_ms, modified_ms, tags) VALUES ($1, $2, $3, $4, $4, $5)',
    rec.arn, rec.name, rec.description ?? null, now, JSON.stringify(rec.tags),
  );
  return 'created';
}

export function* getEventBus(_now: number, arn: string): Op<EventBusRecord | undefined> {
  const [r] = yield s('SELECT * FROM eb_buses WHERE arn = $1', arn);
  return r && busRow(r);
}

export function* listEventBuses(_now: number, q: { prefix?: string; afterName?: string; limit: number }): Op<EventBusRecord[]> {
  // A prefix is compared with substr, not LIKE: bus names may hold `_`, which LIKE reads as a wildcard.
  const p = q.prefix ?? '';
  const rows = yield s(
    'SELECT * FROM eb_buses WHERE name > $1 AND substr(name, 1, $2) = $3 ORDER BY name LIMIT $4',
    q.afterName ?? '', p.length, p, q.limit,
  );
  return rows.map(busRow);
}

export function* deleteEventBus(_now: number, arn: string): Op<boolean> {
  const [bus] = yield s('SELECT name FROM eb_buses WHERE arn = $1 /*LOCK*/', arn);
  if (!bus) return false;
  yield s('DELETE FROM eb_deliveries WHERE rule_arn IN (SELECT arn FROM eb_rules WHERE bus_name = $1)', bus.name);
  yield s('DELETE FROM eb_targets WHERE rule_arn IN (SELECT arn FROM eb_rules WHERE bus_name = $1)', bus.name);
  yield s('DELETE FROM eb_rules WHERE bus_name = $1', bus.name);
  yield s('DELETE FROM eb_buses WHERE arn = $1', arn);
  return true;
}

export function* putRule(now: number, rec: RuleRecord, busArn: string, max: number): Op<{ kind: 'ok'; rule: RuleRecord } | { kind: 'no-bus' } | { kind: 'too-many' }> {
  // The bus row's lock orders this against DeleteEventBus (no rule outlives its bus) and counts rules in turn.
  if (!(yield s('SELECT arn FROM eb_buses WHERE arn = $1 /*LOCK*/', busArn)).length) return { kind: 'no-bus' };
  const [old] = yield s('SELECT * FROM eb_rules WHERE arn = $1', rec.arn);
  if (!old) {
    const [count] = yield s('SELECT COUNT(*) AS n FROM eb_rules WHERE bus_name = $1', rec.busName);
    if (Number(count!.n) >= max) return { kind: 'too-many' };
    const rule = { ...rec, createdMs: now, sinceMs: now };
    yield s(
      'INSERT INTO eb_rules (arn, bus_name, name, record, tags, created_ms, since_ms, scheduled) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)',
      rule.arn, rule.busName, rule.name, ruleBody(rule), JSON.stringify(rule.tags), now, rule.scheduleExpression !== undefined,
    );
    return { kind: 'ok', rule };
  }
  const prev = ruleRow(old);
  const moved = prev.scheduleExpression !== rec.scheduleExpression || prev.state !== rec.state;
  const rule: RuleRecord = { ...rec, createdMs: prev.createdMs, sinceMs: moved ? now : prev.sinceMs, tags: { ...prev.tags, ...rec.tags } };
  yield s(
    'UPDATE eb_rules SET record = $2, tags = $3, since_ms = $4, scheduled = $5 WHERE arn = $1',
    rule.arn, ruleBody(rule), JSON.stringify(rule.tags), rule.sinceMs, rule.scheduleExpression !== undefined,
  );
  return { kind: 'ok', rule };
}

/**
 * Reads the bus's policy and writes what `change` makes of it (undefined:
 * no policy), under the bus row's lock, in one transaction: concurrent
 * PutPermission / RemovePermission calls apply one after the other. What
 * `change` throws aborts the transaction (nothing written).
 */
export function* changeEventBusPolicy(
  now: number, arn: string, change: (current: string | undefined) => string | undefined,
): Op<{ kind: 'ok'; policy?: string } | { kind: 'no-bus' }> {
  const [r] = yield s('SELECT policy FROM eb_buses WHERE arn = $1 /*LOCK*/', arn);
  if (!r) return { kind: 'no-bus' };
  const next = change(r.policy == null ? undefined : String(r.policy));
  yield s('UPDATE eb_buses SET policy = $2, modified_ms = $3 WHERE arn = $1', arn, next ?? null, now);
  return next === undefined ? { kind: 'ok' } : { kind: 'ok', policy: next };
}

export function* getRule(_now: number, arn: string): Op<RuleRecord | undefined> {
  const [r] = yield s('SELECT * FROM eb_rules WHERE arn = $1', arn);
  return r && ruleRow(r);
}

export function* listRules(_now: number, q: { busName: string; prefix?: string; afterName?: string; limit: number }): Op<RuleRecord[]> {
  const p = q.prefix ?? '';
  const rows = yield s(
    'SELECT * FROM eb_rules WHERE bus_name = $1 AND name > $2 AND substr(name, 1, $3) = $4 ORDER BY name LIMIT $5',
    q.busName, q.afterName ?? '', p.length, p, q.limit,
  );
  return rows.map(ruleRow);
}

export function* setRuleState(now: number, arn: string, state: RuleState): Op<boolean> {
  const [r] = yield s('SELECT * FROM eb_rules WHERE arn = $1 /*LOCK*/', arn);
  if (!r) return false;
  const rule = ruleRow(r);
  if (rule.state === state) return true;
  yield s('UPDATE eb_rules SET record = $2, since_ms = $3 WHERE arn = $1', arn, ruleBody({ ...rule, state }), now);
  return true;
}

export function* deleteRule(_now: number, arn: string): Op<'deleted' | 'no-rule' | 'has-targets'> {
  if (!(yield s('SELECT arn FROM eb_rules WHERE arn = $1 /*LOCK*/', arn)).length) return 'no-rule';
  if ((yield s('SELECT id FROM eb_targets WHERE rule_arn = $1 LIMIT 1', arn)).length) return 'has-targets';
  yield s('DELETE FROM eb_deliveries WHERE rule_arn = $1', arn);
  yield s('DELETE FROM eb_rules WHERE arn = $1', arn);
  return 'deleted';
}

export function* scheduledRules(_now: number): Op<RuleRecord[]> {
  return (yield s('SELECT * FROM eb_rules WHERE scheduled = $1 ORDER BY arn', true)).map(ruleRow);
}

export function* putTargets(_now: number, ruleArn: string, targets: TargetRecord[], max: number): Op<'ok' | 'no-rule' | 'too-many'> {
  if (!(yield s('SELECT arn FROM eb_rules WHERE arn = $1 /*LOCK*/', ruleArn)).length) return 'no-rule';
  const ids = new Set((yield s('SELECT id FROM eb_targets WHERE rule_arn = $1', ruleArn)).map((r) => String(r.id)));
  for (const t of targets) ids.add(t.Id);
  if (ids.size > max) return 'too-many';
  for (const t of targets) {
    yield s('DELETE FROM eb_targets WHERE rule_arn = $1 AND id = $2', ruleArn, t.Id);
    yield s('INSERT INTO eb_targets (rule_arn, id, record) VALUES ($1, $2, $3)', ruleArn, t.Id, JSON.stringify(t));
  }
  return 'ok';
}

export function* removeTargets(_now: number, ruleArn: string, ids: string[]): Op<{ kind: 'ok'; removed: string[] } | { kind: 'no-rule' }> {
  if (!(yield s('SELECT arn FROM eb_rules WHERE arn = $1 /*LOCK*/', ruleArn)).length) return { kind: 'no-rule' };
  const removed: string[] = [];
  for (const id of ids) {
    if (!(yield s('SELECT id FROM eb_targets WHERE rule_arn = $1 AND id = $2', ruleArn, id)).length) continue;
    yield s('DELETE FROM eb_deliveries WHERE rule_arn = $1 AND target_id = $2', ruleArn, id);
    yield s('DELETE FROM eb_targets WHERE rule_arn = $1 AND id = $2', ruleArn, id);
    removed.push(id);
  }
  return { kind: 'ok', removed };
}

export function* listTargets(_now: number, ruleArn: string, q: { afterId?: string; limit: number }): Op<TargetRecord[]> {
  return (yield s('SELECT record FROM eb_targets WHERE rule_arn = $1 AND id > $2 ORDER BY id LIMIT $3', ruleArn, q.afterId ?? '', q.limit)).map(targetRow);
}

export function* getTarget(_now: number, ruleArn: string, id: string): Op<TargetRecord | undefined> {
  const [r] = yield s('SELECT record FROM eb_targets WHERE rule_arn = $1 AND id = $2', ruleArn, id);
  return r && targetRow(r);
}

export function* matchingCandidates(_now: number, busName: string): Op<RuleWithTargets[]> {
  // A rule may have both a pattern and a schedule (AWS: it then runs on matching events and on its schedule).
  const rules = (yield s('SELECT * FROM eb_rules WHERE bus_name = $1 ORDER BY arn', busName)).map(ruleRow)
    .filter((r) => r.state === 'ENABLED' && r.eventPattern !== undefined);
  const out: RuleWithTargets[] = [];
  for (const rule of rules) {
    const targets = (yield s('SELECT record FROM eb_targets WHERE rule_arn = $1 ORDER BY id', rule.arn)).map(targetRow);
    if (targets.length) out.push({ rule, targets });
  }
  return out;
}

export function* changeEventTags(
  _now: number, arn: string, change: { set?: Record<string, string>; remove?: string[] }, max: number,
): Op<{ kind: 'ok'; tags: Record<string, string> } | { kind: 'not-found' } | { kind: 'too-many' }> {
  for (const table of ['eb_buses', 'eb_rules']) {
    const [r] = yield s(`SELECT tags FROM ${table} WHERE arn = $1 /*LOCK*/`, arn);
    if (!r) continue;
    const tags: Record<string, string> = { ...(JSON.parse(String(r.tags)) as Record<string, string>), ...change.set };
    for (const k of change.remove ?? []) delete tags[k];
    if (Object.keys(tags).length > max) return { kind: 'too-many' };
    yield s(`UPDATE ${table} SET tags = $2 WHERE arn = $1`, arn, JSON.stringify(tags));
    return { kind: 'ok', tags };
  }
  return { kind: 'not-found' };
}

export function* enqueueEventDeliveries(now: number, deliveries: NewEventDelivery[]): Op<void> {
  for (const d of deliveries) {
    yield s(
      `INSERT INTO eb_deliveries (id, rule_arn, target_id, event, hops, attempts, accepted_ms, due_ms, lease_owner, lease_until_ms)
       VALUES ($1, $2, $3, $4, $5, 0, $6, $6, NULL, 0)`,
      randomUUID(), d.ruleArn, d.targetId, JSON.stringify(d.event), d.hops, now,
    );
  }
}

export function* leaseEventDeliveries(now: number, owner: string, limit: number, leaseMs: number): Op<EventDelivery[]> {
  const rows = yield s('SELECT * FROM eb_deliveries WHERE due_ms <= $1 AND lease_until_ms <= $1 ORDER BY due_ms, id LIMIT $2 /*SKIP*/', now, limit);
  for (const r of rows) yield s('UPDATE eb_deliveries SET lease_owner = $2, lease_until_ms = $3 WHERE id = $1', r.id, owner, now + leaseMs);
  return rows.map((r) => ({
    id: String(r.id), ruleArn: String(r.rule_arn), targetId: String(r.target_id), event: JSON.parse(String(r.event)) as EventDelivery['event'],
    attempts: Number(r.attempts), ageMs: now - Number(r.accepted_ms), hops: Number(r.hops),
  }));
}

export function* finishEventDelivery(_now: number, id: string): Op<void> {
  yield s('DELETE FROM eb_deliveries WHERE id = $1', id);
}

export function* retryEventDelivery(now: number, id: string, attempts: number, delayMs: number): Op<void> {
  yield s('UPDATE eb_deliveries SET attempts = $2, due_ms = $3, lease_owner = NULL, lease_until_ms = 0 WHERE id = $1', id, attempts, now + delayMs);
}

export function* releaseEventDeliveryLeases(_now: number, exceptOwner: string): Op<number> {
  const rows = yield s('SELECT id FROM eb_deliveries WHERE lease_owner IS NOT NULL AND lease_owner <> $1', exceptOwner);
  yield s('UPDATE eb_deliveries SET lease_owner = NULL, lease_until_ms = 0 WHERE lease_owner IS NOT NULL AND lease_owner <> $1', exceptOwner);
  return rows.length;
}

/** Resource policies of event buses (PutPermission): the policy document's text, NULL without one. */
export const eventBusPolicyMigration = 'ALTER TABLE eb_buses ADD COLUMN policy text;';

/** The tables, for both databases (`$TEXT`, `$INT`, `$BOOL` are each one's types). */
export function eventMigration(t: { text: string; int: string; bool: string }): string {
  return `
  CREATE TABLE eb_buses (
    arn ${t.text} PRIMARY KEY, name ${t.text} NOT NULL, description text, created_ms ${t.int} NOT NULL, modified_ms ${t.int} NOT NULL, tags text NOT NULL);
  CREATE INDEX eb_buses_name ON eb_buses (name);
  CREATE TABLE eb_rules (
    arn ${t.text} PRIMARY KEY, bus_name ${t.text} NOT NULL, name ${t.text} NOT NULL, record text NOT NULL, tags text NOT NULL,
    created_ms ${t.int} NOT NULL, since_ms ${t.int} NOT NULL, scheduled ${t.bool} NOT NULL);
  CREATE INDEX eb_rules_bus ON eb_rules (bus_name, name);
  CREATE TABLE eb_targets (rule_arn ${t.text} NOT NULL, id ${t.text} NOT NULL, record text NOT NULL, PRIMARY KEY (rule_arn, id));
  CREATE TABLE eb_deliveries (
    id text PRIMARY KEY, rule_arn ${t.text} NOT NULL, target_id ${t.text} NOT NULL, event text NOT NULL, hops integer NOT NULL,
    attempts integer NOT NULL, accepted_ms ${t.int} NOT NULL, due_ms ${t.int} NOT NULL, lease_owner text, lease_until_ms ${t.int} NOT NULL);
  CREATE INDEX eb_deliveries_due ON eb_deliveries (due_ms);
  CREATE INDEX eb_deliveries_rule ON eb_deliveries (rule_arn, target_id);`;
}
