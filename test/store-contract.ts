import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Store } from '../src/store/types';
import { StoreConflict } from '../src/store/types';
import { alias, asyncEvent, crashRecords, fn, layer, version, withoutTimes } from './store-contract-records';
import { invokeConfigContract } from './store-contract-invoke-configs';
import { functionUrlContract } from './store-contract-function-urls';
import { functionPolicyContract } from './store-contract-function-policies';
import { httpApiContract } from './store-contract-http-apis';
import { queueStoreContract } from './store-contract-queues';
import { streamStoreContract } from './store-contract-streams';
import { auditStoreContract } from './store-contract-audit';
import { metricStoreContract } from './store-contract-metrics';
import { subscriptionFilterContract } from './store-contract-subscriptions';
import { parameterStoreContract } from './store-contract-parameters';
import { identityStoreContract } from './store-contract-identity';
import { scheduleStoreContract } from './store-contract-schedules';
import { reservedConcurrencyContract } from './store-contract-reserved-concurrency';
import { provisionedConcurrencyContract } from './store-contract-provisioned-concurrency';

/**
 * The contract every `Store` implementation keeps: one suite, run by each
 * implementation's `*.contract.test.ts` (SQLite: src/store/sqlite/). It tests
 * what callers rely on — ordering, pagination, not-found answers,
 * StoreConflict, compare-and-swap, durability across a reopen — never how an
 * implementation does it (no SQL, no file names).
 *
 * Concurrency cases start both calls before awaiting either (Promise.all), so
 * an implementation that really is asynchronous (a connection pool) gets two
 * writers in flight at once: exactly one compare-and-swap may win.
 *
 * The crash case needs `child`: the suite runs test/store-crash-child.ts in a
 * process of its own, with `storeOpeners[child.opener](child.arg)` opening the
 * same store, and SIGKILLs it while it writes. For SQLite that kills the
 * writer inside its transaction; for PostgreSQL it kills the client, and the
 * server must roll its open transaction back. Either way the reopened store
 * holds each multi-step change whole or not at all.
 */
export interface OpenedStore {
  store: Store;
  /** Closes the current store and opens the same data again (what a restart sees). */
  reopen(): Promise<Store>;
  /** Closes whatever is open and removes the data. */
  destroy(): Promise<void>;
  /** How test/store-crash-child.ts opens the same data (test/store-openers.ts): every implementation must give one, the crash case needs it. */
  child: { opener: string; arg: string };
}

const childScript = path.join(__dirname, 'store-crash-child.js');

/*
 * The queue takes durations on the store's own clock, so expiry is tested
 * with short real ones: a lease that lapses while the test watches. Long
 * enough that two store calls fit in it on a loaded machine (the cases say
 * so when they did not), short enough to keep the suite fast.
 */
/** A lease the test waits out. */
const shortLeaseMs = 600;
/** A lease that outlives the test. */
const longLeaseMs = 3_600_000;
/** Between two due moments whose order is checked (far more than one enqueue takes). */
const dueGapMs = 60;
/** Rounding of two clocks' milliseconds (the store's, this process's). */
const clockSlackMs = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  /** Runs `body` on a fresh store and always destroys it. */
  const withStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => async () => {
    const o = await open();
    try {
      await body(o.store, o);
    } finally {
      await o.destroy();
    }
  };

  describe(`store contract: ${name}`, () => {
    describe('functions', () => {
      test('createFunction stores $LATEST with its tags; a second create of the name is StoreConflict', withStore(async (s) => {
        await s.createFunction(fn('f', { tags: { team: 'a' } }));
        const got = await s.getFunction('f');
        assert.equal(got?.name, 'f');
        assert.equal(got?.createdAt, '2026-01-01T00:00:00.000Z');
        assert.deepEqual(got?.latest, version('f', '$LATEST'));
        assert.deepEqual(await s.getTags('f'), { team: 'a' });
        await assert.rejects(s.createFunction(fn('f')), StoreConflict);
        assert.deepEqual(await s.getTags('f'), { team: 'a' }, 'the refused create changed nothing');
      }));

      test('getFunction of an unknown name is undefined; a function created without tags has {}', withStore(async (s) => {
        assert.equal(await s.getFunction('nope'), undefined);
        await s.createFunction(fn('g'));
        assert.deepEqual(await s.getTags('g'), {});
      }));

      test('listFunctions pages by name, after the given name', withStore(async (s) => {
        for (const n of ['c', 'a', 'e', 'b', 'd']) await s.createFunction(fn(n));
        assert.deepEqual((await s.listFunctions(undefined, 2)).map((f) => f.name), ['a', 'b']);
        assert.deepEqual((await s.listFunctions('b', 2)).map((f) => f.name), ['c', 'd']);
        assert.deepEqual((await s.listFunctions('d', 10)).map((f) => f.name), ['e']);
        assert.deepEqual(await s.listFunctions('e', 10), []);
      }));

      test('updateLatest is a compare-and-swap on the revision id', withStore(async (s) => {
        await s.createFunction(fn('f'));
        const next = version('f', '$LATEST', { revisionId: 'r1', codeSize: 7 });
        assert.equal(await s.updateLatest(next, 'stale'), false);
        assert.equal((await s.getFunction('f'))?.latest.revisionId, 'rev-f-$LATEST-0');
        assert.equal(await s.updateLatest(next, 'rev-f-$LATEST-0'), true);
        assert.deepEqual((await s.getFunction('f'))?.latest, next);
        assert.equal(await s.updateLatest(version('nope', '$LATEST'), 'x'), false, 'no function: no swap');
      }));

      test('deleteFunction removes the function, its versions and aliases; false when unknown', withStore(async (s) => {
        await s.createFunction(fn('f', { tags: { a: '1' } }));
        await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
        await s.createAlias(alias('f', 'live', '1'));
        assert.equal(await s.deleteFunction('f'), true);
        assert.equal(await s.getFunction('f'), undefined);
        assert.equal(await s.getVersion('f', '1'), undefined);
        assert.equal(await s.getAlias('f', 'live'), undefined);
        assert.equal(await s.getTags('f'), undefined);
        assert.equal(await s.deleteFunction('f'), false);
        await s.createFunction(fn('f'));
        assert.deepEqual(await s.listVersions('f', 0, 10), [], 'a new function of the same name starts empty');
        assert.deepEqual(await s.getTags('f'), {});
      }));

      test('countFunctions counts functions and sums the code of every version', withStore(async (s) => {
        assert.deepEqual(await s.countFunctions(), { count: 0, totalCodeSize: 0 });
        await s.createFunction(fn('a'));
        await s.createFunction(fn('b'));
        await s.publishVersion('a', 'rev-a-$LATEST-0', (v) => version('a', v, { codeSize: 50 }));
        assert.deepEqual(await s.countFunctions(), { count: 2, totalCodeSize: 250 });
      }));
    });

    describe('versions', () => {
      test('publishVersion numbers from 1, never reuses a deleted number, and refuses a stale $LATEST', withStore(async (s) => {
        await s.createFunction(fn('f'));
        const seen: string[] = [];
        const v1 = await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => (seen.push(v), version('f', v, { revisionId: `r${v}` })));
        assert.equal(v1?.version, '1');
        assert.deepEqual(await s.getVersion('f', '1'), v1);
        assert.equal((await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v)))?.version, '2');
        assert.deepEqual(await s.deleteVersion('f', '2'), { deleted: true, aliases: [] });
        assert.equal((await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v)))?.version, '3');
        assert.equal(await s.publishVersion('f', 'stale', (v) => version('f', v)), undefined);
        assert.equal(await s.publishVersion('nope', 'x', (v) => version('nope', v)), undefined);
        assert.deepEqual((await s.listVersions('f', 0, 10)).map((v) => v.version), ['1', '3']);
        assert.deepEqual(seen, ['1']);
      }));

      test('listVersions is in numeric order (10 after 9), excludes $LATEST, pages after a number', withStore(async (s) => {
        await s.createFunction(fn('f'));
        for (let i = 0; i < 11; i++) await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
        const all = (await s.listVersions('f', 0, 100)).map((v) => v.version);
        assert.deepEqual(all, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
        assert.deepEqual((await s.listVersions('f', 8, 2)).map((v) => v.version), ['9', '10']);
        assert.deepEqual(await s.listVersions('nope', 0, 10), []);
        assert.equal(await s.getVersion('f', '12'), undefined);
        assert.equal((await s.getVersion('f', '$LATEST'))?.version, '$LATEST');
      }));

      test('publishVersionIfChanged returns the newest version when `same` says so, else publishes the next number', withStore(async (s) => {
        await s.createFunction(fn('f'));
        const never = () => false;
        assert.equal(await s.publishVersionIfChanged('f', 'stale', never, (v) => version('f', v)), undefined);
        const asked: string[] = [];
        const first = await s.publishVersionIfChanged('f', 'rev-f-$LATEST-0', (n) => (asked.push(n.version), true), (v) => version('f', v, { codeSize: 1 }));
        assert.deepEqual([first?.created, first?.rec.version, asked], [true, '1', []], 'no version yet: nothing to compare');
        const again = await s.publishVersionIfChanged('f', 'rev-f-$LATEST-0', (n) => (asked.push(n.version), n.codeSize === 1), (v) => version('f', v));
        assert.deepEqual([again?.created, again?.rec], [false, first?.rec]);
        await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v, { codeSize: 2 }));
        await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v, { codeSize: 3 }));
        await s.deleteVersion('f', '3');
        const third = await s.publishVersionIfChanged('f', 'rev-f-$LATEST-0', (n) => (asked.push(n.version), false), (v) => version('f', v));
        assert.deepEqual([third?.created, third?.rec.version], [true, '4']);
        assert.deepEqual(asked, ['1', '2'], 'compared with the newest existing version');
        assert.equal(await s.publishVersionIfChanged('nope', 'x', never, (v) => version('nope', v)), undefined);
      }));

      test('deleteVersion refuses a version an alias routes to (also by weight) and names the aliases', withStore(async (s) => {
        await s.createFunction(fn('f'));
        for (let i = 0; i < 3; i++) await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
        await s.createAlias(alias('f', 'b', '1'));
        await s.createAlias(alias('f', 'a', '2', { additionalVersionWeights: { '1': 0.5 } }));
        assert.deepEqual(await s.deleteVersion('f', '1'), { deleted: false, aliases: ['a', 'b'] });
        assert.ok(await s.getVersion('f', '1'));
        assert.deepEqual(await s.deleteVersion('f', '3'), { deleted: true, aliases: [] });
        assert.deepEqual(await s.deleteVersion('f', '3'), { deleted: false, aliases: [] });
        assert.deepEqual(await s.deleteVersion('f', '$LATEST'), { deleted: false, aliases: [] });
        assert.ok(await s.getFunction('f'), '$LATEST is never deleted by deleteVersion');
      }));
    });

    describe('aliases', () => {
      test('createAlias, getAlias, StoreConflict on a duplicate, listAliases by name after a cursor', withStore(async (s) => {
        await s.createFunction(fn('f'));
        for (const n of ['c', 'a', 'b']) await s.createAlias(alias('f', n, '$LATEST'));
        await assert.rejects(s.createAlias(alias('f', 'a', '$LATEST', { description: 'second' })), StoreConflict);
        assert.deepEqual(await s.getAlias('f', 'a'), alias('f', 'a', '$LATEST'));
        assert.equal(await s.getAlias('f', 'nope'), undefined);
        assert.deepEqual((await s.listAliases('f', undefined, 2)).map((a) => a.name), ['a', 'b']);
        assert.deepEqual((await s.listAliases('f', 'b', 2)).map((a) => a.name), ['c']);
        assert.deepEqual(await s.listAliases('g', undefined, 2), []);
      }));

      test('updateAlias is a compare-and-swap; deleteAlias answers whether it deleted', withStore(async (s) => {
        await s.createFunction(fn('f'));
        await s.createAlias(alias('f', 'live', '$LATEST'));
        const next = alias('f', 'live', '$LATEST', { description: 'd', revisionId: 'r1' });
        assert.equal(await s.updateAlias(next, 'stale'), false);
        assert.equal(await s.updateAlias(next, 'rev-live-0'), true);
        assert.deepEqual(await s.getAlias('f', 'live'), next);
        assert.equal(await s.updateAlias(alias('f', 'nope', '$LATEST'), 'x'), false);
        assert.equal(await s.deleteAlias('f', 'live'), true);
        assert.equal(await s.deleteAlias('f', 'live'), false);
      }));
    });

    describe('aliases, checked', () => {
      test('createAliasChecked and updateAliasChecked refuse a missing function or routed version, writing nothing', withStore(async (s) => {
        assert.deepEqual(await s.createAliasChecked(alias('f', 'a', '$LATEST')), { kind: 'no-function' });
        await s.createFunction(fn('f'));
        await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
        assert.deepEqual(await s.createAliasChecked(alias('f', 'a', '2')), { kind: 'no-version', version: '2' });
        assert.deepEqual(await s.createAliasChecked(alias('f', 'a', '1', { additionalVersionWeights: { '3': 0.5 } })), { kind: 'no-version', version: '3' });
        assert.equal(await s.getAlias('f', 'a'), undefined);
        assert.deepEqual(await s.createAliasChecked(alias('f', 'a', '1')), { kind: 'ok' });
        assert.deepEqual(await s.createAliasChecked(alias('f', 'a', '$LATEST')), { kind: 'exists' });
        assert.deepEqual(await s.getAlias('f', 'a'), alias('f', 'a', '1'));
        const next = alias('f', 'a', '$LATEST', { revisionId: 'r1' });
        assert.deepEqual(await s.updateAliasChecked(alias('f', 'a', '7', { revisionId: 'r1' }), 'rev-a-0'), { kind: 'no-version', version: '7' });
        assert.deepEqual(await s.updateAliasChecked(next, 'stale'), { kind: 'stale' });
        assert.deepEqual(await s.updateAliasChecked(next, 'rev-a-0'), { kind: 'ok' });
        assert.deepEqual(await s.getAlias('f', 'a'), next);
        assert.deepEqual(await s.updateAliasChecked(alias('f', 'b', '$LATEST'), 'rev-b-0'), { kind: 'stale' }, 'no such alias');
      }));
    });

    describe('tags', () => {
      test('setTags replaces the map; getTags and setTags answer for an unknown function', withStore(async (s) => {
        await s.createFunction(fn('f', { tags: { a: '1', b: '2' } }));
        assert.equal(await s.setTags('f', { c: '3' }), true);
        assert.deepEqual(await s.getTags('f'), { c: '3' });
        assert.equal(await s.setTags('nope', { c: '3' }), false);
        assert.equal(await s.getTags('nope'), undefined);
      }));

      test('changeTags merges and removes, refuses past the limit writing nothing, and knows unknown functions', withStore(async (s) => {
        await s.createFunction(fn('f', { tags: { a: '1', b: '2' } }));
        assert.deepEqual(await s.changeTags('f', { set: { b: '20', c: '3' } }, 3), { kind: 'ok', tags: { a: '1', b: '20', c: '3' } });
        assert.deepEqual(await s.changeTags('f', { set: { d: '4' } }, 3), { kind: 'too-many', count: 4 });
        assert.deepEqual(await s.getTags('f'), { a: '1', b: '20', c: '3' });
        assert.deepEqual(await s.changeTags('f', { remove: ['a', 'zz'] }, 3), { kind: 'ok', tags: { b: '20', c: '3' } });
        assert.deepEqual(await s.changeTags('nope', { set: { a: '1' } }, 3), { kind: 'no-function' });
      }));
    });

    describe('layers', () => {
      test('publishLayerVersion numbers per layer and never reuses a deleted number', withStore(async (s) => {
        const l1 = await s.publishLayerVersion('L', (v) => layer('L', v));
        assert.equal(l1.version, 1);
        assert.equal((await s.publishLayerVersion('L', (v) => layer('L', v))).version, 2);
        assert.equal((await s.publishLayerVersion('M', (v) => layer('M', v))).version, 1);
        assert.equal(await s.deleteLayerVersion('L', 2), true);
        assert.equal(await s.deleteLayerVersion('L', 2), false);
        assert.equal((await s.publishLayerVersion('L', (v) => layer('L', v))).version, 3);
        assert.deepEqual(await s.getLayerVersion('L', 1), l1);
        assert.equal(await s.getLayerVersion('L', 2), undefined);
      }));

      test('listLayerVersions is newest first below a version; listLayers gives each layer\'s newest by name', withStore(async (s) => {
        for (let i = 0; i < 3; i++) await s.publishLayerVersion('B', (v) => layer('B', v));
        await s.publishLayerVersion('A', (v) => layer('A', v));
        await s.publishLayerVersion('C', (v) => layer('C', v));
        assert.deepEqual((await s.listLayerVersions('B', Infinity, 10)).map((l) => l.version), [3, 2, 1]);
        assert.deepEqual((await s.listLayerVersions('B', 3, 1)).map((l) => l.version), [2]);
        assert.deepEqual(await s.listLayerVersions('Z', Infinity, 10), []);
        assert.deepEqual((await s.listLayers(undefined, 2)).map((l) => [l.layerName, l.version]), [['A', 1], ['B', 3]]);
        assert.deepEqual((await s.listLayers('B', 10)).map((l) => [l.layerName, l.version]), [['C', 1]]);
      }));

      test('updateLayerVersionPolicy is a compare-and-swap on the policy revision', withStore(async (s) => {
        await s.publishLayerVersion('L', (v) => layer('L', v));
        const next = layer('L', 1, { statements: [{ Sid: 's1' }], policyRevisionId: 'p1' });
        assert.equal(await s.updateLayerVersionPolicy(next, 'stale'), false);
        assert.equal(await s.updateLayerVersionPolicy(next, 'prev-L-1-0'), true);
        assert.deepEqual(await s.getLayerVersion('L', 1), next);
        assert.equal(await s.updateLayerVersionPolicy(layer('L', 9), 'prev-L-9-0'), false);
      }));

      test('referencedCodeKeys holds the code of every version, of the layers they use, and of every layer version', withStore(async (s) => {
        const ref = { arn: 'arn:aws:lambda:eu-west-1:123456789012:layer:gone:1', codeKey: 'used-layer', codeSize: 1, unzippedBytes: 1 };
        const latest = version('f', '$LATEST');
        await s.createFunction(fn('f', { latest: { ...latest, config: { ...latest.config, layers: [ref] } } }));
        await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v, { codeKey: 'published' }));
        await s.publishLayerVersion('L', (v) => layer('L', v));
        const keys = await s.referencedCodeKeys();
        for (const k of ['code-f', 'used-layer', 'published', 'layer-L-1']) assert.ok(keys.has(k), k);
        await s.deleteFunction('f');
        assert.equal((await s.referencedCodeKeys()).has('code-f'), false);
      }));
    });

    describe('async queue', () => {
      test('leaseDueAsync leases due events in due order, once, for `leaseMs`; an expired lease is leased again', withStore(async (s) => {
        const before = Date.now();
        await s.enqueueAsync(asyncEvent('late'), dueGapMs);
        await s.enqueueAsync(asyncEvent('early', { clientContext: 'ctx', attempts: 1, traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' }));
        await s.enqueueAsync(asyncEvent('future'), 60_000);
        await sleep(dueGapMs + 20);
        const leasedAt = Date.now();
        const first = await s.leaseDueAsync(shortLeaseMs, 10, 'A');
        assert.deepEqual(first.map((e) => e.id), ['early', 'late'], 'due order, not enqueue order; not what is due later');
        assert.deepEqual(withoutTimes(first[0]), asyncEvent('early', { clientContext: 'ctx', attempts: 1, traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' }));
        assert.equal(first[1]!.clientContext, undefined);
        assert.equal(first[1]!.traceHeader, undefined);
        const enqueued = first[0]!.enqueuedAtMs;
        assert.ok(enqueued >= before - clockSlackMs && enqueued <= Date.now(), `enqueuedAtMs ${enqueued} is the enqueue moment on this process's clock (${before}…)`);
        assert.deepEqual(await s.leaseDueAsync(shortLeaseMs, 10, 'B'), [], 'leased events are not leased again');
        const due = await s.nextAsyncDueInMs();
        assert.ok(Date.now() - leasedAt < shortLeaseMs, 'the checks above ran within the lease (a loaded machine: rerun)');
        assert.ok(due !== undefined && due > 0 && due <= shortLeaseMs, `the next due moment is the end of the leases (in ${due} ms)`);
        await sleep(due + 20);
        const again = await s.leaseDueAsync(shortLeaseMs, 10, 'B');
        assert.deepEqual(again.map((e) => e.id), ['early', 'late'], 'an expired lease is leased again');
        assert.deepEqual((await s.leaseDueAsync(shortLeaseMs, 1, 'B')).length, 0);
      }));

      test('leaseDueAsync takes at most `limit`, the earliest due first', withStore(async (s) => {
        for (let i = 0; i < 5; i++) await s.enqueueAsync(asyncEvent(`e${i}`), (4 - i) * dueGapMs);
        await sleep(4 * dueGapMs + 20);
        assert.deepEqual((await s.leaseDueAsync(longLeaseMs, 2, 'A')).map((e) => e.id), ['e4', 'e3']);
      }));

      test('rescheduleAsync releases the lease, due after its delay with the new attempts; deleteAsync removes', withStore(async (s) => {
        await s.enqueueAsync(asyncEvent('e'));
        await s.leaseDueAsync(longLeaseMs, 10, 'A');
        await s.rescheduleAsync('e', 1, 0);
        const [now] = await s.leaseDueAsync(longLeaseMs, 10, 'B');
        assert.deepEqual([now?.id, now?.attempts], ['e', 1], 'the lease is released: due at once after a delay of 0');
        const rescheduledAt = Date.now();
        await s.rescheduleAsync('e', 2, shortLeaseMs);
        assert.deepEqual(await s.leaseDueAsync(longLeaseMs, 10, 'A'), [], 'not due before its delay');
        const wait = await s.nextAsyncDueInMs();
        assert.ok(Date.now() - rescheduledAt < shortLeaseMs, 'the checks above ran within the delay (a loaded machine: rerun)');
        assert.ok(wait !== undefined && wait > 0 && wait <= shortLeaseMs, `due in ${wait} ms`);
        await sleep(wait + 20);
        const [e] = await s.leaseDueAsync(longLeaseMs, 10, 'A');
        assert.deepEqual([e?.id, e?.attempts], ['e', 2]);
        await s.deleteAsync('e');
        assert.equal(await s.nextAsyncDueInMs(), undefined);
        assert.deepEqual(await s.leaseDueAsync(longLeaseMs, 10, 'A'), []);
        await s.deleteAsync('e'); // deleting twice is harmless
      }));

      test('nextAsyncDueInMs is the delay until the earliest due moment, 0 once one is due, undefined when empty', withStore(async (s) => {
        assert.equal(await s.nextAsyncDueInMs(), undefined);
        await s.enqueueAsync(asyncEvent('a'), 60_000);
        await s.enqueueAsync(asyncEvent('b'), 30_000);
        const t = await s.nextAsyncDueInMs();
        assert.ok(t !== undefined && t > 25_000 && t <= 30_000, `b is due in ${t} ms`);
        await s.enqueueAsync(asyncEvent('c'));
        await sleep(20);
        assert.equal(await s.nextAsyncDueInMs(), 0, 'an event already due: 0, never negative');
      }));

      test('recoverAsyncLeases releases a dead owner\'s leases at once, attempts unchanged, and keeps its own', withStore(async (s) => {
        await s.enqueueAsync(asyncEvent('dead', { attempts: 2 }));
        await s.leaseDueAsync(longLeaseMs, 10, 'dead-owner');
        await s.enqueueAsync(asyncEvent('mine'));
        await s.leaseDueAsync(longLeaseMs, 10, 'new-owner');
        assert.equal(await s.recoverAsyncLeases('new-owner'), 1);
        const [e, ...rest] = await s.leaseDueAsync(longLeaseMs, 10, 'new-owner');
        assert.deepEqual([e?.id, e?.attempts, rest.length], ['dead', 2, 0]);
        assert.equal(await s.recoverAsyncLeases('new-owner'), 0);
      }));
    });

    describe('logs', () => {
      test('appendLogs creates the group and stream; readLogs tails the newest, pages forward, filters', withStore(async (s) => {
        await s.appendLogs([{ group: '/g', stream: 's1', events: [{ timestampMs: 10, message: 'one' }, { timestampMs: 11, message: 'two' }] }]);
        await s.appendLogs([{ group: '/g', stream: 's2', events: [{ timestampMs: 12, message: 'three' }] }], { durable: true });
        assert.ok(await s.getLogGroup('/g'));
        assert.equal((await s.getLogStream('/g', 's1'))?.sequence, 1);
        const all = await s.readLogs('/g', { limit: 10 });
        assert.deepEqual(all.map((e) => [e.stream, e.timestampMs, e.message]), [['s1', 10, 'one'], ['s1', 11, 'two'], ['s2', 12, 'three']]);
        assert.deepEqual((await s.readLogs('/g', { limit: 2 })).map((e) => e.message), ['two', 'three'], 'a tail: the newest, oldest first');
        assert.deepEqual((await s.readLogs('/g', { afterId: all[0]!.id, limit: 1 })).map((e) => e.message), ['two'], 'forward from an id');
        assert.deepEqual((await s.readLogs('/g', { sinceMs: 11, limit: 10 })).map((e) => e.message), ['two', 'three']);
        assert.deepEqual((await s.readLogs('/g', { stream: 's2', limit: 10 })).map((e) => e.message), ['three']);
        assert.deepEqual((await s.readLogs('/g', { filter: 'o', limit: 10 })).map((e) => e.message), ['one', 'two']);
        assert.deepEqual(await s.readLogs('/none', { limit: 10 }), []);
      }));

      test('log groups: create once, get with stored bytes, list by prefix or contains, retention, delete', withStore(async (s) => {
        assert.equal(await s.createLogGroup({ name: '/b/x', createdMs: 5, kmsKeyId: null }), true);
        assert.equal(await s.createLogGroup({ name: '/b/x', createdMs: 6, kmsKeyId: null }), false);
        await s.createLogGroup({ name: '/a/Y', createdMs: 7, kmsKeyId: 'k' });
        await s.createLogGroup({ name: '/c/y', createdMs: 8, kmsKeyId: null });
        await s.appendLogs([{ group: '/b/x', stream: 's', events: [{ timestampMs: 1, message: 'héllo' }] }]);
        assert.deepEqual(await s.getLogGroup('/b/x'), { name: '/b/x', createdMs: 5, retentionDays: null, kmsKeyId: null, storedBytes: 6 });
        assert.equal(await s.getLogGroup('/none'), undefined);
        assert.deepEqual((await s.listLogGroups({ limit: 2 })).map((g) => g.name), ['/a/Y', '/b/x']);
        assert.deepEqual((await s.listLogGroups({ afterName: '/b/x', limit: 2 })).map((g) => g.name), ['/c/y']);
        assert.deepEqual((await s.listLogGroups({ prefix: '/a', limit: 10 })).map((g) => g.name), ['/a/Y']);
        assert.deepEqual((await s.listLogGroups({ prefix: '/A', limit: 10 })).map((g) => g.name), [], 'prefix is case-sensitive');
        assert.deepEqual((await s.listLogGroups({ contains: 'y', limit: 10 })).map((g) => g.name), ['/a/Y', '/c/y'], 'contains is not');
        assert.equal(await s.setLogRetention('/b/x', 7), true);
        assert.equal(await s.setLogRetention('/none', 7), false);
        assert.deepEqual(await s.logGroupsWithRetention(), [{ name: '/b/x', retentionDays: 7 }]);
        assert.equal(await s.setLogRetention('/b/x', null), true);
        assert.deepEqual(await s.logGroupsWithRetention(), []);
        assert.equal(await s.deleteLogGroup('/b/x'), true);
        assert.equal(await s.deleteLogGroup('/b/x'), false);
        assert.equal(await s.getLogStream('/b/x', 's'), undefined);
        assert.deepEqual(await s.readLogs('/b/x', { limit: 10 }), []);
      }));

      test('log streams: create in an existing group only, list by name or last event time, delete with events', withStore(async (s) => {
        assert.equal(await s.createLogStream('/g', 's', 1), 'no-group');
        await s.createLogGroup({ name: '/g', createdMs: 1, kmsKeyId: null });
        assert.equal(await s.createLogStream('/g', 'b', 2), 'created');
        assert.equal(await s.createLogStream('/g', 'b', 3), 'exists');
        await s.createLogStream('/g', 'a', 4);
        await s.createLogStream('/g', 'c', 5);
        assert.deepEqual(await s.getLogStream('/g', 'b'), {
          group: '/g', name: 'b', createdMs: 2, firstEventMs: null, lastEventMs: null, lastIngestionMs: null, storedBytes: 0, sequence: 0,
        });
        assert.equal(await s.putLogEvents('/g', 'a', [{ timestampMs: 50, message: 'x' }], 60), 1);
        assert.equal(await s.putLogEvents('/g', 'c', [{ timestampMs: 40, message: 'y' }, { timestampMs: 45, message: 'zz' }], 61), 1);
        assert.equal(await s.putLogEvents('/g', 'c', [{ timestampMs: 46, message: 'w' }], 62), 2);
        assert.equal(await s.putLogEvents('/g', 'gone', [{ timestampMs: 46, message: 'w' }], 62), undefined);
        const c = await s.getLogStream('/g', 'c');
        assert.deepEqual([c?.firstEventMs, c?.lastEventMs, c?.lastIngestionMs, c?.storedBytes, c?.sequence], [40, 46, 62, 4, 2]);
        const names = async (q: Parameters<Store['listLogStreams']>[1]) => (await s.listLogStreams('/g', q)).map((x) => x.name);
        assert.deepEqual(await names({ orderBy: 'LogStreamName', descending: false, limit: 2 }), ['a', 'b']);
        assert.deepEqual(await names({ orderBy: 'LogStreamName', descending: false, after: { key: 'b', name: 'b' }, limit: 2 }), ['c']);
        assert.deepEqual(await names({ orderBy: 'LogStreamName', descending: true, limit: 10 }), ['c', 'b', 'a']);
        assert.deepEqual(await names({ orderBy: 'LastEventTime', descending: false, limit: 10 }), ['b', 'c', 'a'], 'no event sorts first');
        assert.deepEqual(await names({ orderBy: 'LastEventTime', descending: true, after: { key: 50, name: 'a' }, limit: 10 }), ['c', 'b']);
        assert.deepEqual(await names({ prefix: 'c', orderBy: 'LogStreamName', descending: false, limit: 10 }), ['c']);
        assert.equal(await s.deleteLogStream('/g', 'c'), true);
        assert.equal(await s.deleteLogStream('/g', 'c'), false);
        assert.deepEqual(await s.readStreamEvents('/g', 'c', { fromEnd: false, limit: 10 }), []);
        assert.equal((await s.getLogGroup('/g'))?.storedBytes, 1, 'a deleted stream\'s bytes leave the group');
      }));

      test('readStreamEvents and scanGroupEvents order by (timestamp, id) and page with cursors', withStore(async (s) => {
        await s.createLogGroup({ name: '/g', createdMs: 1, kmsKeyId: null });
        await s.createLogStream('/g', 's', 1);
        await s.createLogStream('/g', 't', 1);
        await s.putLogEvents('/g', 's', [{ timestampMs: 20, message: 's20' }, { timestampMs: 30, message: 's30' }], 100);
        await s.putLogEvents('/g', 't', [{ timestampMs: 10, message: 't10' }, { timestampMs: 20, message: 't20' }], 101);
        await s.putLogEvents('/g', 's', [{ timestampMs: 20, message: 's20b' }], 102);
        const msgs = (rows: { message: string }[]) => rows.map((r) => r.message);
        const head = await s.readStreamEvents('/g', 's', { fromEnd: false, limit: 2 });
        assert.deepEqual(msgs(head), ['s20', 's20b'], 'equal timestamps keep write order');
        assert.equal(head[0]!.ingestionMs, 100);
        assert.equal(head[0]!.stream, 's');
        assert.deepEqual(msgs(await s.readStreamEvents('/g', 's', { fromEnd: true, limit: 2 })), ['s20b', 's30'], 'the last two, ascending');
        const cur = { timestampMs: head[1]!.timestampMs, id: head[1]!.id };
        assert.deepEqual(msgs(await s.readStreamEvents('/g', 's', { after: cur, fromEnd: false, limit: 10 })), ['s30']);
        assert.deepEqual(msgs(await s.readStreamEvents('/g', 's', { before: cur, fromEnd: true, limit: 10 })), ['s20']);
        assert.deepEqual(msgs(await s.readStreamEvents('/g', 's', { startMs: 21, endMs: 31, fromEnd: false, limit: 10 })), ['s30']);
        assert.deepEqual(msgs(await s.readStreamEvents('/g', 's', { startMs: 20, endMs: 30, fromEnd: false, limit: 10 })), ['s20', 's20b'], 'endMs is exclusive');
        const scan = await s.scanGroupEvents('/g', { limit: 10 });
        assert.deepEqual(msgs(scan), ['t10', 's20', 't20', 's20b', 's30']);
        const after = { timestampMs: scan[1]!.timestampMs, id: scan[1]!.id };
        assert.deepEqual(msgs(await s.scanGroupEvents('/g', { after, limit: 2 })), ['t20', 's20b']);
        assert.deepEqual(msgs(await s.scanGroupEvents('/g', { streams: ['t'], limit: 10 })), ['t10', 't20']);
        assert.deepEqual(msgs(await s.scanGroupEvents('/g', { streamPrefix: 's', startMs: 25, limit: 10 })), ['s30']);
        assert.deepEqual(await s.scanGroupEvents('/none', { limit: 10 }), []);
      }));

      test('expireLogEvents deletes at most `limit` of the oldest and keeps stream statistics true', withStore(async (s) => {
        await s.createLogGroup({ name: '/g', createdMs: 1, kmsKeyId: null });
        await s.createLogStream('/g', 's', 1);
        await s.putLogEvents('/g', 's', [1, 2, 3, 10].map((t) => ({ timestampMs: t, message: `m${t}` })), 100);
        assert.equal(await s.expireLogEvents('/g', 5, 2), 2);
        let st = await s.getLogStream('/g', 's');
        assert.deepEqual([st?.firstEventMs, st?.storedBytes], [3, 5]);
        assert.equal(await s.expireLogEvents('/g', 5, 10), 1);
        assert.equal(await s.expireLogEvents('/g', 5, 10), 0);
        assert.equal(await s.expireLogEvents('/g', 11, 10), 1);
        st = await s.getLogStream('/g', 's');
        assert.deepEqual([st?.firstEventMs, st?.storedBytes, st?.sequence], [null, 0, 1], 'the stream stays, empty');
      }));
    });

    invokeConfigContract(withStore);
    functionUrlContract(withStore);
    functionPolicyContract(withStore);
    httpApiContract(withStore);
    reservedConcurrencyContract(withStore);
    provisionedConcurrencyContract(withStore);

    describe('concurrent compare-and-swap: two writers, one winner', () => {
      test('createFunction of one name: one succeeds, the other is StoreConflict', withStore(async (s) => {
        const r = await Promise.allSettled([s.createFunction(fn('f', { tags: { w: '1' } })), s.createFunction(fn('f', { tags: { w: '2' } }))]);
        assert.deepEqual(r.map((x) => x.status).sort(), ['fulfilled', 'rejected']);
        const lost = r.find((x) => x.status === 'rejected') as PromiseRejectedResult;
        assert.ok(lost.reason instanceof StoreConflict, String(lost.reason));
        const won = r.findIndex((x) => x.status === 'fulfilled');
        assert.deepEqual(await s.getTags('f'), { w: String(won + 1) }, 'the winner\'s tags, whole');
      }));

      test('updateLatest with the same expected revision: exactly one wins and its record is stored', withStore(async (s) => {
        await s.createFunction(fn('f'));
        const a = version('f', '$LATEST', { revisionId: 'A', codeSize: 1 });
        const b = version('f', '$LATEST', { revisionId: 'B', codeSize: 2 });
        const won = await Promise.all([s.updateLatest(a, 'rev-f-$LATEST-0'), s.updateLatest(b, 'rev-f-$LATEST-0')]);
        assert.equal(won.filter(Boolean).length, 1, JSON.stringify(won));
        assert.equal((await s.getFunction('f'))?.latest.revisionId, won[0] ? 'A' : 'B');
      }));

      test('updateAlias with the same expected revision: exactly one wins', withStore(async (s) => {
        await s.createFunction(fn('f'));
        await s.createAlias(alias('f', 'live', '$LATEST'));
        const won = await Promise.all(['A', 'B'].map((r) => s.updateAlias(alias('f', 'live', '$LATEST', { revisionId: r }), 'rev-live-0')));
        assert.equal(won.filter(Boolean).length, 1);
        assert.equal((await s.getAlias('f', 'live'))?.revisionId, won[0] ? 'A' : 'B');
      }));

      test('updateLayerVersionPolicy with the same expected revision: exactly one wins', withStore(async (s) => {
        await s.publishLayerVersion('L', (v) => layer('L', v));
        const won = await Promise.all(['A', 'B'].map((r) => s.updateLayerVersionPolicy(layer('L', 1, { policyRevisionId: r }), 'prev-L-1-0')));
        assert.equal(won.filter(Boolean).length, 1);
        assert.equal((await s.getLayerVersion('L', 1))?.policyRevisionId, won[0] ? 'A' : 'B');
      }));

      test('concurrent publishVersion and publishLayerVersion get distinct numbers', withStore(async (s) => {
        await s.createFunction(fn('f'));
        const vs = await Promise.all([0, 1, 2].map(() => s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v))));
        assert.deepEqual(vs.map((v) => v?.version).sort(), ['1', '2', '3']);
        const ls = await Promise.all([0, 1, 2].map(() => s.publishLayerVersion('L', (v) => layer('L', v))));
        assert.deepEqual(ls.map((l) => l.version).sort(), [1, 2, 3]);
      }));

      test('concurrent publishVersionIfChanged on an unchanged $LATEST: one version', withStore(async (s) => {
        await s.createFunction(fn('f'));
        const same = (n: { codeSize: number }) => n.codeSize === 100;
        const r = await Promise.all([0, 1, 2].map(() => s.publishVersionIfChanged('f', 'rev-f-$LATEST-0', same, (v) => version('f', v))));
        assert.deepEqual(r.map((x) => x?.created).sort(), [false, false, true]);
        assert.deepEqual((await s.listVersions('f', 0, 10)).map((v) => v.version), ['1']);
      }));

      test('createAliasChecked against a concurrent deleteVersion: never an alias routing to a deleted version', withStore(async (s) => {
        await s.createFunction(fn('f'));
        for (let i = 0; i < 4; i++) await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
        const [created, deleted] = await Promise.all([
          Promise.all(['1', '2'].map((v) => s.createAliasChecked(alias('f', `to${v}`, '3', { additionalVersionWeights: { [v]: 0.5 } })))),
          Promise.all(['1', '2'].map((v) => s.deleteVersion('f', v))),
        ]);
        for (const [i, v] of ['1', '2'].entries()) {
          const aliasThere = (await s.getAlias('f', `to${v}`)) !== undefined;
          const versionThere = (await s.getVersion('f', v)) !== undefined;
          assert.ok(!aliasThere || versionThere, `alias to${v} routes to version ${v}, which exists`);
          assert.equal(created[i]!.kind === 'ok', aliasThere);
          assert.equal(deleted[i]!.deleted, !versionThere);
        }
      }));

      test('concurrent changeTags: no tag is lost, and the limit holds for the sum', withStore(async (s) => {
        await s.createFunction(fn('f'));
        const r = await Promise.all([s.changeTags('f', { set: { a: '1' } }, 50), s.changeTags('f', { set: { b: '2' } }, 50)]);
        assert.deepEqual(r.map((x) => x.kind), ['ok', 'ok']);
        assert.deepEqual(await s.getTags('f'), { a: '1', b: '2' });
        const many = (p: string) => Object.fromEntries(Array.from({ length: 2 }, (_, i) => [`${p}${i}`, 'v']));
        const capped = await Promise.all([s.changeTags('f', { set: many('x') }, 4), s.changeTags('f', { set: many('y') }, 4)]);
        assert.deepEqual(capped.map((x) => x.kind).sort(), ['ok', 'too-many']);
        assert.equal(Object.keys((await s.getTags('f'))!).length, 4);
      }));

      test('releaseAsyncLeases gives back an owner\'s leases except those it keeps, and no other owner\'s', withStore(async (s) => {
        for (let i = 0; i < 4; i++) await s.enqueueAsync(asyncEvent(`r${i}`));
        const mine = await s.leaseDueAsync(longLeaseMs, 3, 'A');
        const theirs = await s.leaseDueAsync(longLeaseMs, 3, 'B');
        assert.equal(mine.length + theirs.length, 4);
        const keep = mine[0]!.id;
        assert.equal(await s.releaseAsyncLeases('A', [keep]), mine.length - 1);
        const again = (await s.leaseDueAsync(longLeaseMs, 10, 'C')).map((e) => e.id).sort();
        assert.deepEqual(again, mine.slice(1).map((e) => e.id).sort(), 'only A\'s released events are due again');
        assert.equal(await s.releaseAsyncLeases('A', [keep]), 0);
      }));

      test('two owners leasing at once never get the same event', withStore(async (s) => {
        for (let i = 0; i < 20; i++) await s.enqueueAsync(asyncEvent(`e${i}`));
        const [a, b] = await Promise.all([s.leaseDueAsync(longLeaseMs, 15, 'A'), s.leaseDueAsync(longLeaseMs, 15, 'B')]);
        const ids = [...a, ...b].map((e) => e.id);
        assert.equal(new Set(ids).size, ids.length, 'no event leased twice');
        assert.equal(ids.length, 20);
      }));

      test('createLogGroup and createLogStream of one name at once: one creates', withStore(async (s) => {
        const g = await Promise.all([0, 1].map(() => s.createLogGroup({ name: '/g', createdMs: 1, kmsKeyId: null })));
        assert.deepEqual(g.sort(), [false, true]);
        const st = await Promise.all([0, 1].map(() => s.createLogStream('/g', 's', 1)));
        assert.deepEqual(st.sort(), ['created', 'exists']);
        const seq = await Promise.all([0, 1].map((i) => s.putLogEvents('/g', 's', [{ timestampMs: i, message: 'm' }], 5)));
        assert.deepEqual(seq.sort(), [1, 2]);
      }));
    });

    queueStoreContract(withStore);
    streamStoreContract(withStore);
    auditStoreContract(withStore);
    metricStoreContract(withStore);
    subscriptionFilterContract(withStore);
    parameterStoreContract(withStore);
    identityStoreContract(withStore);
    scheduleStoreContract(withStore);

    describe('durability', () => {
      test('what resolved before a reopen is there after it', withStore(async (s0, o) => {
        await s0.createFunction(fn('f', { tags: { a: '1' } }));
        await s0.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
        await s0.createAlias(alias('f', 'live', '1'));
        await s0.publishLayerVersion('L', (v) => layer('L', v));
        await s0.enqueueAsync(asyncEvent('e'));
        await s0.leaseDueAsync(longLeaseMs, 10, 'old-owner');
        await s0.appendLogs([{ group: '/g', stream: 's', events: [{ timestampMs: 1, message: 'kept' }] }], { durable: true });
        await s0.createLogGroup({ name: '/h', createdMs: 1, kmsKeyId: null });
        await s0.setLogRetention('/h', 3);
        const s = await o.reopen();
        assert.deepEqual((await s.getFunction('f'))?.latest, version('f', '$LATEST'));
        assert.deepEqual(await s.getTags('f'), { a: '1' });
        assert.equal((await s.getVersion('f', '1'))?.version, '1');
        assert.equal((await s.getAlias('f', 'live'))?.functionVersion, '1');
        assert.equal((await s.getLayerVersion('L', 1))?.version, 1);
        assert.equal(await s.recoverAsyncLeases('new-owner'), 1, 'the lease survived, with its owner');
        assert.deepEqual((await s.leaseDueAsync(longLeaseMs, 10, 'new-owner')).map((e) => e.id), ['e']);
        assert.deepEqual((await s.readLogs('/g', { limit: 10 })).map((e) => e.message), ['kept']);
        assert.deepEqual(await s.logGroupsWithRetention(), [{ name: '/h', retentionDays: 3 }]);
        assert.equal((await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v)))?.version, '2', 'numbering continues');
      }));
    });

    describe('crash mid-transaction', () => {
      test('a writer killed (SIGKILL) while it writes leaves each multi-step change whole or absent', async () => {
        const o = await open();
        try {
          const roundsOfKills = 3;
          let next = 0;
          let s = o.store;
          for (let k = 0; k < roundsOfKills; k++) {
            await killWhileWriting(o.child, next, 30 + Math.floor(Math.random() * 120));
            s = await o.reopen();
            next = await checkCrashState(s);
          }
          assert.ok(next > 0, 'the writer committed something before it was killed');
        } finally {
          await o.destroy();
        }
      });
    });
  });
}

/** Starts the crash child, waits until it writes, lets it run `afterMs`, then SIGKILLs it. */
async function killWhileWriting(child: { opener: string; arg: string }, first: number, afterMs: number): Promise<void> {
  const p = spawn(process.execPath, [childScript, child.opener, child.arg, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => p.on('exit', (code, signal) => r({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    void exited.then(({ code }) => reject(new Error(`crash child exited (${code}) before it was ready: ${err}`)));
  });
  await new Promise((r) => setTimeout(r, afterMs));
  p.kill('SIGKILL');
  const end = await exited;
  assert.equal(end.signal, 'SIGKILL', `the child was still writing when killed (exit ${end.code}): ${err}`);
}

/** Checks all-or-nothing after a kill; returns the first round the next child should write. */
async function checkCrashState(s: Store): Promise<number> {
  let rounds = 0;
  for (let after: string | undefined; ;) {
    const page = await s.listFunctions(after, 200);
    if (!page.length) break;
    for (const f of page) {
      const tags = await s.getTags(f.name);
      assert.equal(Object.keys(tags ?? {}).length, crashRecords.tagsPerFunction, `${f.name} has all its tags or does not exist`);
      rounds = Math.max(rounds, Number(f.name.slice('crash-'.length)) + 1);
    }
    after = page[page.length - 1]!.name;
  }
  const perBatch = new Map<string, number>();
  const bytes = new Map<string, number>();
  for (let afterId: number | undefined = 0; ;) {
    const rows = await s.readLogs(crashRecords.group, { afterId, limit: 5_000 });
    if (!rows.length) break;
    for (const r of rows) {
      const batch = r.message.split(' ')[0]!;
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
      bytes.set(r.stream, (bytes.get(r.stream) ?? 0) + Buffer.byteLength(r.message));
    }
    afterId = rows[rows.length - 1]!.id;
  }
  for (const [batch, n] of perBatch) {
    assert.equal(n, crashRecords.eventsPerStream * crashRecords.streams.length, `batch ${batch}: all its events or none`);
  }
  for (const stream of crashRecords.streams) {
    const st = await s.getLogStream(crashRecords.group, stream);
    assert.equal(st?.storedBytes ?? 0, bytes.get(stream) ?? 0, `stream ${stream}: statistics match its events`);
    assert.equal(st?.sequence ?? 0, perBatch.size, `stream ${stream}: one sequence step per batch`);
  }
  return Math.max(rounds, perBatch.size ? Math.max(...[...perBatch.keys()].map((b) => Number(b.slice(1)))) + 1 : 0);
}
