import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ApiGatewayV2Client, GetApisCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import type { RunningServer } from '../integration/harness';
import { testCreds } from '../integration/harness';
import { kumo, ok, tmpDir, withServer, writeTree } from './helpers';
import { tool } from '../tools';

/**
 * `kumo deploy` of SAM HttpApi and Api events: the implicit
 * ServerlessHttpApi (payload 2.0, stage $default) and ServerlessRestApi
 * (payload 1.0, stage Prod) are made, every route printed with its URL, the
 * routes answer curl, the usual `!Sub https://${ServerlessRestApi}.execute-api…/Prod/`
 * output resolves to Kumo's address, a second deploy changes nothing, a
 * changed route is replaced, and dropping the events deletes the APIs.
 */
const template = (extraRoute: boolean, withEvents = true) => `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Pets:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async (e) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ v: e.version, route: e.routeKey || e.resource, params: e.pathParameters, stage: e.requestContext.stage }) })"
      Handler: index.handler
      Runtime: nodejs20.x
${withEvents ? `      Events:
        GetPet:
          Type: HttpApi
          Properties:
            Path: /pets/{id}
            Method: get
            TimeoutInMillis: 5000
        Legacy:
          Type: Api
          Properties:
            Path: /legacy/{proxy+}
            Method: any
` : ''}  Hello:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async (e) => ({ statusCode: 200, body: 'hello ' + e.requestContext.stage })"
      Handler: index.handler
      Runtime: nodejs20.x
${withEvents ? `      Events:
        Hello:
          Type: Api
          Properties:
            Path: /hello
            Method: get
${extraRoute ? `        Root:
          Type: HttpApi
` : ''}` : ''}${withEvents ? `Outputs:
  RestUrl:
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/"
` : ''}`;

describe('kumo deploy: SAM HttpApi and Api events (implicit ServerlessHttpApi / ServerlessRestApi)', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('makes the implicit APIs, prints every route with its URL, serves them to curl, and deletes them with the events', async () => {
    const curl = tool('curl');
    const gw = new ApiGatewayV2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const dir = path.join(tmpDir('apis'), 'apis-app');
      writeTree(dir, { 'template.yaml': template(false) });
      const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.match(r.stdout, /\+ create\s+ServerlessHttpApi\s+AWS::Serverless::HttpApi/, r.stdout);
      assert.match(r.stdout, /\+ create\s+ServerlessRestApi\s+AWS::Serverless::Api/, r.stdout);
      assert.doesNotMatch(r.stdout, /TimeoutInMillis has no effect/, 'TimeoutInMillis is the integration\'s timeout');
      const http = /GET \/pets\/\{id\}  (http:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+)\/pets\/\{id\}/.exec(r.stdout);
      assert.ok(http, r.stdout);
      const rest = /GET \/hello  (http:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+)\/Prod\/hello/.exec(r.stdout);
      assert.ok(rest, r.stdout);
      assert.match(r.stdout, /ANY \/legacy\/\{proxy\+\}  http:\/\/.*\/Prod\/legacy\/\{proxy\+\}/);
      assert.match(r.stdout, new RegExp(`RestUrl = ${rest[1]!.replace(/[.]/g, '\\.')}/Prod/`), 'the output is an address Kumo serves');

      const get = (url: string) => execFileSync(curl, ['-sS', url], { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(get(`${http[1]}/pets/7`)), { v: '2.0', route: 'GET /pets/{id}', params: { id: '7' }, stage: '$default' });
      assert.equal(get(`${rest[1]}/Prod/hello`), 'hello Prod');
      assert.deepEqual(JSON.parse(execFileSync(curl, ['-sS', '-X', 'POST', `${rest[1]}/Prod/legacy/a/b`], { encoding: 'utf8' })),
        { v: '1.0', route: '/legacy/{proxy+}', params: { proxy: 'a/b' }, stage: 'Prod' });

      const again = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.doesNotMatch(again.stdout, /[+~] (create|update)\s+Serverless/, again.stdout);
      assert.match(again.stdout, /GET \/pets\/\{id\}  http:/, 'an unchanged API still lists its routes');

      writeTree(dir, { 'template.yaml': template(true) });
      const changed = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.match(changed.stdout, /update\s+ServerlessHttpApi/, changed.stdout);
      assert.equal(get(`${http[1]}/anything`), 'hello $default', 'the new $default route, same address');
      const apiId = /\/\/([a-z0-9]{10})\./.exec(http[1]!)![1]!;
      assert.equal((await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!.length, 2);

      writeTree(dir, { 'template.yaml': template(false, false) });
      await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.equal((await gw.send(new GetApisCommand({}))).Items!.length, 0, 'dropping the events deletes the APIs');

      // An ApiId that names no declared HttpApi is refused as aws-sam-translator refuses it (declared APIs: http-api-explicit.test.ts).
      writeTree(dir, { 'template.yaml': template(false).replace('Method: get\n            TimeoutInMillis: 5000', 'Method: get\n            ApiId: !Ref Other') });
      const refused = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 60_000 });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stdout + refused.stderr, /ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource/);
    } finally {
      gw.destroy();
    }
  });
});
