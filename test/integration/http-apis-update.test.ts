import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  ApiGatewayV2Client, CreateApiCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand, DeleteCorsConfigurationCommand,
  GetApiCommand, GetIntegrationCommand, GetRouteCommand, GetStageCommand, GetTagsCommand, TagResourceCommand, UntagResourceCommand, UpdateApiCommand, UpdateIntegrationCommand, UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { allowPublicUrl, makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres } from '../postgres';

/**
 * The Update operations of the HTTP API subset (UpdateApi, UpdateRoute,
 * UpdateIntegration, UpdateStage, DeleteCorsConfiguration) through
 * @aws-sdk/client-apigatewayv2, on SQLite and on PostgreSQL, each change
 * seen by real HTTP requests to the API; binary bodies both ways; what
 * API Gateway answers when the function fails, times out, or the
 * integration's timeout passes.
 */
const echoJs = `
exports.handler = async (event, context) => {
  const q = event.queryStringParameters || {};
  if (q.mode === 'sleep') { await new Promise((r) => setTimeout(r, Number(q.ms || 1500))); return { statusCode: 200, body: 'slept' }; }
  if (q.mode === 'echo-binary') {
    // Answers the request body's bytes as image/png, base64-encoded as AWS requires for binary answers.
    const raw = event.isBase64Encoded ? event.body : Buffer.from(event.body || '', 'utf8').toString('base64');
    return { statusCode: 200, headers: { 'content-type': 'image/png' }, isBase64Encoded: true, body: raw };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
};`;

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

function request(port: number, opts: { method?: string; path?: string; host?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function awsError(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const x = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: x.name, message: x.message, status: x.$metadata?.httpStatusCode };
  }
  return { name: 'no error', message: '' };
}

/** The first bytes of a PNG file and bytes that are not UTF-8, so any text decoding on the way would change them. */
const pngBytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`HTTP API updates through the SDK, seen by HTTP requests (${db})`, () => {
    let pg: ThrowawayPostgres | undefined;
    let s: RunningServer;
    let lambda: LambdaClient;
    let gw: ApiGatewayV2Client;
    let apiId: string;
    let port: number;
    let host: string;
    let integId: string;
    let routeId: string;
    const get = (path: string, o: Parameters<typeof request>[1] = {}) => request(port, { host, path, ...o });

    const env: Record<string, string> = {};
    before(async () => {
      if (db === 'postgres') {
        pg = await startPostgres();
        env.KUMO_DATABASE_URL = await pg.createDatabase('apis');
      }
      s = await startServer({ env });
      lambda = s.client;
      gw = new ApiGatewayV2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
      for (const [name, timeout] of [['echo', 10], ['echo2', 10], ['slow', 1]] as const) {
        await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: timeout, Code: { ZipFile: await makeZip({ 'index.js': echoJs }) } }));
        await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
      }
      const api = await gw.send(new CreateApiCommand({ Name: 'shop', ProtocolType: 'HTTP', CorsConfiguration: { AllowOrigins: ['http://a.example'], AllowMethods: ['GET'] } }));
      apiId = api.ApiId!;
      const u = new URL(api.ApiEndpoint!);
      host = u.host;
      port = Number(u.port);
      integId = (await gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('echo'), PayloadFormatVersion: '2.0' }))).IntegrationId!;
      routeId = (await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /pets', Target: `integrations/${integId}` }))).RouteId!;
      await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /taken', Target: `integrations/${integId}` }));
      await gw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }));
      await gw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'prod', AutoDeploy: true, StageVariables: { env: 'one' } }));
    });

    after(async () => {
      gw?.destroy();
      await s?.stop();
      await pg?.stop();
    });

    it('UpdateApi changes Name and CorsConfiguration (preflights follow); DeleteCorsConfiguration removes it; Target is refused by name', async () => {
      const up = await gw.send(new UpdateApiCommand({ ApiId: apiId, Name: 'store', CorsConfiguration: { AllowOrigins: ['http://b.example'], AllowMethods: ['GET', 'PUT'], MaxAge: 60 } }));
      assert.equal(up.Name, 'store');
      assert.equal(up.ApiId, apiId);
      assert.deepEqual(up.CorsConfiguration, { AllowOrigins: ['http://b.example'], AllowMethods: ['GET', 'PUT'], MaxAge: 60 });
      assert.equal((await gw.send(new GetApiCommand({ ApiId: apiId }))).Name, 'store', 'durable, read back');
      const pre = await get('/pets', { method: 'OPTIONS', headers: { origin: 'http://b.example', 'access-control-request-method': 'PUT' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], 'http://b.example');
      assert.equal(pre.headers['access-control-allow-methods'], 'GET,PUT');
      const old = await get('/pets', { method: 'OPTIONS', headers: { origin: 'http://a.example', 'access-control-request-method': 'GET' } });
      assert.equal(old.headers['access-control-allow-origin'], undefined, 'the old origin is no longer allowed');

      await gw.send(new DeleteCorsConfigurationCommand({ ApiId: apiId }));
      assert.equal((await gw.send(new GetApiCommand({ ApiId: apiId }))).CorsConfiguration, undefined);
      const plain = await get('/pets', { headers: { origin: 'http://b.example' } });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['access-control-allow-origin'], undefined);

      const quick = await awsError(gw.send(new UpdateApiCommand({ ApiId: apiId, Target: fnArn('echo') })));
      assert.equal(quick.name, 'BadRequestException');
      assert.match(quick.message, /target/);
      const cred = await awsError(gw.send(new UpdateApiCommand({ ApiId: apiId, Name: 'x', CredentialsArn: 'arn:aws:iam::000000000000:role/r' })));
      assert.equal(cred.name, 'BadRequestException');
      assert.equal((await gw.send(new GetApiCommand({ ApiId: apiId }))).Name, 'store', 'a refused update changes nothing');
      const nf = await awsError(gw.send(new UpdateApiCommand({ ApiId: 'abcdefghij', Name: 'x' })));
      assert.deepEqual(nf, { name: 'NotFoundException', message: 'Invalid API identifier specified 000000000000:abcdefghij', status: 404 });
      assert.equal((await awsError(gw.send(new DeleteCorsConfigurationCommand({ ApiId: 'abcdefghij' })))).name, 'NotFoundException');
      const cors = await awsError(gw.send(new UpdateApiCommand({ ApiId: apiId, CorsConfiguration: { AllowOrigins: ['*'], AllowCredentials: true } })));
      assert.equal(cors.name, 'BadRequestException');
    });

    it('UpdateRoute moves a route to a new key (served there, gone from the old path); a taken key is ConflictException', async () => {
      const r = await gw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, RouteKey: 'GET /animals/{id}' }));
      assert.equal(r.RouteKey, 'GET /animals/{id}');
      assert.equal(r.Target, `integrations/${integId}`, 'the target stays');
      assert.equal((await gw.send(new GetRouteCommand({ ApiId: apiId, RouteId: routeId }))).RouteKey, 'GET /animals/{id}');
      const e = JSON.parse((await get('/animals/3')).body.toString());
      assert.equal(e.routeKey, 'GET /animals/{id}');
      assert.deepEqual(e.pathParameters, { id: '3' });
      assert.equal((await get('/pets')).status, 404);

      const taken = await awsError(gw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, RouteKey: 'GET /taken' })));
      assert.deepEqual(taken, { name: 'ConflictException', message: 'Route with key GET /taken already exists for this API', status: 409 });
      assert.equal((await awsError(gw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, RouteKey: 'FETCH /x' })))).name, 'BadRequestException');
      assert.equal((await awsError(gw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, Target: 'integrations/nope123' })))).name, 'BadRequestException');
      assert.equal((await awsError(gw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, AuthorizationType: 'JWT' })))).name, 'BadRequestException');
      const nf = await awsError(gw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: 'zzzzzzz', RouteKey: 'GET /y' })));
      assert.deepEqual(nf, { name: 'NotFoundException', message: 'Invalid Route identifier specified zzzzzzz', status: 404 });
      assert.equal((await gw.send(new GetRouteCommand({ ApiId: apiId, RouteId: routeId }))).RouteKey, 'GET /animals/{id}', 'refused updates change nothing');
    });

    it('UpdateIntegration changes the function and the payload format the route gets; bad values are BadRequestException', async () => {
      const up = await gw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: integId, IntegrationUri: fnArn('echo2'), PayloadFormatVersion: '1.0' }));
      assert.equal(up.PayloadFormatVersion, '1.0');
      assert.equal(up.IntegrationUri, fnArn('echo2'));
      assert.equal(up.IntegrationType, 'AWS_PROXY');
      assert.equal((await gw.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: integId }))).IntegrationUri, fnArn('echo2'));
      const e = JSON.parse((await get('/animals/4')).body.toString());
      assert.equal(e.version, '1.0');
      assert.equal(e.resource, '/animals/{id}');
      for (const bad of [{ TimeoutInMillis: 40 }, { PayloadFormatVersion: '3.0' }, { IntegrationType: 'HTTP_PROXY' as const }, { IntegrationUri: 'http://example.com' }, { IntegrationMethod: 'GET' }]) {
        assert.equal((await awsError(gw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: integId, ...bad })))).name, 'BadRequestException', JSON.stringify(bad));
      }
      const nf = await awsError(gw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: 'zzzzzzz', PayloadFormatVersion: '2.0' })));
      assert.deepEqual(nf, { name: 'NotFoundException', message: 'Invalid Integration identifier specified zzzzzzz', status: 404 });
      await gw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: integId, PayloadFormatVersion: '2.0' }));
      assert.equal(JSON.parse((await get('/animals/4')).body.toString()).version, '2.0');
    });

    it('UpdateStage replaces stage variables and turns AutoDeploy off (the stage stops serving); DeploymentId is refused', async () => {
      const up = await gw.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'prod', StageVariables: { env: 'two', region: 'eu' }, Description: 'production' }));
      assert.deepEqual(up.StageVariables, { env: 'two', region: 'eu' });
      assert.equal(up.Description, 'production');
      assert.ok(up.LastUpdatedDate! >= up.CreatedDate!);
      assert.deepEqual(JSON.parse((await get('/prod/animals/1')).body.toString()).stageVariables, { env: 'two', region: 'eu' });
      assert.equal((await awsError(gw.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'prod', DeploymentId: 'abc' })))).name, 'BadRequestException');
      assert.equal((await awsError(gw.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'prod', StageVariables: { 'bad name': 'x' } })))).name, 'BadRequestException');
      const nf = await awsError(gw.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'nope', AutoDeploy: true })));
      assert.deepEqual(nf, { name: 'NotFoundException', message: 'Invalid stage identifier specified', status: 404 });
      await gw.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'prod', AutoDeploy: false }));
      assert.equal((await gw.send(new GetStageCommand({ ApiId: apiId, StageName: 'prod' }))).AutoDeploy, false);
      // Without AutoDeploy (and Kumo has no deployments) the stage serves nothing: /prod/animals/1 is a $default-stage path no route matches.
      assert.equal((await get('/prod/animals/1')).status, 404);
      await gw.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'prod', AutoDeploy: true }));
      assert.equal((await get('/prod/animals/1')).status, 200);
    });

    it('TagResource / UntagResource / GetTags on an API and on a stage; an unknown ARN or API is refused', async () => {
      const arn = `arn:aws:apigateway:us-east-1::/apis/${apiId}`;
      await gw.send(new TagResourceCommand({ ResourceArn: arn, Tags: { team: 'a', env: 'dev' } }));
      await gw.send(new TagResourceCommand({ ResourceArn: arn, Tags: { team: 'b' } }));
      assert.deepEqual((await gw.send(new GetTagsCommand({ ResourceArn: arn }))).Tags, { team: 'b', env: 'dev' });
      await gw.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['env', 'absent'] }));
      assert.deepEqual((await gw.send(new GetApiCommand({ ApiId: apiId }))).Tags, { team: 'b' });
      const stageArn = `${arn}/stages/prod`;
      await gw.send(new TagResourceCommand({ ResourceArn: stageArn, Tags: { tier: 'gold' } }));
      assert.deepEqual((await gw.send(new GetStageCommand({ ApiId: apiId, StageName: 'prod' }))).Tags, { tier: 'gold' });
      assert.deepEqual((await gw.send(new GetTagsCommand({ ResourceArn: stageArn }))).Tags, { tier: 'gold' });
      assert.equal((await awsError(gw.send(new TagResourceCommand({ ResourceArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', Tags: { a: 'b' } })))).name, 'BadRequestException');
      assert.equal((await awsError(gw.send(new GetTagsCommand({ ResourceArn: 'arn:aws:apigateway:us-east-1::/apis/abcdefghij' })))).name, 'NotFoundException');
      assert.equal((await awsError(gw.send(new TagResourceCommand({ ResourceArn: `${arn}/stages/nope`, Tags: { a: 'b' } })))).name, 'NotFoundException');
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
      assert.equal((await awsError(gw.send(new TagResourceCommand({ ResourceArn: arn, Tags: many })))).name, 'BadRequestException');
      assert.deepEqual((await gw.send(new GetTagsCommand({ ResourceArn: arn }))).Tags, { team: 'b' }, 'a refused tagging changes nothing');
    });

    it('updates are durable: after kill -9 and a restart the API answers as last updated', async () => {
      const dataDir = s.dataDir;
      await s.kill9();
      gw.destroy();
      s = await startServer({ dataDir, env });
      gw = new ApiGatewayV2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
      lambda = s.client;
      const api = await gw.send(new GetApiCommand({ ApiId: apiId }));
      assert.equal(api.Name, 'store');
      const u = new URL(api.ApiEndpoint!);
      host = u.host;
      port = Number(u.port);
      assert.equal(JSON.parse((await get('/animals/8')).body.toString()).routeKey, 'GET /animals/{id}');
      assert.deepEqual(JSON.parse((await get('/prod/animals/8')).body.toString()).stageVariables, { env: 'two', region: 'eu' });
    });

    if (db === 'sqlite') {
      it('binary bodies: a PNG arrives base64-encoded with isBase64Encoded (2.0 and 1.0), text does not; an isBase64Encoded answer reaches the client as the same bytes', async () => {
        const binRoute = await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /upload', Target: `integrations/${integId}` }));
        const v1 = await gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('echo'), PayloadFormatVersion: '1.0' }));
        await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /upload1', Target: `integrations/${v1.IntegrationId}` }));
        assert.ok(binRoute.RouteId);
        for (const path of ['/upload', '/upload1']) {
          const e = JSON.parse((await get(path, { method: 'POST', headers: { 'content-type': 'image/png' }, body: pngBytes })).body.toString());
          assert.equal(e.isBase64Encoded, true, path);
          assert.deepEqual(Buffer.from(e.body, 'base64'), pngBytes, path);
          const none = JSON.parse((await get(path, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pngBytes })).body.toString());
          assert.equal(none.isBase64Encoded, true, `${path}: octet-stream is binary`);
          for (const ct of ['text/plain; charset=utf-8', 'application/json', 'application/xml', 'application/vnd.api+json']) {
            const t = JSON.parse((await get(path, { method: 'POST', headers: { 'content-type': ct }, body: 'héllo' })).body.toString());
            assert.equal(t.isBase64Encoded, false, `${path} ${ct}`);
            assert.equal(t.body, 'héllo', `${path} ${ct}`);
          }
          const back = await get(`${path}?mode=echo-binary`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: pngBytes });
          assert.equal(back.status, 200);
          assert.equal(back.headers['content-type'], 'image/png');
          assert.deepEqual(back.body, pngBytes, `${path}: the answer's bytes are the request's`);
        }
        // A function URL applies the same rule to the same request (one isTextType for both front doors).
        const url = new URL((await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'echo', AuthType: 'NONE' }))).FunctionUrl!);
        await allowPublicUrl(lambda, 'echo');
        const viaUrl = JSON.parse((await request(Number(url.port), { host: url.host, method: 'POST', headers: { 'content-type': 'image/png' }, body: pngBytes })).body.toString());
        assert.equal(viaUrl.isBase64Encoded, true);
        assert.deepEqual(Buffer.from(viaUrl.body, 'base64'), pngBytes);
        const urlBack = await request(Number(url.port), { host: url.host, path: '/?mode=echo-binary', method: 'POST', headers: { 'content-type': 'image/png' }, body: pngBytes });
        assert.deepEqual(urlBack.body, pngBytes);
      });

      it('a function that times out is 500 {"message":"Internal Server Error"}; an integration timeout that passes first is 503 {"message":"Service Unavailable"}', async () => {
        const slow = await gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('slow'), PayloadFormatVersion: '2.0' }));
        await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /slow', Target: `integrations/${slow.IntegrationId}` }));
        // The function's own Timeout (1 s) ends it: a function error.
        const fnTimeout = await get('/slow?mode=sleep&ms=3000');
        assert.equal(fnTimeout.status, 500);
        assert.deepEqual(JSON.parse(fnTimeout.body.toString()), { message: 'Internal Server Error' });
        // The integration's TimeoutInMillis (200 ms) passes before the function (1 s Timeout, 600 ms sleep) answers.
        await gw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: slow.IntegrationId, TimeoutInMillis: 200 }));
        const t0 = Date.now();
        const apiTimeout = await get('/slow?mode=sleep&ms=600');
        assert.equal(apiTimeout.status, 503);
        assert.deepEqual(JSON.parse(apiTimeout.body.toString()), { message: 'Service Unavailable' });
        assert.ok(Date.now() - t0 < 590, `answered after ${Date.now() - t0} ms: it waited for the function`);
      });
    }
  });
}
