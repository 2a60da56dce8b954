import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateScheduleCommand, CreateScheduleGroupCommand, DeleteScheduleCommand, DeleteScheduleGroupCommand, GetScheduleCommand,
  GetScheduleGroupCommand, ListScheduleGroupsCommand, ListSchedulesCommand, ListTagsForResourceCommand, SchedulerClient,
  TagResourceCommand, UntagResourceCommand, UpdateScheduleCommand, type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { CreateFunctionCommand, PutFunctionEventInvokeConfigCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { makeZip, role, startServer, testCreds, type RunningServer, workerPolicies } from './harness';
import { rejection, sqsClient } from './sqs-helpers';

/**
 * EventBridge Scheduler through @aws-sdk/client-scheduler against the real
 * server: the API (AWS's errors and messages, defaults, pagination, groups,
 * tags) and schedules firing on time into a real queue and a real function
 * (KUMO_SCHEDULER_ALLOW_SECONDS=1 lets `rate(N seconds)` show repeated fires
 * quickly; the cron schedule runs at a real minute boundary).
 */
const roleArn = 'arn:aws:iam::000000000000:role/scheduler-role';
const queueArn = (n: string) => `arn:aws:sqs:us-east-1:000000000000:${n}`;

describe('EventBridge Scheduler', () => {
  let s: RunningServer;
  let sch: SchedulerClient;
  let sqs: SQSClient;
  const queue = async (name: string) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { url, arn };
  };
  const receive = async (url: string, n: number, timeoutMs = 20_000): Promise<Message[]> => {
    const out: Message[] = [];
    const end = Date.now() + timeoutMs;
    while (out.length < n && Date.now() < end) {
      const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['SentTimestamp'], VisibilityTimeout: 600 }))).Messages ?? [];
      out.push(...got);
    }
    assert.ok(out.length >= n, `${out.length} of ${n} messages in ${url}`);
    return out;
  };
  const base = (name: string, over: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
    Name: name, ScheduleExpression: 'rate(5 minutes)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: queueArn('api-q'), RoleArn: roleArn }, ...over,
  });

  before(async () => {
    s = await startServer({ grant: workerPolicies, env: { KUMO_SCHEDULER_ALLOW_SECONDS: '1' } });
    sch = new SchedulerClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    sqs = sqsClient(s);
    await queue('api-q');
  });
  after(async () => {
    sch?.destroy();
    sqs?.destroy();
    await s?.stop();
  });

  it('CreateSchedule/GetSchedule: AWS\'s defaults returned; bad input gets AWS\'s errors and leaves nothing', async () => {
    const arn = (await sch.send(new CreateScheduleCommand(base('api-one', { Description: 'd', ClientToken: 'tok-1' })))).ScheduleArn;
    assert.equal(arn, 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/api-one');
    const got = await sch.send(new GetScheduleCommand({ Name: 'api-one' }));
    assert.equal(got.ActionAfterCompletion, 'NONE');
    assert.equal(got.ScheduleExpressionTimezone, 'UTC');
    assert.equal(got.State, 'ENABLED');
    assert.equal(got.GroupName, 'default');
    assert.equal(got.Description, 'd');
    assert.deepEqual(got.FlexibleTimeWindow, { Mode: 'OFF' });
    assert.deepEqual(got.Target, { Arn: queueArn('api-q'), RoleArn: roleArn, RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } });
    assert.ok(got.CreationDate instanceof Date && Math.abs(got.CreationDate.getTime() - Date.now()) < 60_000);
    // The same ClientToken again: the same schedule (idempotent); another token: ConflictException.
    assert.equal((await sch.send(new CreateScheduleCommand(base('api-one', { ClientToken: 'tok-1' })))).ScheduleArn, arn);
    const dup = await rejection(sch.send(new CreateScheduleCommand(base('api-one'))));
    assert.equal(dup.name, 'ConflictException');
    assert.equal(dup.message, 'Schedule api-one already exists.');
    assert.equal(dup.$metadata?.httpStatusCode, 409);

    const bad = async (input: CreateScheduleCommandInput, name: string, message: string | RegExp) => {
      const e = await rejection(sch.send(new CreateScheduleCommand(input)));
      assert.equal(e.name, name, `${input.Name}: ${e.message}`);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      const gone = await rejection(sch.send(new GetScheduleCommand({ Name: input.Name, GroupName: input.GroupName })));
      // An invalid name cannot be looked up either (ValidationException again); any other is simply not there.
      assert.equal(gone.name, /^[0-9a-zA-Z-_.]+$/.test(input.Name!) ? 'ResourceNotFoundException' : 'ValidationException', `${input.Name} left behind`);
    };
    await bad(base('bad-cron', { ScheduleExpression: 'cron(0 1 * * * *)' }), 'ValidationException', 'Invalid Schedule Expression cron(0 1 * * * *).');
    await bad(base('bad-rate', { ScheduleExpression: 'rate(10 years)' }), 'ValidationException', 'Invalid Schedule Expression rate(10 years).');
    await bad(base('bad-kms', { KmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/abc' }), 'ValidationException', /KmsKeyArn is not supported by Kumo/);
    await bad(base('bad-utp', { Target: { Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage', RoleArn: roleArn } }), 'ValidationException', /Universal targets .* are not supported by Kumo/);
    await bad(base('bad-tz', { ScheduleExpressionTimezone: 'Mars/Olympus' }), 'ValidationException', 'Invalid ScheduleExpressionTimezone Mars/Olympus.');
    await bad(base('bad-window', { FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } }), 'ValidationException',
      "1 validation error detected: Value '1441' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must have value less than or equal to 1440");
    await bad(base('bad-retry', { Target: { Arn: queueArn('api-q'), RoleArn: roleArn, RetryPolicy: { MaximumEventAgeInSeconds: 59, MaximumRetryAttempts: 186 } } }), 'ValidationException',
      "2 validation errors detected: Value '59' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60; "
      + "Value '186' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185");
    await bad(base('bad-dlq', { Target: { Arn: queueArn('api-q'), RoleArn: roleArn, DeadLetterConfig: { Arn: 'arn:aws:sns:us-east-1:000000000000:t' } } }), 'ValidationException', /deadLetterConfig\.arn/);
    await bad(base('bad-group', { GroupName: 'nope' }), 'ResourceNotFoundException', 'Schedule group nope does not exist.');
    await bad(base('bad-name!'), 'ValidationException', /at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/);

    const missing = await rejection(sch.send(new GetScheduleCommand({ Name: 'nope' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.message, 'Schedule nope does not exist.');
    assert.equal(missing.$metadata?.httpStatusCode, 404);
  });

  it('UpdateSchedule replaces the schedule; DeleteSchedule removes it', async () => {
    await sch.send(new CreateScheduleCommand(base('api-upd')));
    await sch.send(new UpdateScheduleCommand({
      Name: 'api-upd', ScheduleExpression: 'cron(0 9 ? * MON-FRI *)', ScheduleExpressionTimezone: 'Europe/Paris', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      State: 'DISABLED', Target: { Arn: queueArn('api-q'), RoleArn: roleArn, Input: 'hello', RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 } },
    }));
    const got = await sch.send(new GetScheduleCommand({ Name: 'api-upd' }));
    assert.equal(got.ScheduleExpression, 'cron(0 9 ? * MON-FRI *)');
    assert.equal(got.ScheduleExpressionTimezone, 'Europe/Paris');
    assert.equal(got.State, 'DISABLED');
    assert.deepEqual(got.FlexibleTimeWindow, { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 });
    assert.deepEqual(got.Target?.RetryPolicy, { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 });
    assert.equal(got.Description, undefined);
    const e = await rejection(sch.send(new UpdateScheduleCommand({ ...base('api-missing') })));
    assert.equal(e.message, 'Schedule api-missing does not exist.');
    await sch.send(new DeleteScheduleCommand({ Name: 'api-upd' }));
    assert.equal((await rejection(sch.send(new DeleteScheduleCommand({ Name: 'api-upd' })))).name, 'ResourceNotFoundException');
  });

  it('groups, tags, ListSchedules filters and pagination; deleting a group deletes its schedules', async () => {
    const garn = (await sch.send(new CreateScheduleGroupCommand({ Name: 'api-g', Tags: [{ Key: 'team', Value: 'a' }] }))).ScheduleGroupArn!;
    assert.equal(garn, 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/api-g');
    const g = await sch.send(new GetScheduleGroupCommand({ Name: 'api-g' }));
    assert.equal(g.State, 'ACTIVE');
    assert.equal((await rejection(sch.send(new CreateScheduleGroupCommand({ Name: 'api-g' })))).message, 'Schedule group api-g already exists.');
    assert.ok((await sch.send(new ListScheduleGroupsCommand({}))).ScheduleGroups!.some((x) => x.Name === 'default'));
    await sch.send(new TagResourceCommand({ ResourceArn: garn, Tags: [{ Key: 'env', Value: 'dev' }] }));
    await sch.send(new UntagResourceCommand({ ResourceArn: garn, TagKeys: ['team'] }));
    assert.deepEqual((await sch.send(new ListTagsForResourceCommand({ ResourceArn: garn }))).Tags, [{ Key: 'env', Value: 'dev' }]);

    for (let i = 0; i < 5; i++) await sch.send(new CreateScheduleCommand(base(`page-${i}`, { GroupName: 'api-g', State: i === 4 ? 'DISABLED' : 'ENABLED' })));
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await sch.send(new ListSchedulesCommand({ GroupName: 'api-g', MaxResults: 2, NextToken: token }));
      assert.ok(page.Schedules!.length <= 2);
      names.push(...page.Schedules!.map((x) => x.Name!));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    const disabled = await sch.send(new ListSchedulesCommand({ GroupName: 'api-g', State: 'DISABLED' }));
    assert.deepEqual(disabled.Schedules!.map((x) => [x.Name, x.GroupName, x.Target?.Arn]), [['page-4', 'api-g', queueArn('api-q')]]);
    assert.deepEqual((await sch.send(new ListSchedulesCommand({ NamePrefix: 'page-3' }))).Schedules!.map((x) => x.Name), ['page-3']);
    assert.equal((await rejection(sch.send(new ListSchedulesCommand({ GroupName: 'nope' })))).name, 'ResourceNotFoundException');

    await sch.send(new DeleteScheduleGroupCommand({ Name: 'api-g' }));
    assert.equal((await rejection(sch.send(new GetScheduleCommand({ Name: 'page-0', GroupName: 'api-g' })))).name, 'ResourceNotFoundException');
    assert.equal((await rejection(sch.send(new GetScheduleGroupCommand({ Name: 'api-g' })))).message, 'Schedule group api-g does not exist.');
    assert.equal((await rejection(sch.send(new DeleteScheduleGroupCommand({ Name: 'default' })))).name, 'ValidationException');
  });

  it('a rate schedule fires repeatedly into a queue with its Input; into a function, the payload is the Input', async () => {
    const q = await queue('fire-q');
    await sch.send(new CreateScheduleCommand({
      Name: 'fire-queue', ScheduleExpression: 'rate(2 seconds)', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: q.arn, RoleArn: roleArn, Input: '{"at":"<aws.scheduler.scheduled-time>"}' },
    }));
    // A function target: its async invocation's OnSuccess record (to a queue) carries the payload it was given.
    const done = await queue('fire-fn-done');
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'sched-fn', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler',
      Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async (e) => ({ got: e });' }) },
    }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'sched-fn' });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'sched-fn', DestinationConfig: { OnSuccess: { Destination: done.arn } } }));
    await sch.send(new CreateScheduleCommand({
      Name: 'fire-fn', ScheduleExpression: 'rate(2 seconds)', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:sched-fn', RoleArn: roleArn, Input: '{"hello":"scheduler"}' },
    }));

    const msgs = await receive(q.url, 3);
    await sch.send(new DeleteScheduleCommand({ Name: 'fire-queue' }));
    const times = msgs.map((m) => Date.parse((JSON.parse(m.Body!) as { at: string }).at)).sort((a, b) => a - b);
    assert.equal(new Set(times).size, times.length, 'each due time once');
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 2000);
    for (const m of msgs) {
      const due = Date.parse((JSON.parse(m.Body!) as { at: string }).at);
      const late = Number(m.Attributes!.SentTimestamp) - due;
      assert.ok(late >= 0 && late < 2000, `sent ${late} ms after its due second`);
    }
    const records = await receive(done.url, 2, 40_000);
    await sch.send(new DeleteScheduleCommand({ Name: 'fire-fn' }));
    for (const r of records) {
      const rec = JSON.parse(r.Body!) as { requestPayload: unknown; responsePayload: unknown };
      assert.deepEqual(rec.requestPayload, { hello: 'scheduler' });
      assert.deepEqual(rec.responsePayload, { got: { hello: 'scheduler' } });
    }
  });

  it('a cron schedule fires at its minute, within a second', { timeout: 90_000 }, async () => {
    const q = await queue('cron-q');
    await sch.send(new CreateScheduleCommand({
      Name: 'every-minute', ScheduleExpression: 'cron(* * * * ? *)', ScheduleExpressionTimezone: 'America/New_York', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: q.arn, RoleArn: roleArn, Input: '{"at":"<aws.scheduler.scheduled-time>"}' },
    }));
    const [m] = await receive(q.url, 1, 70_000);
    await sch.send(new DeleteScheduleCommand({ Name: 'every-minute' }));
    const due = Date.parse((JSON.parse(m!.Body!) as { at: string }).at);
    assert.equal(due % 60_000, 0, 'on a minute boundary');
    const late = Number(m!.Attributes!.SentTimestamp) - due;
    assert.ok(late >= 0 && late < 1000, `sent ${late} ms after the minute`);
  });
});
