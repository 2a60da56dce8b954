import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { buildModel } from '../../sam';
import { parseTemplate } from '../../template';
import { DeployContext } from '../context';
import { activeResources } from '../orchestrator';
import { kindOf, schemaOf } from '../registry';

/** A context that never calls a server: what a template with schedules turns into before anything is sent. */
function contextFor(source: string): DeployContext {
  const file = '/tmp/scheduler-test/template.yaml';
  const model = buildModel(parseTemplate(file, source), {}, schemaOf);
  const client = new LambdaClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const cfg = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accountId: '000000000000' } as DeployContext['cfg'];
  const record = { stackName: 'app', endpoint: cfg.endpoint, template: 'template.yaml', updatedAt: '', resources: {} };
  return new DeployContext({ model, client, cfg, out: () => {}, stackName: 'app', templateFile: file, prev: {}, record });
}

const template = `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::Scheduler::ScheduleGroup
    Properties:
      Name: jobs
      Tags: [{Key: team, Value: a}]
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      GroupName: !Ref Jobs
      ScheduleExpression: cron(0 3 * * ? *)
      ScheduleExpressionTimezone: Europe/Paris
      FlexibleTimeWindow: {Mode: FLEXIBLE, MaximumWindowInMinutes: "15"}
      Target:
        Arn: !GetAtt Worker.Arn
        RoleArn: arn:aws:iam::000000000000:role/r
        RetryPolicy: {MaximumRetryAttempts: "2"}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async (e) => e"
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Tick:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(5 minutes)
            Input: '{"job":"tick"}'
            RetryPolicy: {MaximumRetryAttempts: 3}
            DeadLetterConfig: {Type: SQS}
`;

describe('deploy: EventBridge Scheduler resources and ScheduleV2 events', () => {
  it('a ScheduleV2 event is <Fn><Event>, an AWS::Scheduler::Schedule targeting the function, with the DLQ SAM makes', () => {
    const ctx = contextFor(template);
    const decls = activeResources(ctx);
    assert.deepEqual(decls.map((d) => [d.id, d.type, d.partOf ?? '']).sort(), [
      ['Jobs', 'AWS::Scheduler::ScheduleGroup', ''],
      ['Nightly', 'AWS::Scheduler::Schedule', ''],
      ['Worker', 'AWS::Serverless::Function', ''],
      ['WorkerTick', 'AWS::Scheduler::Schedule', 'Worker'],
      ['WorkerTickQueue', 'AWS::SQS::Queue', 'Worker'],
    ]);
    const byId = new Map(decls.map((d) => [d.id, d]));
    assert.deepEqual(ctx.props(byId.get('WorkerTick')!), {
      Name: 'WorkerTick',
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:000000000000:function:app-Worker',
        RoleArn: 'arn:aws:iam::000000000000:role/WorkerTickRole',
        Input: '{"job":"tick"}',
        RetryPolicy: { MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:app-WorkerTickQueue' },
      },
    });
    assert.ok(byId.get('WorkerTick')!.deps.includes('Worker') && byId.get('WorkerTick')!.deps.includes('WorkerTickQueue'));
    // The group's Ref is its name; a schedule is named by group and name together.
    assert.equal(ctx.physicalOf(byId.get('Nightly')!), 'jobs/app-Nightly');
    assert.equal(kindOf('AWS::Scheduler::Schedule').getAtt(byId.get('Nightly')!, 'Arn', 'x', ctx), 'arn:aws:scheduler:us-east-1:000000000000:schedule/jobs/app-Nightly');
    assert.equal(kindOf('AWS::Scheduler::ScheduleGroup').getAtt(byId.get('Jobs')!, 'Arn', 'x', ctx), 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/jobs');
    // Schedules go before groups and functions when a stack is removed.
    assert.ok(kindOf('AWS::Scheduler::Schedule').deleteOrder < kindOf('AWS::Scheduler::ScheduleGroup').deleteOrder);
  });

  it('a schedule without its required properties is a template error', () => {
    assert.throws(() => activeResources(contextFor(`Resources:
  S:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(1 hour)
`)), /FlexibleTimeWindow/);
    assert.throws(() => activeResources(contextFor(`Transform: AWS::Serverless-2016-10-31
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "x"
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        T: {Type: ScheduleV2, Properties: {Schedule: rate(1 hour)}}
`)), /unknown property 'Schedule'/);
  });
});
