import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { ProvisionedConcurrencyRecord } from '../src/domain/records';
import { alias, fn, version } from './store-contract-records';

const pc = (functionName: string, qualifier: string, requested: number, lastModifiedMs = 1): ProvisionedConcurrencyRecord =>
  ({ functionName, qualifier, requested, lastModifiedMs });

/** The provisioned concurrency cases of the store contract (test/store-contract.ts). */
export function provisionedConcurrencyContract(withStore: (body: (s: Store, o: { reopen(): Promise<Store> }) => Promise<void>) => () => Promise<void>): void {
  describe('provisioned concurrency', () => {
    test('put checks the function and the qualifier (a version or an alias, never $LATEST); get/list/delete; kept across a reopen', withStore(async (s, o) => {
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 2), 900), 'no-function');
      await s.createFunction(fn('f'));
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 2), 900), 'no-qualifier');
      assert.equal(await s.putProvisionedConcurrency(pc('f', '$LATEST', 2), 900), 'no-qualifier');
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v, { codeSha256: 'other' }));
      await s.createAlias(alias('f', 'live', '2'));
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 2, 10), 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('f', 'live', 3, 11), 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 4, 12), 900), 'ok', 'a put replaces');
      assert.deepEqual(await s.getProvisionedConcurrency('f', '1'), pc('f', '1', 4, 12));
      const s2 = await o.reopen();
      assert.deepEqual(await s2.listProvisionedConcurrency('f'), [pc('f', '1', 4, 12), pc('f', 'live', 3, 11)]);
      assert.deepEqual(await s2.listProvisionedConcurrency(), [pc('f', '1', 4, 12), pc('f', 'live', 3, 11)]);
      assert.equal(await s2.deleteProvisionedConcurrency('f', '1'), true);
      assert.equal(await s2.deleteProvisionedConcurrency('f', '1'), false);
      assert.equal(await s2.getProvisionedConcurrency('f', '1'), undefined);
    }));

    test('within the reservation when the function has one, else within the account\'s reservable share (with every reservation)', withStore(async (s) => {
      for (const name of ['f', 'g']) {
        await s.createFunction(fn(name));
        await s.publishVersion(name, `rev-${name}-$LATEST-0`, (v) => version(name, v));
        await s.publishVersion(name, `rev-${name}-$LATEST-0`, (v) => version(name, v, { codeSha256: 'other' }));
        await s.createAlias(alias(name, 'live', '2'));
      }
      assert.equal(await s.putReservedConcurrency('f', 5, 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 3), 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('f', 'live', 3), 900), 'over-reserved', '3 + 3 > 5');
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 5), 900), 'ok', 'its own old amount does not count');
      assert.equal(await s.putProvisionedConcurrency(pc('g', '1', 896), 900), 'over-account', '5 reserved + 896 > 900');
      assert.equal(await s.putProvisionedConcurrency(pc('g', '1', 895), 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('g', 'live', 1), 900), 'over-account');
      assert.equal(await s.getProvisionedConcurrency('g', 'live'), undefined, 'the refused put wrote nothing');
    }));

    test('one config per version: not on an alias whose version has one, not on a version an alias with one points to', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v, { codeSha256: 'other' }));
      await s.createAlias(alias('f', 'one', '1'));
      await s.createAlias(alias('f', 'two', '2'));
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 1), 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('f', 'one', 1), 900), 'version-provisioned');
      assert.equal(await s.putProvisionedConcurrency(pc('f', 'two', 1), 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('f', '2', 1), 900), 'alias-provisioned');
      assert.deepEqual((await s.listProvisionedConcurrency('f')).map((c) => c.qualifier), ['1', 'two']);
    }));

    test('deleting a version, an alias or the function deletes its configs', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v, { codeSha256: 'other' }));
      await s.createAlias(alias('f', 'live', '1'));
      assert.equal(await s.putProvisionedConcurrency(pc('f', '2', 1), 900), 'ok');
      assert.equal(await s.putProvisionedConcurrency(pc('f', 'live', 1), 900), 'ok');
      assert.equal((await s.deleteVersion('f', '2')).deleted, true);
      assert.equal(await s.deleteAlias('f', 'live'), true);
      assert.deepEqual(await s.listProvisionedConcurrency('f'), []);
      assert.equal(await s.putProvisionedConcurrency(pc('f', '1', 1), 900), 'ok');
      assert.equal(await s.deleteFunction('f'), true);
      assert.deepEqual(await s.listProvisionedConcurrency(), []);
    }));
  });
}
