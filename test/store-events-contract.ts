import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { BusEvent, EventBusRecord, RuleRecord, TargetRecord } from '../src/store/events';
import type { OpenedStore } from './store-contract';

/**
 * The EventBusStore part of the store contract (EventBridge buses, rules,
 * targets, the delivery outbox), run by every implementation's contract
 * test beside `storeContract`. Times are durations on the store's clock, so
 * the cases wait real (short) time.
 */
const busArn = (n: string) => `arn:aws:events:us-east-1:000000000000:event-bus/${n}`;
const ruleArn = (bus: string, n: string) => `arn:aws:events:us-east-1:000000000000:rule/${bus === 'default' ? n : `${bus}/${n}`}`;
const bus = (n: string): EventBusRecord => ({ arn: busArn(n), name: n, createdMs: 1, modifiedMs: 1, tags: {} });
const rule = (b: string, n: string, over: Partial<RuleRecord> = {}): RuleRecord => ({
  arn: ruleArn(b, n), name: n, busName: b, eventPattern: '{"source": ["x"]}', state: 'ENABLED', createdMs: 0, sinceMs: 0, tags: {}, ...over,
});
const target = (id: string, over: Partial<TargetRecord> = {}): TargetRecord => ({ Id: id, Arn: `arn:aws:sqs:us-east-1:000000000000:${id}`, ...over });
const event = (id: string): BusEvent => ({
  version: '0', id, 'detail-type': 'd', source: 'x', account: '000000000000', time: '2024-01-01T00:00:00Z', region: 'us-east-1', resources: [], detail: { id },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function eventStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  const withStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => async () => {
    const o = await open();
    try {
      await body(o.store, o);
    } finally {
      await o.destroy();
    }
  };

  describe(`event bus store contract: ${name}`, () => {
    test('buses: create once, a bus limit, list by prefix and page (a `_` is no wildcard), delete takes rules and targets along', withStore(async (s) => {
      assert.equal(await s.createEventBus(bus('default'), 10), 'created');
      assert.equal(await s.createEventBus(bus('default'), 10), 'exists');
      for (const n of ['a_1', 'a-2', 'ab', 'b']) assert.equal(await s.createEventBus(bus(n), 5), 'created');
      assert.equal(await s.createEventBus(bus('c'), 5), 'too-many');
      assert.deepEqual((await s.listEventBuses({ prefix: 'a', limit: 2 })).map((b) => b.name), ['a-2', 'a_1']);
      assert.deepEqual((await s.listEventBuses({ prefix: 'a', afterName: 'a_1', limit: 2 })).map((b) => b.name), ['ab']);
      assert.deepEqual((await s.listEventBuses({ prefix: 'a_', limit: 10 })).map((b) => b.name), ['a_1']);
      assert.equal((await s.putRule(rule('b', 'r'), busArn('b'), 10)).kind, 'ok');
      assert.equal(await s.putTargets(ruleArn('b', 'r'), [target('t')], 5), 'ok');
      assert.equal(await s.deleteEventBus(busArn('b')), true);
      assert.equal(await s.deleteEventBus(busArn('b')), false);
      assert.equal(await s.getRule(ruleArn('b', 'r')), undefined);
      assert.deepEqual(await s.listTargets(ruleArn('b', 'r'), { limit: 10 }), []);
    }));

    test('rules: put keeps creation time and schedule start unless the expression or state changes; delete refused with targets', withStore(async (s, o) => {
      await s.createEventBus(bus('default'), 10);
      assert.deepEqual(await s.putRule(rule('default', 'r', { busName: 'default' }), busArn('nope'), 10), { kind: 'no-bus' });
      const first = await s.putRule(rule('default', 'r', { scheduleExpression: 'rate(1 minute)', eventPattern: undefined, tags: { a: '1' } }), busArn('default'), 2);
      assert.equal(first.kind, 'ok');
      const since = first.kind === 'ok' ? first.rule.sinceMs : 0;
      assert.ok(since > 0);
      await sleep(5);
      const same = await s.putRule(rule('default', 'r', { scheduleExpression: 'rate(1 minute)', eventPattern: undefined, description: 'new' }), busArn('default'), 2);
      assert.equal(same.kind === 'ok' && same.rule.sinceMs, since, 'unchanged expression and state: the schedule does not move');
      assert.deepEqual(same.kind === 'ok' && same.rule.tags, { a: '1' });
      assert.equal(await s.setRuleState(ruleArn('default', 'r'), 'DISABLED'), true);
      assert.ok((await s.getRule(ruleArn('default', 'r')))!.sinceMs > since);
      assert.equal(await s.setRuleState(ruleArn('default', 'nope'), 'DISABLED'), false);
      assert.deepEqual((await s.scheduledRules()).map((r) => [r.name, r.state, r.description]), [['r', 'DISABLED', 'new']]);
      await s.putRule(rule('default', 'p'), busArn('default'), 2);
      assert.deepEqual(await s.putRule(rule('default', 'q'), busArn('default'), 2), { kind: 'too-many' });
      assert.deepEqual((await s.listRules({ busName: 'default', limit: 10 })).map((r) => r.name), ['p', 'r']);
      assert.equal(await s.putTargets(ruleArn('default', 'p'), [target('t1'), target('t2')], 2), 'ok');
      assert.equal(await s.putTargets(ruleArn('default', 'p'), [target('t3')], 2), 'too-many');
      assert.equal(await s.putTargets(ruleArn('default', 'p'), [target('t1', { Input: '{}' })], 2), 'ok', 'replacing by Id is not one more');
      assert.equal(await s.putTargets(ruleArn('default', 'zz'), [target('t1')], 2), 'no-rule');
      const s2 = await o.reopen();
      assert.deepEqual((await s2.listTargets(ruleArn('default', 'p'), { limit: 1 })).map((t) => [t.Id, t.Input]), [['t1', '{}']]);
      assert.deepEqual((await s2.listTargets(ruleArn('default', 'p'), { afterId: 't1', limit: 5 })).map((t) => t.Id), ['t2']);
      assert.equal(await s2.deleteRule(ruleArn('default', 'p')), 'has-targets');
      assert.deepEqual(await s2.removeTargets(ruleArn('default', 'p'), ['t1', 'nope', 't2']), { kind: 'ok', removed: ['t1', 't2'] });
      assert.equal(await s2.deleteRule(ruleArn('default', 'p')), 'deleted');
      assert.equal(await s2.deleteRule(ruleArn('default', 'p')), 'no-rule');
      assert.deepEqual(await s2.changeEventTags(ruleArn('default', 'r'), { set: { b: '2' } }, 2), { kind: 'ok', tags: { a: '1', b: '2' } });
      assert.deepEqual(await s2.changeEventTags(ruleArn('default', 'r'), { set: { c: '3' } }, 2), { kind: 'too-many' });
      assert.deepEqual(await s2.changeEventTags(busArn('default'), { set: { k: 'v' } }, 2), { kind: 'ok', tags: { k: 'v' } });
      assert.deepEqual(await s2.changeEventTags(busArn('none'), {}, 2), { kind: 'not-found' });
    }));

    test('a bus policy: changed under the bus lock, kept across a reopen, refused changes write nothing, deleted with the bus', withStore(async (s, o) => {
      await s.createEventBus(bus('default'), 10);
      await s.createEventBus(bus('b'), 10);
      assert.equal((await s.getEventBus(busArn('b')))!.policy, undefined);
      assert.deepEqual(await s.changeEventBusPolicy(busArn('b'), (cur) => (cur ?? '') + 'x'), { kind: 'ok', policy: 'x' });
      // Concurrent read-modify-write changes apply one after the other.
      await Promise.all(Array.from({ length: 5 }, () => s.changeEventBusPolicy(busArn('b'), (cur) => `${cur}y`)));
      await assert.rejects(s.changeEventBusPolicy(busArn('b'), () => { throw new Error('refused'); }), /refused/);
      const s2 = await o.reopen();
      assert.equal((await s2.getEventBus(busArn('b')))!.policy, 'xyyyyy');
      assert.equal((await s2.listEventBuses({ limit: 10 })).find((x) => x.name === 'b')!.policy, 'xyyyyy');
      assert.deepEqual(await s2.changeEventBusPolicy(busArn('b'), () => undefined), { kind: 'ok' });
      assert.equal((await s2.getEventBus(busArn('b')))!.policy, undefined);
      assert.deepEqual(await s2.changeEventBusPolicy(busArn('none'), () => 'p'), { kind: 'no-bus' });
      await s2.changeEventBusPolicy(busArn('b'), () => 'p');
      assert.equal(await s2.deleteEventBus(busArn('b')), true);
      await s2.createEventBus(bus('b'), 10);
      assert.equal((await s2.getEventBus(busArn('b')))!.policy, undefined, 'a bus made again has no policy');
    }));

    test('matching candidates: enabled rules with a pattern and targets, each with its targets', withStore(async (s) => {
      await s.createEventBus(bus('default'), 10);
      await s.putRule(rule('default', 'on'), busArn('default'), 10);
      await s.putRule(rule('default', 'off', { state: 'DISABLED' }), busArn('default'), 10);
      await s.putRule(rule('default', 'empty'), busArn('default'), 10);
      await s.putRule(rule('default', 'both', { scheduleExpression: 'rate(1 hour)' }), busArn('default'), 10);
      for (const r of ['on', 'off', 'both']) await s.putTargets(ruleArn('default', r), [target('t')], 5);
      assert.deepEqual((await s.matchingCandidates('default')).map((c) => [c.rule.name, c.targets.map((t) => t.Id)]), [['both', ['t']], ['on', ['t']]]);
    }));

    test('the outbox: recorded durably, leased exclusively until the lease runs out, retried after a delay, aged on the store clock', withStore(async (s, o) => {
      await s.createEventBus(bus('default'), 10);
      await s.enqueueEventDeliveries([
        { ruleArn: ruleArn('default', 'r'), targetId: 'a', event: event('e1'), hops: 0 },
        { ruleArn: ruleArn('default', 'r'), targetId: 'b', event: event('e1'), hops: 2 },
      ]);
      const store = await o.reopen();
      const [x, y] = await Promise.all([store.leaseEventDeliveries('A', 1, 300), store.leaseEventDeliveries('B', 5, 300)]);
      assert.deepEqual([...x, ...y].map((d) => d.targetId).sort(), ['a', 'b']);
      assert.equal(x.length, 1);
      assert.deepEqual([...x, ...y].find((d) => d.targetId === 'b')!.event, event('e1'));
      assert.equal([...x, ...y].find((d) => d.targetId === 'b')!.hops, 2);
      assert.deepEqual(await store.leaseEventDeliveries('C', 5, 300), []);
      await sleep(400);
      const again = await store.leaseEventDeliveries('C', 5, 60_000);
      assert.equal(again.length, 2, 'a lease that ran out is due again');
      assert.ok(again.every((d) => d.ageMs >= 400), 'the age counts from when the event was recorded');
      await store.finishEventDelivery(again[0]!.id);
      await store.retryEventDelivery(again[1]!.id, 1, 300);
      assert.deepEqual(await store.leaseEventDeliveries('C', 5, 60_000), []);
      await sleep(400);
      assert.deepEqual((await store.leaseEventDeliveries('C', 5, 60_000)).map((d) => [d.id, d.attempts]), [[again[1]!.id, 1]]);
    }));
  });
}
