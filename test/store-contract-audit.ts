import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Store } from '../src/store/types';
import { auditGenesisMac, type NewAuditEvent } from '../src/store/audit';
import type { OpenedStore } from './store-contract';

/**
 * The AuditStore part of the store contract (run by test/store-contract.ts
 * for every implementation): appends assign consecutive sequence numbers and
 * chain each row to the one before (also across concurrent appends), the
 * head names the last row, lookups filter by one attribute and page newest
 * first, the sweep removes only the oldest rows.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const key = Buffer.alloc(32, 7);
const seal = (prev: string, body: string) => createHmac('sha256', key).update(prev).update(body).digest('hex');
let n = 0;
const ev = (over: Partial<NewAuditEvent> = {}): NewAuditEvent => {
  n++;
  return { timeMs: 1_700_000_000_000 + n, eventId: `e-${n}-${Math.random()}`, eventName: 'CreateQueue', eventSource: 'sqs.amazonaws.com', userName: 'root', readOnly: false, body: `{"n":${n}}`, ...over };
};

export function auditStoreContract(withStore: WithStore): void {
  describe('audit trail', () => {
    test('appends chain each row to the previous one, across batches and concurrent appends; the head names the last row', withStore(async (s) => {
      assert.equal(await s.auditHead(), undefined);
      await s.appendAuditEvents([ev(), ev()], seal);
      await Promise.all([s.appendAuditEvents([ev(), ev()], seal), s.appendAuditEvents([ev()], seal), s.appendAuditEvents([ev(), ev(), ev()], seal)]);
      const rows = await s.readAuditChain(0, 100);
      assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
      let prev = auditGenesisMac;
      for (const r of rows) {
        assert.equal(r.prevMac, prev, `row ${r.seq} links to the row before`);
        assert.equal(r.mac, seal(r.prevMac, r.body));
        prev = r.mac;
      }
      assert.deepEqual(await s.auditHead(), { lastSeq: 8, lastMac: prev });
      assert.deepEqual((await s.readAuditChain(6, 100)).map((r) => r.seq), [7, 8]);
    }));

    test('lookups: newest first, one attribute, a time range, pages below a sequence number', withStore(async (s) => {
      const base = 1_800_000_000_000;
      await s.appendAuditEvents([
        ev({ timeMs: base, eventName: 'CreateFunction20150331', eventSource: 'lambda.amazonaws.com', resourceType: 'AWS::Lambda::Function', resourceName: 'f', accessKeyId: 'AK1' }),
        ev({ timeMs: base + 1000, eventName: 'GetFunction20150331', eventSource: 'lambda.amazonaws.com', readOnly: true, resourceType: 'AWS::Lambda::Function', resourceName: 'f' }),
        ev({ timeMs: base + 2000, eventName: 'CreateQueue', resourceType: 'AWS::SQS::Queue', resourceName: 'q', userName: 'alice' }),
      ], seal);
      const names = async (q: Parameters<Store['lookupAuditEvents']>[0]) => (await s.lookupAuditEvents(q)).map((r) => r.eventName);
      assert.deepEqual(await names({ limit: 10 }), ['CreateQueue', 'GetFunction20150331', 'CreateFunction20150331']);
      assert.deepEqual(await names({ limit: 10, attribute: { key: 'ResourceName', value: 'f' } }), ['GetFunction20150331', 'CreateFunction20150331']);
      assert.deepEqual(await names({ limit: 10, attribute: { key: 'ReadOnly', value: true } }), ['GetFunction20150331']);
      assert.deepEqual(await names({ limit: 10, attribute: { key: 'AccessKeyId', value: 'AK1' } }), ['CreateFunction20150331']);
      assert.deepEqual(await names({ limit: 10, attribute: { key: 'EventSource', value: 'sqs.amazonaws.com' } }), ['CreateQueue']);
      // Username: an IAM user's events, and the root's.
      assert.deepEqual(await names({ limit: 10, attribute: { key: 'Username', value: 'alice' } }), ['CreateQueue']);
      assert.deepEqual(await names({ limit: 10, attribute: { key: 'Username', value: 'root' } }), ['GetFunction20150331', 'CreateFunction20150331']);
      assert.deepEqual(await names({ limit: 10, startMs: base + 500, endMs: base + 1500 }), ['GetFunction20150331']);
      const page1 = await s.lookupAuditEvents({ limit: 2 });
      assert.deepEqual(await names({ limit: 10, beforeSeq: page1[1]!.seq }), ['CreateFunction20150331']);
      const got = page1[0]!;
      assert.equal(got.resourceType, 'AWS::SQS::Queue');
      assert.equal(got.readOnly, false);
      assert.equal(got.accessKeyId, undefined);
      assert.equal(got.userName, 'alice');
    }));

    test('the sweep removes only the oldest rows before a time, at most a limit, and keeps the rest of the chain', withStore(async (s) => {
      await s.appendAuditEvents([ev({ timeMs: 10 }), ev({ timeMs: 20 }), ev({ timeMs: 30 }), ev({ timeMs: 40 })], seal);
      assert.equal(await s.sweepAuditEvents(35, 2), 2);
      assert.deepEqual((await s.readAuditChain(0, 10)).map((r) => r.timeMs), [30, 40]);
      assert.equal(await s.sweepAuditEvents(35, 10), 1);
      assert.equal(await s.sweepAuditEvents(35, 10), 0);
      assert.equal((await s.auditHead())?.lastSeq, 4, 'the head keeps naming the last row');
    }));
  });
}
