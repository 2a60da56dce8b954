import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretV1Response } from './response-v1';
import { buildV1Event } from './events';

type Ev = Record<string, unknown> & { requestContext: { requestTime: string; identity: { sourceIp: string; userAgent: string | null } } };

const j = (o: unknown) => Buffer.from(JSON.stringify(o));

test('payload 1.0 responses: statusCode, headers with multiValueHeaders, base64 bodies; anything else cannot be mapped', () => {
  const r = interpretV1Response(j({ statusCode: 201, headers: { 'x-a': '1', 'set-cookie': 'a=1' }, multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], 'x-b': ['p', 'q'] }, body: 'hi' }))!;
  assert.equal(r.status, 201);
  assert.deepEqual(r.headers, [['x-a', '1'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-b', 'p'], ['x-b', 'q'], ['content-type', 'application/json']]);
  assert.equal(r.body.toString(), 'hi');
  assert.deepEqual([...interpretV1Response(j({ statusCode: 200, body: Buffer.from([0, 255]).toString('base64'), isBase64Encoded: true }))!.body], [0, 255]);
  assert.equal(interpretV1Response(j({ statusCode: 204 }))!.body.length, 0);
  // Format 1.0 infers nothing (2.0 would answer these 200).
  for (const bad of ['"hello"', '3', '[1]', '{"body":"x"}', '{"statusCode":"200"}', '{"statusCode":700}', '{"statusCode":200,"body":{}}',
    '{"statusCode":200,"headers":{"a":{}}}', '{"statusCode":200,"multiValueHeaders":{"a":"x"}}', '{"statusCode":200,"body":"*","isBase64Encoded":true}', 'not json']) {
    assert.equal(interpretV1Response(Buffer.from(bad)), undefined, bad);
  }
});

test('payload 1.0 events: binary bodies in base64, text as is; null members where there is nothing', () => {
  const ctx = {
    apiId: 'a1b2c3d4e5', accountId: '000000000000', region: 'us-east-1', domainName: 'd', requestId: 'r', nowMs: 1_583_349_317_135, stage: 'Prod',
    route: { routeId: 'x', routeKey: 'POST /up/{name}' }, pathParameters: { name: 'f' }, added: {},
  };
  const req = { method: 'POST', rawPath: '/up/f', fullPath: '/Prod/up/f', rawQueryString: '', headers: [['Content-Type', 'image/png']] as [string, string][], body: Buffer.from([1, 2]), sourceIp: '1.2.3.4', protocol: 'HTTP/1.1' };
  const e = buildV1Event(req, ctx) as Ev;
  assert.equal(e.body, 'AQI=');
  assert.equal(e.isBase64Encoded, true);
  assert.equal(e.resource, '/up/{name}');
  assert.equal(e.path, '/Prod/up/f');
  assert.equal(e.queryStringParameters, null);
  assert.equal(e.multiValueQueryStringParameters, null);
  assert.deepEqual(e.pathParameters, { name: 'f' });
  assert.equal(e.requestContext.requestTime, '04/Mar/2020:19:15:17 +0000');
  assert.equal(e.requestContext.identity.sourceIp, '1.2.3.4');
  assert.equal(e.requestContext.identity.userAgent, null);
  const t = buildV1Event({ ...req, headers: [['content-type', 'application/json']], body: Buffer.from('{"a":1}') }, ctx) as Ev;
  assert.equal(t.body, '{"a":1}');
  assert.equal(t.isBase64Encoded, false);
});
