import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { OpenedStore } from './store-contract';

/**
 * The SubscriptionFilterStore part of the store contract (both databases):
 * create, replace (keeping the cursor), the per-group limit, a missing
 * group, listing with a prefix and pages, the cursor starting after the
 * group's events at creation and only moving forward, surviving a reopen,
 * and going with its group.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const rec = (name: string, over: Partial<{ filterPattern: string; destinationArn: string }> = {}) => ({
  logGroup: '/aws/lambda/src', filterName: name, filterPattern: over.filterPattern ?? 'ERROR',
  destinationArn: over.destinationArn ?? 'arn:aws:lambda:us-east-1:000000000000:function:dst', roleArn: null, distribution: 'ByLogStream' as const, createdMs: 1000,
});

export function subscriptionFilterContract(withStore: WithStore): void {
  describe('log subscription filters', () => {
    test('put creates after the group\'s newest event, replaces keeping the cursor, refuses past the limit and without the group', withStore(async (s, o) => {
      assert.equal(await s.putSubscriptionFilter(rec('a'), 2), 'no-group');
      await s.appendLogs([{ group: '/aws/lambda/src', stream: 's1', events: [{ timestampMs: 1, message: 'one' }, { timestampMs: 2, message: 'two' }] }], { durable: true });
      const [, last] = await s.readLogs('/aws/lambda/src', { sinceMs: 0, limit: 10 });
      assert.equal(await s.putSubscriptionFilter(rec('a'), 2), 'created');
      let [a] = await s.listSubscriptionFilters('/aws/lambda/src', { limit: 10 });
      assert.equal(a!.cursorId, last!.id, 'events already there are not delivered');
      assert.equal(await s.advanceSubscriptionCursor('/aws/lambda/src', 'a', last!.id + 5), true);
      assert.equal(await s.advanceSubscriptionCursor('/aws/lambda/src', 'a', last!.id + 1), true);
      assert.equal(await s.putSubscriptionFilter(rec('a', { filterPattern: 'WARN' }), 2), 'updated');
      [a] = await s.listSubscriptionFilters('/aws/lambda/src', { limit: 10 });
      assert.deepEqual([a!.filterPattern, a!.cursorId], ['WARN', last!.id + 5], 'replaced, cursor kept and never moved back');
      assert.equal(await s.putSubscriptionFilter(rec('b'), 2), 'created');
      assert.equal(await s.putSubscriptionFilter(rec('c'), 2), 'limit');
      assert.equal(await s.putSubscriptionFilter(rec('b', { filterPattern: '' }), 2), 'updated', 'replacing one at the limit is allowed');
      const s2 = await o.reopen();
      assert.deepEqual((await s2.listSubscriptionFilters('/aws/lambda/src', { limit: 10 })).map((f) => [f.filterName, f.filterPattern]), [['a', 'WARN'], ['b', '']]);
      assert.deepEqual((await s2.listSubscriptionFilters('/aws/lambda/src', { prefix: 'b', limit: 10 })).map((f) => f.filterName), ['b']);
      assert.deepEqual((await s2.listSubscriptionFilters('/aws/lambda/src', { afterName: 'a', limit: 10 })).map((f) => f.filterName), ['b']);
      assert.deepEqual((await s2.listSubscriptionFilters('/aws/lambda/src', { limit: 1 })).map((f) => f.filterName), ['a']);
      assert.equal((await s2.allSubscriptionFilters()).length, 2);
      assert.equal(await s2.deleteSubscriptionFilter('/aws/lambda/src', 'a'), true);
      assert.equal(await s2.deleteSubscriptionFilter('/aws/lambda/src', 'a'), false);
      assert.equal(await s2.advanceSubscriptionCursor('/aws/lambda/src', 'a', 99), false);
      assert.equal(await s2.deleteLogGroup('/aws/lambda/src'), true);
      assert.deepEqual(await s2.allSubscriptionFilters(), [], 'filters go with their group');
    }));
  });
}
