import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventSourceMappingRecord, Store } from '../src/store/types';
import { StoreConflict } from '../src/store/types';
import type { OpenedStore } from './store-contract';

/** A mapping record as the service writes it (only what the store must keep matters here). */
export function mapping(uuid: string, o: Partial<EventSourceMappingRecord> = {}): EventSourceMappingRecord {
  return {
    uuid,
    arn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${uuid}`,
    eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q1',
    functionName: 'f',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    batchSize: 10,
    maximumBatchingWindowInSeconds: 0,
    enabled: true,
    state: 'Creating',
    stateTransitionReason: 'USER_INITIATED',
    lastModifiedMs: 1_767_225_600_123,
    lastProcessingResult: 'No records processed',
    functionResponseTypes: [],
    tags: {},
    revisionId: 'r1',
    ...o,
  };
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * The EventSourceMappingStore part of the store contract, run by each
 * implementation's `*.contract.test.ts` beside `storeContract`.
 */
export function eventSourceMappingContract(name: string, open: () => Promise<OpenedStore>): void {
  const withStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => async () => {
    const o = await open();
    try {
      await body(o.store, o);
    } finally {
      await o.destroy();
    }
  };

  describe(`store contract (event source mappings): ${name}`, () => {
    test('create stores the record whole, across a reopen; a second create of the UUID is StoreConflict', withStore(async (s, o) => {
      const rec = mapping(uuid(1), { qualifier: 'live', filterPatterns: ['{"body":{"a":["\\u0000"]}}'], maximumConcurrency: 5, tags: { t: 'v' } });
      await s.createEventSourceMapping(rec);
      assert.deepEqual(await s.getEventSourceMapping(uuid(1)), rec);
      await assert.rejects(s.createEventSourceMapping(mapping(uuid(1), { batchSize: 5 })), StoreConflict);
      const again = await o.reopen();
      assert.deepEqual(await again.getEventSourceMapping(uuid(1)), rec, 'durable and unchanged by the refused create');
      assert.equal(await again.getEventSourceMapping(uuid(2)), undefined);
    }));

    test('list orders by UUID, pages after a UUID, filters by source and by function', withStore(async (s) => {
      await s.createEventSourceMapping(mapping(uuid(3), { functionName: 'g', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:g' }));
      await s.createEventSourceMapping(mapping(uuid(1)));
      await s.createEventSourceMapping(mapping(uuid(2), { eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q2' }));
      const ids = (rs: EventSourceMappingRecord[]) => rs.map((r) => r.uuid);
      assert.deepEqual(ids(await s.listEventSourceMappings({ limit: 10 })), [uuid(1), uuid(2), uuid(3)]);
      assert.deepEqual(ids(await s.listEventSourceMappings({ limit: 2 })), [uuid(1), uuid(2)]);
      assert.deepEqual(ids(await s.listEventSourceMappings({ afterUuid: uuid(2), limit: 2 })), [uuid(3)]);
      assert.deepEqual(ids(await s.listEventSourceMappings({ eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q1', limit: 10 })), [uuid(1), uuid(3)]);
      assert.deepEqual(ids(await s.listEventSourceMappings({ functionName: 'g', limit: 10 })), [uuid(3)]);
      assert.deepEqual(ids(await s.listEventSourceMappings({ functionName: 'f', eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q2', limit: 10 })), [uuid(2)]);
      assert.deepEqual(await s.listEventSourceMappings({ functionName: 'nope', limit: 10 }), []);
      await s.createEventSourceMapping(mapping(uuid(4), { qualifier: 'live', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:live' }));
      assert.deepEqual(ids(await s.listEventSourceMappings({ functionName: 'f', limit: 10 })), [uuid(1), uuid(2), uuid(4)], 'a name lists every qualifier');
      assert.deepEqual(ids(await s.listEventSourceMappings({ functionName: 'f', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:live', limit: 10 })), [uuid(4)]);
    }));

    test('update is a compare-and-swap on the revision id; the function filter follows a changed function', withStore(async (s) => {
      await s.createEventSourceMapping(mapping(uuid(1)));
      const g = { revisionId: 'r2', functionName: 'g', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:g', state: 'Enabled' as const };
      assert.equal(await s.updateEventSourceMapping(mapping(uuid(1), g), 'stale'), false);
      assert.equal((await s.getEventSourceMapping(uuid(1)))?.revisionId, 'r1');
      assert.equal(await s.updateEventSourceMapping(mapping(uuid(1), g), 'r1'), true);
      assert.equal((await s.getEventSourceMapping(uuid(1)))?.state, 'Enabled');
      assert.deepEqual((await s.listEventSourceMappings({ functionName: 'g', limit: 10 })).map((r) => r.uuid), [uuid(1)]);
      assert.equal(await s.updateEventSourceMapping(mapping(uuid(9), { revisionId: 'r2' }), 'r1'), false, 'a missing mapping');
    }));

    test('two concurrent updates from one revision: exactly one wins', withStore(async (s) => {
      await s.createEventSourceMapping(mapping(uuid(1)));
      const results = await Promise.all([
        s.updateEventSourceMapping(mapping(uuid(1), { revisionId: 'a', batchSize: 1 }), 'r1'),
        s.updateEventSourceMapping(mapping(uuid(1), { revisionId: 'b', batchSize: 2 }), 'r1'),
      ]);
      assert.equal(results.filter(Boolean).length, 1);
      const got = await s.getEventSourceMapping(uuid(1));
      assert.equal(got?.batchSize, results[0] ? 1 : 2);
    }));

    test('one mapping per (event source, function ARN): create and update refuse the pair with StoreConflict', withStore(async (s) => {
      await s.createEventSourceMapping(mapping(uuid(1)));
      await assert.rejects(s.createEventSourceMapping(mapping(uuid(2))), StoreConflict);
      const qualified = 'arn:aws:lambda:us-east-1:000000000000:function:f:live';
      await s.createEventSourceMapping(mapping(uuid(2), { functionArn: qualified, qualifier: 'live' }));
      await assert.rejects(s.updateEventSourceMapping(mapping(uuid(2), { revisionId: 'r2' }), 'r1'), StoreConflict);
      assert.equal((await s.getEventSourceMapping(uuid(2)))?.functionArn, qualified, 'the refused update changed nothing');
      const both = await Promise.all([
        s.createEventSourceMapping(mapping(uuid(3), { functionName: 'g', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:g' })).then(() => true, (e) => (e instanceof StoreConflict ? false : Promise.reject(e))),
        s.createEventSourceMapping(mapping(uuid(4), { functionName: 'g', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:g' })).then(() => true, (e) => (e instanceof StoreConflict ? false : Promise.reject(e))),
      ]);
      assert.equal(both.filter(Boolean).length, 1, 'two concurrent creates of one pair: one wins');
    }));

    test('delete is guarded by the revision id, and a deleted mapping is gone', withStore(async (s) => {
      await s.createEventSourceMapping(mapping(uuid(1)));
      assert.equal(await s.deleteEventSourceMapping(uuid(1), 'stale'), false);
      assert.ok(await s.getEventSourceMapping(uuid(1)));
      assert.equal(await s.deleteEventSourceMapping(uuid(1), 'r1'), true);
      assert.equal(await s.getEventSourceMapping(uuid(1)), undefined);
      assert.equal(await s.deleteEventSourceMapping(uuid(1), 'r1'), false);
    }));
  });
}
