import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionPolicyRecord, Store } from '../src/store/types';
import { alias, fn, version } from './store-contract-records';

let revs = 0;
const policy = (functionName: string, qualifier: string, sids: string[]): FunctionPolicyRecord => ({
  functionName, qualifier, revisionId: `rev-${++revs}`,
  statements: sids.map((Sid) => ({ Sid, Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: `arn:${functionName}:${qualifier}` })),
});

/** The function policy cases of the store contract (test/store-contract.ts), kept in a file of their own. */
export function functionPolicyContract(withStore: (body: (s: Store) => Promise<void>) => () => Promise<void>): void {
  describe('function policies', () => {
    test('putFunctionPolicy checks the function, version or alias in its transaction, and compares the RevisionId', withStore(async (s) => {
      assert.equal(await s.putFunctionPolicy(policy('f', '$LATEST', ['a']), undefined), 'no-resource');
      await s.createFunction(fn('f'));
      const first = policy('f', '$LATEST', ['a']);
      assert.equal(await s.putFunctionPolicy(first, undefined), 'ok');
      assert.deepEqual(await s.getFunctionPolicy('f', '$LATEST'), first);
      assert.equal(await s.putFunctionPolicy(policy('f', '$LATEST', ['b']), undefined), 'changed', 'a policy exists: undefined is not its revision');
      assert.equal(await s.putFunctionPolicy(policy('f', '$LATEST', ['b']), 'rev-other'), 'changed');
      const second = policy('f', '$LATEST', ['a', 'b']);
      assert.equal(await s.putFunctionPolicy(second, first.revisionId), 'ok');
      assert.deepEqual(await s.getFunctionPolicy('f', '$LATEST'), second);
      assert.equal(await s.putFunctionPolicy(policy('f', '1', ['a']), undefined), 'no-resource', 'no version 1 yet');
      assert.equal(await s.putFunctionPolicy(policy('f', 'live', ['a']), undefined), 'no-resource', 'no alias yet');
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.createAlias(alias('f', 'live', '1'));
      const v1 = policy('f', '1', ['a']);
      const live = policy('f', 'live', ['a']);
      assert.equal(await s.putFunctionPolicy(v1, undefined), 'ok');
      assert.equal(await s.putFunctionPolicy(live, undefined), 'ok');
      assert.deepEqual(await s.getFunctionPolicy('f', '1'), v1);
      assert.deepEqual(await s.getFunctionPolicy('f', 'live'), live);
      assert.equal(await s.getFunctionPolicy('f', '2'), undefined);
    }));

    test('a record without statements deletes the policy (compared like any write)', withStore(async (s) => {
      await s.createFunction(fn('f'));
      const p = policy('f', '$LATEST', ['a']);
      await s.putFunctionPolicy(p, undefined);
      assert.equal(await s.putFunctionPolicy({ ...p, statements: [], revisionId: 'rev-x' }, 'rev-stale'), 'changed');
      assert.equal(await s.putFunctionPolicy({ ...p, statements: [], revisionId: 'rev-x' }, p.revisionId), 'ok');
      assert.equal(await s.getFunctionPolicy('f', '$LATEST'), undefined);
      assert.equal(await s.putFunctionPolicy(policy('f', '$LATEST', ['b']), undefined), 'ok', 'a new policy starts from none');
    }));

    test('two concurrent writes from the same revision: exactly one is ok', withStore(async (s) => {
      await s.createFunction(fn('f'));
      const r = await Promise.all([s.putFunctionPolicy(policy('f', '$LATEST', ['a']), undefined), s.putFunctionPolicy(policy('f', '$LATEST', ['b']), undefined)]);
      assert.deepEqual(r.sort(), ['changed', 'ok']);
      const base = (await s.getFunctionPolicy('f', '$LATEST'))!;
      const r2 = await Promise.all([
        s.putFunctionPolicy(policy('f', '$LATEST', [base.statements[0]!.Sid, 'c']), base.revisionId),
        s.putFunctionPolicy(policy('f', '$LATEST', [base.statements[0]!.Sid, 'd']), base.revisionId),
      ]);
      assert.deepEqual(r2.sort(), ['changed', 'ok']);
      assert.equal((await s.getFunctionPolicy('f', '$LATEST'))!.statements.length, 2, 'one write, whole');
    }));

    test('deleting the function, a version or an alias deletes its policy', withStore(async (s) => {
      await s.createFunction(fn('f'));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.publishVersion('f', 'rev-f-$LATEST-0', (v) => version('f', v));
      await s.createAlias(alias('f', 'live', '1'));
      for (const q of ['$LATEST', '1', '2', 'live']) assert.equal(await s.putFunctionPolicy(policy('f', q, ['a']), undefined), 'ok');
      assert.deepEqual(await s.deleteVersion('f', '2'), { deleted: true, aliases: [] });
      assert.equal(await s.getFunctionPolicy('f', '2'), undefined);
      assert.equal(await s.deleteAlias('f', 'live'), true);
      assert.equal(await s.getFunctionPolicy('f', 'live'), undefined);
      assert.ok(await s.getFunctionPolicy('f', '1'), 'the other qualifiers keep theirs');
      assert.equal(await s.deleteFunction('f'), true);
      for (const q of ['$LATEST', '1']) assert.equal(await s.getFunctionPolicy('f', q), undefined);
      await s.createFunction(fn('f'));
      assert.equal(await s.getFunctionPolicy('f', '$LATEST'), undefined, 'a function created again starts without a policy');
    }));
  });
}
