import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { NewQueueMessage } from '../src/store/queues';
import type { OpenedStore } from './store-contract';

/**
 * The QueueStore part of the store contract (run by test/store-contract.ts
 * for every implementation): leases, receive counts, visibility and delay as
 * durations, retention, dead-letter moves inside the receive, FIFO
 * deduplication and group order, concurrent receivers, durability.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const msg = (body: string, extra: Partial<NewQueueMessage> = {}): NewQueueMessage => ({
  messageId: `m-${++seq}`, body: Buffer.from(body), attributes: null, senderId: 'me', delayS: 0, ...extra,
});
const std = { max: 10, visibilityS: 30, retentionS: 3600, fifo: false, inFlightMax: 1000 };
const create = (s: Store, name: string, extra: { dlq?: string; attributes?: Record<string, string> } = {}) =>
  s.createQueue({ name, attributes: extra.attributes ?? { VisibilityTimeout: '30' }, tags: {}, deadLetterTarget: extra.dlq ?? null });
/** A receive that must lease (not over-limit, the queue exists). */
async function rx(s: Store, queue: string, o: Parameters<Store['receiveMessages']>[1]) {
  const r = await s.receiveMessages(queue, o);
  if (!Array.isArray(r)) assert.fail(`receive answered ${String(r)}`);
  return r;
}
const bodies = (ms: { body: Buffer }[] | undefined) => (ms ?? []).map((m) => m.body.toString());

export function queueStoreContract(withStore: WithStore): void {
  describe('queues', () => {
    test('createQueue creates once (a second create returns the stored queue unchanged); get, list by prefix after a name, delete', withStore(async (s) => {
      const a = await create(s, 'qa', { attributes: { VisibilityTimeout: '5' } });
      assert.equal(a.created, true);
      const again = await create(s, 'qa', { attributes: { VisibilityTimeout: '9' } });
      assert.equal(again.created, false);
      assert.deepEqual(again.queue.attributes, { VisibilityTimeout: '5' });
      await create(s, 'qb');
      await create(s, 'r');
      assert.deepEqual(await s.listQueues({ prefix: 'q', limit: 10 }), ['qa', 'qb']);
      assert.deepEqual(await s.listQueues({ prefix: 'q', afterName: 'qa', limit: 10 }), ['qb']);
      assert.deepEqual(await s.listQueues({ limit: 2 }), ['qa', 'qb']);
      await s.sendMessages('qa', [msg('x')], undefined);
      assert.equal(await s.deleteQueue('qa'), true);
      assert.equal(await s.deleteQueue('qa'), false);
      assert.equal(await s.getQueue('qa'), undefined);
      assert.equal(await s.sendMessages('qa', [msg('x')], undefined), undefined);
      assert.equal((await create(s, 'qa')).created, true);
      assert.deepEqual(await rx(s, 'qa', std), [], 'a re-created queue has none of the old messages');
    }));

    test('setQueueAttributes merges (an empty value removes); changeQueueTags merges, removes, refuses past the limit; deadLetterSources', withStore(async (s) => {
      await create(s, 'q', { attributes: { A: '1', B: '2' } });
      await create(s, 'dlq');
      assert.equal(await s.setQueueAttributes('q', { A: '3', B: '' }, 'dlq'), true);
      assert.deepEqual((await s.getQueue('q'))?.attributes, { A: '3' });
      assert.deepEqual(await s.deadLetterSources('dlq', undefined, 10), ['q']);
      assert.equal(await s.setQueueAttributes('q', {}, null), true);
      assert.deepEqual(await s.deadLetterSources('dlq', undefined, 10), []);
      assert.equal(await s.setQueueAttributes('none', { A: '1' }, undefined), false);
      assert.equal(await s.changeQueueTags('q', { set: { a: '1', b: '2' } }, 2), 'ok');
      assert.equal(await s.changeQueueTags('q', { set: { c: '3' } }, 2), 'too-many');
      assert.equal(await s.changeQueueTags('q', { remove: ['a'], set: { c: '3' } }, 2), 'ok');
      assert.deepEqual((await s.getQueue('q'))?.tags, { b: '2', c: '3' });
      assert.equal(await s.changeQueueTags('none', { set: { a: '1' } }, 2), 'no-queue');
    }));

    test('editQueueAttribute: reads and writes one attribute in one transaction; an empty value removes; a throwing edit writes nothing; concurrent edits lose none', withStore(async (s) => {
      await create(s, 'q', { attributes: { A: '1' } });
      assert.equal(await s.editQueueAttribute('q', 'Policy', (cur) => `${cur ?? ''}a`), true);
      assert.equal((await s.getQueue('q'))?.attributes.Policy, 'a');
      await assert.rejects(s.editQueueAttribute('q', 'Policy', () => {
        throw new Error('refused');
      }), /refused/);
      assert.equal((await s.getQueue('q'))?.attributes.Policy, 'a');
      await Promise.all(Array.from({ length: 8 }, () => s.editQueueAttribute('q', 'Policy', (cur) => `${cur}x`)));
      assert.equal((await s.getQueue('q'))?.attributes.Policy, `a${'x'.repeat(8)}`);
      assert.equal(await s.editQueueAttribute('q', 'Policy', () => ''), true);
      assert.deepEqual((await s.getQueue('q'))?.attributes, { A: '1' });
      assert.equal(await s.editQueueAttribute('none', 'Policy', () => 'x'), false);
    }));

    test('a receive leases: invisible for the visibility duration, receive count up, visible again after it; a new handle each time', withStore(async (s) => {
      await create(s, 'q');
      await s.sendMessages('q', [msg('one'), msg('two')], undefined);
      const a = (await rx(s, 'q', { ...std, max: 1, visibilityS: 1 }))!;
      assert.deepEqual(bodies(a), ['one']);
      assert.equal(a[0]!.receiveCount, 1);
      assert.deepEqual(bodies(await rx(s, 'q', { ...std, visibilityS: 1 })), ['two'], 'the leased one is invisible');
      assert.deepEqual(await s.queueCounts('q', 3600), { visible: 0, inFlight: 2, delayed: 0 });
      await sleep(1100);
      const b = (await rx(s, 'q', { ...std, max: 1 }))!;
      assert.deepEqual(bodies(b), ['one']);
      assert.equal(b[0]!.receiveCount, 2);
      assert.notEqual(b[0]!.receiptHandle, a[0]!.receiptHandle);
      assert.equal(b[0]!.firstReceiveMs, a[0]!.firstReceiveMs);
      // The stale handle deletes nothing (and is not an error); the current one deletes.
      assert.deepEqual(await s.deleteMessages('q', [a[0]!.receiptHandle, 'junk']), ['ok', 'invalid']);
      assert.deepEqual(await s.changeVisibility('q', [{ receiptHandle: a[0]!.receiptHandle, visibilityS: 0 }]), ['expired']);
      assert.deepEqual(await s.changeVisibility('q', [{ receiptHandle: b[0]!.receiptHandle, visibilityS: 0 }]), ['ok']);
      assert.deepEqual(await s.changeVisibility('q', [{ receiptHandle: b[0]!.receiptHandle, visibilityS: 0 }]), ['not-inflight']);
      const c = (await rx(s, 'q', { ...std, max: 1 }))!;
      assert.deepEqual(await s.deleteMessages('q', [c[0]!.receiptHandle]), ['ok']);
      assert.deepEqual(await s.queueCounts('q', 3600), { visible: 1, inFlight: 0, delayed: 0 }, 'only "two" is left, visible again');
    }));

    test('delay and retention are durations: a delayed message is not received until due; an expired one never is', withStore(async (s) => {
      await create(s, 'q');
      await s.sendMessages('q', [msg('later', { delayS: 1 })], undefined);
      assert.deepEqual(await s.queueCounts('q', 3600), { visible: 0, inFlight: 0, delayed: 1 });
      assert.deepEqual(await rx(s, 'q', std), []);
      await sleep(1100);
      assert.deepEqual(bodies(await rx(s, 'q', { ...std, visibilityS: 0 })), ['later']);
      await sleep(1100);
      assert.deepEqual(await rx(s, 'q', { ...std, retentionS: 1 }), [], 'older than the retention period');
      assert.equal((await s.queueCounts('q', 3600))?.visible, 0, 'and deleted');
    }));

    test('at the in-flight quota a receive leases nothing and answers over-limit', withStore(async (s) => {
      await create(s, 'q');
      await s.sendMessages('q', [msg('a'), msg('b'), msg('c')], undefined);
      assert.equal((await s.receiveMessages('q', { ...std, max: 2, inFlightMax: 2 }) as unknown[]).length, 2);
      assert.equal(await s.receiveMessages('q', { ...std, inFlightMax: 2 }), 'over-limit');
      assert.deepEqual(await s.queueCounts('q', 3600), { visible: 1, inFlight: 2, delayed: 0 });
    }));

    test('two receivers at once never get the same message', withStore(async (s) => {
      await create(s, 'q');
      await s.sendMessages('q', Array.from({ length: 6 }, (_, i) => msg(`m${i}`)), undefined);
      const [a, b] = await Promise.all([rx(s, 'q', { ...std, max: 4 }), rx(s, 'q', { ...std, max: 4 })]);
      const all = [...bodies(a), ...bodies(b)];
      assert.equal(all.length, 6);
      assert.equal(new Set(all).size, 6);
    }));

    test('a send racing DeleteQueue leaves no message behind for a queue re-created with the name', withStore(async (s) => {
      for (let i = 0; i < 5; i++) {
        await create(s, 'race');
        await Promise.all([s.sendMessages('race', [msg('x'), msg('y')], undefined), s.deleteQueue('race')]);
        await s.deleteQueue('race');
        await create(s, 'race');
        assert.deepEqual(await rx(s, 'race', std), [], `round ${i}`);
        await s.deleteQueue('race');
      }
    }));

    test('redrive: a message already received maxReceiveCount times moves to the target in the receive, keeping its id', withStore(async (s) => {
      await create(s, 'dlq');
      await create(s, 'src', { dlq: 'dlq' });
      const [sent] = (await s.sendMessages('src', [msg('poison')], undefined))!;
      const redrive = { targetQueue: 'dlq', maxReceiveCount: 2 };
      for (let i = 0; i < 2; i++) assert.equal((await rx(s, 'src', { ...std, visibilityS: 0, redrive }))?.length, 1);
      assert.deepEqual(await rx(s, 'src', { ...std, redrive }), []);
      const moved = (await rx(s, 'dlq', std))!;
      assert.equal(moved[0]?.messageId, sent!.messageId);
      assert.equal(moved[0]?.receiveCount, 1, 'counted afresh in the dead-letter queue');
      assert.equal(moved[0]?.sourceQueue, 'src', 'it remembers where it came from');
      await s.changeVisibility('dlq', [{ receiptHandle: moved[0]!.receiptHandle, visibilityS: 0 }]);
      assert.equal(await s.moveMessages('dlq', null, 10), 1, 'no destination: back to its source');
      const back = (await rx(s, 'src', std))!;
      assert.equal(back[0]?.messageId, sent!.messageId);
      assert.equal(back[0]?.sourceQueue, undefined);
    }));

    test('FIFO: deduplication within the window, growing sequence numbers, a group blocked while one of its messages is in flight', withStore(async (s) => {
      await create(s, 'f.fifo');
      const fifo = { dedupWindowS: 300 };
      const r = (await s.sendMessages('f.fifo', [
        msg('a1', { groupId: 'a', dedupId: '1' }), msg('dup', { groupId: 'a', dedupId: '1' }), msg('a2', { groupId: 'a', dedupId: '2' }),
        msg('b1', { groupId: 'b', dedupId: '3' }),
      ], fifo))!;
      assert.deepEqual(r.map((x) => x.duplicate), [false, true, false, false]);
      assert.equal(r[1]!.messageId, r[0]!.messageId);
      assert.ok(r[2]!.sequenceNumber! > r[0]!.sequenceNumber!);
      const first = (await rx(s, 'f.fifo', { ...std, fifo: true, max: 1 }))!;
      assert.deepEqual(bodies(first), ['a1']);
      assert.deepEqual(bodies(await rx(s, 'f.fifo', { ...std, fifo: true })), ['b1'], 'group a waits for a1');
      await s.deleteMessages('f.fifo', [first[0]!.receiptHandle]);
      assert.deepEqual(bodies(await rx(s, 'f.fifo', { ...std, fifo: true })), ['a2']);
      const again = (await s.sendMessages('f.fifo', [msg('late dup', { groupId: 'a', dedupId: '1' })], fifo))!;
      assert.equal(again[0]!.duplicate, true, 'still within the window after the first was deleted');
    }));

    test('FIFO: with perGroup (DeduplicationScope messageGroup) an id is a duplicate only within its group', withStore(async (s) => {
      await create(s, 'g.fifo');
      const r = (await s.sendMessages('g.fifo', [
        msg('a', { groupId: 'a', dedupId: 'same' }), msg('b', { groupId: 'b', dedupId: 'same' }), msg('a again', { groupId: 'a', dedupId: 'same' }),
      ], { dedupWindowS: 300, perGroup: true }))!;
      assert.deepEqual(r.map((x) => x.duplicate), [false, false, true]);
    }));

    test('FIFO: a receive retried with its attempt id returns the same messages and handles', withStore(async (s) => {
      await create(s, 'f.fifo');
      await s.sendMessages('f.fifo', [msg('x', { groupId: 'g', dedupId: 'x' })], { dedupWindowS: 300 });
      const o = { ...std, fifo: true, attemptId: 't1', attemptWindowS: 300 };
      const a = (await rx(s, 'f.fifo', o))!;
      const b = (await rx(s, 'f.fifo', o))!;
      assert.equal(a.length, 1);
      assert.deepEqual(b.map((m) => m.receiptHandle), a.map((m) => m.receiptHandle));
    }));

    test('purgeQueue empties a queue; moveMessages moves oldest first', withStore(async (s) => {
      await create(s, 'a');
      await create(s, 'b');
      await s.sendMessages('a', [msg('1'), msg('2'), msg('3')], undefined);
      assert.equal(await s.moveMessages('a', 'b', 2), 2);
      assert.deepEqual(bodies(await rx(s, 'b', std)), ['1', '2']);
      assert.equal(await s.purgeQueue('a'), true);
      assert.deepEqual(await rx(s, 'a', std), []);
      assert.equal(await s.purgeQueue('none'), false);
    }));

    test('what a send resolved is there after a reopen, sealed bytes unchanged', withStore(async (s0, o) => {
      await create(s0, 'q');
      const body = Buffer.from([0, 1, 2, 250, 255]);
      await s0.sendMessages('q', [msg('ignored', { body, attributes: Buffer.from([9, 9]) })], undefined);
      const s = await o.reopen();
      const [m] = (await rx(s, 'q', std))!;
      assert.deepEqual(m?.body, body);
      assert.deepEqual(m?.attributes, Buffer.from([9, 9]));
    }));
  });
}
