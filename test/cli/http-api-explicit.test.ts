import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { ApiGatewayV2Client, GetApiCommand, GetApisCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import type { RunningServer } from '../integration/harness';
import { testCreds } from '../integration/harness';
import { kumo, noStackTrace, ok, tmpDir, withServer, writeTree } from './helpers';

/**
 * `kumo deploy` of APIs a template declares: AWS::Serverless::HttpApi
 * (StageName, StageVariables, CorsConfiguration, DefinitionBody) with
 * functions' `ApiId: !Ref MyApi` events; AWS::Serverless::Api (StageName,
 * Variables, Cors) with `RestApiId` events; AWS::ApiGatewayV2::Api by quick
 * create (Target) and with its own Integration, Route and Stage resources.
 * Outputs resolve as AWS's do (`!Ref` the API id, `!GetAtt …ApiEndpoint`,
 * the `!Sub https://${MyApi}.execute-api…` address as Kumo's, `!Ref` of the
 * stage SAM makes); every route answers real HTTP; a redeploy changes
 * nothing; a change updates in place (same API ids); what Kumo cannot honour
 * is refused by name. The logical ids are those aws-sam-translator 1.110
 * gives (`MyApidevStage`, `Restv1Stage`).
 */
const handler = "exports.handler = async (e) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ v: e.version, route: e.routeKey || e.resource, stage: e.requestContext.stage, vars: e.stageVariables, params: e.pathParameters }) })";

const template = (o: { petsPath: string; color: string; cors: boolean; manualKey: string; version?: string; team?: string }) => `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: dev
      StageVariables:
        color: ${o.color}
${o.cors ? `      CorsConfiguration:
        AllowOrigins: ['http://app.example']
        AllowMethods: [GET]
` : ''}      DefinitionBody:
        openapi: '3.0.1'
        info: {title: defined, version: '1'}
        paths:
          /defined:
            get:
              summary: a route of the definition
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${Echo.Arn}/invocations
                payloadFormatVersion: '1.0'
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "${handler}"
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Pets:
          Type: HttpApi
          Properties:
            ApiId: !Ref MyApi
            Path: ${o.petsPath}
            Method: get
        Legacy:
          Type: Api
          Properties:
            RestApiId: !Ref Rest
            Path: /legacy
            Method: post
        Implicit:
          Type: HttpApi
          Properties:
            Path: /implicit
            Method: get
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Variables:
        tier: gold
      Cors: "'*'"
  Quick:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: quick
      ProtocolType: HTTP
      Version: '${o.version ?? '1'}'
      Target: !GetAtt Echo.Arn
  Manual:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: manual
      ProtocolType: HTTP
      Tags:
        team: ${o.team ?? 'a'}
  ManualIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Manual
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Echo.Arn
      PayloadFormatVersion: '2.0'
  ManualRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Manual
      RouteKey: '${o.manualKey}'
      Target: !Join [/, [integrations, !Ref ManualIntegration]]
  ManualStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Manual
      StageName: live
      AutoDeploy: true
      StageVariables:
        color: ${o.color}
Outputs:
  HttpUrl:
    Value: !Sub "https://\${MyApi}.execute-api.\${AWS::Region}.amazonaws.com/dev/"
  Endpoint:
    Value: !GetAtt MyApi.ApiEndpoint
  ApiIdOut:
    Value: !Ref MyApi
  StageOut:
    Value: !Ref MyApidevStage
  RestStage:
    Value: !Ref Restv1Stage
  RestUrl:
    Value: !Sub "https://\${Rest}.execute-api.\${AWS::Region}.amazonaws.com/v1/"
  QuickEndpoint:
    Value: !GetAtt Quick.ApiEndpoint
  ManualEndpoint:
    Value: !GetAtt Manual.ApiEndpoint
  ManualRouteId:
    Value: !Ref ManualRoute
`;

const base = { petsPath: '/pets/{id}', color: 'blue', cors: true, manualKey: 'GET /manual' };

/**
 * An HTTP request to a Kumo address: `*.localhost` names loopback (RFC 6761) as browsers and curl
 * resolve it; Node's resolver does not, so the request goes to 127.0.0.1 with the address's Host.
 */
function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Map<string, string>; json: Record<string, unknown> | undefined; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(u.port), method: init.method ?? 'GET', path: u.pathname + u.search, headers: { host: u.host, ...init.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        const headers = new Map(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
        resolve({ status: res.statusCode!, headers, json, text });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const output = (stdout: string, name: string) => {
  const m = new RegExp(`${name} = (\\S+)`).exec(stdout);
  assert.ok(m, `output ${name} in:\n${stdout}`);
  return m[1]!;
};

describe('kumo deploy: declared APIs (AWS::Serverless::HttpApi / Api, AWS::ApiGatewayV2::*)', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('deploys them, resolves their outputs as AWS does, serves every route, redeploys nothing, updates in place and deletes them', async () => {
    const gw = new ApiGatewayV2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const dir = path.join(tmpDir('apis-explicit'), 'app');
      writeTree(dir, { 'template.yaml': template(base) });
      const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      for (const [id, type] of [['MyApi', 'AWS::Serverless::HttpApi'], ['Rest', 'AWS::Serverless::Api'], ['Quick', 'AWS::ApiGatewayV2::Api'], ['ManualRoute', 'AWS::ApiGatewayV2::Route'], ['ServerlessHttpApi', 'AWS::Serverless::HttpApi']]) {
        assert.match(r.stdout, new RegExp(`\\+ create\\s+${id}\\s+${type.replace(/:/g, ':')}`), `${id}\n${r.stdout}`);
      }
      const endpoint = output(r.stdout, 'Endpoint');
      const apiId = output(r.stdout, 'ApiIdOut');
      assert.match(endpoint, new RegExp(`^http://${apiId}\\.execute-api\\.us-east-1\\.localhost:\\d+$`));
      assert.equal(output(r.stdout, 'HttpUrl'), `${endpoint}/dev/`, 'the !Sub of AWS\'s address is printed as Kumo\'s');
      assert.equal(output(r.stdout, 'StageOut'), 'dev');
      assert.equal(output(r.stdout, 'RestStage'), 'v1');
      const restUrl = output(r.stdout, 'RestUrl');
      assert.match(restUrl, /^http:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+\/v1\/$/);
      assert.match(r.stdout, new RegExp(`GET /pets/\\{id\\}  ${endpoint.replace(/\./g, '\\.')}/dev/pets/\\{id\\}  \\(MyApi\\)`), r.stdout);

      // The event's route and the definition's route on the declared HTTP API, its stage and stage variables.
      const pets = await call(`${endpoint}/dev/pets/7`);
      assert.deepEqual(pets.json, { v: '2.0', route: 'GET /pets/{id}', stage: 'dev', vars: { color: 'blue' }, params: { id: '7' } });
      const defined = await call(`${endpoint}/dev/defined`);
      assert.deepEqual(defined.json, { v: '1.0', route: '/defined', stage: 'dev', vars: { color: 'blue' }, params: null });
      assert.equal((await call(`${endpoint}/dev/implicit`)).status, 404, 'an event without ApiId goes to SAM\'s implicit API, not MyApi');
      const pre = await call(`${endpoint}/dev/pets/7`, { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'http://app.example');

      // The declared REST API: payload 1.0, its stage, Variables and Cors.
      const legacy = await call(`${restUrl}legacy`, { method: 'POST', body: 'x' });
      assert.deepEqual(legacy.json, { v: '1.0', route: '/legacy', stage: 'v1', vars: { tier: 'gold' }, params: null });
      const restPre = await call(`${restUrl}legacy`, { method: 'OPTIONS', headers: { origin: 'http://any.example', 'access-control-request-method': 'POST' } });
      assert.equal(restPre.headers.get('access-control-allow-origin'), '*');
      assert.equal(restPre.headers.get('access-control-allow-methods'), 'OPTIONS,POST');

      // Quick create: the $default route and stage; the manual API with its own Integration, Route and Stage.
      const quick = await call(`${output(r.stdout, 'QuickEndpoint')}/any/path`);
      assert.equal(quick.json?.route, '$default');
      const manualEndpoint = output(r.stdout, 'ManualEndpoint');
      const manual = await call(`${manualEndpoint}/live/manual`);
      assert.deepEqual(manual.json, { v: '2.0', route: 'GET /manual', stage: 'live', vars: { color: 'blue' } });
      assert.match(output(r.stdout, 'ManualRouteId'), /^[a-z0-9]{7}$/);
      const implicitUrl = /GET \/implicit  (http:\S+)/.exec(r.stdout)![1]!;
      assert.equal((await call(implicitUrl)).json?.route, 'GET /implicit');

      const again = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.doesNotMatch(again.stdout, /[+~] (create|update)\s/, again.stdout);
      assert.match(again.stdout, /deployed: no changes/, again.stdout);

      writeTree(dir, { 'template.yaml': template({ petsPath: '/animals/{id}', color: 'green', cors: false, manualKey: 'GET /by-hand', version: '2' }) });
      const changed = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.match(changed.stdout, /update\s+MyApi/, changed.stdout);
      assert.match(changed.stdout, /update\s+ManualRoute/, changed.stdout);
      assert.match(changed.stdout, /update\s+ManualStage/, changed.stdout);
      assert.equal(output(changed.stdout, 'ApiIdOut'), apiId, 'the same API');
      assert.deepEqual((await call(`${endpoint}/dev/animals/8`)).json, { v: '2.0', route: 'GET /animals/{id}', stage: 'dev', vars: { color: 'green' }, params: { id: '8' } });
      assert.equal((await call(`${endpoint}/dev/pets/7`)).status, 404);
      const noCors = await call(`${endpoint}/dev/animals/8`, { headers: { origin: 'http://app.example' } });
      assert.equal(noCors.headers.get('access-control-allow-origin'), undefined, 'CORS removed');
      assert.deepEqual((await call(`${manualEndpoint}/live/by-hand`)).json?.vars, { color: 'green' });
      assert.equal((await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!.length, 2);
      assert.match(changed.stdout, /update\s+Quick\s.*Version/, changed.stdout);
      const quickId = new URL(output(changed.stdout, 'QuickEndpoint')).hostname.split('.')[0]!;
      assert.equal((await gw.send(new GetApiCommand({ ApiId: quickId }))).Version, '2');
      const again2 = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.doesNotMatch(again2.stdout, /[+~] (create|update)\s/, again2.stdout);

      // A change of Tags is TagResource / UntagResource on the same API.
      writeTree(dir, { 'template.yaml': template({ petsPath: '/animals/{id}', color: 'green', cors: false, manualKey: 'GET /by-hand', version: '2', team: 'b' }) });
      const tags = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.match(tags.stdout, /update\s+Manual\s.*Tags/, tags.stdout);
      const manualId = new URL(manualEndpoint).hostname.split('.')[0]!;
      assert.deepEqual((await gw.send(new GetApiCommand({ ApiId: manualId }))).Tags, { team: 'b' });

      writeTree(dir, { 'template.yaml': 'Transform: AWS::Serverless-2016-10-31\nResources:\n  Left:\n    Type: AWS::Serverless::Function\n    Properties:\n      InlineCode: "exports.handler = async () => 1"\n      Handler: index.handler\n      Runtime: nodejs20.x\n' });
      const gone = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.equal((await gw.send(new GetApisCommand({}))).Items!.length, 0, gone.stdout);
    } finally {
      gw.destroy();
    }
  });

  it('refuses by name what Kumo cannot honour, before anything is made', async () => {
    const dir = path.join(tmpDir('apis-refused'), 'app');
    const fn = `  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      InlineCode: "exports.handler = async () => 1"\n      Handler: index.handler\n      Runtime: nodejs20.x\n`;
    const cases: [string, RegExp][] = [
      ['  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefaultRouteSettings: {ThrottlingBurstLimit: 5}\n', /DefaultRouteSettings is not supported by Kumo/],
      ['  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        Authorizers:\n          J: {JwtConfiguration: {issuer: x}}\n', /Kumo has no API authorizers yet: Auth.Authorizers/],
      ['  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody:\n        openapi: 3.0.1\n        paths:\n          /x:\n            get:\n              x-amazon-apigateway-integration: {type: http_proxy, uri: "http://example.com", payloadFormatVersion: "1.0"}\n', /type http_proxy is not supported/],
      ['  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody:\n        openapi: 3.0.1\n        paths:\n          /x:\n            get:\n              x-amazon-apigateway-integration: {type: aws_proxy, uri: "arn:aws:lambda:us-east-1:000000000000:function:f"}\n', /payloadFormatVersion is required/],
      ['  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: p\n      BinaryMediaTypes: [image~1png]\n', /BinaryMediaTypes is not supported by Kumo/],
      ['  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      Cors: "\'*\'"\n', /needs StageName/],
      ['  A:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      ProtocolType: WEBSOCKET\n      Name: w\n', /ProtocolType WEBSOCKET/],
    ];
    for (const [res, re] of cases) {
      writeTree(dir, { 'template.yaml': `Transform: AWS::Serverless-2016-10-31\nResources:\n${fn}${res}` });
      const r = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 60_000 });
      assert.notEqual(r.code, 0, res);
      assert.match(r.stdout + r.stderr, re, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /template\.yaml:\d+:\d+/, 'with the line and column');
      assert.ok(noStackTrace(r.stdout + r.stderr));
    }
    writeTree(dir, { 'template.yaml': `Transform: AWS::Serverless-2016-10-31\nResources:\n${fn}      Events:\n        E:\n          Type: HttpApi\n          Properties:\n            RouteSettings: {ThrottlingBurstLimit: 1}\n` });
    const rs = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 60_000 });
    assert.notEqual(rs.code, 0);
    assert.match(rs.stdout + rs.stderr, /template\.yaml:\d+:\d+: .*RouteSettings is not supported by Kumo/);
    // An Api event's RequestModel / RequestParameters asking for validation (Kumo validates nothing): refused, not dropped.
    for (const [prop, re] of [
      ['RequestModel: {Model: Pet, Required: true}', /RequestModel asks for request validation/],
      ['RequestParameters: [{method.request.querystring.q: {Required: true}}]', /RequestParameters asks for request validation/],
    ] as const) {
      writeTree(dir, { 'template.yaml': `Transform: AWS::Serverless-2016-10-31\nResources:\n${fn}      Events:\n        E:\n          Type: Api\n          Properties:\n            Path: /x\n            Method: get\n            ${prop}\n` });
      const v = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 60_000 });
      assert.notEqual(v.code, 0, v.stdout);
      assert.match(v.stdout + v.stderr, re, v.stdout + v.stderr);
    }
    writeTree(dir, { 'template.yaml': `Transform: AWS::Serverless-2016-10-31\nResources:\n${fn}      Events:\n        E:\n          Type: HttpApi\n          Properties:\n            ApiId: !Ref Other\n            Path: /x\n            Method: get\n  Other:\n    Type: AWS::SQS::Queue\n` });
    const r = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 60_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource/);
  });
});
