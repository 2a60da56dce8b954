import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { buildModel } from '../../sam';
import { parseTemplate } from '../../template';
import { DeployContext } from '../context';
import { activeResources } from '../orchestrator';
import { kindOf, schemaOf } from '../registry';

/** A context that never calls a server: what a template with EventBridge resources and events turns into. */
function contextFor(source: string): DeployContext {
  const file = '/tmp/events-kinds-test/template.yaml';
  const model = buildModel(parseTemplate(file, source), {}, schemaOf);
  const client = new LambdaClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const cfg = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accountId: '000000000000' } as DeployContext['cfg'];
  const record = { stackName: 'app', endpoint: cfg.endpoint, template: 'template.yaml', updatedAt: '', resources: {} };
  return new DeployContext({ model, client, cfg, out: () => undefined, stackName: 'app', templateFile: file, prev: {}, record });
}

const template = `Transform: AWS::Serverless-2016-10-31
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: orders
  Dlq:
    Type: AWS::SQS::Queue
  Audit:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [shop]}
      Targets: [{Id: q, Arn: !GetAtt Dlq.Arn}]
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 1"
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Placed:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: {detail-type: [Order Placed]}
            InputPath: $.detail
            RetryPolicy: {MaximumRetryAttempts: 3}
            DeadLetterConfig: {Arn: !GetAtt Dlq.Arn}
        Legacy:
          Type: CloudWatchEvent
          Properties:
            Pattern: {source: [aws.ec2]}
            Enabled: false
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
            Input: '{"job": "nightly"}'
            Name: nightly
            Description: every night
`;

describe('deploy: EventBridge buses, rules and SAM rule/schedule events (template → resources)', () => {
  it('SAM EventBridgeRule, CloudWatchEvent and Schedule events become <Fn><Event> rules targeting the function', () => {
    const ctx = contextFor(template);
    const decls = activeResources(ctx);
    assert.deepEqual(decls.map((d) => [d.id, d.type, d.partOf ?? '']), [
      ['Bus', 'AWS::Events::EventBus', ''],
      ['Dlq', 'AWS::SQS::Queue', ''],
      ['Audit', 'AWS::Events::Rule', ''],
      ['Worker', 'AWS::Serverless::Function', ''],
      ['WorkerPlaced', 'AWS::Events::Rule', 'Worker'],
      ['WorkerLegacy', 'AWS::Events::Rule', 'Worker'],
      ['WorkerNightly', 'AWS::Events::Rule', 'Worker'],
    ]);
    const byId = new Map(decls.map((d) => [d.id, d]));
    const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:app-Worker';
    assert.deepEqual(ctx.props(byId.get('WorkerPlaced')!), {
      EventPattern: { 'detail-type': ['Order Placed'] }, EventBusName: 'orders',
      Targets: [{ Id: 'WorkerPlacedLambdaTarget', Arn: fnArn, InputPath: '$.detail', RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:app-Dlq' } }],
    });
    assert.deepEqual(ctx.props(byId.get('WorkerLegacy')!), {
      State: 'DISABLED', EventPattern: { source: ['aws.ec2'] }, Targets: [{ Id: 'WorkerLegacyLambdaTarget', Arn: fnArn }],
    });
    assert.deepEqual(ctx.props(byId.get('WorkerNightly')!), {
      Name: 'nightly', Description: 'every night', ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [{ Id: 'WorkerNightlyLambdaTarget', Arn: fnArn, Input: '{"job": "nightly"}' }],
    });
    assert.ok(byId.get('WorkerPlaced')!.deps.includes('Bus') && byId.get('WorkerPlaced')!.deps.includes('Worker'));
  });

  it('names, Ref and GetAtt as CloudFormation gives them', () => {
    const ctx = contextFor(template);
    const byId = new Map(activeResources(ctx).map((d) => [d.id, d]));
    const rule = byId.get('Audit')!;
    assert.equal(ctx.physicalOf(rule), 'app-Audit');
    assert.equal(kindOf(rule.type).ref(rule, ctx), 'orders|app-Audit', 'a rule on another bus is <bus>|<name>');
    assert.equal(kindOf(rule.type).getAtt(rule, 'Arn', 'x', ctx), 'arn:aws:events:us-east-1:000000000000:rule/orders/app-Audit');
    const nightly = byId.get('WorkerNightly')!;
    assert.equal(ctx.physicalOf(nightly), 'nightly');
    assert.equal(kindOf(nightly.type).getAtt(nightly, 'Arn', 'x', ctx), 'arn:aws:events:us-east-1:000000000000:rule/nightly');
    const bus = byId.get('Bus')!;
    assert.equal(kindOf(bus.type).getAtt(bus, 'Arn', 'x', ctx), 'arn:aws:events:us-east-1:000000000000:event-bus/orders');
  });

  it('template mistakes are named where they are', () => {
    assert.throws(() => activeResources(contextFor(template.replace('            Schedule: cron(0 3 * * ? *)\n', ''))), /a Schedule event needs Schedule/);
    assert.throws(() => activeResources(contextFor(template.replace('InputPath: $.detail', 'Colour: red'))), /unknown property 'Colour'/);
    assert.throws(() => contextFor(template.replace('      Name: orders\n', '      Description: x\n')), /needs Name/);
  });
});
