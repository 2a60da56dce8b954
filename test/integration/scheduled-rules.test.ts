import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand, DisableRuleCommand, CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { startServer, testCreds, type RunningServer } from './harness';
import { sqsClient } from './sqs-helpers';

/**
 * The two halves of issue 15 composed by the server: EventBridge rules with a
 * ScheduleExpression fire through the schedule engine (AWS's "Scheduled
 * Event" into the rule's queue target, once per due time, stopping when the
 * rule is disabled), and a Scheduler schedule whose target is an event bus
 * puts its event there, where a rule routes it to a queue. Seconds rates
 * through KUMO_SCHEDULER_ALLOW_SECONDS (off by default; AWS refuses them).
 */
describe('scheduled rules and schedules to an event bus, through the real server', () => {
  let s: RunningServer;
  let eb: EventBridgeClient;
  let sch: SchedulerClient;
  const arnOf = async (url: string) => (await sqsClient(s).send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const drain = async (url: string, waitMs: number): Promise<Message[]> => {
    const out: Message[] = [];
    const end = Date.now() + waitMs;
    while (Date.now() < end) {
      const r = await sqsClient(s).send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      out.push(...(r.Messages ?? []));
    }
    return out;
  };
  before(async () => {
    s = await startServer({ env: { KUMO_SCHEDULER_ALLOW_SECONDS: '1' } });
    eb = new EventBridgeClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    sch = new SchedulerClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
  });
  after(async () => {
    eb.destroy();
    sch.destroy();
    await s.stop();
  });

  it('a rule with rate(1 second) delivers AWS\'s Scheduled Event to its queue about once a second, and nothing once disabled', async () => {
    const url = (await sqsClient(s).send(new CreateQueueCommand({ QueueName: 'ticks' }))).QueueUrl!;
    const rule = await eb.send(new PutRuleCommand({ Name: 'tick', ScheduleExpression: 'rate(1 second)' }));
    await eb.send(new PutTargetsCommand({ Rule: 'tick', Targets: [{ Id: 'q', Arn: await arnOf(url) }] }));
    const got = await drain(url, 4_500);
    assert.ok(got.length >= 3 && got.length <= 6, `${got.length} events in 4.5 s`);
    const events = got.map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
    for (const e of events) {
      assert.equal(e['detail-type'], 'Scheduled Event');
      assert.equal(e.source, 'aws.events');
      assert.deepEqual(e.resources, [rule.RuleArn]);
      assert.deepEqual(e.detail, {});
      assert.match(String(e.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const times = events.map((e) => String(e.time));
    assert.equal(new Set(times).size, times.length, 'one event per due time');
    await eb.send(new DisableRuleCommand({ Name: 'tick' }));
    await drain(url, 1_500); // what was due before the disable
    assert.deepEqual(await drain(url, 2_500), [], 'a disabled rule fires no more');
  });

  it('a schedule targeting an event bus puts its event there; a rule routes it to a queue with Scheduler\'s Source, DetailType and Input', async () => {
    const url = (await sqsClient(s).send(new CreateQueueCommand({ QueueName: 'routed' }))).QueueUrl!;
    const bus = await eb.send(new CreateEventBusCommand({ Name: 'jobs' }));
    await eb.send(new PutRuleCommand({ Name: 'route', EventBusName: 'jobs', EventPattern: JSON.stringify({ source: ['my.scheduler'] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'route', EventBusName: 'jobs', Targets: [{ Id: 'q', Arn: await arnOf(url) }] }));
    const created = await sch.send(new CreateScheduleCommand({
      Name: 'to-bus', ScheduleExpression: 'rate(1 second)', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: bus.EventBusArn!, RoleArn: 'arn:aws:iam::000000000000:role/r', Input: '{"job":"nightly"}', EventBridgeParameters: { Source: 'my.scheduler', DetailType: 'Job Due' } },
    }));
    const got = await drain(url, 3_000);
    assert.ok(got.length >= 1, 'the schedule reached the bus and the rule routed it');
    const e = JSON.parse(got[0]!.Body!) as Record<string, unknown>;
    assert.equal(e.source, 'my.scheduler');
    assert.equal(e['detail-type'], 'Job Due');
    assert.deepEqual(e.detail, { job: 'nightly' });
    assert.deepEqual(e.resources, [created.ScheduleArn]);
  });
});
