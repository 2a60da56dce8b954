import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { buildModel } from '../sam';
import { parseTemplate } from '../template';
import { DeployContext } from './context';
import { activeResources, planAll } from './orchestrator';
import { kinds, kindOf, schemaOf } from './registry';
import { printPlan } from './report';

/** A context for planning kinds that never call the server (the client points nowhere and is never used). */
function contextFor(source: string): { ctx: DeployContext; lines: string[] } {
  const model = buildModel(parseTemplate('/tmp/registry-test/template.yaml', source), {}, schemaOf);
  const lines: string[] = [];
  const client = new LambdaClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const cfg = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accountId: '000000000000' } as DeployContext['cfg'];
  const record = { stackName: 'st', endpoint: cfg.endpoint, template: 'template.yaml', updatedAt: '', resources: {} };
  const ctx = new DeployContext({ model, client, cfg, out: (l) => lines.push(l), stackName: 'st', templateFile: '/tmp/registry-test/template.yaml', prev: {}, record });
  return { ctx, lines };
}

describe('deploy registry', () => {
  it('one kind per type, each with the property schema the template is checked against', () => {
    const types = kinds.map((k) => k.type);
    assert.equal(new Set(types).size, types.length);
    for (const k of kinds) {
      assert.equal(kindOf(k.type), k);
      assert.ok(schemaOf(k.type)?.handled.length, k.type);
    }
    assert.equal(schemaOf('AWS::DynamoDB::Table'), undefined);
  });

  it('a type with no kind is listed once in the plan, grouped by type, and skipped; !Ref and !GetAtt give stand-ins', async () => {
    const { ctx, lines } = contextFor(
      [
        'Resources:',
        '  Table:',
        '    Type: AWS::DynamoDB::Table',
        '  Thing:',
        '    Type: Custom::Thing',
        '    Properties:',
        '      TableArn: !GetAtt Table.Arn',
        '      TableName: !GetAtt Table.TableName',
        '      TableRef: !Ref Table',
        '  Table2:',
        '    Type: AWS::DynamoDB::Table',
        '  Q:',
        '    Type: AWS::Lambda::Version',
        '    Properties:',
        '      FunctionName: f',
      ].join('\n'),
    );
    const decls = activeResources(ctx);
    await planAll(ctx, decls);
    printPlan(ctx, []);
    assert.deepEqual(lines.slice(2), [
      'Not deployed (3; a !Ref to one gives its logical ID, a !GetAtt a stand-in):',
      '  AWS::DynamoDB::Table: not supported by Kumo yet: Table, Table2',
      '  Custom::Thing: not supported by Kumo yet: Thing',
    ]);
    assert.match(lines[1]!, /^  \+ create  Q  AWS::Lambda::Version/);
    assert.equal(kindOf('AWS::DynamoDB::Table').type, 'AWS::DynamoDB::Table');
    // Stand-in ARNs have the shape AWS gives the type (DynamoDB: table/<name>), never arn:aws:dynamodb:…:Table.
    assert.deepEqual(ctx.props(decls[1]!), { TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Table', TableName: 'Table', TableRef: 'Table' });
    assert.deepEqual(ctx.model.notes, [], 'listed once: in the plan, not again as notes');
  });

  it('an IAM role\'s Arn has no region (deployed through IAM, with its Path); stand-in ARNs of S3 buckets have none either; a managed policy\'s !Ref is its ARN', async () => {
    const { ctx } = contextFor(
      ['Resources:', '  R:', '    Type: AWS::IAM::Role', '    Properties:', '      RoleName: R', '      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}',
        '  Q:', '    Type: AWS::IAM::Role', '    Properties:', '      RoleName: Q', '      Path: /service/', '      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}',
        '  B:', '    Type: AWS::S3::Bucket', '  P:', '    Type: AWS::IAM::ManagedPolicy', '  T:', '    Type: Custom::Thing',
        '    Properties:', '      Role: !GetAtt R.Arn', '      Other: !GetAtt Q.Arn', '      Bucket: !GetAtt B.Arn', '      Policy: !Ref P'].join('\n'),
    );
    const decls = activeResources(ctx);
    assert.deepEqual(ctx.props(decls.find((d) => d.id === 'T')!), {
      Role: 'arn:aws:iam::000000000000:role/R',
      Other: 'arn:aws:iam::000000000000:role/service/Q',
      Bucket: 'arn:aws:s3:::b',
      Policy: 'arn:aws:iam::000000000000:policy/P',
    });
  });

  it("a registered kind's schema decides which properties the template may use, with the position of a wrong one", () => {
    assert.throws(
      () => contextFor('Resources:\n  V:\n    Type: AWS::Lambda::Version\n    Properties:\n      FunctionName: f\n      Nope: 1\n'),
      /template\.yaml:6:7: Resources\.V\.Properties\.Nope: unknown property 'Nope' of AWS::Lambda::Version \(known: FunctionName, Description, CodeSha256, ProvisionedConcurrencyConfig, RuntimePolicy\)/,
    );
    assert.throws(() => contextFor('Resources:\n  A:\n    Type: AWS::Lambda::Alias\n    Properties:\n      FunctionName: f\n      Name: a\n'), /Resources\.A: AWS::Lambda::Alias A needs FunctionVersion/);
  });

  it('the orchestrator, the command and the plan report name no resource type (what differs between types lives in its kind)', () => {
    for (const f of ['orchestrator.js', 'index.js', 'report.js']) {
      const code = fs.readFileSync(path.join(__dirname, f), 'utf8');
      assert.doesNotMatch(code, /(AWS|Custom)::[A-Za-z0-9]+(::[A-Za-z0-9]+)?/, f);
    }
  });
});
