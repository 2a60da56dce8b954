import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { GetFunctionUrlConfigCommand, GetPolicyCommand } from '@aws-sdk/client-lambda';
import type { RunningServer } from '../integration/harness';
import { ok, tmpDir, withServer, writeTree } from './helpers';

/**
 * `kumo deploy` of SAM's FunctionUrlConfig (expanded into `<Fn>Url`, an
 * AWS::Lambda::Url) and of an AWS::Lambda::Url on an alias: the URLs are
 * created, printed, served, updated when the template changes, left alone
 * when it does not, and deleted when the template drops them.
 */
const template = (cors: string, withAliasUrl: boolean) => `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Web:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async (e) => ({ statusCode: 200, body: 'web ' + e.rawPath })"
      Handler: index.handler
      Runtime: nodejs20.x
      FunctionUrlConfig:
        AuthType: NONE
        Cors:
          AllowOrigins: [${cors}]
  Live:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 'live'"
      Handler: index.handler
      Runtime: nodejs20.x
      AutoPublishAlias: prod
  Aliased:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => ({ statusCode: 200, body: 'aliased' })"
      Handler: index.handler
      Runtime: nodejs20.x
      AutoPublishAlias: prod
      FunctionUrlConfig:
        AuthType: NONE
${withAliasUrl ? `  LiveUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !Ref Live
      Qualifier: prod
      AuthType: AWS_IAM
  TopicInvoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Web.Arn
      Principal: sns.amazonaws.com
      SourceArn: !Sub arn:aws:sns:\${AWS::Region}:\${AWS::AccountId}:news
` : ''}`;

describe('kumo deploy: function URLs (SAM FunctionUrlConfig, AWS::Lambda::Url)', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('creates and prints the URLs, grants a NONE URL the public permission as SAM does, serves them, updates on change, keeps them unchanged, deletes them with the template', async () => {
    const dir = path.join(tmpDir('urls'), 'urls-app');
    writeTree(dir, { 'template.yaml': template("'http://a.example'", true) });
    const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(r.stdout, /\+ create\s+WebUrl\s+AWS::Lambda::Url/);
    assert.match(r.stdout, /\+ create\s+LiveUrl\s+AWS::Lambda::Url/);
    const printed = /✓ WebUrl: (http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:\d+\/) \(NONE\)/.exec(r.stdout);
    assert.ok(printed, r.stdout);
    const web = await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'urls-app-Web' }));
    assert.equal(web.FunctionUrl, printed[1]);
    assert.deepEqual(web.Cors, { AllowOrigins: ['http://a.example'] });
    const live = await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'urls-app-Live', Qualifier: 'prod' }));
    assert.equal(live.AuthType, 'AWS_IAM');
    assert.equal(live.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:urls-app-Live:prod');
    const u = new URL(web.FunctionUrl!);
    const served = await fetch(`http://127.0.0.1:${u.port}/lambda-url/${u.hostname.split('.')[0]}/hi`);
    assert.equal(await served.text(), 'web /hi');
    // SAM's two permissions for a NONE URL (aws-sam-translator 1.110), and the template's own AWS::Lambda::Permission.
    for (const id of ['WebUrlPublicPermissions', 'WebURLInvokeAllowPublicAccess', 'TopicInvoke', 'AliasedUrlPublicPermissions', 'AliasedURLInvokeAllowPublicAccess']) {
      assert.match(r.stdout, new RegExp(`\\+ create\\s+${id}\\s+AWS::Lambda::Permission`), r.stdout);
    }
    const fnArn = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:urls-app-${fn}`;
    type Doc = { Statement: { Sid: string; Resource: string }[] };
    const policy = JSON.parse((await s.client.send(new GetPolicyCommand({ FunctionName: 'urls-app-Web' }))).Policy!) as Doc;
    assert.deepEqual(policy.Statement.sort((a, b) => a.Sid.localeCompare(b.Sid)), [
      { Sid: 'urls-app-TopicInvoke', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: fnArn('Web'), Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:sns:us-east-1:000000000000:news' } } },
      { Sid: 'urls-app-WebURLInvokeAllowPublicAccess', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: fnArn('Web'), Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } },
      { Sid: 'urls-app-WebUrlPublicPermissions', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunctionUrl', Resource: fnArn('Web'), Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } } },
    ]);
    // With AutoPublishAlias the permissions are on the alias, as the URL is.
    const aliasPolicy = JSON.parse((await s.client.send(new GetPolicyCommand({ FunctionName: 'urls-app-Aliased', Qualifier: 'prod' }))).Policy!) as Doc;
    assert.deepEqual(aliasPolicy.Statement.map((x) => [x.Sid, x.Resource]).sort(), [
      ['urls-app-AliasedURLInvokeAllowPublicAccess', `${fnArn('Aliased')}:prod`], ['urls-app-AliasedUrlPublicPermissions', `${fnArn('Aliased')}:prod`],
    ]);
    const aliasUrl = new URL((await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'urls-app-Aliased', Qualifier: 'prod' }))).FunctionUrl!);
    const aliasServed = await fetch(`http://127.0.0.1:${aliasUrl.port}/lambda-url/${aliasUrl.hostname.split('.')[0]}/`);
    assert.equal(aliasServed.status, 200);
    assert.equal(await aliasServed.text(), 'aliased');

    const again = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.doesNotMatch(again.stdout, /[+~] (create|update)\s+WebUrl/, again.stdout);
    assert.doesNotMatch(again.stdout, /[+~] (create|update)\s+\w+\s+AWS::Lambda::Permission/, again.stdout);
    assert.match(again.stdout, new RegExp(`  WebUrl: ${web.FunctionUrl!.replace(/[.]/g, '\\.')}\n`), 'an unchanged URL is still listed');

    writeTree(dir, { 'template.yaml': template("'http://b.example'", false) });
    const changed = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(changed.stdout, /update\s+WebUrl\s+AWS::Lambda::Url/, changed.stdout);
    assert.deepEqual((await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'urls-app-Web' }))).Cors, { AllowOrigins: ['http://b.example'] });
    assert.equal((await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'urls-app-Web' }))).FunctionUrl, web.FunctionUrl, 'an update keeps the URL');
    await assert.rejects(s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'urls-app-Live', Qualifier: 'prod' })), { name: 'ResourceNotFoundException' });
    const left = JSON.parse((await s.client.send(new GetPolicyCommand({ FunctionName: 'urls-app-Web' }))).Policy!) as { Statement: { Sid: string }[] };
    assert.deepEqual(left.Statement.map((x) => x.Sid).sort(), ['urls-app-WebURLInvokeAllowPublicAccess', 'urls-app-WebUrlPublicPermissions'], 'the dropped permission is removed');
  });
});
