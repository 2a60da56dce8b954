import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FunctionPolicyService, policyCacheMs } from './function-policies';
import type { FunctionService, FunctionChangeListener } from './functions';
import { functionArn, parseFunctionName, resolveQualifier } from './arn';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { PostgresStore } from '../store/postgres/postgres-store';
import type { Store } from '../store/types';
import { fn } from '../../test/store-contract-records';
import { startPostgres, type ThrowawayPostgres } from '../../test/postgres';
import { parsePolicy } from '../identity/policy';

const ctx = { region: 'us-east-1', accountId: '000000000000' };

/**
 * The few FunctionService members the policy service reads (name parsing,
 * ARNs, change events), over the real ARN code; the store is the real one.
 */
function functionsOf(): FunctionService & { emit: FunctionChangeListener } {
  const listeners: FunctionChangeListener[] = [];
  return {
    ctxRegion: ctx.region,
    ctxAccount: ctx.accountId,
    arn: (name: string, q?: string) => functionArn(ctx, name, q),
    ref: (raw: string, q?: string) => {
      const r = parseFunctionName(raw, ctx, { use: 'update', qualifier: q });
      return { name: r.name, qualifier: resolveQualifier(r, q) };
    },
    onChange: (l: FunctionChangeListener) => void listeners.push(l),
    emit: (...a: Parameters<FunctionChangeListener>) => listeners.forEach((l) => l(...a)),
  } as unknown as FunctionService & { emit: FunctionChangeListener };
}

const publicUrl = async (p: FunctionPolicyService, name: string) => {
  await p.add(name, undefined, { StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' });
  await p.add(name, undefined, { StatementId: 'via', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true });
};

describe('FunctionPolicyService as the ResourcePolicySource and the URL check (SQLite)', () => {
  let dir: string;
  let store: Store;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-policy-'));
    store = new SqliteStore(path.join(dir, 'kumo.db'));
  });
  after(async () => {
    await (store as SqliteStore).close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('policyOf answers the qualifier\'s document for function, $LATEST, version and alias ARNs, nothing for others', async () => {
    const functions = functionsOf();
    const p = new FunctionPolicyService(store, functions);
    await store.createFunction(fn('f'));
    assert.equal(await p.policyOf(functionArn(ctx, 'f')), undefined);
    await p.add('f', undefined, { StatementId: 'a', Action: 'lambda:InvokeFunction', Principal: '123456789012' });
    const doc = (await p.get('f', undefined)).Policy;
    assert.equal(await p.policyOf(functionArn(ctx, 'f')), doc);
    assert.equal(await p.policyOf(functionArn(ctx, 'f', '$LATEST')), doc, '$LATEST reads the function\'s policy');
    assert.equal(await p.policyOf(functionArn(ctx, 'f', 'live')), undefined);
    assert.equal(await p.policyOf('arn:aws:lambda:eu-west-1:000000000000:function:f'), undefined, 'another region');
    assert.equal(await p.policyOf('arn:aws:lambda:us-east-1:111111111111:function:f'), undefined, 'another account');
    assert.equal(await p.policyOf('arn:aws:sqs:us-east-1:000000000000:q'), undefined);
    // A fresh entry is answered without a store read (synchronously).
    assert.equal(p.policyOf(functionArn(ctx, 'f')), doc);
  });

  test('every statement form AddPermission writes is a resource policy the IAM policy language reads', async () => {
    const p = new FunctionPolicyService(store, functionsOf());
    await store.createFunction(fn('every'));
    const forms = [
      { Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::b', SourceAccount: '123456789012' },
      { Action: 'lambda:InvokeFunction', Principal: '123456789012' },
      { Action: 'lambda:*', Principal: 'arn:aws:iam::123456789012:role/ops' },
      { Action: '*', Principal: 'arn:aws:sts::123456789012:assumed-role/ops/s' },
      { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'AWS_IAM', PrincipalOrgID: 'o-1234567890' },
      { Action: 'lambda:InvokeFunction', Principal: '*', EventSourceToken: 'amzn1.ask.skill.x' },
      { Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true },
    ];
    for (const [i, f] of forms.entries()) await p.add('every', undefined, { StatementId: `s${i}`, ...f });
    const parsed = parsePolicy((await p.get('every', undefined)).Policy, 'resource');
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    assert.equal(parsed.ok && parsed.doc.Statement.length, forms.length);
  });

  test('a change through the service and a deletion of the function drop the cached entry at once', async () => {
    const functions = functionsOf();
    const p = new FunctionPolicyService(store, functions);
    await store.createFunction(fn('g'));
    await publicUrl(p, 'g');
    assert.equal(await p.allowsPublicUrl('g', '$LATEST'), true);
    assert.equal(p.allowsPublicUrl('g', '$LATEST'), true, 'cached: synchronous');
    await p.remove('g', undefined, 'via', undefined);
    assert.equal(await p.allowsPublicUrl('g', '$LATEST'), false);
    await p.add('g', undefined, { StatementId: 'via', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true });
    assert.equal(await p.allowsPublicUrl('g', '$LATEST'), true);
    assert.equal(await store.deleteFunction('g'), true);
    functions.emit('g', undefined);
    await store.createFunction(fn('g'));
    assert.equal(await p.allowsPublicUrl('g', '$LATEST'), false, 'the re-created function has no policy');
  });
});

describe('FunctionPolicyService cache: a read overtaken by a change', () => {
  test('a read that returns after AddPermission answers its caller but is not kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-policy-'));
    const store = new SqliteStore(path.join(dir, 'kumo.db'));
    try {
      await store.createFunction(fn('f'));
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      let delayed = false;
      // The first policy read returns late (what it read is then old); every other call goes straight to the store.
      const slow = new Proxy(store, {
        get(t, k) {
          if (k === 'getFunctionPolicy' && !delayed) {
            delayed = true;
            return async (...a: [string, string]) => {
              const r = await t.getFunctionPolicy(...a);
              await gate;
              return r;
            };
          }
          const v = (t as unknown as Record<string | symbol, unknown>)[k];
          return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
        },
      });
      const p = new FunctionPolicyService(slow, functionsOf());
      const early = p.policyOf(functionArn(ctx, 'f'));
      await p.add('f', undefined, { StatementId: 'a', Action: 'lambda:InvokeFunction', Principal: '*' });
      const doc = (await p.get('f', undefined)).Policy;
      assert.equal(await p.policyOf(functionArn(ctx, 'f')), doc, 'a request after the change does not wait for the old read');
      open();
      assert.equal(await early, undefined, 'the old read answers what it read');
      assert.equal(await p.policyOf(functionArn(ctx, 'f')), doc, 'and did not replace the newer entry');
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FunctionPolicyService on PostgreSQL: two servers on one database', () => {
  let pg: ThrowawayPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  test(`another server's AddPermission / RemovePermission shows within policyCacheMs (${policyCacheMs} ms)`, async () => {
    const url = await pg.createDatabase('policies');
    const a = await PostgresStore.open(url);
    const b = await PostgresStore.open(url);
    try {
      const pa = new FunctionPolicyService(a, functionsOf());
      const pb = new FunctionPolicyService(b, functionsOf());
      await a.createFunction(fn('f'));
      assert.equal(await pb.allowsPublicUrl('f', '$LATEST'), false);
      await publicUrl(pa, 'f');
      const t0 = Date.now();
      while (!(await pb.allowsPublicUrl('f', '$LATEST'))) {
        assert.ok(Date.now() - t0 <= policyCacheMs + 500, 'seen within the bound');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(Date.now() - t0 <= policyCacheMs + 500);
      await pa.remove('f', undefined, 'url', undefined);
      const t1 = Date.now();
      while (await pb.allowsPublicUrl('f', '$LATEST')) {
        assert.ok(Date.now() - t1 <= policyCacheMs + 500, 'the removal is seen within the bound');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
