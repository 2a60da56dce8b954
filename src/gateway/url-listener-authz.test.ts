import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '../../test/sha256';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { UrlListener } from './url-listener';
import type { FunctionUrlService } from '../function-urls/service';
import type { InvokeService } from '../invoke/service';
import type { FunctionUrlRecord } from '../domain/records';
import type { Authorizer, AuthzRequest, CallerResolver, Principal } from '../identity/types';
import type { ApiCall } from '../audit/record';

/**
 * Function URLs with AuthType AWS_IAM: the signer is resolved by the
 * CallerResolver, and a signer other than the account's root must be allowed
 * `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` on the URL's
 * function or alias, with `lambda:FunctionUrlAuthType` = AWS_IAM and
 * `lambda:InvokedViaFunctionUrl` among the condition keys (AWS: urls-auth). The URL
 * service and the invoker are in-process stand-ins (the listener is what is
 * under test; test/integration/function-urls.test.ts runs the real ones).
 */
const acct = '111122223333';
const urlId = 'a'.repeat(32);
const aliceKey = { accessKeyId: 'AKIAALICE00000000000', secretAccessKey: 'alice-secret-000000000000000000000000000' };
const bobKey = { accessKeyId: 'AKIABOB0000000000000', secretAccessKey: 'bob-secret-00000000000000000000000000000' };
const rootKey = { accessKeyId: 'AKIAROOT000000000000', secretAccessKey: 'root-secret-0000000000000000000000000000' };
const user = (name: string, key: string): Principal => ({ type: 'IAMUser', accountId: acct, arn: `arn:aws:iam::${acct}:user/${name}`, principalId: `AIDA${name.toUpperCase()}`, accessKeyId: key, userName: name });
const alice = user('alice', aliceKey.accessKeyId);
const bob = user('bob', bobKey.accessKeyId);
const root: Principal = { type: 'Root', accountId: acct, arn: `arn:aws:iam::${acct}:root`, principalId: acct, accessKeyId: rootKey.accessKeyId };
const callers: CallerResolver = {
  resolve: (id) =>
    id === aliceKey.accessKeyId ? { secret: aliceKey.secretAccessKey, principal: alice }
    : id === bobKey.accessKeyId ? { secret: bobKey.secretAccessKey, principal: bob }
    : id === rootKey.accessKeyId ? { secret: rootKey.secretAccessKey, principal: root }
    : { refused: 'unknown' },
};
const asked: AuthzRequest[] = [];
const authorizer: Authorizer = {
  authorize(p, r) {
    asked.push(r);
    return p === alice ? { allowed: true } : { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' };
  },
};
const cfg: FunctionUrlRecord = { functionName: 'web', qualifier: 'live', urlId, authType: 'AWS_IAM', createdMs: 0, lastModifiedMs: 0 };
const events: unknown[] = [];
const urls = { byId: async (id: string) => (id === urlId ? cfg : undefined), arn: (c: FunctionUrlRecord) => `arn:aws:lambda:us-east-1:${acct}:function:${c.functionName}:${c.qualifier}` } as unknown as FunctionUrlService;
const invoker = {
  resolve: async () => ({}),
  invoke: async (i: { payload: Buffer }) => {
    events.push(JSON.parse(i.payload.toString('utf8')));
    return { payload: Buffer.from(JSON.stringify({ statusCode: 200, body: 'hello' })) };
  },
} as unknown as InvokeService;
const audited: ApiCall[] = [];


describe('function URL with AuthType AWS_IAM: lambda:InvokeFunctionUrl', () => {
  let l: UrlListener;
  let port = 0;
  before(async () => {
    l = new UrlListener({ urls, policies: { allowsPublicUrl: () => false }, invoker, region: 'us-east-1', accountId: acct, callers, authorizer, audit: { backlog: 0, record: async (c) => void audited.push(c) }, onInternalError: (e) => console.error(e) });
    port = (await l.listen(0, '127.0.0.1')).port;
  });
  after(() => l.close(100));

  async function get(key: { accessKeyId: string; secretAccessKey: string }) {
    const signer = new SignatureV4({ credentials: key, region: 'us-east-1', service: 'lambda', sha256: Sha256 as never, uriEscapePath: true });
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port, path: `/lambda-url/${urlId}/hi`, query: {}, headers: { host: `127.0.0.1:${port}` } });
    return new Promise<{ status: number; type: string | null; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: `/lambda-url/${urlId}/hi`, headers: signed.headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, type: (res.headers['x-amzn-errortype'] as string | undefined) ?? null, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('an allowed user reaches the function; the event names the user; the request is the URL action on the alias ARN with the auth-type key', async () => {
    const r = await get(aliceKey);
    assert.deepEqual(r, { status: 200, type: null, body: 'hello' });
    assert.deepEqual(asked.slice(-2).map((r) => [r.action, r.resource]), [
      ['lambda:InvokeFunctionUrl', `arn:aws:lambda:us-east-1:${acct}:function:web:live`],
      ['lambda:InvokeFunction', `arn:aws:lambda:us-east-1:${acct}:function:web:live`],
    ]);
    const req = asked.at(-1)!;
    assert.equal(req.context['lambda:FunctionUrlAuthType'], 'AWS_IAM');
    assert.equal(req.context['lambda:InvokedViaFunctionUrl'], 'true');
    assert.equal(req.context['aws:username'], 'alice');
    const iam = (events.at(-1) as { requestContext: { authorizer: { iam: Record<string, unknown> } } }).requestContext.authorizer.iam;
    assert.deepEqual({ arn: iam.userArn, id: iam.userId, caller: iam.callerId, key: iam.accessKey }, { arn: alice.arn, id: 'AIDAALICE', caller: 'AIDAALICE', key: aliceKey.accessKeyId });
  });

  test("a user no policy allows gets the URL's 403 before the function runs, and the refusal is in the trail", async () => {
    const n = events.length;
    const r = await get(bobKey);
    assert.deepEqual(r, { status: 403, type: 'AccessDeniedException', body: JSON.stringify({ Message: 'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html' }) });
    assert.equal(events.length, n);
    const rec = audited.at(-1)!;
    assert.equal(rec.principal, bob);
    assert.equal(rec.eventName, 'InvokeFunctionUrl');
    assert.equal(rec.error?.message, `User: ${bob.arn} is not authorized to perform: lambda:InvokeFunctionUrl on resource: arn:aws:lambda:us-east-1:${acct}:function:web:live because no identity-based policy allows the lambda:InvokeFunctionUrl action`);
  });

  test("the account's root is not asked about", async () => {
    const n = asked.length;
    assert.equal((await get(rootKey)).status, 200);
    assert.equal(asked.length, n);
  });
});
