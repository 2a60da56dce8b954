import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  ApiGatewayV2Client, CreateApiCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand, DeleteApiCommand, DeleteIntegrationCommand,
  DeleteRouteCommand, DeleteStageCommand, GetApiCommand, GetApisCommand, GetIntegrationCommand, GetIntegrationsCommand, GetRouteCommand, GetRoutesCommand,
  GetStageCommand, GetStagesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { allowPublicUrl, makeZip, role, startServer, testCreds, type RunningServer } from './harness';

/** Answers with its event unless the query asks for something else; `fmt=1` answers in payload format 1.0. */
const echoJs = `
exports.handler = async (event) => {
  const q = event.queryStringParameters || {};
  if (q.mode === 'throw') throw new Error('boom');
  if (q.mode === 'bad') return { statusCode: 'x' };
  if (q.mode === 'string') return 'hello';
  if (q.mode === 'sleep') { await new Promise((r) => setTimeout(r, 1500)); return { statusCode: 200, body: 'slept' }; }
  if (event.version === '1.0') {
    return { statusCode: 201, headers: { 'content-type': 'application/json', 'x-one': 'a' }, multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] }, body: JSON.stringify(event) };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: ['c=3'], body: JSON.stringify(event) };
};`;

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

function request(port: number, opts: { method?: string; path?: string; host?: string; headers?: Record<string, string | string[]>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const errName = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return (e as Error).name;
  }
  return 'no error';
};

describe('HTTP APIs (API Gateway v2 management API via the SDK; routes served on the URL listener)', () => {
  let s: RunningServer;
  let lambda: LambdaClient;
  let gw: ApiGatewayV2Client;
  let apiId: string;
  let port: number;
  let host: string;
  let defaultRouteId: string;
  const get = (path: string, o: Parameters<typeof request>[1] = {}) => request(port, { host, path, ...o });

  before(async () => {
    s = await startServer();
    lambda = s.client;
    gw = new ApiGatewayV2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': echoJs }) } }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'echo' });

    const api = await gw.send(new CreateApiCommand({
      Name: 'shop', ProtocolType: 'HTTP',
      CorsConfiguration: { AllowOrigins: ['http://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['content-type'], MaxAge: 300 },
    }));
    apiId = api.ApiId!;
    assert.match(apiId, /^[a-z0-9]{10}$/);
    const m = /^http:\/\/([a-z0-9]+\.execute-api\.us-east-1\.localhost):(\d+)$/.exec(api.ApiEndpoint!);
    assert.ok(m, api.ApiEndpoint);
    assert.equal(m[1], `${apiId}.execute-api.us-east-1.localhost`);
    host = `${m[1]}:${m[2]}`;
    port = Number(m[2]);
    const v2 = await gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('echo'), PayloadFormatVersion: '2.0' }));
    const v1 = await gw.send(new CreateIntegrationCommand({
      ApiId: apiId, IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '1.0',
      IntegrationUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn('echo')}/invocations`,
    }));
    assert.equal(v1.PayloadFormatVersion, '1.0');
    assert.equal(v1.IntegrationMethod, 'POST');
    const t2 = `integrations/${v2.IntegrationId}`;
    const t1 = `integrations/${v1.IntegrationId}`;
    for (const [RouteKey, Target] of [['GET /pets', t2], ['GET /pets/{id}', t2], ['GET /pets/dog', t1], ['POST /pets', t1], ['ANY /files/{proxy+}', t2], ['GET /files/{proxy+}', t1], ['$default', t2]] as const) {
      const r = await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey, Target }));
      assert.equal(r.RouteKey, RouteKey);
      if (RouteKey === '$default') defaultRouteId = r.RouteId!;
    }
    const st = await gw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }));
    assert.equal(st.AutoDeploy, true);
    await gw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'prod', AutoDeploy: true, StageVariables: { env: 'production' } }));
  });

  after(async () => {
    gw?.destroy();
    await s?.stop();
  });

  it('payload 2.0: the most specific route, its key, path parameters, stage, apiId; cookies in the response', async () => {
    const r = await get('/pets/42?a=1&a=2');
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers['set-cookie'], ['c=3']);
    const e = JSON.parse(r.body);
    assert.equal(e.version, '2.0');
    assert.equal(e.routeKey, 'GET /pets/{id}');
    assert.equal(e.rawPath, '/pets/42');
    assert.deepEqual(e.pathParameters, { id: '42' });
    assert.deepEqual(e.queryStringParameters, { a: '1,2' });
    assert.equal(e.requestContext.routeKey, 'GET /pets/{id}');
    assert.equal(e.requestContext.stage, '$default');
    assert.equal(e.requestContext.apiId, apiId);
    assert.equal(e.requestContext.accountId, '000000000000');
    assert.equal(e.requestContext.http.method, 'GET');
    assert.equal(e.stageVariables, undefined);
    const list = JSON.parse((await get('/pets')).body);
    assert.equal(list.routeKey, 'GET /pets');
    assert.equal(list.pathParameters, undefined);
  });

  it('payload 1.0: the REST-style event (resource, httpMethod, multi-value headers and query), and its response with multiValueHeaders', async () => {
    const r = await get('/pets/dog?q=x&q=y', { headers: { 'x-multi': ['1', '2'] } });
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-one'], 'a');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    const e = JSON.parse(r.body);
    assert.equal(e.version, '1.0');
    assert.equal(e.resource, '/pets/dog');
    assert.equal(e.path, '/pets/dog');
    assert.equal(e.httpMethod, 'GET');
    assert.deepEqual(e.queryStringParameters, { q: 'y' });
    assert.deepEqual(e.multiValueQueryStringParameters, { q: ['x', 'y'] });
    assert.deepEqual(e.multiValueHeaders['x-multi'], ['1', '2']);
    assert.equal(e.headers['x-multi'], '2');
    assert.equal(e.pathParameters, null);
    assert.equal(e.stageVariables, null);
    assert.equal(e.body, null);
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.requestContext.resourcePath, '/pets/dog');
    assert.equal(e.requestContext.httpMethod, 'GET');
    assert.equal(e.requestContext.stage, '$default');
    assert.equal(e.requestContext.identity.sourceIp, '127.0.0.1');
    assert.equal(typeof e.requestContext.requestId, 'string');
    const post = JSON.parse((await get('/pets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' })).body);
    assert.equal(post.resource, '/pets');
    assert.equal(post.httpMethod, 'POST');
    assert.equal(post.body, '{"n":1}');
  });

  it('{proxy+} takes the rest of the path; a route naming the method beats ANY; $default takes the rest', async () => {
    const any = JSON.parse((await get('/files/a/b/c.txt', { method: 'DELETE' })).body);
    assert.equal(any.routeKey, 'ANY /files/{proxy+}');
    assert.deepEqual(any.pathParameters, { proxy: 'a/b/c.txt' });
    const g = JSON.parse((await get('/files/a/b')).body);
    assert.equal(g.version, '1.0');
    assert.equal(g.resource, '/files/{proxy+}');
    assert.deepEqual(g.pathParameters, { proxy: 'a/b' });
    const d = JSON.parse((await get('/nothing/here', { method: 'PUT' })).body);
    assert.equal(d.routeKey, '$default');
  });

  it('a named stage: its prefix, stage variables in both formats; the path-based form', async () => {
    const e = JSON.parse((await get('/prod/pets/7')).body);
    assert.equal(e.rawPath, '/prod/pets/7');
    assert.equal(e.routeKey, 'GET /pets/{id}');
    assert.equal(e.requestContext.stage, 'prod');
    assert.deepEqual(e.stageVariables, { env: 'production' });
    const v1 = JSON.parse((await get('/prod/pets/dog')).body);
    assert.equal(v1.requestContext.stage, 'prod');
    assert.deepEqual(v1.stageVariables, { env: 'production' });
    const byPath = await request(port, { path: `/execute-api/${apiId}/prod/pets/9` });
    assert.equal(byPath.status, 200);
    const pe = JSON.parse(byPath.body);
    assert.deepEqual(pe.pathParameters, { id: '9' });
    assert.equal(pe.requestContext.domainName, `${apiId}.execute-api.us-east-1.localhost`);
    // A function URL's host keeps its paths, /execute-api/… included: the URL's function gets them.
    const url = new URL((await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'echo', AuthType: 'NONE' }))).FunctionUrl!);
    await allowPublicUrl(lambda, 'echo');
    const viaUrl = JSON.parse((await request(port, { host: url.host, path: `/execute-api/${apiId}/pets/9` })).body);
    assert.equal(viaUrl.rawPath, `/execute-api/${apiId}/pets/9`);
    assert.equal(viaUrl.routeKey, '$default');
    assert.equal(viaUrl.requestContext.apiId, url.hostname.split('.')[0]);
  });

  it('errors as API Gateway answers them: a function error or a bad response is 500, an unknown API 404', async () => {
    for (const p of ['/pets/1?mode=throw', '/pets/1?mode=bad', '/pets/dog?mode=bad', '/pets/dog?mode=string']) {
      const r = await get(p);
      assert.equal(r.status, 500, p);
      assert.deepEqual(JSON.parse(r.body), { message: 'Internal Server Error' }, p);
    }
    const none = await request(port, { host: `zzzzzzzzzz.execute-api.us-east-1.localhost:${port}`, path: '/pets' });
    assert.equal(none.status, 404);
    assert.deepEqual(JSON.parse(none.body), { message: 'Not Found' });
  });

  it('CORS from CorsConfiguration: preflights answered by the API, headers added to responses for an allowed origin', async () => {
    const pre = await get('/pets', { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://app.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-max-age'], '300');
    const other = await get('/pets', { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const r = await get('/pets', { headers: { origin: 'http://app.example' } });
    assert.equal(r.headers['access-control-allow-origin'], 'http://app.example');
  });

  it('concurrent requests run in concurrent execution environments', async () => {
    const t0 = Date.now();
    const rs = await Promise.all([get('/pets/1?mode=sleep'), get('/pets/2?mode=sleep'), get('/pets/3?mode=sleep')]);
    for (const r of rs) assert.equal(r.body, 'slept');
    assert.ok(Date.now() - t0 < 4000, `three 1.5 s requests took ${Date.now() - t0} ms: they ran one after another`);
  });

  it('the management API: gets, lists, AWS error names, nothing left behind by a refused call', async () => {
    assert.equal((await gw.send(new GetApiCommand({ ApiId: apiId }))).Name, 'shop');
    assert.ok((await gw.send(new GetApisCommand({}))).Items!.some((a) => a.ApiId === apiId));
    const routes = (await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!;
    assert.equal(routes.length, 7);
    assert.equal((await gw.send(new GetRouteCommand({ ApiId: apiId, RouteId: defaultRouteId }))).RouteKey, '$default');
    const integs = (await gw.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items!;
    assert.equal(integs.length, 2);
    assert.equal((await gw.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: integs[0]!.IntegrationId }))).IntegrationType, 'AWS_PROXY');
    assert.deepEqual((await gw.send(new GetStageCommand({ ApiId: apiId, StageName: 'prod' }))).StageVariables, { env: 'production' });
    assert.equal((await gw.send(new GetStagesCommand({ ApiId: apiId }))).Items!.length, 2);

    assert.equal(await errName(gw.send(new GetApiCommand({ ApiId: 'abcdefghij' }))), 'NotFoundException');
    const nf = await gw.send(new GetApiCommand({ ApiId: 'abcdefghij' })).catch((e: unknown) => e as { message: string; ResourceType?: string; $metadata: { httpStatusCode?: number } });
    assert.equal((nf as { message: string }).message, 'Invalid API identifier specified 000000000000:abcdefghij');
    assert.equal((nf as { ResourceType?: string }).ResourceType, 'Api');
    assert.equal((nf as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode, 404);
    assert.equal(await errName(gw.send(new CreateApiCommand({ Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))), 'BadRequestException');
    assert.equal(await errName(gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'FETCH /x' }))), 'BadRequestException');
    assert.equal(await errName(gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /a/{p+}/b' }))), 'BadRequestException');
    assert.equal(await errName(gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /pets' }))), 'ConflictException');
    assert.equal(await errName(gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /x', Target: 'integrations/nope123' }))), 'BadRequestException');
    assert.equal(await errName(gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /x', AuthorizationType: 'JWT' }))), 'BadRequestException');
    assert.equal(await errName(gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'HTTP_PROXY', IntegrationUri: 'http://example.com', PayloadFormatVersion: '1.0' }))), 'BadRequestException');
    assert.equal(await errName(gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('echo'), PayloadFormatVersion: '3.0' }))), 'BadRequestException');
    assert.equal(await errName(gw.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: integs[0]!.IntegrationId }))), 'ConflictException');
    assert.equal(await errName(gw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'prod' }))), 'ConflictException');
    assert.equal(await errName(gw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'x', DeploymentId: 'abc' }))), 'BadRequestException');
    assert.equal((await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!.length, 7);
    assert.equal((await gw.send(new GetStagesCommand({ ApiId: apiId }))).Items!.length, 2);
  });

  it('deleting the $default route leaves unmatched paths 404 {"message":"Not Found"}; deleting a stage stops serving it', async () => {
    await gw.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: defaultRouteId }));
    const r = await get('/nothing');
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body), { message: 'Not Found' });
    assert.equal(r.headers['content-type'], 'application/json');
    await gw.send(new DeleteStageCommand({ ApiId: apiId, StageName: 'prod' }));
    // Without the prod stage, /prod/pets/7 is a path of the $default stage: no route matches it.
    assert.equal((await get('/prod/pets/7')).status, 404);
  });

  it('quick create (Target): integration, $default route and stage at once; DeleteApi stops serving', async () => {
    const q = await gw.send(new CreateApiCommand({ Name: 'quick', ProtocolType: 'HTTP', Target: fnArn('echo') }));
    const qh = `${q.ApiId}.execute-api.us-east-1.localhost:${port}`;
    const e = JSON.parse((await request(port, { host: qh, path: '/any/thing' })).body);
    assert.equal(e.routeKey, '$default');
    assert.equal(e.requestContext.apiId, q.ApiId);
    await gw.send(new DeleteApiCommand({ ApiId: q.ApiId }));
    assert.equal((await request(port, { host: qh, path: '/any/thing' })).status, 404);
    assert.equal(await errName(gw.send(new DeleteApiCommand({ ApiId: q.ApiId }))), 'NotFoundException');
  });

  it('APIs survive kill -9: routes, integrations and stages answer again after a restart', async () => {
    const dataDir = s.dataDir;
    await s.kill9();
    gw.destroy();
    s = await startServer({ dataDir });
    gw = new ApiGatewayV2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    const api = await gw.send(new GetApiCommand({ ApiId: apiId }));
    port = Number(/:(\d+)$/.exec(api.ApiEndpoint!)![1]);
    host = `${apiId}.execute-api.us-east-1.localhost:${port}`;
    assert.equal((await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!.length, 6);
    const e = JSON.parse((await get('/pets/5')).body);
    assert.deepEqual(e.pathParameters, { id: '5' });
  });
});
