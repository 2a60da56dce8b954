import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { buildModel } from '../../sam';
import { parseTemplate } from '../../template';
import { DeployContext } from '../context';
import { activeResources } from '../orchestrator';
import { kindOf, schemaOf } from '../registry';
import { functionConfig } from './function-config';
import { invokeConfig, invokeConfigDiff } from './event-invoke-config';
import { mappingDiff, mappingSettings } from './event-source-mapping';
import { reportEvents } from './sam-events';
import { subscriptionAttributes, subscriptionDiff } from './sns-subscription';
import { attributeDiff, desiredAttributes } from './sqs-queue';

/** A context that never calls a server: these tests check what a template turns into before anything is sent. */
function contextFor(source: string): { ctx: DeployContext; lines: string[] } {
  const file = '/tmp/queues-topics-test/template.yaml';
  const model = buildModel(parseTemplate(file, source), {}, schemaOf);
  const lines: string[] = [];
  const client = new LambdaClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const cfg = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accountId: '000000000000' } as DeployContext['cfg'];
  const record = { stackName: 'app', endpoint: cfg.endpoint, template: 'template.yaml', updatedAt: '', resources: {} };
  const ctx = new DeployContext({ model, client, cfg, out: (l) => lines.push(l), stackName: 'app', templateFile: file, prev: {}, record });
  return { ctx, lines };
}

const head = `Transform: AWS::Serverless-2016-10-31
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}
      Tags: [{Key: team, Value: a}]
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: alerts
`;

const fnWith = (extra: string) => `${head}  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 1"
      Handler: index.handler
      Runtime: nodejs20.x
${extra}`;

const events = `      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        MaximumEventAgeInSeconds: 120
        DestinationConfig:
          OnSuccess: {Type: SQS, Destination: !GetAtt Dlq.Arn}
          OnFailure: {Type: SNS}
      Events:
        FromJobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig: {MaximumConcurrency: 3}
            FilterCriteria: {Filters: [{Pattern: '{"body": {"kind": ["job"]}}'}]}
        FromAlerts:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            FilterPolicy: {level: [error]}
            FilterPolicyScope: MessageAttributes
        Web:
          Type: Api
          Properties: {Path: /, Method: get}
        Uploads:
          Type: S3
          Properties: {Bucket: b, Events: 's3:ObjectCreated:*'}
`;

describe('deploy: queues, topics, event sources and async settings (template → plan inputs)', () => {
  it('a SAM function expands into the resources SAM names: <Fn><Event> mappings and subscriptions, <Fn>EventInvokeConfig and its made topic', () => {
    const { ctx } = contextFor(fnWith(events));
    const decls = activeResources(ctx);
    // The ids and types aws-sam-translator 1.110 gives this template (its Role and Permission aside: Kumo enforces no IAM).
    assert.deepEqual(
      decls.map((d) => [d.id, d.type, d.partOf ?? '']),
      [
        ['Dlq', 'AWS::SQS::Queue', ''],
        ['Jobs', 'AWS::SQS::Queue', ''],
        ['Alerts', 'AWS::SNS::Topic', ''],
        ['Worker', 'AWS::Serverless::Function', ''],
        ['WorkerFromJobs', 'AWS::Lambda::EventSourceMapping', 'Worker'],
        ['WorkerFromAlerts', 'AWS::SNS::Subscription', 'Worker'],
        ['WorkerEventInvokeConfigOnFailureTopic', 'AWS::SNS::Topic', 'Worker'],
        ['WorkerEventInvokeConfig', 'AWS::Lambda::EventInvokeConfig', 'Worker'],
        // SAM's implicit REST API of the Api event (served by Kumo's HTTP API engine, payload 1.0, stage Prod).
        ['ServerlessRestApi', 'AWS::Serverless::Api', 'Worker'],
      ],
    );
    const byId = new Map(decls.map((d) => [d.id, d]));
    // The function no longer depends on what only its events use (a queue failing skips the mapping, not the function).
    assert.deepEqual(byId.get('Worker')!.deps, ['Dlq']);
    assert.deepEqual(byId.get('WorkerFromJobs')!.deps.sort(), ['Jobs', 'Worker']);
    assert.deepEqual(ctx.props(byId.get('WorkerFromJobs')!), {
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:app-Jobs',
      FunctionName: 'app-Worker',
      BatchSize: 5,
      FilterCriteria: { Filters: [{ Pattern: '{"body": {"kind": ["job"]}}' }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    assert.deepEqual(ctx.props(byId.get('WorkerFromAlerts')!), {
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:app-Alerts',
      Protocol: 'lambda',
      Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:app-Worker',
      FilterPolicy: { level: ['error'] },
      FilterPolicyScope: 'MessageAttributes',
    });
    const eic = invokeConfig(ctx, byId.get('WorkerEventInvokeConfig')!, ctx.props(byId.get('WorkerEventInvokeConfig')!));
    assert.deepEqual(eic, {
      FunctionName: 'app-Worker',
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 120,
      OnSuccess: 'arn:aws:sqs:us-east-1:000000000000:app-Dlq',
      OnFailure: 'arn:aws:sns:us-east-1:000000000000:app-WorkerEventInvokeConfigOnFailureTopic',
    });
    assert.equal(ctx.physicalOf(byId.get('WorkerEventInvokeConfig')!), 'app-Worker:$LATEST');
    // DeadLetterQueue becomes the function's DeadLetterConfig.
    const w = byId.get('Worker')!;
    assert.equal(functionConfig(ctx, w, ctx.props(w)).DeadLetterTarget, 'arn:aws:sqs:us-east-1:000000000000:app-Dlq');
  });

  it('with AutoPublishAlias the mapping, the subscription and the invoke config point at the alias, as SAM does', () => {
    const { ctx } = contextFor(fnWith(`      AutoPublishAlias: live\n${events}`));
    const byId = new Map(activeResources(ctx).map((d) => [d.id, d]));
    const alias = 'arn:aws:lambda:us-east-1:000000000000:function:app-Worker:live';
    assert.equal(ctx.props(byId.get('WorkerFromJobs')!).FunctionName, alias);
    assert.equal(ctx.props(byId.get('WorkerFromAlerts')!).Endpoint, alias);
    assert.equal(ctx.props(byId.get('WorkerEventInvokeConfig')!).Qualifier, 'live');
  });

  it('only events Kumo cannot wire are reported; an ignored event property is noted', () => {
    const { ctx, lines } = contextFor(fnWith(events.replace('ScalingConfig: {MaximumConcurrency: 3}', 'ScalingConfig: {MaximumConcurrency: 3}\n            MetricsConfig: {Metrics: [EventCount]}')));
    activeResources(ctx);
    const w = ctx.declById.get('Worker')!;
    reportEvents(w, ctx.props(w), ctx);
    assert.deepEqual(lines, ['note: Worker event Uploads (S3) is not wired: Kumo has no S3 event source yet; try it with: kumo generate-event s3 put | kumo invoke Worker --event -']);
    assert.ok(ctx.model.notes.includes('Worker: event FromJobs (SQS): MetricsConfig has no effect on Kumo (ignored)'));
  });

  it('a Kinesis event becomes <Fn><Event>, a stream mapping with Lambda\'s defaults for what it leaves out', () => {
    const { ctx } = contextFor(`${head}  S:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 2}\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: a.h\n      InlineCode: x\n      Events:\n        Clicks:\n          Type: Kinesis\n          Properties: {Stream: !GetAtt S.Arn, StartingPosition: LATEST, MaximumRetryAttempts: 3, DestinationConfig: {OnFailure: {Destination: !GetAtt Dlq.Arn}}}\n`);
    const byId = new Map(activeResources(ctx).map((d) => [d.id, d]));
    const m = byId.get('FClicks')!;
    assert.equal(m.type, 'AWS::Lambda::EventSourceMapping');
    const st = mappingSettings(ctx, m, ctx.props(m));
    assert.equal(st.EventSourceArn, 'arn:aws:kinesis:us-east-1:000000000000:stream/app-S');
    assert.equal(st.BatchSize, 100, "Kinesis' default batch");
    assert.deepEqual(st.stream, {
      StartingPosition: 'LATEST', ParallelizationFactor: 1, MaximumRetryAttempts: 3, MaximumRecordAgeInSeconds: -1, BisectBatchOnFunctionError: false,
      TumblingWindowInSeconds: 0, OnFailure: 'arn:aws:sqs:us-east-1:000000000000:app-Dlq',
    });
    assert.deepEqual(mappingDiff(ctx, st, {
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:app-F', BatchSize: 100, State: 'Enabled', MaximumBatchingWindowInSeconds: 0, FunctionResponseTypes: [],
      ParallelizationFactor: 1, MaximumRetryAttempts: -1, MaximumRecordAgeInSeconds: -1, BisectBatchOnFunctionError: false, TumblingWindowInSeconds: 0, DestinationConfig: { OnFailure: {} },
    }), ['MaximumRetryAttempts', 'DestinationConfig']);
    assert.equal(kindOf('AWS::Kinesis::Stream').getAtt(byId.get('S')!, 'Arn', 'p', ctx), 'arn:aws:kinesis:us-east-1:000000000000:stream/app-S');
  });

  it('template mistakes in events are found before anything is sent, at their position', () => {
    const bad = (extra: string) => () => activeResources(contextFor(fnWith(extra)).ctx);
    assert.throws(bad('      Events:\n        E:\n          Type: SQS\n          Properties: {BatchSize: 1}\n'), /an SQS event needs Queue/);
    assert.throws(bad('      Events:\n        E:\n          Type: SQS\n          Properties: {Queue: q, Batch: 1}\n'), /template\.yaml:\d+:\d+: .*unknown property 'Batch' of an SQS event/);
    assert.throws(bad('      Events:\n        E:\n          Type: SNS\n          Properties: {Topic: t, SqsSubscription: true}\n'), /SqsSubscription is not supported by kumo deploy yet/);
    assert.throws(bad('      EventInvokeConfig:\n        DestinationConfig:\n          OnFailure: {Type: S3, Destination: arn:aws:s3:::b}\n'), /Kumo delivers to SQS, SNS and Lambda destinations, not S3/);
    assert.throws(bad('      EventInvokeConfig:\n        DestinationConfig:\n          OnFailure: {Type: Lambda}\n'), /a Lambda destination needs Destination/);
    assert.throws(() => functionConfigOf(fnWith('      DeadLetterQueue: {Type: Kinesis, TargetArn: x}\n')), /DeadLetterQueue is \{Type: SQS or SNS, TargetArn/);
    assert.throws(() => contextFor(`${head}  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: {FunctionName: f, EventSourceArn: !GetAtt Jobs.Arn, ParallelizationFactor: 2}\n`), /ParallelizationFactor is for Kinesis mappings, which need StartingPosition/);
    assert.throws(() => contextFor(`${head}  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: {FunctionName: f, EventSourceArn: !GetAtt Jobs.Arn, Topics: [t]}\n`), /Topics is for Kafka, MQ or DocumentDB sources/);
    assert.throws(bad('      Events:\n        E:\n          Type: Kinesis\n          Properties: {Stream: s}\n'), /a Kinesis event needs StartingPosition/);
    assert.throws(bad('      Events:\n        E:\n          Type: Kinesis\n          Properties: {StartingPosition: LATEST}\n'), /a Kinesis event needs Stream/);
    assert.throws(() => contextFor(`${head}  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: a.fifo}\n`), /a queue named ….fifo needs FifoQueue: true/);
    assert.throws(() => contextFor(`${head}  Q:\n    Type: AWS::SQS::Queue\n    Properties: {Delay: 1}\n`), /unknown property 'Delay' of AWS::SQS::Queue/);
  });

  it('queues: names as the stack gives them (FIFO names end in .fifo), Ref → URL only once known, GetAtt Arn and QueueName from the name', () => {
    const { ctx } = contextFor(`${head}  Fifo:\n    Type: AWS::SQS::Queue\n    Properties: {FifoQueue: true, ContentBasedDeduplication: true}\n`);
    const byId = new Map(activeResources(ctx).map((d) => [d.id, d]));
    assert.equal(ctx.physicalOf(byId.get('Jobs')!), 'app-Jobs');
    assert.equal(ctx.physicalOf(byId.get('Fifo')!), 'app-Fifo.fifo');
    const k = kindOf('AWS::SQS::Queue');
    assert.equal(k.getAtt(byId.get('Jobs')!, 'Arn', 'p', ctx), 'arn:aws:sqs:us-east-1:000000000000:app-Jobs');
    assert.equal(k.getAtt(byId.get('Jobs')!, 'QueueName', 'p', ctx), 'app-Jobs');
    assert.match(k.ref(byId.get('Jobs')!, ctx), /after-apply:Jobs/);
    assert.throws(() => k.getAtt(byId.get('Jobs')!, 'Url', 'Resources.X', ctx), /has the attributes Arn, QueueName and QueueUrl, not Url/);
    const long = `${'x'.repeat(90)}`;
    const { ctx: c2 } = contextFor(`Resources:\n  Q${long}:\n    Type: AWS::SQS::Queue\n    Properties: {FifoQueue: true}\n`);
    const q = activeResources(c2)[0]!;
    const name = c2.physicalOf(q);
    assert.ok(name.length <= 80 && name.endsWith('.fifo'), name);
  });

  it('queue attributes: the template in SQS string form with defaults for what it leaves out, compared with what the server answers', () => {
    const { ctx } = contextFor(head);
    const byId = new Map(activeResources(ctx).map((d) => [d.id, d]));
    const jobs = byId.get('Jobs')!;
    const want = desiredAttributes(ctx, jobs, ctx.props(jobs));
    assert.deepEqual(want, {
      VisibilityTimeout: '60',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      ReceiveMessageWaitTimeSeconds: '0',
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:app-Dlq","maxReceiveCount":3}',
    });
    // What GetQueueAttributes answers for the same queue: nothing to change (maxReceiveCount may come back as a string).
    const have = { ...want, RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:app-Dlq","maxReceiveCount":"3"}', QueueArn: 'x', ApproximateNumberOfMessages: '4' };
    assert.deepEqual(attributeDiff(want, have), {});
    const fifo = desiredAttributes(ctx, jobs, { FifoQueue: true, ContentBasedDeduplication: true, DeduplicationScope: 'messageGroup' });
    assert.deepEqual([fifo.FifoQueue, fifo.ContentBasedDeduplication, fifo.DeduplicationScope, fifo.FifoThroughputLimit], ['true', 'true', 'messageGroup', 'perQueue']);
    assert.throws(() => desiredAttributes(ctx, jobs, { ContentBasedDeduplication: true }), /ContentBasedDeduplication is for FIFO queues only/);
    // Dropped from the template: back to SQS's default; a RedrivePolicy removed is the empty one.
    assert.deepEqual(attributeDiff(desiredAttributes(ctx, jobs, {}), have), { VisibilityTimeout: '30', RedrivePolicy: '' });
    const denyAll = '{"redrivePermission":"denyAll"}';
    const deny = desiredAttributes(ctx, jobs, { RedriveAllowPolicy: { redrivePermission: 'denyAll' } });
    assert.deepEqual(attributeDiff(deny, { ...deny, RedriveAllowPolicy: '{ "redrivePermission": "denyAll" }' }), {});
    assert.deepEqual(attributeDiff(desiredAttributes(ctx, jobs, {}), { ...desiredAttributes(ctx, jobs, {}), RedriveAllowPolicy: denyAll }), { RedriveAllowPolicy: '{"redrivePermission":"allowAll"}' });
  });

  it('subscription attributes: JSON compared by value, a dropped filter removed, defaults not reported as changes', () => {
    const { ctx } = contextFor(fnWith(events));
    const sub = activeResources(ctx).find((d) => d.id === 'WorkerFromAlerts')!;
    const want = subscriptionAttributes(ctx, sub, ctx.props(sub));
    assert.deepEqual(want, { FilterPolicy: '{"level":["error"]}', FilterPolicyScope: 'MessageAttributes' });
    assert.deepEqual(subscriptionDiff(want, { RawMessageDelivery: 'false', FilterPolicy: '{ "level": [ "error" ] }', FilterPolicyScope: 'MessageAttributes', Protocol: 'lambda' }), {});
    assert.deepEqual(subscriptionDiff({}, { RawMessageDelivery: 'false', FilterPolicy: '{"level":["error"]}', FilterPolicyScope: 'MessageAttributes' }), { FilterPolicy: '' });
    assert.deepEqual(subscriptionDiff({ ...want, FilterPolicyScope: 'MessageBody' }, { FilterPolicy: '{"level":["error"]}', FilterPolicyScope: 'MessageAttributes' }), { FilterPolicyScope: 'MessageBody' });
  });

  it('mapping settings: Lambda defaults for what the template leaves out, and the differences with GetEventSourceMapping', () => {
    const { ctx } = contextFor(fnWith(events));
    const m = activeResources(ctx).find((d) => d.id === 'WorkerFromJobs')!;
    const want = mappingSettings(ctx, m, ctx.props(m));
    assert.equal(want.Enabled, true);
    assert.equal(want.MaximumBatchingWindowInSeconds, 0);
    const have = {
      UUID: 'u', EventSourceArn: want.EventSourceArn, FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:app-Worker', BatchSize: 5, State: 'Enabled',
      MaximumBatchingWindowInSeconds: 0, FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["job"]}}' }] }, FunctionResponseTypes: ['ReportBatchItemFailures' as const],
      ScalingConfig: { MaximumConcurrency: 3 },
    };
    assert.deepEqual(mappingDiff(ctx, want, have), []);
    assert.deepEqual(mappingDiff(ctx, { ...want, BatchSize: 10, Enabled: false, Filters: [], MaximumConcurrency: undefined }, have), ['BatchSize', 'Enabled', 'FilterCriteria', 'ScalingConfig']);
    assert.deepEqual(mappingDiff(ctx, { ...want, FunctionName: 'app-Worker:live' }, have), ['FunctionName']);
  });

  it('invoke config: each field the server differs in', () => {
    const want = { FunctionName: 'f', Qualifier: '$LATEST', MaximumRetryAttempts: 0, OnFailure: 'arn:aws:sqs:us-east-1:000000000000:d' };
    assert.deepEqual(invokeConfigDiff(want, { MaximumRetryAttempts: 0, DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:d' } } }), []);
    assert.deepEqual(invokeConfigDiff(want, { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60, DestinationConfig: {} }), ['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig.OnFailure']);
  });

  it('removed resources are deleted attachments first (mappings, subscriptions, invoke configs), then aliases, functions, and queues and topics last', () => {
    const order = (t: string) => kindOf(t).deleteOrder;
    for (const a of ['AWS::Lambda::EventSourceMapping', 'AWS::SNS::Subscription', 'AWS::Lambda::EventInvokeConfig']) {
      assert.ok(order(a) < order('AWS::Lambda::Alias') && order(a) < order('AWS::Serverless::Function'), a);
    }
    for (const q of ['AWS::SQS::Queue', 'AWS::SNS::Topic']) assert.ok(order(q) > order('AWS::Lambda::Function'), q);
    // A subscription goes with its topic.
    const sub = { type: 'AWS::SNS::Subscription', physicalId: 's', arn: 'arn:aws:sns:us-east-1:000000000000:app-Alerts:1b2c' };
    assert.equal(kindOf(sub.type).deletedWith?.(sub, [{ type: 'AWS::SNS::Topic', physicalId: 'app-Alerts', arn: 'arn:aws:sns:us-east-1:000000000000:app-Alerts' }]), 'app-Alerts');
  });
});

function functionConfigOf(source: string) {
  const { ctx } = contextFor(source);
  const w = activeResources(ctx).find((d) => d.id === 'Worker')!;
  return functionConfig(ctx, w, ctx.props(w));
}
