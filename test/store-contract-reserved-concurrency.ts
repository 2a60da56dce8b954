import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import { fn } from './store-contract-records';

/** The reserved concurrency cases of the store contract (test/store-contract.ts), kept in a file of their own. */
export function reservedConcurrencyContract(withStore: (body: (s: Store, o: { reopen(): Promise<Store> }) => Promise<void>) => () => Promise<void>): void {
  describe('reserved concurrency', () => {
    test('put/get/delete: checks the function, replaces a reservation, delete answers whether the function exists', withStore(async (s) => {
      assert.equal(await s.putReservedConcurrency('f', 1, 900), 'no-function');
      assert.equal(await s.deleteReservedConcurrency('f'), false);
      await s.createFunction(fn('f'));
      assert.equal(await s.getReservedConcurrency('f'), undefined);
      assert.equal(await s.putReservedConcurrency('f', 0, 900), 'ok');
      assert.equal(await s.getReservedConcurrency('f'), 0, 'zero is a reservation (the function is throttled), not none');
      assert.equal(await s.putReservedConcurrency('f', 7, 900), 'ok');
      assert.equal(await s.getReservedConcurrency('f'), 7);
      assert.deepEqual(await s.listReservedConcurrency(), new Map([['f', 7]]));
      assert.equal(await s.deleteReservedConcurrency('f'), true);
      assert.equal(await s.deleteReservedConcurrency('f'), true, 'deleting no reservation of an existing function is fine');
      assert.equal(await s.getReservedConcurrency('f'), undefined);
      assert.deepEqual(await s.listReservedConcurrency(), new Map());
    }));

    test('the sum over all functions stays within reservableMax; a function\'s own old reservation does not count against its new one', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.createFunction(fn('g'));
      assert.equal(await s.putReservedConcurrency('f', 600, 900), 'ok');
      assert.equal(await s.putReservedConcurrency('g', 301, 900), 'over-limit');
      assert.equal(await s.getReservedConcurrency('g'), undefined, 'the refused put wrote nothing');
      assert.equal(await s.putReservedConcurrency('g', 300, 900), 'ok');
      assert.equal(await s.putReservedConcurrency('f', 601, 900), 'over-limit');
      assert.equal(await s.putReservedConcurrency('f', 500, 900), 'ok', 'lowering its own reservation');
      assert.equal(await s.putReservedConcurrency('f', 901, 900), 'over-limit', 'more than the whole account');
      assert.equal(await s.putReservedConcurrency('f', 0, 0), 'over-limit', 'g still holds 300');
      await s.deleteReservedConcurrency('g');
      assert.equal(await s.putReservedConcurrency('f', 0, 0), 'ok', 'zero fits an account with nothing reservable');
    }));

    test('two concurrent puts for different functions that each fit but not together: exactly one wins', withStore(async (s) => {
      for (let round = 0; round < 5; round++) {
        const a = `a${round}`;
        const b = `b${round}`;
        await s.createFunction(fn(a));
        await s.createFunction(fn(b));
        const got = await Promise.all([s.putReservedConcurrency(a, 60, 100), s.putReservedConcurrency(b, 60, 100)]);
        assert.deepEqual([...got].sort(), ['ok', 'over-limit'], `round ${round}: ${got}`);
        const total = [...(await s.listReservedConcurrency()).values()].reduce((x, y) => x + y, 0);
        assert.equal(total, 60);
        await s.deleteReservedConcurrency(a);
        await s.deleteReservedConcurrency(b);
      }
    }));

    test('deleteFunction removes the reservation: a function created again under the name has none', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.putReservedConcurrency('f', 5, 900);
      assert.equal(await s.deleteFunction('f'), true);
      assert.deepEqual(await s.listReservedConcurrency(), new Map());
      await s.createFunction(fn('f'));
      assert.equal(await s.getReservedConcurrency('f'), undefined);
    }));

    test('a reservation survives a reopen', withStore(async (s, o) => {
      await s.createFunction(fn('f'));
      await s.putReservedConcurrency('f', 3, 900);
      const again = await o.reopen();
      assert.equal(await again.getReservedConcurrency('f'), 3);
    }));
  });
}
