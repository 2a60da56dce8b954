import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, DescribeEventBusCommand, DescribeRuleCommand, DisableRuleCommand,
  ListEventBusesCommand, ListRulesCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand, PutEventsCommand, PutRuleCommand,
  PutTargetsCommand, RemoveTargetsCommand, TagResourceCommand, TestEventPatternCommand, UntagResourceCommand, type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { makeZip, role, startServer, testCreds, type RunningServer, workerPolicies } from './harness';
import { rejection, sqsClient } from './sqs-helpers';
import { snsClient, until } from './sns-helpers';
import { eventsClient } from './events-helpers';

const account = '000000000000';
const region = 'us-east-1';

/** EventBridge through @aws-sdk/client-eventbridge against the real server: AWS's answers and errors, and delivery to real targets. */
describe('EventBridge (real server)', () => {
  let s: RunningServer;
  let eb: EventBridgeClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  before(async () => {
    s = await startServer({ grant: workerPolicies });
    eb = eventsClient(s);
    sqs = sqsClient(s);
    sns = snsClient(s);
  });
  after(async () => {
    eb?.destroy();
    sqs?.destroy();
    sns?.destroy();
    await s?.stop();
  });

  const queue = async (name: string) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { url, arn };
  };
  const receive = (url: string, n: number) => until(`${n} message(s) on ${url}`, async () => {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
    return r.Messages ?? [];
  }, (m) => m.length >= n, 30_000);

  it('the default bus exists and cannot be deleted; custom buses are created, listed by prefix with pages, described and deleted', async () => {
    const d = await eb.send(new DescribeEventBusCommand({}));
    assert.equal(d.Name, 'default');
    assert.equal(d.Arn, `arn:aws:events:${region}:${account}:event-bus/default`);
    const e = await rejection(eb.send(new DeleteEventBusCommand({ Name: 'default' })));
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.message, 'Cannot delete event bus default.');
    const c = await eb.send(new CreateEventBusCommand({ Name: 'orders-a', Description: 'test bus' }));
    assert.equal(c.EventBusArn, `arn:aws:events:${region}:${account}:event-bus/orders-a`);
    await eb.send(new CreateEventBusCommand({ Name: 'orders-b' }));
    const dup = await rejection(eb.send(new CreateEventBusCommand({ Name: 'orders-a' })));
    assert.equal(dup.name, 'ResourceAlreadyExistsException');
    assert.equal(dup.message, 'Event bus orders-a already exists.');
    const p1 = await eb.send(new ListEventBusesCommand({ NamePrefix: 'orders-', Limit: 1 }));
    assert.deepEqual(p1.EventBuses!.map((b) => b.Name), ['orders-a']);
    assert.equal(p1.EventBuses![0]!.Description, 'test bus');
    assert.ok(p1.EventBuses![0]!.CreationTime instanceof Date);
    const p2 = await eb.send(new ListEventBusesCommand({ NamePrefix: 'orders-', Limit: 1, NextToken: p1.NextToken }));
    assert.deepEqual(p2.EventBuses!.map((b) => b.Name), ['orders-b']);
    assert.equal(p2.NextToken, undefined);
    assert.ok((await eb.send(new ListEventBusesCommand({}))).EventBuses!.some((b) => b.Name === 'default'));
    await eb.send(new DeleteEventBusCommand({ Name: 'orders-b' }));
    const gone = await rejection(eb.send(new DescribeEventBusCommand({ Name: 'orders-b' })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal(gone.message, 'Event bus orders-b does not exist.');
    const bad = await rejection(eb.send(new CreateEventBusCommand({ Name: 'Invalid Name With Spaces!' })));
    assert.equal(bad.name, 'ValidationException');
    assert.equal(bad.message, "1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+");
  });

  it('rules: put, describe, list with pages, disable, AWS errors; targets limited to 5; a rule with targets cannot be deleted', async () => {
    const pattern = JSON.stringify({ source: ['shop'] });
    const r = await eb.send(new PutRuleCommand({ Name: 'r1', EventPattern: pattern, Description: 'd' }));
    assert.equal(r.RuleArn, `arn:aws:events:${region}:${account}:rule/r1`);
    await eb.send(new CreateEventBusCommand({ Name: 'rules-bus' }));
    const onBus = await eb.send(new PutRuleCommand({ Name: 'r1', EventBusName: 'rules-bus', EventPattern: pattern }));
    assert.equal(onBus.RuleArn, `arn:aws:events:${region}:${account}:rule/rules-bus/r1`);
    await eb.send(new PutRuleCommand({ Name: 'r2', EventPattern: pattern }));
    const d = await eb.send(new DescribeRuleCommand({ Name: 'r1' }));
    assert.deepEqual([d.Name, d.EventPattern, d.State, d.Description, d.EventBusName, d.CreatedBy], ['r1', pattern, 'ENABLED', 'd', 'default', account]);
    const l1 = await eb.send(new ListRulesCommand({ NamePrefix: 'r', Limit: 1 }));
    assert.deepEqual(l1.Rules!.map((x) => x.Name), ['r1']);
    const l2 = await eb.send(new ListRulesCommand({ NamePrefix: 'r', Limit: 1, NextToken: l1.NextToken }));
    assert.deepEqual(l2.Rules!.map((x) => x.Name), ['r2']);
    await eb.send(new DisableRuleCommand({ Name: 'r2' }));
    assert.equal((await eb.send(new DescribeRuleCommand({ Name: 'r2' }))).State, 'DISABLED');
    const missing = await rejection(eb.send(new DescribeRuleCommand({ Name: 'nope' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.message, 'Rule nope does not exist on EventBus default.');
    const inv = await rejection(eb.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"a": [{"prefix": 123}]}' })));
    assert.equal(inv.name, 'InvalidEventPatternException');
    assert.equal(inv.message, 'Event pattern is not valid. Reason: prefix match pattern must be a string');
    const sched = await rejection(eb.send(new PutRuleCommand({ Name: 'sched', EventBusName: 'rules-bus', ScheduleExpression: 'rate(5 minutes)' })));
    assert.equal(sched.message, 'ScheduleExpression is supported only on the default event bus.');
    for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'cron(0 12 * * ? )', 'cron(0 12 * * * *)', 'every day']) {
      const x = await rejection(eb.send(new PutRuleCommand({ Name: 'sched', ScheduleExpression: bad })));
      assert.equal(x.message, 'Parameter ScheduleExpression is not valid.', bad);
    }
    await eb.send(new PutRuleCommand({ Name: 'sched', ScheduleExpression: 'cron(0 12 * * ? *)' }));
    const q = await queue('rule-targets');
    const six = Array.from({ length: 6 }, (_, i) => ({ Id: `t${i}`, Arn: q.arn }));
    const lim = await rejection(eb.send(new PutTargetsCommand({ Rule: 'r1', Targets: six })));
    assert.equal(lim.name, 'LimitExceededException');
    assert.equal(lim.message, 'The requested resource exceeds the maximum number allowed.');
    assert.equal((await eb.send(new ListTargetsByRuleCommand({ Rule: 'r1' }))).Targets!.length, 0, 'nothing stored by a refused call');
    const put = await eb.send(new PutTargetsCommand({
      Rule: 'r1', Targets: [{ Id: 'q', Arn: q.arn }, { Id: 'kin', Arn: `arn:aws:kinesis:${region}:${account}:stream/s` }],
    }));
    assert.equal(put.FailedEntryCount, 1);
    assert.equal(put.FailedEntries![0]!.TargetId, 'kin');
    assert.match(put.FailedEntries![0]!.ErrorMessage!, /Kumo cannot deliver/);
    assert.deepEqual((await eb.send(new ListTargetsByRuleCommand({ Rule: 'r1' }))).Targets, [{ Id: 'q', Arn: q.arn }]);
    const both = await rejection(eb.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 'x', Arn: q.arn, Input: '{}', InputPath: '$.detail' }] })));
    assert.equal(both.message, 'Only one of Input, InputPath, or InputTransformer must be provided for target x.');
    const ph = await rejection(eb.send(new PutTargetsCommand({
      Rule: 'r1', Targets: [{ Id: 'x', Arn: q.arn, InputTransformer: { InputPathsMap: { a: '$.detail' }, InputTemplate: '{"k": <notdefinedkey>}' } }],
    })));
    assert.equal(ph.message, 'InputTemplate for target x contains invalid placeholder notdefinedkey.');
    const idBad = await rejection(eb.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: '!@#$@!#$', Arn: q.arn }] })));
    assert.equal(idBad.message, "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
    const noRule = await rejection(eb.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 'q', Arn: q.arn }] })));
    assert.equal(noRule.message, 'Rule nope does not exist on EventBus default.');
    const del = await rejection(eb.send(new DeleteRuleCommand({ Name: 'r1' })));
    assert.equal(del.name, 'ValidationException');
    assert.equal(del.message, "Rule can't be deleted since it has targets.");
    await eb.send(new RemoveTargetsCommand({ Rule: 'r1', Ids: ['q'] }));
    await eb.send(new DeleteRuleCommand({ Name: 'r1' }));
    assert.equal((await rejection(eb.send(new DescribeRuleCommand({ Name: 'r1' })))).name, 'ResourceNotFoundException');
  });

  it('tags on buses and rules; AWS\'s not-found texts', async () => {
    await eb.send(new PutRuleCommand({ Name: 'tagged', EventPattern: '{"source": ["x"]}', Tags: [{ Key: 'a', Value: '1' }] }));
    const arn = `arn:aws:events:${region}:${account}:rule/tagged`;
    await eb.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'b', Value: '2' }] }));
    await eb.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['a'] }));
    assert.deepEqual((await eb.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, [{ Key: 'b', Value: '2' }]);
    const nr = await rejection(eb.send(new ListTagsForResourceCommand({ ResourceARN: `arn:aws:events:${region}:${account}:rule/none` })));
    assert.equal(nr.message, 'Rule none does not exist on EventBus default.');
    const nb = await rejection(eb.send(new TagResourceCommand({ ResourceARN: `arn:aws:events:${region}:${account}:event-bus/none`, Tags: [{ Key: 'k', Value: 'v' }] })));
    assert.equal(nb.message, 'Event bus none does not exist.');
  });

  it('TestEventPattern answers as AWS does', async () => {
    const event = JSON.stringify({ id: '1', source: 'shop', 'detail-type': 'x', account, region, time: '2022-07-13T13:48:01Z', detail: { n: 5 } });
    assert.equal((await eb.send(new TestEventPatternCommand({ EventPattern: '{"detail": {"n": [{"numeric": [">", 1]}]}}', Event: event }))).Result, true);
    assert.equal((await eb.send(new TestEventPatternCommand({ EventPattern: '{"source": ["other"]}', Event: event }))).Result, false);
    const e = await rejection(eb.send(new TestEventPatternCommand({ EventPattern: '{"source": ["x"]}', Event: '"a string"' })));
    assert.equal(e.message, 'Parameter Event is not valid.');
  });

  it('PutEvents: per-entry failures with AWS\'s codes; a matching event reaches a queue (InputTransformer), a topic and a function', async () => {
    const fn = 'eb-target';
    await s.client.send(new CreateFunctionCommand({
      FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler',
      Code: { ZipFile: await makeZip({ 'index.js': `exports.handler = async (e) => { console.log('EB-EVENT ' + JSON.stringify(e)); };` }) },
    }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
    const raw = await queue('eb-raw');
    const shaped = await queue('eb-shaped');
    const viaTopic = await queue('eb-via-topic');
    const topic = (await sns.send(new CreateTopicCommand({ Name: 'eb-topic' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: viaTopic.arn, Attributes: { RawMessageDelivery: 'true' } }));
    await eb.send(new CreateEventBusCommand({ Name: 'shop' }));
    await eb.send(new PutRuleCommand({ Name: 'orders', EventBusName: 'shop', EventPattern: JSON.stringify({ source: ['shop.orders'], detail: { total: [{ numeric: ['>', 10] }] } }) }));
    const put = await eb.send(new PutTargetsCommand({
      Rule: 'orders', EventBusName: 'shop', Targets: [
        { Id: 'raw', Arn: raw.arn },
        { Id: 'shaped', Arn: shaped.arn, InputTransformer: { InputPathsMap: { id: '$.detail.id', total: '$.detail.total' }, InputTemplate: '{"order": <id>, "total": <total>, "text": "order <id> of <total>", "rule": "<aws.events.rule-name>"}' } },
        { Id: 'topic', Arn: topic, InputPath: '$.detail' },
        { Id: 'fn', Arn: `arn:aws:lambda:${region}:${account}:function:${fn}` },
      ],
    }));
    assert.equal(put.FailedEntryCount, 0);
    const time = new Date('2024-05-06T07:08:09.123Z');
    const r = await eb.send(new PutEventsCommand({
      Entries: [
        { EventBusName: 'shop', Source: 'shop.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-1', total: 42 }), Resources: ['arn:x'], Time: time },
        { EventBusName: 'shop', Source: 'shop.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-2', total: 5 }) },
        { EventBusName: 'shop', DetailType: 'x', Detail: '{}' },
        { EventBusName: 'shop', Source: 'shop.orders', DetailType: 'x', Detail: 'not json' },
        { EventBusName: 'no-such-bus', Source: 'shop.orders', DetailType: 'x', Detail: '{}' },
      ],
    }));
    assert.equal(r.FailedEntryCount, 3);
    assert.match(r.Entries![0]!.EventId!, /^[0-9a-f-]{36}$/);
    assert.ok(r.Entries![1]!.EventId);
    assert.deepEqual(r.Entries![2], { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' });
    assert.deepEqual(r.Entries![3], { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    assert.equal(r.Entries![4]!.ErrorMessage, 'Event bus no-such-bus does not exist.');
    const [m] = await receive(raw.url, 1);
    assert.deepEqual(JSON.parse(m!.Body!), {
      version: '0', id: r.Entries![0]!.EventId, 'detail-type': 'Order Placed', source: 'shop.orders', account, time: '2024-05-06T07:08:09Z',
      region, resources: ['arn:x'], detail: { id: 'o-1', total: 42 },
    });
    const [t] = await receive(shaped.url, 1);
    assert.deepEqual(JSON.parse(t!.Body!), { order: 'o-1', total: 42, text: 'order o-1 of 42', rule: 'orders' });
    const [v] = await receive(viaTopic.url, 1);
    assert.deepEqual(JSON.parse(v!.Body!), { id: 'o-1', total: 42 });
    const logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region, credentials: testCreds, maxAttempts: 1 });
    try {
      const lines = await until('the function\'s log line', async () => {
        const x = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}` })).catch(() => ({ events: [] }));
        return (x.events ?? []).map((e) => e.message ?? '').filter((l) => l.includes('EB-EVENT '));
      }, (l) => l.length > 0, 60_000);
      const ev = JSON.parse(lines[0]!.slice(lines[0]!.indexOf('EB-EVENT ') + 9)) as Record<string, unknown>;
      assert.equal(ev.id, r.Entries![0]!.EventId);
      assert.equal(ev['detail-type'], 'Order Placed');
      assert.equal(lines.length, 1, 'the event under the threshold matched no rule');
    } finally {
      logs.destroy();
    }
  });

  it('a target that does not exist: the event goes to its dead-letter queue with AWS\'s attributes; a bus target re-puts the event', async () => {
    const dlq = await queue('eb-dlq');
    const downstream = await queue('eb-downstream');
    await eb.send(new CreateEventBusCommand({ Name: 'second' }));
    await eb.send(new PutRuleCommand({ Name: 'fwd', EventBusName: 'second', EventPattern: '{"source": ["dl"]}' }));
    await eb.send(new PutTargetsCommand({ Rule: 'fwd', EventBusName: 'second', Targets: [{ Id: 'q', Arn: downstream.arn }] }));
    await eb.send(new PutRuleCommand({ Name: 'dl', EventPattern: '{"source": ["dl"]}' }));
    const missing = `arn:aws:sqs:${region}:${account}:never-created`;
    await eb.send(new PutTargetsCommand({
      Rule: 'dl', Targets: [
        { Id: 'gone', Arn: missing, DeadLetterConfig: { Arn: dlq.arn }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 } },
        { Id: 'bus', Arn: `arn:aws:events:${region}:${account}:event-bus/second` },
      ],
    }));
    const r = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'dl', DetailType: 'x', Detail: '{"k": 1}' }] }));
    const [m] = await receive(dlq.url, 1);
    assert.equal(JSON.parse(m!.Body!).id, r.Entries![0]!.EventId);
    const attr = (k: string) => m!.MessageAttributes?.[k]?.StringValue;
    assert.equal(attr('RULE_ARN'), `arn:aws:events:${region}:${account}:rule/dl`);
    assert.equal(attr('TARGET_ARN'), missing);
    assert.equal(attr('ERROR_CODE'), 'ResourceNotFoundException');
    assert.ok(attr('ERROR_MESSAGE'));
    const [f] = await receive(downstream.url, 1);
    assert.equal(JSON.parse(f!.Body!).id, r.Entries![0]!.EventId, 'the event crossed to the second bus unchanged');
  });

  it('a FIFO queue target needs SqsParameters.MessageGroupId, and its messages carry it', async () => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'eb.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await eb.send(new PutRuleCommand({ Name: 'fifo', EventPattern: '{"source": ["fifo"]}' }));
    const bad = await eb.send(new PutTargetsCommand({ Rule: 'fifo', Targets: [{ Id: 'f', Arn: arn }] }));
    assert.deepEqual(bad.FailedEntries, [{ TargetId: 'f', ErrorCode: 'ValidationException', ErrorMessage: 'Parameter(s) SqsParameters must be specified for target: f.' }]);
    await eb.send(new PutTargetsCommand({ Rule: 'fifo', Targets: [{ Id: 'f', Arn: arn, SqsParameters: { MessageGroupId: 'g1' } }] }));
    const r = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'fifo', DetailType: 'x', Detail: '{}' }] }));
    const m = await until('the FIFO message', async () => {
      const x = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['MessageGroupId'] }));
      return x.Messages ?? [];
    }, (x) => x.length > 0, 30_000);
    assert.equal(JSON.parse(m[0]!.Body!).id, r.Entries![0]!.EventId);
    assert.equal(m[0]!.Attributes?.MessageGroupId, 'g1');
  });

  it('PutEvents refuses more than 10 entries and more than 256 KB', async () => {
    const e = { Source: 's', DetailType: 'd', Detail: '{}' };
    const many = await rejection(eb.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => e) })));
    assert.equal(many.name, 'ValidationException');
    assert.match(many.message, /at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/);
    const big = await rejection(eb.send(new PutEventsCommand({ Entries: [{ ...e, Detail: JSON.stringify({ x: 'y'.repeat(262_144) }) }] })));
    assert.equal(big.message, 'Total size of the entries in the request is over the limit.');
  });
});
