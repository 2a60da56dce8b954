import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { HttpApiRecord } from '../src/http-apis/records';

const api = (apiId: string, over: Partial<HttpApiRecord> = {}): HttpApiRecord => ({
  apiId, name: `api-${apiId}`, protocolType: 'HTTP', disableExecuteApiEndpoint: false,
  routeSelectionExpression: '${request.method} ${request.path}', apiKeySelectionExpression: '$request.header.x-api-key',
  tags: {}, createdMs: 1_700_000_000_123, integrations: [], routes: [], stages: [], ...over,
});

/** The HTTP API cases of the store contract (test/store-contract.ts), kept in a file of their own. */
export function httpApiContract(withStore: (body: (s: Store) => Promise<void>) => () => Promise<void>): void {
  describe('HTTP APIs', () => {
    test('createHttpApi stores the whole record and refuses a second of one id; get, list in id order after a cursor, delete', withStore(async (s) => {
      const a = api('aaaaaaaaaa', {
        cors: { allowOrigins: ['*'], maxAge: 5 },
        integrations: [{ integrationId: 'iiiiiii', integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:f', functionName: 'f', payloadFormatVersion: '1.0', timeoutInMillis: 30000 }],
        routes: [{ routeId: 'rrrrrrr', routeKey: 'GET /pets/{id}', target: 'integrations/iiiiiii' }],
        stages: [{ stageName: 'prod', autoDeploy: true, stageVariables: { env: 'p' }, createdMs: 1, lastUpdatedMs: 2 }],
      });
      assert.equal(await s.createHttpApi(a), true);
      assert.equal(await s.createHttpApi(api('aaaaaaaaaa', { name: 'other' })), false);
      assert.deepEqual(await s.getHttpApi('aaaaaaaaaa'), a, 'the first stays, whole');
      assert.equal(await s.getHttpApi('bbbbbbbbbb'), undefined);
      await s.createHttpApi(api('cccccccccc'));
      await s.createHttpApi(api('bbbbbbbbbb'));
      assert.deepEqual((await s.listHttpApis(undefined, 10)).map((x) => x.apiId), ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']);
      assert.deepEqual((await s.listHttpApis('aaaaaaaaaa', 1)).map((x) => x.apiId), ['bbbbbbbbbb']);
      assert.equal(await s.deleteHttpApi('bbbbbbbbbb'), true);
      assert.equal(await s.deleteHttpApi('bbbbbbbbbb'), false);
      assert.deepEqual((await s.listHttpApis(undefined, 10)).map((x) => x.apiId), ['aaaaaaaaaa', 'cccccccccc']);
    }));

    test('updateHttpApi replaces the record in one transaction; a change that throws writes nothing; no API: undefined', withStore(async (s) => {
      await s.createHttpApi(api('aaaaaaaaaa'));
      const next = await s.updateHttpApi('aaaaaaaaaa', (cur) => ({ ...cur, routes: [...cur.routes, { routeId: 'r000001', routeKey: '$default' }] }));
      assert.equal(next!.routes.length, 1);
      assert.deepEqual(await s.getHttpApi('aaaaaaaaaa'), next);
      await assert.rejects(s.updateHttpApi('aaaaaaaaaa', () => { throw new Error('refused'); }), /refused/);
      assert.deepEqual(await s.getHttpApi('aaaaaaaaaa'), next, 'unchanged');
      assert.equal(await s.updateHttpApi('zzzzzzzzzz', (cur) => cur), undefined);
    }));

    test('concurrent changes of one API are applied one after the other: none is lost', withStore(async (s) => {
      await s.createHttpApi(api('aaaaaaaaaa'));
      await Promise.all(Array.from({ length: 8 }, (_, i) =>
        s.updateHttpApi('aaaaaaaaaa', (cur) => ({ ...cur, routes: [...cur.routes, { routeId: `r${String(i).padStart(6, '0')}`, routeKey: `GET /r${i}` }] }))));
      assert.equal((await s.getHttpApi('aaaaaaaaaa'))!.routes.length, 8);
    }));
  });
}
