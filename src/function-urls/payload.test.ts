import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, isTextType, requestTime } from './event';
import { interpretResponse } from './response';
import { isPreflight, preflightHeaders, withCorsHeaders } from './cors';
import { newUrlId, urlIdRe } from './url-id';

const ctx = { urlId: 'a'.repeat(32), region: 'us-east-1', domainName: 'd', requestId: 'r', nowMs: Date.UTC(2020, 2, 12, 19, 3, 58, 390), added: {} };
const req = (over: Partial<Parameters<typeof buildEvent>[0]> = {}) => ({
  method: 'GET', rawPath: '/', rawQueryString: '', headers: [] as [string, string][], body: Buffer.alloc(0), sourceIp: '1.2.3.4', protocol: 'HTTP/1.1', ...over,
});

describe('function URL payload 2.0', () => {
  it('requestContext.time is dd/MMM/yyyy:HH:mm:ss +0000 in UTC', () => {
    assert.equal(requestTime(ctx.nowMs), '12/Mar/2020:19:03:58 +0000');
    assert.equal(requestTime(Date.UTC(2021, 0, 1, 0, 0, 0)), '01/Jan/2021:00:00:00 +0000');
  });

  it('text types stay text; others (form, multipart, octet-stream, none) are base64', () => {
    for (const t of ['text/plain', 'text/html; charset=utf-8', 'application/json', 'application/problem+json', 'application/xml', 'image/svg+xml', 'application/javascript']) assert.equal(isTextType(t), true, t);
    for (const t of [undefined, '', 'application/octet-stream', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png']) assert.equal(isTextType(t), false, String(t));
  });

  it('query parameters: decoded, repeated ones joined with commas, a key without = is empty', () => {
    const ev = buildEvent(req({ rawQueryString: 'a=1&a=2&b=x%2Cy&c&d=e+f' }), ctx);
    assert.deepEqual(ev.queryStringParameters, { a: '1,2', b: 'x,y', c: '', d: 'e f' });
  });

  it('repeated headers join with commas under lower-cased names; several Cookie headers all become cookies', () => {
    const ev = buildEvent(req({ headers: [['X-A', '1'], ['x-a', '2'], ['Cookie', 'a=1; b=2'], ['cookie', 'c=3']] }), ctx);
    assert.deepEqual(ev.headers, { 'x-a': '1,2' });
    assert.deepEqual(ev.cookies, ['a=1', 'b=2', 'c=3']);
  });

  it('an AWS_IAM caller appears as authorizer.iam with its account', () => {
    const ev = buildEvent(req({ iam: { accessKey: 'AKID', accountId: '111122223333' } }), ctx) as { requestContext: Record<string, any> };
    assert.equal(ev.requestContext.accountId, '111122223333');
    assert.equal(ev.requestContext.authorizer.iam.accessKey, 'AKID');
    assert.equal(ev.requestContext.authorizer.iam.userArn, 'arn:aws:iam::111122223333:root');
  });
});

describe('function URL response mapping', () => {
  const map = (v: unknown) => interpretResponse(Buffer.from(typeof v === 'string' && v.startsWith('RAW:') ? v.slice(4) : JSON.stringify(v)));
  it('JSON without statusCode is the body, 200 application/json; a JSON string is its value', () => {
    assert.deepEqual(map({ a: 1 }), { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from('{"a":1}') });
    assert.equal(map([1, 'x'])!.body.toString(), '[1,"x"]');
    assert.equal(map('hi')!.body.toString(), 'hi');
    assert.equal(map(null)!.body.toString(), 'null');
    assert.equal(map({ body: 'x' })!.body.toString(), '{"body":"x"}', 'body without statusCode is not a structured response');
  });
  it('a structured response: status, headers (content-type kept or defaulted), cookies as Set-Cookie, base64 body', () => {
    const r = map({ statusCode: 404, headers: { 'Content-Type': 'text/plain', 'x-n': 5 }, cookies: ['a=1'], body: 'bm8=', isBase64Encoded: true })!;
    assert.equal(r.status, 404);
    assert.deepEqual(r.headers, [['Content-Type', 'text/plain'], ['x-n', '5'], ['set-cookie', 'a=1']]);
    assert.equal(r.body.toString(), 'no');
    assert.deepEqual(map({ statusCode: 204 })!.headers, [['content-type', 'application/json']]);
  });
  it('what cannot be mapped is undefined (the listener answers 502)', () => {
    for (const bad of [{ statusCode: '200' }, { statusCode: 99 }, { statusCode: 200.5 }, { statusCode: 200, headers: ['x'] }, { statusCode: 200, headers: { a: {} } },
      { statusCode: 200, cookies: 'a=1' }, { statusCode: 200, body: { a: 1 } }, { statusCode: 200, body: '%%%', isBase64Encoded: true }, 'RAW:not json']) {
      assert.equal(map(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('function URL CORS', () => {
  const h = (o: Record<string, string>) => (n: string) => o[n];
  it('a preflight needs OPTIONS, Origin and Access-Control-Request-Method', () => {
    assert.equal(isPreflight('OPTIONS', h({ origin: 'o', 'access-control-request-method': 'GET' })), true);
    assert.equal(isPreflight('OPTIONS', h({ origin: 'o' })), false);
    assert.equal(isPreflight('GET', h({ origin: 'o', 'access-control-request-method': 'GET' })), false);
  });
  it('"*" origins answer "*" without credentials and the origin itself with them; a method or header not allowed gets no allow headers', () => {
    const pre = { origin: 'http://a', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'X-One, x-two' };
    const open = preflightHeaders({ allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] }, h(pre));
    assert.deepEqual(Object.fromEntries(open), { vary: 'Origin', 'access-control-allow-origin': '*', 'access-control-allow-methods': '*', 'access-control-allow-headers': 'X-One,x-two' });
    const cred = preflightHeaders({ allowOrigins: ['*'], allowMethods: ['PUT'], allowHeaders: ['x-one', 'X-TWO'], allowCredentials: true, maxAge: 5 }, h(pre));
    assert.equal(Object.fromEntries(cred)['access-control-allow-origin'], 'http://a');
    assert.equal(Object.fromEntries(cred)['access-control-allow-credentials'], 'true');
    assert.equal(Object.fromEntries(cred)['access-control-max-age'], '5');
    assert.deepEqual(preflightHeaders({ allowOrigins: ['*'], allowMethods: ['GET'] }, h(pre)), [['vary', 'Origin']]);
    assert.deepEqual(preflightHeaders({ allowOrigins: ['*'], allowMethods: ['PUT'], allowHeaders: ['x-one'] }, h(pre)), [['vary', 'Origin']]);
    assert.deepEqual(preflightHeaders({ allowOrigins: ['http://b'], allowMethods: ['*'] }, h(pre)), [['vary', 'Origin']]);
  });
  it('responses: the function\'s Access-Control-* headers are replaced by the config\'s, for an allowed origin only', () => {
    const fn: [string, string][] = [['Access-Control-Allow-Origin', '*'], ['x', '1']];
    assert.deepEqual(withCorsHeaders({ allowOrigins: ['http://a'], exposeHeaders: ['x'] }, 'http://a', fn),
      [['x', '1'], ['access-control-allow-origin', 'http://a'], ['access-control-expose-headers', 'x'], ['vary', 'Origin']]);
    assert.deepEqual(withCorsHeaders({ allowOrigins: ['http://a'] }, 'http://b', fn), [['x', '1']]);
  });
});

describe('URL ids', () => {
  it('are 32 lowercase letters and digits, and differ', () => {
    const ids = new Set(Array.from({ length: 1000 }, newUrlId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, urlIdRe);
  });
});
