import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand, ListTagsForResourceCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { decode, testCreds, type RunningServer } from '../integration/harness';
import { kumo, noStackTrace, ok, tmpDir, withServer, writeTree } from './helpers';

/**
 * Issue 20 item 5: `kumo deploy` reads the server's Parameter Store as
 * CloudFormation does — AWS::SSM::Parameter::Value<…> parameter types (the
 * Default names the parameter), {{resolve:ssm:name[:version]}} dynamic
 * references — and deploys AWS::SSM::Parameter resources. The function sees
 * the values in its environment; what CloudFormation refuses (SecureString
 * there, ssm-secure outside secret properties, EC2 parameter types) is a
 * template error naming the parameter.
 */
const template = (extra = '') => `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /app/greeting
  Hosts:
    Type: AWS::SSM::Parameter::Value<List<String>>
    Default: /app/hosts
Resources:
  Derived:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /app/derived
      Type: String
      Value: !Sub '\${Greeting}-derived'
      Description: made by the stack
      Tags:
        team: web
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.h = async () => ({ GREETING: process.env.GREETING, HOSTS: process.env.HOSTS, PINNED: process.env.PINNED, DERIVED_NAME: process.env.DERIVED_NAME, DERIVED_VALUE: process.env.DERIVED_VALUE, DERIVED_TYPE: process.env.DERIVED_TYPE })"
      Handler: index.h
      Runtime: nodejs20.x
      Environment:
        Variables:
          GREETING: !Ref Greeting
          HOSTS: !Join [';', !Ref Hosts]
          PINNED: 'v1={{resolve:ssm:/app/greeting:1}}'
          DERIVED_NAME: !Ref Derived
          DERIVED_VALUE: !GetAtt Derived.Value
          DERIVED_TYPE: !GetAtt Derived.Type
${extra}`;

describe('kumo deploy: SSM parameter types, dynamic references, AWS::SSM::Parameter', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  let ssm: SSMClient;
  withServer((srv, e) => {
    s = srv;
    env = e;
    ssm = new SSMClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds });
  });
  const put = (Name: string, Value: string, Type: 'String' | 'StringList' | 'SecureString', Overwrite = false) => ssm.send(new PutParameterCommand({ Name, Value, Type, Overwrite }));
  const invoke = async (name: string) => {
    const r = await s.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    return JSON.parse(decode(r.Payload)) as Record<string, string>;
  };

  it('the function sees Parameter Store values; a redeploy reads the new value, a pinned version stays; the stack parameter follows', async () => {
    await put('/app/greeting', 'hello', 'String');
    await put('/app/hosts', 'a.local,b.local', 'StringList');
    const dir = path.join(tmpDir('ssm'), 'ssm-app');
    writeTree(dir, { 'template.yaml': template() });
    const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(r.stdout, /\+ create\s+Derived\s+AWS::SSM::Parameter/);
    assert.deepEqual(await invoke('ssm-app-Fn'), {
      GREETING: 'hello', HOSTS: 'a.local;b.local', PINNED: 'v1=hello', DERIVED_NAME: '/app/derived', DERIVED_VALUE: 'hello-derived', DERIVED_TYPE: 'String',
    });
    const derived = (await ssm.send(new GetParameterCommand({ Name: '/app/derived' }))).Parameter!;
    assert.deepEqual([derived.Value, derived.Type, derived.Version], ['hello-derived', 'String', 1]);
    assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/derived' }))).TagList, [{ Key: 'team', Value: 'web' }]);

    await put('/app/greeting', 'bonjour', 'String', true);
    const again = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(again.stdout, /~ update\s+Derived\s+AWS::SSM::Parameter.*\(Value\)/);
    const v = await invoke('ssm-app-Fn');
    assert.deepEqual([v.GREETING, v.PINNED, v.DERIVED_VALUE], ['bonjour', 'v1=hello', 'bonjour-derived']);
    assert.equal((await ssm.send(new GetParameterCommand({ Name: '/app/derived' }))).Parameter!.Version, 2);
    const same = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(same.stdout, /deployed: no changes/);

    // Dropping the resource from the template deletes the parameter.
    writeTree(dir, { 'template.yaml': template().replace(/ {2}Derived:\n(?: {4}.*\n)+/, '').replace(/ {10}DERIVED_\w+: .*\n/g, '') });
    await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    const gone = await ssm.send(new GetParameterCommand({ Name: '/app/derived' })).catch((e: Error) => e);
    assert.equal((gone as Error).name, 'ParameterNotFound');
  });

  it('a missing parameter, a SecureString, ssm-secure, and EC2 parameter types are template errors naming the parameter; nothing is deployed', async () => {
    await put('/app/secret', 'pw', 'SecureString');
    const cases: [string, string, RegExp][] = [
      ['missing', template().replace('Default: /app/hosts', 'Default: /app/nothing'),
        /template error: template\.yaml:\d+:\d+: .*parameter Hosts: SSM parameter '\/app\/nothing' does not exist in the server's Parameter Store/],
      ['secure-param', template().replace('Default: /app/hosts', 'Default: /app/secret'), /parameter Hosts: SSM parameter '\/app\/secret' is a SecureString/],
      ['secure-ref', template().replace("'v1={{resolve:ssm:/app/greeting:1}}'", "'{{resolve:ssm-secure:/app/secret}}'"), /CloudFormation allows \{\{resolve:ssm-secure:…\}\} only in the properties of resources that take secrets/],
      ['secure-resolve', template().replace("'v1={{resolve:ssm:/app/greeting:1}}'", "'{{resolve:ssm:/app/secret}}'"), /'\/app\/secret' is a SecureString/],
      ['missing-version', template().replace('/app/greeting:1}}', '/app/greeting:9}}'), /SSM parameter '\/app\/greeting:9' does not exist/],
      ['ec2-type', template().replace('Parameters:\n', 'Parameters:\n  Key:\n    Type: AWS::EC2::KeyPair::KeyName\n    Default: mine\n'), /parameter Key: type AWS::EC2::KeyPair::KeyName names EC2 resources, which Kumo does not have/],
      ['ec2-list-type', template().replace('Parameters:\n', 'Parameters:\n  Subnets:\n    Type: List<AWS::EC2::Subnet::Id>\n    Default: subnet-1\n'), /parameter Subnets: type List<AWS::EC2::Subnet::Id> names EC2 resources, which Kumo does not have/],
      ['ssm-ec2-type', template().replace('Parameters:\n', 'Parameters:\n  Ami:\n    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>\n    Default: /app/ami\n'), /parameter Ami: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id> is not supported/],
      ['secure-resource', template().replace('      Type: String\n      Value: !Sub', '      Type: SecureString\n      Value: !Sub'), /Type must be String or StringList \(CloudFormation does not create SecureString parameters/],
    ];
    for (const [name, tpl, want] of cases) {
      const dir = path.join(tmpDir('ssm-bad'), `bad-${name}`);
      writeTree(dir, { 'template.yaml': tpl });
      const r = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
      assert.equal(r.code, 2, `${name}: exit 2\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, want, name);
      assert.ok(noStackTrace(r.stderr), name);
      const fn = await s.client.send(new InvokeCommand({ FunctionName: `bad-${name}-Fn`, Payload: Buffer.from('{}') })).catch((e: Error) => e);
      assert.equal((fn as Error).name, 'ResourceNotFoundException', `${name}: nothing deployed`);
    }
  });
});
