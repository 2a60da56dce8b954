import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionUrlRecord, Store } from '../src/store/types';
import { alias, fn, version } from './store-contract-records';

let ids = 0;
const url = (functionName: string, qualifier: string, over: Partial<FunctionUrlRecord> = {}): FunctionUrlRecord => ({
  functionName, qualifier, urlId: `id${String(++ids).padStart(30, '0')}`, authType: 'NONE', createdMs: 1_700_000_000_123, lastModifiedMs: 1_700_000_000_123, ...over,
});

/** The function URL config cases of the store contract (test/store-contract.ts), kept in a file of their own. */
export function functionUrlContract(withStore: (body: (s: Store) => Promise<void>) => () => Promise<void>): void {
  describe('function URL configs', () => {
    test('createFunctionUrl checks the function and the alias in its transaction, and refuses a second config of one qualifier', withStore(async (s) => {
      assert.equal(await s.createFunctionUrl(url('f', '$LATEST')), 'no-function');
      await s.createFunction(fn('f'));
      const latest = url('f', '$LATEST', { cors: { allowOrigins: ['*'], maxAge: 10 } });
      assert.equal(await s.createFunctionUrl(latest), 'ok');
      assert.equal(await s.createFunctionUrl(url('f', '$LATEST', { authType: 'AWS_IAM' })), 'exists');
      assert.deepEqual(await s.getFunctionUrl('f', '$LATEST'), latest, 'the first config stays, whole');
      assert.equal(await s.createFunctionUrl(url('f', 'live')), 'no-function', 'no alias yet');
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.createAlias(alias('f', 'live', '1'));
      const live = url('f', 'live', { authType: 'AWS_IAM', invokeMode: 'BUFFERED' });
      assert.equal(await s.createFunctionUrl(live), 'ok');
      assert.deepEqual(await s.getFunctionUrlById(live.urlId), live);
      assert.deepEqual(await s.getFunctionUrlById(latest.urlId), latest);
      assert.equal(await s.getFunctionUrlById('nope'), undefined);
      assert.equal(await s.getFunctionUrl('f', 'other'), undefined);
    }));

    test('two concurrent creates of one qualifier: exactly one is ok', withStore(async (s) => {
      await s.createFunction(fn('f'));
      const r = await Promise.all([s.createFunctionUrl(url('f', '$LATEST')), s.createFunctionUrl(url('f', '$LATEST'))]);
      assert.deepEqual(r.sort(), ['exists', 'ok']);
      assert.equal((await s.listFunctionUrls('f', undefined, 10)).length, 1);
    }));

    test('listFunctionUrls pages by qualifier in byte order; deleteFunctionUrl answers whether it deleted', withStore(async (s) => {
      await s.createFunction(fn('f'));
      for (const a of ['b', 'a']) await s.createAlias(alias('f', a, '$LATEST'));
      for (const q of ['b', '$LATEST', 'a']) assert.equal(await s.createFunctionUrl(url('f', q)), 'ok');
      assert.deepEqual((await s.listFunctionUrls('f', undefined, 2)).map((r) => r.qualifier), ['$LATEST', 'a']);
      assert.deepEqual((await s.listFunctionUrls('f', 'a', 2)).map((r) => r.qualifier), ['b']);
      assert.deepEqual(await s.listFunctionUrls('g', undefined, 2), []);
      const a = await s.getFunctionUrl('f', 'a');
      assert.equal(await s.deleteFunctionUrl('f', 'a'), true);
      assert.equal(await s.deleteFunctionUrl('f', 'a'), false);
      assert.equal(await s.getFunctionUrlById(a!.urlId), undefined, 'the id no longer resolves');
      assert.deepEqual((await s.listFunctionUrls('f', undefined, 10)).map((r) => r.qualifier), ['$LATEST', 'b']);
    }));

    test('updateFunctionUrl merges inside its transaction and keeps the URL id', withStore(async (s) => {
      assert.equal(await s.updateFunctionUrl('f', '$LATEST', (c) => c), 'no-function');
      await s.createFunction(fn('f'));
      assert.equal(await s.updateFunctionUrl('f', '$LATEST', (c) => c), 'no-config');
      const rec = url('f', '$LATEST');
      await s.createFunctionUrl(rec);
      await Promise.all([
        s.updateFunctionUrl('f', '$LATEST', (c) => ({ ...c, authType: 'AWS_IAM' })),
        s.updateFunctionUrl('f', '$LATEST', (c) => ({ ...c, cors: { maxAge: 5 } })),
      ]);
      const got = await s.getFunctionUrlById(rec.urlId);
      assert.equal(got?.authType, 'AWS_IAM');
      assert.deepEqual(got?.cors, { maxAge: 5 });
    }));

    test('deleteFunction deletes the function\'s URL configs; deleteAlias deletes that alias\'s only', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.createAlias(alias('f', 'live', '$LATEST'));
      await s.createAlias(alias('f', 'other', '$LATEST'));
      const l = url('f', '$LATEST');
      const live = url('f', 'live');
      for (const r of [l, live, url('f', 'other')]) await s.createFunctionUrl(r);
      assert.equal(await s.deleteAlias('f', 'live'), true);
      assert.equal(await s.getFunctionUrlById(live.urlId), undefined);
      assert.deepEqual((await s.listFunctionUrls('f', undefined, 10)).map((r) => r.qualifier), ['$LATEST', 'other']);
      await s.createAlias(alias('f', 'live', '$LATEST'));
      assert.equal(await s.getFunctionUrl('f', 'live'), undefined, 'an alias created again starts without the old URL');
      assert.equal(await s.deleteFunction('f'), true);
      await s.createFunction(fn('f'));
      assert.equal(await s.getFunctionUrlById(l.urlId), undefined);
      assert.deepEqual(await s.listFunctionUrls('f', undefined, 10), []);
    }));

    test('a create racing a deleteAlias or deleteFunction leaves no URL behind', withStore(async (s) => {
      await s.createFunction(fn('f'));
      for (let i = 0; i < 10; i++) {
        await s.createAlias(alias('f', `a${i}`, '$LATEST'));
        const rec = url('f', `a${i}`);
        await Promise.allSettled([s.createFunctionUrl(rec), s.deleteAlias('f', `a${i}`)]);
        assert.equal(await s.getFunctionUrlById(rec.urlId), undefined, `a${i}: a URL outlived its alias`);
      }
      for (let i = 0; i < 10; i++) {
        await s.createFunction(fn(`g${i}`));
        const rec = url(`g${i}`, '$LATEST');
        await Promise.allSettled([s.createFunctionUrl(rec), s.deleteFunction(`g${i}`)]);
        assert.equal(await s.getFunctionUrlById(rec.urlId), undefined, `g${i}: a URL outlived its function`);
      }
    }));
  });
}
