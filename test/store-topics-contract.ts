import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { PublishedMessage, SubscriptionRecord, TopicRecord } from '../src/store/topics';
import type { OpenedStore } from './store-contract';

/**
 * The TopicStore part of the store contract (SNS topics, subscriptions,
 * the delivery outbox), run by every implementation's contract test beside
 * `storeContract`. Times are durations on the store's own clock, so the
 * cases wait real (short) time instead of passing clocks.
 */
const topicArn = (n: string) => `arn:aws:sns:us-east-1:000000000000:${n}`;
const topic = (n: string, over: Partial<TopicRecord> = {}): TopicRecord => ({ arn: topicArn(n), name: n, createdMs: 1, attributes: {}, tags: {}, ...over });
const sub = (t: string, id: string, over: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  arn: `${topicArn(t)}:${id}`, topicArn: topicArn(t), protocol: 'sqs', endpoint: `arn:aws:sqs:us-east-1:000000000000:${id}`,
  owner: '000000000000', confirmed: true, token: null, attributes: {}, createdMs: 1, ...over,
});
const message = (t: string, id: string, over: Partial<PublishedMessage> = {}): PublishedMessage => ({
  messageId: id, topicArn: topicArn(t), message: `m-${id}`, structure: undefined, subject: undefined, attributes: {}, timestampMs: 1,
  groupId: undefined, dedupId: undefined, sequenceNumber: undefined, ...over,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function topicStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  const withStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => async () => {
    const o = await open();
    try {
      await body(o.store, o);
    } finally {
      await o.destroy();
    }
  };

  describe(`topic store contract: ${name}`, () => {
    test('editTopicAttribute: reads and writes one attribute in one transaction; null removes; a throwing edit writes nothing; concurrent edits lose none', withStore(async (s) => {
      await s.createTopic(topic('e', { attributes: { DisplayName: 'E' } }));
      assert.equal(await s.editTopicAttribute(topicArn('e'), 'Policy', (cur) => `${cur ?? ''}a`), true);
      assert.equal((await s.getTopic(topicArn('e')))?.attributes.Policy, 'a');
      await assert.rejects(s.editTopicAttribute(topicArn('e'), 'Policy', () => {
        throw new Error('refused');
      }), /refused/);
      assert.equal((await s.getTopic(topicArn('e')))?.attributes.Policy, 'a');
      await Promise.all(Array.from({ length: 8 }, () => s.editTopicAttribute(topicArn('e'), 'Policy', (cur) => `${cur}x`)));
      assert.equal((await s.getTopic(topicArn('e')))?.attributes.Policy, `a${'x'.repeat(8)}`);
      assert.equal(await s.editTopicAttribute(topicArn('e'), 'Policy', () => null), true);
      assert.deepEqual((await s.getTopic(topicArn('e')))?.attributes, { DisplayName: 'E' });
      assert.equal(await s.editTopicAttribute(topicArn('nope'), 'Policy', () => 'x'), false);
    }));

    test('createTopic returns the existing topic unchanged; listTopics pages by ARN; attributes and tags change in place', withStore(async (s) => {
      assert.equal((await s.createTopic(topic('b', { attributes: { DisplayName: 'B' } }))).created, true);
      const again = await s.createTopic(topic('b', { attributes: { DisplayName: 'other' } }));
      assert.equal(again.created, false);
      assert.equal(again.topic.attributes.DisplayName, 'B');
      await s.createTopic(topic('a'));
      await s.createTopic(topic('c'));
      assert.deepEqual((await s.listTopics({ limit: 2 })).map((t) => t.name), ['a', 'b']);
      assert.deepEqual((await s.listTopics({ afterArn: topicArn('b'), limit: 2 })).map((t) => t.name), ['c']);
      assert.equal(await s.setTopicAttribute(topicArn('a'), 'DisplayName', 'A'), true);
      assert.equal(await s.setTopicAttribute(topicArn('nope'), 'DisplayName', 'A'), false);
      assert.equal((await s.getTopic(topicArn('a')))?.attributes.DisplayName, 'A');
      assert.deepEqual(await s.changeTopicTags(topicArn('a'), { set: { x: '1', y: '2' } }, 2), { kind: 'ok', tags: { x: '1', y: '2' } });
      assert.deepEqual(await s.changeTopicTags(topicArn('a'), { set: { z: '3' } }, 2), { kind: 'too-many' });
      assert.deepEqual(await s.changeTopicTags(topicArn('a'), { remove: ['x'] }, 2), { kind: 'ok', tags: { y: '2' } });
      assert.deepEqual(await s.changeTopicTags(topicArn('nope'), { set: { a: 'b' } }, 2), { kind: 'no-topic' });
    }));

    test('subscriptions: one per endpoint, counts, confirmation by token, deleteTopic removes them and their deliveries', withStore(async (s, o) => {
      await s.createTopic(topic('t'));
      assert.deepEqual(await s.createSubscription(sub('nope', 'x'), undefined), { kind: 'no-topic' });
      assert.equal((await s.createSubscription(sub('t', 'q1'), undefined)).kind, 'created');
      const dup = await s.createSubscription(sub('t', 'other', { endpoint: sub('t', 'q1').endpoint }), undefined);
      assert.equal(dup.kind === 'exists' && dup.subscription.arn, sub('t', 'q1').arn);
      const http = sub('t', 'h', { protocol: 'http', endpoint: 'http://127.0.0.1/x', confirmed: false, token: 'tok' });
      assert.equal((await s.createSubscription(http, message('t', 'conf'))).kind, 'created');
      assert.deepEqual(await s.subscriptionCounts(topicArn('t')), { confirmed: 1, pending: 1 });
      assert.deepEqual((await s.confirmedSubscriptions(topicArn('t'))).map((x) => x.arn), [sub('t', 'q1').arn]);
      assert.equal(await s.confirmSubscription(topicArn('t'), 'wrong'), undefined);
      assert.equal((await s.confirmSubscription(topicArn('t'), 'tok'))?.confirmed, true);
      assert.deepEqual(await s.subscriptionCounts(topicArn('t')), { confirmed: 2, pending: 0 });
      assert.equal(await s.setSubscriptionAttribute(http.arn, 'RawMessageDelivery', 'true'), true);
      assert.equal((await s.getSubscription(http.arn))?.attributes.RawMessageDelivery, 'true');
      assert.equal((await s.listSubscriptions({ topicArn: topicArn('t'), limit: 1 })).length, 1);
      assert.equal((await s.listSubscriptions({ limit: 10 })).length, 2);
      // The confirmation was queued with the subscription, and survives a restart.
      const s2 = await o.reopen();
      const leased = await s2.leaseDeliveries('owner', 10, 60_000);
      assert.deepEqual(leased.map((d) => [d.kind, d.subscriptionArn]), [['confirmation', http.arn]]);
      assert.equal(await s2.deleteTopic(topicArn('t')), true);
      assert.equal(await s2.deleteTopic(topicArn('t')), false);
      assert.equal(await s2.getSubscription(http.arn), undefined);
      await s2.retryDelivery(leased[0]!.id, 1, 0);
      assert.deepEqual(await s2.leaseDeliveries('owner', 10, 60_000), [], 'the topic\'s deliveries went with it');
    }));

    test('publishToTopic records one delivery per subscription durably; leases are exclusive until they run out; retry and finish', withStore(async (s, o) => {
      await s.createTopic(topic('t'));
      assert.deepEqual(await s.publishToTopic(message('nope', 'x'), []), { kind: 'no-topic' });
      const r = await s.publishToTopic(message('t', 'm1', { attributes: { a: { DataType: 'String', StringValue: 'v' } } }), [sub('t', 'q1').arn, sub('t', 'q2').arn]);
      assert.deepEqual(r, { kind: 'ok', messageId: 'm1', sequenceNumber: undefined, duplicate: false });
      const store = await o.reopen();
      // Two leases at once (a pool runs them concurrently): each delivery goes to one of them.
      const [a, b] = await Promise.all([store.leaseDeliveries('A', 1, 300), store.leaseDeliveries('B', 5, 300)]);
      assert.deepEqual([...a, ...b].map((d) => d.subscriptionArn).sort(), [sub('t', 'q1').arn, sub('t', 'q2').arn]);
      assert.equal(a.length, 1);
      assert.deepEqual(a[0]!.message.attributes, { a: { DataType: 'String', StringValue: 'v' } });
      assert.deepEqual(await store.leaseDeliveries('C', 5, 300), [], 'leased ones are not leased again');
      await sleep(400);
      const again = await store.leaseDeliveries('C', 5, 60_000);
      assert.equal(again.length, 2, 'a lease that ran out is due again');
      await store.finishDelivery(again[0]!.id);
      await store.retryDelivery(again[1]!.id, 1, 300);
      assert.deepEqual(await store.leaseDeliveries('C', 5, 60_000), [], 'a retry is due only after its delay');
      await sleep(400);
      const retried = await store.leaseDeliveries('C', 5, 60_000);
      assert.deepEqual(retried.map((d) => [d.id, d.attempts]), [[again[1]!.id, 1]]);
    }));

    test('deduplication: the same id within the window returns the first message; after it, a new one', withStore(async (s) => {
      await s.createTopic(topic('f.fifo'));
      const first = await s.publishToTopic(message('f.fifo', 'm1', { sequenceNumber: '1' }), [], { id: 'd', windowMs: 300 });
      assert.equal(first.kind === 'ok' && first.duplicate, false);
      const [x, y] = await Promise.all([
        s.publishToTopic(message('f.fifo', 'm2'), ['s'], { id: 'd', windowMs: 300 }),
        s.publishToTopic(message('f.fifo', 'm3'), ['s'], { id: 'd', windowMs: 300 }),
      ]);
      for (const r of [x, y]) assert.deepEqual(r, { kind: 'ok', messageId: 'm1', sequenceNumber: '1', duplicate: true });
      assert.deepEqual(await s.leaseDeliveries('o', 10, 1000), [], 'a duplicate records no delivery');
      await sleep(400);
      const later = await s.publishToTopic(message('f.fifo', 'm4'), [], { id: 'd', windowMs: 300 });
      assert.equal(later.kind === 'ok' && later.messageId, 'm4');
    }));
  });
}
