import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { ScheduleSpec } from '../src/store/schedules';
import type { OpenedStore } from './store-contract';

/**
 * The ScheduleStore part of the store contract (run by test/store-contract.ts
 * for every implementation): groups (create once, tags under the limit,
 * delete takes the group's schedules), schedules (create once per group,
 * update re-plans, list order and filters), the engine's claims (a due time
 * claimed once, even by concurrent claimers; a completed DELETE schedule
 * removed with its claim; the fire outbox leased, retried, finished), rule
 * timers, and durability across a reopen.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const arnOf = (g: string, n: string) => `arn:aws:scheduler:us-east-1:000000000000:schedule/${g}/${n}`;
const spec = (over: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  expression: 'rate(5 minutes)', timezone: 'UTC', state: 'ENABLED', flexibleWindow: { mode: 'OFF' }, actionAfterCompletion: 'NONE',
  target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: 'arn:aws:iam::000000000000:role/r', RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } },
  ...over,
});
const group = (s: Store, name: string) => s.createScheduleGroup({ name, arn: `arn:aws:scheduler:us-east-1:000000000000:schedule-group/${name}`, tags: {} });
/** Due now (by the store's clock) or at `inMs` from it. */
const dueIn = (inMs: number) => (now: number) => ({ dueMs: now + inMs, fireMs: now + inMs });
const create = (s: Store, g: string, n: string, plan: (now: number) => { dueMs: number; fireMs: number } | undefined = dueIn(60_000), over: Partial<ScheduleSpec> = {}) =>
  s.createSchedule({ group: g, name: n, arn: arnOf(g, n), spec: spec(over) }, plan);
const never = () => ({ fire: false });

export function scheduleStoreContract(withStore: WithStore): void {
  describe('schedules', () => {
    test('groups: create once, get, list by prefix and after a name, tags under the limit', withStore(async (s) => {
      assert.equal((await group(s, 'g1')).kind, 'ok');
      assert.equal((await group(s, 'g1')).kind, 'exists');
      await group(s, 'g2');
      await group(s, 'other');
      assert.equal((await s.getScheduleGroup('g1'))?.arn, 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/g1');
      assert.equal(await s.getScheduleGroup('nope'), undefined);
      assert.deepEqual((await s.listScheduleGroups({ prefix: 'g', limit: 10 })).map((g) => g.name), ['g1', 'g2']);
      assert.deepEqual((await s.listScheduleGroups({ afterName: 'g1', limit: 1 })).map((g) => g.name), ['g2']);
      assert.deepEqual(await s.changeScheduleGroupTags('g1', { set: { a: '1', b: '2' } }, 2), { kind: 'ok', tags: { a: '1', b: '2' } });
      assert.deepEqual(await s.changeScheduleGroupTags('g1', { set: { c: '3' } }, 2), { kind: 'too-many' });
      assert.deepEqual(await s.changeScheduleGroupTags('g1', { remove: ['a'], set: { c: '3' } }, 2), { kind: 'ok', tags: { b: '2', c: '3' } });
      assert.deepEqual(await s.changeScheduleGroupTags('nope', { set: { a: '1' } }, 2), { kind: 'no-group' });
      assert.deepEqual((await s.getScheduleGroup('g1'))?.tags, { b: '2', c: '3' });
    }));

    test('schedules: create once per group, no group refused, update re-plans, delete, list order and filters', withStore(async (s) => {
      await group(s, 'a');
      await group(s, 'b');
      assert.equal((await create(s, 'a', 'x')).kind, 'ok');
      const again = await create(s, 'a', 'x');
      assert.equal(again.kind, 'exists');
      assert.equal((await create(s, 'b', 'x')).kind, 'ok');
      assert.equal((await create(s, 'nope', 'x')).kind, 'no-group');
      await create(s, 'a', 'y', dueIn(1000), { state: 'DISABLED' });
      const got = await s.getSchedule('a', 'x');
      assert.equal(got?.spec.expression, 'rate(5 minutes)');
      assert.ok(got!.nextDueMs! > 0 && got!.nextFireMs === got!.nextDueMs);
      // A disabled schedule has no due time (the plan is not consulted).
      assert.equal((await s.getSchedule('a', 'y'))?.nextDueMs, undefined);
      const up = await s.updateSchedule('a', 'x', spec({ expression: 'rate(1 hour)' }), 'tok', (now, prev) => ({ dueMs: now + 3_600_000, fireMs: prev.createdMs + 7 }));
      assert.equal(up.kind, 'ok');
      const x = await s.getSchedule('a', 'x');
      assert.equal(x?.spec.expression, 'rate(1 hour)');
      assert.equal(x?.clientToken, 'tok');
      assert.equal(x?.nextFireMs, x!.createdMs + 7);
      assert.equal((await s.updateSchedule('a', 'gone', spec(), undefined, dueIn(0))).kind, 'missing');
      assert.deepEqual((await s.listSchedules({ limit: 10 })).map((r) => `${r.group}/${r.name}`), ['a/x', 'a/y', 'b/x']);
      assert.deepEqual((await s.listSchedules({ group: 'a', limit: 10 })).map((r) => r.name), ['x', 'y']);
      assert.deepEqual((await s.listSchedules({ state: 'DISABLED', limit: 10 })).map((r) => r.name), ['y']);
      assert.deepEqual((await s.listSchedules({ prefix: 'x', limit: 10 })).map((r) => r.group), ['a', 'b']);
      assert.deepEqual((await s.listSchedules({ after: { group: 'a', name: 'x' }, limit: 1 })).map((r) => `${r.group}/${r.name}`), ['a/y']);
      assert.equal(await s.deleteSchedule('a', 'x'), true);
      assert.equal(await s.deleteSchedule('a', 'x'), false);
      // Deleting a group deletes its schedules.
      assert.equal(await s.deleteScheduleGroup('b'), true);
      assert.equal(await s.getSchedule('b', 'x'), undefined);
      assert.equal(await s.deleteScheduleGroup('b'), false);
    }));

    test('a due time is claimed once; the fire is leased, retried after its delay, finished', withStore(async (s) => {
      await group(s, 'g');
      await create(s, 'g', 'due', dueIn(0));
      await create(s, 'g', 'later', dueIn(3_600_000));
      const wake = await s.nextWakeDelayMs();
      assert.ok(wake !== undefined && wake <= 0 + 5, `due now: ${wake}`);
      const seen: string[] = [];
      const fires = await s.claimDueTimers(10, 60_000, (t, now) => {
        seen.push(t.key);
        return { fire: true, next: { dueMs: now + 3_600_000, fireMs: now + 3_600_000 } };
      });
      assert.deepEqual(seen, [arnOf('g', 'due')]);
      assert.equal(fires.length, 1);
      assert.equal(fires[0]!.target?.Arn, 'arn:aws:sqs:us-east-1:000000000000:q');
      assert.equal(fires[0]!.name, 'due');
      // Claimed: not due again; the fire is leased, so nobody else leases it.
      assert.deepEqual(await s.claimDueTimers(10, 60_000, () => assert.fail('claimed twice')), []);
      assert.deepEqual(await s.leaseFires(10, 60_000), []);
      await s.retryFire(fires[0]!.id, 1, 0);
      const again = await s.leaseFires(10, 60_000);
      assert.deepEqual(again.map((f) => [f.id, f.attempts]), [[fires[0]!.id, 1]]);
      await s.retryFire(fires[0]!.id, 2, 3_600_000);
      assert.deepEqual(await s.leaseFires(10, 60_000), []);
      await s.finishFire(fires[0]!.id);
      await s.retryFire(fires[0]!.id, 3, 0); // a finished fire stays finished
      assert.deepEqual(await s.leaseFires(10, 60_000), []);
      const next = await s.nextWakeDelayMs();
      assert.ok(next !== undefined && next > 3_000_000, `next wake in ${next}`);
    }));

    test('concurrent claimers take each due time once', withStore(async (s) => {
      await group(s, 'g');
      for (let i = 0; i < 20; i++) await create(s, 'g', `s${i}`, dueIn(0));
      const plan = (_t: unknown, now: number) => ({ fire: true, next: { dueMs: now + 3_600_000, fireMs: now + 3_600_000 } });
      const all = (await Promise.all([0, 1, 2, 3].map(() => s.claimDueTimers(7, 60_000, plan)))).flat();
      const more = await s.claimDueTimers(100, 60_000, plan);
      const keys = [...all, ...more].map((f) => f.key).sort();
      assert.equal(keys.length, 20);
      assert.equal(new Set(keys).size, 20);
    }));

    test('concurrent creates of one group or schedule name: one is created, the others are told it exists', withStore(async (s) => {
      const groups = await Promise.all([0, 1, 2, 3].map(() => group(s, 'same')));
      assert.deepEqual(groups.map((g) => g.kind).sort(), ['exists', 'exists', 'exists', 'ok']);
      const made = await Promise.all([0, 1, 2, 3].map(() => create(s, 'same', 'x')));
      assert.deepEqual(made.map((m) => m.kind).sort(), ['exists', 'exists', 'exists', 'ok']);
      assert.equal((await s.listSchedules({ group: 'same', limit: 10 })).length, 1);
    }));

    test('a skipped due time moves on without a fire; a completed DELETE schedule goes with its claim', withStore(async (s) => {
      await group(s, 'g');
      await create(s, 'g', 'skip', dueIn(0));
      await create(s, 'g', 'once', dueIn(0), { expression: 'at(2030-01-01T00:00:00)', actionAfterCompletion: 'DELETE' });
      const fires = await s.claimDueTimers(10, 60_000, (t, now) =>
        t.schedule?.name === 'skip' ? { fire: false, next: { dueMs: now + 60_000, fireMs: now + 60_000 } } : { fire: true, deleteSchedule: true });
      assert.deepEqual(fires.map((f) => f.name), ['once']);
      assert.equal(await s.getSchedule('g', 'once'), undefined);
      assert.ok((await s.getSchedule('g', 'skip'))?.nextDueMs);
      assert.deepEqual(await s.leaseFires(10, 60_000), []);
    }));

    test('rule timers: put, re-put, claim, delete', withStore(async (s) => {
      const rule = 'arn:aws:events:us-east-1:000000000000:rule/r1';
      await s.putRuleTimer(rule, 'sig1', 'rate(1 minute)', dueIn(0));
      await s.putRuleTimer('arn:aws:events:us-east-1:000000000000:rule/none', 'sig', 'rate(1 minute)', () => undefined);
      assert.deepEqual(await s.listRuleTimers(), [{ arn: rule, signature: 'sig1' }]);
      const fires = await s.claimDueTimers(10, 60_000, (t, now) => {
        assert.equal(t.expression, 'rate(1 minute)');
        return { fire: true, next: { dueMs: now + 60_000, fireMs: now + 60_000 } };
      });
      assert.deepEqual(fires.map((f) => [f.kind, f.key, f.target]), [['rule', rule, undefined]]);
      assert.deepEqual(await s.claimDueTimers(10, 60_000, never), []);
      await s.putRuleTimer(rule, 'sig2', 'rate(2 minutes)', dueIn(120_000));
      assert.deepEqual(await s.listRuleTimers(), [{ arn: rule, signature: 'sig2' }]);
      await s.deleteRuleTimer(rule);
      assert.deepEqual(await s.listRuleTimers(), []);
    }));

    test('schedules, claims and fires resolved before a reopen are there after it', withStore(async (s0, o) => {
      await group(s0, 'g');
      await create(s0, 'g', 'a', dueIn(0));
      const [f] = await s0.claimDueTimers(10, 0, (_t, now) => ({ fire: true, next: { dueMs: now + 3_600_000, fireMs: now + 3_600_000 } }));
      const s = await o.reopen();
      assert.equal((await s.getSchedule('g', 'a'))?.spec.target.RoleArn, 'arn:aws:iam::000000000000:role/r');
      assert.deepEqual(await s.claimDueTimers(10, 60_000, never), []);
      assert.deepEqual((await s.leaseFires(10, 60_000)).map((x) => x.id), [f!.id]);
    }));
  });
}
