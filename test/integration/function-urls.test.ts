import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import {
  CreateAliasCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteAliasCommand, DeleteFunctionCommand, DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand, ListFunctionUrlConfigsCommand, PublishVersionCommand, PutFunctionConcurrencyCommand, UpdateFunctionUrlConfigCommand,
  waitUntilFunctionActiveV2, type LambdaClient,
} from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../sha256';
import { allowPublicUrl, makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { tool } from '../tools';
import { startPostgres, type ThrowawayPostgres } from '../postgres';


/** A handler that answers with its event (the payload 2.0 request) unless the request asks for something else. */
const echoJs = `
exports.handler = async (event) => {
  const q = event.queryStringParameters || {};
  if (q.mode === 'string') return 'hello';
  if (q.mode === 'number') return 3;
  if (q.mode === 'object') return { hello: 'world' };
  if (q.mode === 'throw') throw new Error('boom');
  if (q.mode === 'bad') return { statusCode: 'x' };
  if (q.mode === 'binary') return { statusCode: 201, headers: { 'content-type': 'image/png', 'x-a': 'b' }, cookies: ['a=1; Path=/', 'b=2'], body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
  if (q.mode === 'cors') return { statusCode: 200, headers: { 'access-control-allow-origin': 'http://evil.example' }, body: 'ok' };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
};`;

async function deploy(c: LambdaClient, name: string): Promise<void> {
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': echoJs }) } }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

/** A raw HTTP request to the URL listener with the Host we choose (Node's resolver does not map *.localhost to loopback). */
function request(port: number, opts: { method?: string; path?: string; host?: string; headers?: Record<string, string | string[]>; body?: Buffer | string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('function URLs (API and listener, AWS SDK v3, fetch, curl, python http.client)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let url: string;
  let urlPort: number;
  let host: string;
  before(async () => {
    s = await startServer();
    c = s.client;
    await deploy(c, 'web');
    const r = await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    await allowPublicUrl(c, 'web');
    url = r.FunctionUrl!;
    const u = new URL(url);
    urlPort = Number(u.port);
    host = u.host;
  });
  after(async () => {
    await s?.stop();
  });

  it('CreateFunctionUrlConfig answers as AWS: the URL in its form, 201, no LastModifiedTime; a second create is ResourceConflictException', async () => {
    assert.match(url, /^http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:\d+\/$/);
    const got = await c.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }));
    assert.equal(got.FunctionUrl, url);
    assert.equal(got.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:web');
    assert.equal(got.AuthType, 'NONE');
    assert.equal(got.InvokeMode, 'BUFFERED');
    assert.match(got.CreationTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(got.LastModifiedTime, got.CreationTime);
    await assert.rejects(c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'ResourceConflictException');
      assert.equal(e.message, 'Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:web]. Error message:  FunctionUrlConfig exists for this Lambda function');
      assert.equal(e.$metadata?.httpStatusCode, 409);
      return true;
    });
  });

  it('answers AWS\'s errors for missing functions, bad qualifiers and bad members', async () => {
    const err = async (p: Promise<unknown>, name: string, message: string) =>
      assert.rejects(p, (e: Error) => (assert.equal(e.name, name), assert.equal(e.message, message), true));
    await err(c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'nope', AuthType: 'NONE' })), 'ResourceNotFoundException', 'Function does not exist');
    await err(c.send(new GetFunctionUrlConfigCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await err(c.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'nope' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await err(c.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'nope', AuthType: 'NONE' })), 'ResourceNotFoundException', 'Function does not exist');
    await err(c.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 'Function does not exist');
    for (const q of ['1', '$LATEST']) {
      await err(c.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: q })), 'ValidationException',
        `1 validation error detected: Value '${q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)`);
    }
    await err(c.send(new GetFunctionUrlConfigCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:web:a', Qualifier: 'b' })), 'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.');
    await err(c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE', InvokeMode: 'UNKNOWN' as never })), 'ValidationException',
      "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]");
    await err(c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE', Cors: { MaxAge: 86401, AllowMethods: ['GET', 'TOOLONG'] } })), 'ValidationException',
      "2 validation errors detected: Value 'TOOLONG' at 'cors.allowMethods.2.member' failed to satisfy constraint: Member must have length less than or equal to 6; Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400");
    await c.send(new PublishVersionCommand({ FunctionName: 'web' }));
    await c.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'stream', FunctionVersion: '1' }));
    assert.deepEqual((await c.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web' }))).FunctionUrlConfigs!.map((x) => x.FunctionArn),
      ['arn:aws:lambda:us-east-1:000000000000:function:web'], 'the refused creates left nothing behind');
  });

  it('an alias URL: created, listed after $LATEST, updated (Cors replaced), served, and deleted with its alias (then 403 as AWS)', async () => {
    await c.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'live', FunctionVersion: '1' }));
    const created = await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE', InvokeMode: 'BUFFERED', Cors: { AllowOrigins: ['*'] } }));
    await allowPublicUrl(c, 'web', 'live');
    assert.equal(created.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:web:live');
    assert.equal(created.InvokeMode, 'BUFFERED');
    assert.notEqual(created.FunctionUrl, url);
    const list = await c.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web', MaxItems: 1 }));
    assert.equal(list.FunctionUrlConfigs!.length, 1);
    assert.equal(list.FunctionUrlConfigs![0]!.FunctionUrl, url);
    const next = await c.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web', Marker: list.NextMarker }));
    assert.deepEqual(next.FunctionUrlConfigs!.map((x) => x.FunctionUrl), [created.FunctionUrl]);
    const upd = await c.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', Cors: { AllowOrigins: ['http://a.example'], MaxAge: 60 } }));
    assert.deepEqual(upd.Cors, { AllowOrigins: ['http://a.example'], MaxAge: 60 });
    assert.equal(upd.AuthType, 'NONE');
    assert.equal(upd.FunctionUrl, created.FunctionUrl, 'the URL stays');
    const r = await fetch(`http://127.0.0.1:${urlPort}/lambda-url/${new URL(created.FunctionUrl!).hostname.split('.')[0]}/x?mode=string`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'hello');
    await c.send(new DeleteAliasCommand({ FunctionName: 'web', Name: 'live' }));
    await assert.rejects(c.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' })), { name: 'ResourceNotFoundException' });
    const gone = await request(urlPort, { host: new URL(created.FunctionUrl!).host });
    assert.equal(gone.status, 403);
    assert.equal(gone.body.toString(), '{"Message":null}');
    assert.equal(gone.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.equal(gone.headers['content-type'], 'application/json');
  });

  it('builds the payload 2.0 request as AWS: headers joined, cookies, query parameters, requestContext, text body', async () => {
    const r = await request(urlPort, {
      method: 'POST', host, path: '/a/b%20c?x=1&x=2&y=hello%20world&mode=echo',
      headers: { 'content-type': 'application/json', 'x-multi': ['one', 'two'], cookie: 'c1=v1; c2=v2', 'user-agent': 'kumo-test/1' },
      body: '{"k":"v"}',
    });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
    const ev = JSON.parse(r.body.toString());
    const id = host.split('.')[0]!;
    assert.equal(ev.version, '2.0');
    assert.equal(ev.routeKey, '$default');
    assert.equal(ev.rawPath, '/a/b%20c');
    assert.equal(ev.rawQueryString, 'x=1&x=2&y=hello%20world&mode=echo');
    assert.deepEqual(ev.cookies, ['c1=v1', 'c2=v2']);
    assert.equal(ev.headers['x-multi'], 'one,two');
    assert.equal(ev.headers.cookie, undefined, 'the Cookie header moves to cookies');
    assert.equal(ev.headers['content-type'], 'application/json');
    assert.equal(ev.headers['x-forwarded-proto'], 'http');
    assert.match(ev.headers['x-amzn-trace-id'], /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.deepEqual(ev.queryStringParameters, { x: '1,2', y: 'hello world', mode: 'echo' });
    assert.equal(ev.body, '{"k":"v"}');
    assert.equal(ev.isBase64Encoded, false);
    const rc = ev.requestContext;
    assert.equal(rc.accountId, 'anonymous');
    assert.equal(rc.apiId, id);
    assert.equal(rc.domainPrefix, id);
    assert.equal(rc.domainName, `${id}.lambda-url.us-east-1.localhost`);
    assert.deepEqual(rc.http, { method: 'POST', path: '/a/b%20c', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'kumo-test/1' });
    assert.equal(rc.routeKey, '$default');
    assert.equal(rc.stage, '$default');
    assert.match(rc.time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.ok(Math.abs(rc.timeEpoch - Date.now()) < 60_000);
    assert.equal(rc.requestId, r.headers['x-amzn-requestid']);
    assert.equal(rc.authorizer, undefined);
  });

  it('passes a binary body base64-encoded, and a GET without query or body without those members', async () => {
    const bin = Buffer.from([0, 1, 2, 250, 255]);
    const r = await fetch(`http://127.0.0.1:${urlPort}/lambda-url/${host.split('.')[0]}/up`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bin });
    const ev = await r.json() as Record<string, unknown>;
    assert.equal(ev.isBase64Encoded, true);
    assert.equal(ev.body, bin.toString('base64'));
    assert.equal(ev.rawPath, '/up');
    const g = JSON.parse((await request(urlPort, { host, path: '/' })).body.toString());
    assert.equal(g.rawQueryString, '');
    assert.equal('queryStringParameters' in g, false);
    assert.equal('body' in g, false);
    assert.equal('cookies' in g, false);
    assert.equal(g.isBase64Encoded, false);
  });

  it('maps responses as AWS: a string, a number and an object without statusCode; status, headers, cookies and a base64 body', async () => {
    const base = `http://127.0.0.1:${urlPort}/lambda-url/${host.split('.')[0]}/`;
    for (const [mode, body] of [['string', 'hello'], ['number', '3'], ['object', '{"hello":"world"}']] as const) {
      const r = await fetch(`${base}?mode=${mode}`);
      assert.equal(r.status, 200, mode);
      assert.equal(r.headers.get('content-type'), 'application/json', mode);
      assert.equal(await r.text(), body, mode);
    }
    const b = await request(urlPort, { host, path: '/?mode=binary' });
    assert.equal(b.status, 201);
    assert.equal(b.headers['content-type'], 'image/png');
    assert.equal(b.headers['x-a'], 'b');
    assert.deepEqual(b.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    assert.deepEqual([...b.body], [0, 1, 2, 255]);
  });

  it('answers 502 "Internal Server Error" for a function error and for a response it cannot map; 413 over 6 MB; 403 for an unknown URL id', async () => {
    for (const mode of ['throw', 'bad']) {
      const r = await request(urlPort, { host, path: `/?mode=${mode}` });
      assert.equal(r.status, 502, mode);
      assert.equal(r.body.toString(), 'Internal Server Error', mode);
    }
    const big = await request(urlPort, { host, method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(6 * 1024 * 1024 + 1, 97) });
    assert.equal(big.status, 413);
    assert.equal(big.headers['x-amzn-errortype'], 'RequestEntityTooLargeException');
    const unknown = await request(urlPort, { host: `${'0123456789abcdefghijklmnopqrstuv'}.lambda-url.us-east-1.localhost:${urlPort}` });
    assert.equal(unknown.status, 403);
    assert.equal(unknown.body.toString(), '{"Message":null}');
    const nohost = await request(urlPort, { path: '/' });
    assert.equal(nohost.status, 403);
  });

  it('curl reaches the host-based URL itself (*.localhost resolves to loopback), and python http.client the path-based one', async () => {
    const out = execFileSync(tool('curl'), ['-sS', '-b', 'k=v', `${url}p?q=1`], { encoding: 'utf8' });
    const ev = JSON.parse(out);
    assert.equal(ev.rawPath, '/p');
    assert.deepEqual(ev.cookies, ['k=v']);
    assert.match(ev.requestContext.http.userAgent, /^curl\//);
    const py = execFileSync(tool('python3'), ['-c', `
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', ${urlPort})
c.request('POST', '/lambda-url/${host.split('.')[0]}/py?a=b', body='x=1&y=2', headers={'Content-Type': 'application/x-www-form-urlencoded'})
r = c.getresponse()
print(json.dumps({'status': r.status, 'event': json.loads(r.read())}))
`], { encoding: 'utf8' });
    const p = JSON.parse(py);
    assert.equal(p.status, 200);
    assert.equal(p.event.rawPath, '/py');
    assert.equal(p.event.isBase64Encoded, true, 'a form body arrives base64-encoded');
    assert.equal(Buffer.from(p.event.body, 'base64').toString(), 'x=1&y=2');
    assert.match(p.event.requestContext.http.userAgent, /^$|Python/);
  });

  it('CORS: the URL answers a preflight itself and puts the configured headers on responses for an allowed origin only', async () => {
    await deploy(c, 'corsy');
    const u = await c.send(new CreateFunctionUrlConfigCommand({
      FunctionName: 'corsy', AuthType: 'NONE',
      Cors: { AllowOrigins: ['http://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-custom'], ExposeHeaders: ['x-a'], MaxAge: 300, AllowCredentials: true },
    }));
    await allowPublicUrl(c, 'corsy');
    const h = new URL(u.FunctionUrl!).host;
    const pre = await request(urlPort, { method: 'OPTIONS', host: h, headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'X-Custom' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.body.length, 0, 'the function did not answer (it would have echoed its event)');
    assert.equal(pre.headers['access-control-allow-origin'], 'http://app.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'x-custom');
    assert.equal(pre.headers['access-control-max-age'], '300');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    const denied = await request(urlPort, { method: 'OPTIONS', host: h, headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    const get = await request(urlPort, { host: h, path: '/?mode=cors', headers: { origin: 'http://app.example' } });
    assert.equal(get.body.toString(), 'ok');
    assert.equal(get.headers['access-control-allow-origin'], 'http://app.example', 'the configured origin replaces the function\'s');
    assert.equal(get.headers['access-control-expose-headers'], 'x-a');
    const other = await request(urlPort, { host: h, path: '/?mode=cors', headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('AWS_IAM: a request signed with the SDK\'s SigV4 signer (service lambda) is invoked with authorizer.iam; unsigned or badly signed is 403', async () => {
    await deploy(c, 'private');
    const u = await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'private', AuthType: 'AWS_IAM' }));
    const target = new URL(u.FunctionUrl!);
    const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials: testCreds, sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: '/signed', query: { a: '1' },
      headers: { host: target.host, 'content-type': 'application/json' }, body: '{"n":1}',
    });
    const r = await request(urlPort, { method: 'POST', path: '/signed?a=1', headers: signed.headers as Record<string, string>, body: '{"n":1}' });
    assert.equal(r.status, 200, r.body.toString());
    const ev = JSON.parse(r.body.toString());
    assert.equal(ev.requestContext.accountId, '000000000000');
    assert.equal(ev.requestContext.authorizer.iam.accessKey, testCreds.accessKeyId);
    assert.equal(ev.body, '{"n":1}');
    const unsigned = await request(urlPort, { host: target.host, path: '/signed' });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.body.toString(), '{"Message":"Forbidden"}');
    assert.equal(unsigned.headers['x-amzn-errortype'], 'AccessDeniedException');
    const tampered = await request(urlPort, { method: 'POST', path: '/signed?a=2', headers: signed.headers as Record<string, string>, body: '{"n":1}' });
    assert.equal(tampered.status, 403);
    assert.equal(tampered.headers['x-amzn-errortype'], 'AccessDeniedException');
    // A browser never signs a preflight: the URL answers it before authentication.
    await c.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'private', Cors: { AllowOrigins: ['http://app.example'], AllowMethods: ['POST'] } }));
    const pre = await request(urlPort, { method: 'OPTIONS', host: target.host, path: '/signed', headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://app.example');
  });

  it('429 when the function is throttled (reserved concurrency 0), and DeleteFunction deletes its URL', async () => {
    await deploy(c, 'throttled');
    const u = await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'throttled', AuthType: 'NONE' }));
    await allowPublicUrl(c, 'throttled');
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'throttled', ReservedConcurrentExecutions: 0 }));
    const h = new URL(u.FunctionUrl!).host;
    const r = await request(urlPort, { host: h });
    assert.equal(r.status, 429);
    assert.equal(r.body.toString(), '{"Message":"Rate Exceeded."}');
    await c.send(new DeleteFunctionCommand({ FunctionName: 'throttled' }));
    assert.equal((await request(urlPort, { host: h })).status, 403);
    await deploy(c, 'throttled');
    assert.deepEqual((await c.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'throttled' }))).FunctionUrlConfigs, []);
  });
});

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`function URL configs survive kill -9 once acknowledged (${db})`, () => {
    let pgServer: ThrowawayPostgres | undefined;
    let env: Record<string, string> = {};
    before(async () => {
      if (db === 'postgres') {
        pgServer = await startPostgres();
        env = { KUMO_DATABASE_URL: await pgServer.createDatabase('urls') };
      }
    });
    after(() => pgServer?.stop());

    it('a config created, then updated, is there after SIGKILL and a restart, and its URL id still serves', async () => {
      let s = await startServer({ env });
      const dataDir = s.dataDir;
      try {
        await deploy(s.client, 'durable');
        const created = await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'durable', AuthType: 'NONE' }));
        await allowPublicUrl(s.client, 'durable');
        await s.client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'durable', Cors: { AllowOrigins: ['http://x.example'] } }));
        await s.kill9();
        s = await startServer({ dataDir, env });
        const got = await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'durable' }));
        const id = (u: string) => new URL(u).hostname.split('.')[0];
        assert.equal(id(got.FunctionUrl!), id(created.FunctionUrl!));
        assert.deepEqual(got.Cors, { AllowOrigins: ['http://x.example'] });
        const r = await request(Number(new URL(got.FunctionUrl!).port), { host: new URL(got.FunctionUrl!).host, path: '/?mode=string' });
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), 'hello');
      } finally {
        await s.stop();
      }
    });
  });
}
