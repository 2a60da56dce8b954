import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventInvokeConfigRecord, Store } from '../src/store/types';
import { alias, fn, version } from './store-contract-records';

const cfg = (functionName: string, qualifier: string, over: Partial<EventInvokeConfigRecord> = {}): EventInvokeConfigRecord => ({
  functionName, qualifier, maximumRetryAttempts: 1, lastModifiedMs: 1_700_000_000_123, ...over,
});

/** The event invoke config cases of the store contract (test/store-contract.ts), kept in a file of their own. */
export function invokeConfigContract(withStore: (body: (s: Store) => Promise<void>) => () => Promise<void>): void {
  describe('event invoke configs', () => {
    test('putInvokeConfig checks the function and the qualifier ($LATEST, a version, an alias) in its transaction', withStore(async (s) => {
      assert.equal(await s.putInvokeConfig(cfg('f', '$LATEST')), 'no-function');
      await s.createFunction(fn('f'));
      assert.equal(await s.putInvokeConfig(cfg('f', '$LATEST')), 'ok');
      assert.equal(await s.putInvokeConfig(cfg('f', '1')), 'no-function', 'no version 1 yet');
      assert.equal(await s.putInvokeConfig(cfg('f', 'live')), 'no-function', 'no alias yet');
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.createAlias(alias('f', 'live', '1'));
      assert.equal(await s.putInvokeConfig(cfg('f', '1', { onFailure: 'arn:aws:sqs:us-east-1:000000000000:q' })), 'ok');
      assert.equal(await s.putInvokeConfig(cfg('f', 'live')), 'ok');
      assert.deepEqual(await s.getInvokeConfig('f', '1'), cfg('f', '1', { onFailure: 'arn:aws:sqs:us-east-1:000000000000:q' }));
      assert.equal(await s.getInvokeConfig('f', '2'), undefined);
      // A put replaces the whole record.
      assert.equal(await s.putInvokeConfig(cfg('f', '1', { maximumRetryAttempts: undefined, maximumEventAgeInSeconds: 60 })), 'ok');
      assert.deepEqual(await s.getInvokeConfig('f', '1'), JSON.parse(JSON.stringify(cfg('f', '1', { maximumRetryAttempts: undefined, maximumEventAgeInSeconds: 60 }))));
    }));

    test('listInvokeConfigs pages by qualifier in byte order; deleteInvokeConfig answers whether it deleted', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.createAlias(alias('f', 'live', '1'));
      for (const q of ['live', '1', '$LATEST']) await s.putInvokeConfig(cfg('f', q));
      assert.deepEqual((await s.listInvokeConfigs('f', undefined, 2)).map((r) => r.qualifier), ['$LATEST', '1']);
      assert.deepEqual((await s.listInvokeConfigs('f', '1', 2)).map((r) => r.qualifier), ['live']);
      assert.deepEqual(await s.listInvokeConfigs('g', undefined, 2), []);
      assert.equal(await s.deleteInvokeConfig('f', '1'), true);
      assert.equal(await s.deleteInvokeConfig('f', '1'), false);
      assert.deepEqual((await s.listInvokeConfigs('f', undefined, 10)).map((r) => r.qualifier), ['$LATEST', 'live']);
    }));

    test('updateInvokeConfig merges inside its transaction: two concurrent updates of different members both take effect', withStore(async (s) => {
      assert.equal(await s.updateInvokeConfig('f', '$LATEST', (c) => c), 'no-function');
      await s.createFunction(fn('f'));
      assert.equal(await s.updateInvokeConfig('f', '$LATEST', (c) => c), 'no-config');
      await s.putInvokeConfig(cfg('f', '$LATEST', { maximumRetryAttempts: 2 }));
      await Promise.all([
        s.updateInvokeConfig('f', '$LATEST', (c) => ({ ...c, maximumRetryAttempts: 0 })),
        s.updateInvokeConfig('f', '$LATEST', (c) => ({ ...c, maximumEventAgeInSeconds: 120 })),
      ]);
      const got = await s.getInvokeConfig('f', '$LATEST');
      assert.equal(got?.maximumRetryAttempts, 0);
      assert.equal(got?.maximumEventAgeInSeconds, 120);
    }));

    test('deleteFunction deletes the function\'s configs with it', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.putInvokeConfig(cfg('f', '$LATEST'));
      assert.equal(await s.deleteFunction('f'), true);
      await s.createFunction(fn('f'));
      assert.equal(await s.getInvokeConfig('f', '$LATEST'), undefined);
      assert.deepEqual(await s.listInvokeConfigs('f', undefined, 10), []);
    }));

    test('deleteVersion and deleteAlias delete that qualifier\'s config, and only it', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.createAlias(alias('f', 'live', '$LATEST'));
      for (const q of ['$LATEST', '1', 'live']) await s.putInvokeConfig(cfg('f', q));
      assert.equal((await s.deleteVersion('f', '1')).deleted, true);
      assert.equal(await s.deleteAlias('f', 'live'), true);
      assert.deepEqual((await s.listInvokeConfigs('f', undefined, 10)).map((r) => r.qualifier), ['$LATEST']);
      await s.createAlias(alias('f', 'live', '$LATEST'));
      assert.equal(await s.getInvokeConfig('f', 'live'), undefined, 'an alias created again starts without the old config');
    }));

    test('a put racing a deleteAlias leaves no config behind the deleted alias', withStore(async (s) => {
      await s.createFunction(fn('f'));
      for (let i = 0; i < 10; i++) {
        await s.createAlias(alias('f', `a${i}`, '$LATEST'));
        await Promise.allSettled([s.putInvokeConfig(cfg('f', `a${i}`)), s.deleteAlias('f', `a${i}`)]);
        assert.equal(await s.getInvokeConfig('f', `a${i}`), undefined, `a${i}: a config outlived its alias`);
      }
    }));

    test('a put racing a deleteFunction leaves no config behind the deleted function', withStore(async (s) => {
      for (let i = 0; i < 10; i++) {
        await s.createFunction(fn(`f${i}`));
        await Promise.allSettled([s.putInvokeConfig(cfg(`f${i}`, '$LATEST')), s.deleteFunction(`f${i}`)]);
        await s.createFunction(fn(`f${i}`));
        assert.equal(await s.getInvokeConfig(`f${i}`, '$LATEST'), undefined, `f${i}: a config outlived its function`);
      }
    }));
  });
}
