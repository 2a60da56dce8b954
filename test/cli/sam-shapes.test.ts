import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { decode, testCreds, type RunningServer } from '../integration/harness';
import { kumo, noStackTrace, ok, tmpDir, withServer, writeTree } from './helpers';

/**
 * Issue 20: SAM templates as real projects write them, deployed by `kumo
 * deploy` unchanged. Each template here is written for this test in the
 * shape the issue saw (sam init's Node.js template without CodeUri, a
 * CodeUri naming one Python file, `Description` beside Type, the function's
 * log group with a retention, resources of services Kumo lacks). What
 * aws-sam-translator does with each shape was checked by hand with the
 * translator (a resource-level Description passes through on CloudFormation
 * resources and is dropped from SAM ones; other attributes of SAM resources
 * are dropped silently).
 */
describe('kumo deploy: SAM templates as projects write them', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });
  const invoke = async (name: string) => {
    const r = await s.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    return JSON.parse(decode(r.Payload)) as unknown;
  };

  it("CodeUri omitted packages the template's folder; CodeUri naming one file zips that file; Description beside Type is accepted", async () => {
    const dir = path.join(tmpDir('shapes'), 'sam-init-app');
    writeTree(dir, {
      'template.yaml': `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: sam-init-app
Globals:
  Function:
    Timeout: 3
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Description: the greeting function, documented at the resource
    Metadata:
      BuildMethod: esbuild
    Properties:
      Handler: app.lambdaHandler
      Runtime: nodejs20.x
  PyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/function.py
      Handler: function.handler
      Runtime: python3.11
`,
      'app.js': "exports.lambdaHandler = async () => ({ statusCode: 200, body: require('fs').readdirSync(__dirname).sort().join(',') });\n",
      'src/function.py': 'import os\ndef handler(event, context):\n    return sorted(os.listdir(os.path.dirname(__file__)))\n',
    });
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.match(r.stdout, /\+ create\s+HelloWorldFunction\s+AWS::Serverless::Function\s+sam-init-app-HelloWorldFunction/);
    assert.doesNotMatch(r.stdout, /Description/);
    const hello = (await invoke('sam-init-app-HelloWorldFunction')) as { body: string };
    assert.deepEqual(hello.body.split(','), ['app.js', 'src', 'template.yaml'], "the template's folder, as SAM CLI packages it");
    assert.deepEqual(await invoke('sam-init-app-PyFunction'), ['function.py'], 'the one file at the root of its own zip');
    // Idempotent: the same folder gives the same zip.
    assert.match((await ok(['deploy'], { env, cwd: dir })).stdout, /deployed: no changes/);
  });

  it("SAM's Tracing (Globals too) and TracingConfig set the function's TracingConfig; changing it redeploys", async () => {
    const dir = tmpDir('tracing');
    const template = (mode: string) => `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tracing: ${mode}
Resources:
  Traced:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: traced-sam
      InlineCode: "exports.handler = async () => process.env._X_AMZN_TRACE_ID;"
      Handler: index.handler
      Runtime: nodejs20.x
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: traced-cfn
      Code: { ZipFile: "exports.handler = async () => 1;" }
      Handler: index.handler
      Runtime: nodejs20.x
      Role: arn:aws:iam::000000000000:role/lambda-role
      TracingConfig: { Mode: Active }
`;
    const mode = async (fn: string) => (await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: fn }))).TracingConfig?.Mode;
    writeTree(dir, { 'template.yaml': template('Active') });
    await ok(['deploy', '--stack-name', 'tracing'], { env, cwd: dir });
    assert.equal(await mode('traced-sam'), 'Active');
    assert.equal(await mode('traced-cfn'), 'Active');
    assert.match(String(await invoke('traced-sam')), /;Sampled=1$/);
    writeTree(dir, { 'template.yaml': template('PassThrough') });
    await ok(['deploy', '--stack-name', 'tracing'], { env, cwd: dir });
    assert.equal(await mode('traced-sam'), 'PassThrough');
    writeTree(dir, { 'template.yaml': template('Sometimes') });
    const bad = await kumo(['deploy', '--stack-name', 'tracing'], { env, cwd: dir });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr + bad.stdout, /Tracing.*Active or PassThrough/);
  });

  it('InlineCode and CodeUri together are refused as the translator refuses them', async () => {
    const dir = tmpDir('both');
    writeTree(dir, {
      'template.yaml': 'Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n      InlineCode: "exports.h = async () => 1"\n      Handler: index.h\n      Runtime: nodejs20.x\n',
    });
    const r = await kumo(['deploy'], { env, cwd: dir });
    assert.equal(r.code, 2, 'a template error');
    assert.match(r.stderr, /template\.yaml:\d+:\d+: Resources\.F\.Properties\.InlineCode: Only one of 'InlineCode' or 'CodeUri' can be set\./);
  });

  it("an unknown attribute of a CloudFormation resource is still refused with its line; on a SAM resource it is noted as dropped", async () => {
    const dir = tmpDir('attrs');
    writeTree(dir, {
      'template.yaml': 'Transform: AWS::Serverless-2016-10-31\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Colour: blue\n',
    });
    const r = await kumo(['deploy', '--dry-run'], { env, cwd: dir });
    assert.equal(r.code, 2, 'a template error');
    assert.match(r.stderr, /template\.yaml:5:5: Resources\.Q\.Colour: unknown resource attribute 'Colour'/);
    writeTree(dir, {
      'template.yaml': 'Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Colour: blue\n    Properties:\n      InlineCode: "exports.h = async () => 1"\n      Handler: index.h\n      Runtime: nodejs20.x\n',
    });
    const d = await ok(['deploy', '--dry-run'], { env, cwd: dir });
    assert.match(d.stdout, /note: F: resource attribute 'Colour' has no effect \(SAM's translator drops it\)/);
  });

  it("AWS::Logs::LogGroup creates the function's log group with its retention, changes it, and deletes it when the template drops it", async () => {
    const logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds });
    const group = async (name: string) => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups?.find((g) => g.logGroupName === name);
    const dir = path.join(tmpDir('logs'), 'logapp');
    const template = (retention: string) => `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => { console.log('hi'); return 1; }"
      Handler: index.handler
      Runtime: nodejs20.x
${retention ? `  FnLogs:
    Type: AWS::Logs::LogGroup
    Description: keep a week of logs
    Properties:
      LogGroupName: !Sub /aws/lambda/\${Fn}
${retention}
  Other:
    Type: AWS::Logs::LogGroup
` : ''}Outputs:
  Arn:
    Value: ${retention ? '!GetAtt FnLogs.Arn' : '!GetAtt Fn.Arn'}
`;
    writeTree(dir, { 'template.yaml': template('      RetentionInDays: 7') });
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.match(r.stdout, /✓ FnLogs: created log group \/aws\/lambda\/logapp-Fn \(retention 7 days\)/);
    assert.match(r.stdout, /Arn = arn:aws:logs:us-east-1:000000000000:log-group:\/aws\/lambda\/logapp-Fn:\*/);
    assert.equal((await group('/aws/lambda/logapp-Fn'))?.retentionInDays, 7);
    assert.ok(await group('logapp-Other'), 'a log group without a name gets <stack>-<LogicalId>');
    // The function logs into the same group.
    await invoke('logapp-Fn');
    const changed = await ok(['deploy'], { env: { ...env }, cwd: (writeTree(dir, { 'template.yaml': template('      RetentionInDays: 30') }), dir) });
    assert.match(changed.stdout, /~ update\s+FnLogs\s+AWS::Logs::LogGroup\s+\/aws\/lambda\/logapp-Fn\s+\(RetentionInDays\)/);
    assert.equal((await group('/aws/lambda/logapp-Fn'))?.retentionInDays, 30);
    writeTree(dir, { 'template.yaml': template('') });
    const dropped = await ok(['deploy'], { env, cwd: dir });
    assert.match(dropped.stdout, /- delete\s+FnLogs/);
    assert.equal(await group('/aws/lambda/logapp-Fn'), undefined);
    assert.equal(await group('logapp-Other'), undefined);
    logs.destroy();
  });

  it('a log group of that name made by someone else is not taken over', async () => {
    const logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds });
    const { CreateLogGroupCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'shared-group' }));
    const dir = tmpDir('taken');
    writeTree(dir, { 'template.yaml': 'Resources:\n  G:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: shared-group\n      RetentionInDays: 1\n' });
    const r = await kumo(['deploy'], { env, cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ G \(AWS::Logs::LogGroup\) failed: a log group named shared-group already exists and was not created by this stack/);
    assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'shared-group' }))).logGroups?.[0]?.retentionInDays, undefined);
    logs.destroy();
  });

  it("names SAM's implicit resources: <Fn>Role (Ref, Arn, in !Sub) and <Fn>Alias<name>, made through IAM; an AWS::IAM::Role the template declares is deployed and is the function's Role", async () => {
    const dir = path.join(tmpDir('implicit'), 'implicit');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => process.env.ROLE"
      Handler: index.handler
      Runtime: nodejs20.x
      AutoPublishAlias: live
      Environment:
        Variables:
          ROLE: !GetAtt HelloWorldFunctionRole.Arn
  WithRole:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 1"
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !GetAtt AppRole.Arn
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
Outputs:
  HelloWorldFunctionIamRole:
    Value: !GetAtt HelloWorldFunctionRole.Arn
  RoleName:
    Value: !Ref HelloWorldFunctionRole
  Both:
    Value: !Sub "\${HelloWorldFunctionRole.Arn} \${HelloWorldFunctionAliaslive}"
`,
    });
    const r = await ok(['deploy'], { env, cwd: dir });
    const role = 'arn:aws:iam::000000000000:role/kumo-implicit-HelloWorldFunction';
    assert.match(r.stdout, new RegExp(`HelloWorldFunctionIamRole = ${role}\n`));
    assert.match(r.stdout, /RoleName = kumo-implicit-HelloWorldFunction\n/);
    assert.match(r.stdout, new RegExp(`Both = ${role} arn:aws:lambda:us-east-1:000000000000:function:implicit-HelloWorldFunction:live\n`));
    assert.equal(await invoke('implicit-HelloWorldFunction'), role, 'the implicit role is the role the function runs with');
    const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
    assert.equal((await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'implicit-HelloWorldFunction' }))).Role, role);
    assert.equal((await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'implicit-WithRole' }))).Role, 'arn:aws:iam::000000000000:role/implicit-AppRole');
    // Both roles exist in IAM, trusting Lambda; the implicit one with SAM's AWSLambdaBasicExecutionRole.
    const iam = new IAMClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds });
    try {
      for (const name of ['kumo-implicit-HelloWorldFunction', 'implicit-AppRole']) {
        const got = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!;
        assert.match(decodeURIComponent(got.AssumeRolePolicyDocument!), /lambda\.amazonaws\.com/);
        const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies!.map((p) => p.PolicyArn);
        assert.deepEqual(attached, ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
      }
    } finally {
      iam.destroy();
    }
  });

  it('a runtime or architecture the server does not run is refused naming the flag; --runtime-fallback / --architecture-fallback deploy on the nearest runtime and the host\'s architecture, say so, and a redeploy changes nothing', async () => {
    const dir = path.join(tmpDir('fallback'), 'fallback');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31
Resources:
  Py:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c):\\n    import sys\\n    return '%d.%d' % sys.version_info[:2]\\n"
      Handler: index.handler
      Runtime: python3.13
      Architectures: [arm64]
`,
    });
    const refused = await kumo(['deploy'], { env, cwd: dir });
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /The runtime parameter of python3\.13 is not supported by this Kumo server.*\(kumo deploy --runtime-fallback would deploy Py on python3\.11\)/);
    const r = await ok(['deploy', '--runtime-fallback', '--architecture-fallback'], { env, cwd: dir });
    assert.match(r.stdout, /! Py: this server does not run python3\.13; deploying on python3\.11 \(--runtime-fallback\)/);
    assert.match(r.stdout, /! Py: this server does not run python3\.11 on arm64; deploying for x86_64 instead \(--architecture-fallback\)/);
    const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
    const cfg = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fallback-Py' }));
    assert.equal(cfg.Runtime, 'python3.11');
    assert.deepEqual(cfg.Architectures, ['x86_64']);
    assert.equal(await invoke('fallback-Py'), '3.11');
    const again = await ok(['deploy', '--runtime-fallback', '--architecture-fallback'], { env, cwd: dir });
    assert.match(again.stdout, /deployed: no changes/);
    assert.doesNotMatch(again.stdout, /--runtime-fallback\)/, 'the recorded choice is reused, not announced again');
  });

  it('resources of services Kumo lacks are listed once, grouped by type, and do not fail the deploy', async () => {
    const dir = path.join(tmpDir('absent'), 'absent');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => process.env.TABLE"
      Handler: index.handler
      Runtime: nodejs20.x
      Environment:
        Variables:
          TABLE: !Ref Orders
  Orders:
    Type: AWS::DynamoDB::Table
  Customers:
    Type: AWS::DynamoDB::Table
  Uploads:
    Type: AWS::S3::Bucket
`,
    });
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.match(r.stdout, /Not deployed \(3; a !Ref to one gives its logical ID, a !GetAtt a stand-in\):\n  AWS::DynamoDB::Table: not supported by Kumo yet: Orders, Customers\n  AWS::S3::Bucket: not supported by Kumo yet: Uploads\n/);
    assert.equal(r.stdout.match(/Orders/g)?.length, 1, 'listed once');
    assert.equal(await invoke('absent-Fn'), 'Orders');
    assert.ok(noStackTrace(r.stdout + r.stderr));
    assert.ok(fs.existsSync(path.join(dir, '.kumo-stack.json')));
  });
});
