import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AddPermissionCommand, CreateFunctionCommand, InvokeCommand, LambdaClient, PutFunctionEventInvokeConfigCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { EventBridgeClient, PutEventsCommand, PutPermissionCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { AttachRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { makeZip, startServer, testCreds, type RunningServer } from './harness';

/**
 * Messages between services across accounts (issue 18): a topic, a rule or
 * a function's destination of one account delivering to a function of
 * another, which takes it only when its resource policy allows the sender
 * (the service principal with aws:SourceArn, or the sending role), as AWS's
 * cross-account deliveries do.
 */
const home = '000000000000';
const other = '111111111111';
const fnArn = (acct: string, name: string) => `arn:aws:lambda:us-east-1:${acct}:function:${name}`;
type Creds = { accessKeyId: string; secretAccessKey: string };
const credsOf = (dataDir: string, acct: string): Creds =>
  JSON.parse(fs.readFileSync(path.join(dataDir, 'accounts', acct, 'credentials.json'), 'utf8')) as Creds;

function clients(endpoint: string, credentials: Creds) {
  const base = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  return {
    lambda: new LambdaClient(base), logs: new CloudWatchLogsClient(base), sns: new SNSClient(base), events: new EventBridgeClient(base), iam: new IAMClient(base),
    sqs: new SQSClient(base),
  };
}

/** A function that logs every event it gets, with a marker the test looks for. */
async function deployRecorder(c: LambdaClient, acct: string, name: string): Promise<void> {
  const js = `exports.handler = async (e) => { console.log('GOT ' + JSON.stringify(e)); return { ok: true }; };`;
  await c.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Role: `arn:aws:iam::${acct}:role/lambda-role`, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': js }) },
  }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

/** The GOT lines of a function's log group that contain `marker` (empty when the group does not exist yet). */
async function got(logs: CloudWatchLogsClient, fn: string, marker: string): Promise<string[]> {
  try {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: `"${marker}"` }));
    return (r.events ?? []).map((e) => e.message ?? '').filter((m) => m.includes('GOT'));
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return [];
    throw e;
  }
}

async function waitForLine(logs: CloudWatchLogsClient, fn: string, marker: string, ms = 20_000): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    const l = await got(logs, fn, marker);
    if (l.length || Date.now() > end) return l;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('deliveries between accounts (issue 18)', () => {
  let s: RunningServer;
  let a: ReturnType<typeof clients>;
  let b: ReturnType<typeof clients>;

  before(async () => {
    s = await startServer({ env: { KUMO_ACCOUNTS: other, KUMO_METRICS_PORT: '0' } });
    a = clients(s.endpoint, testCreds);
    b = clients(s.endpoint, credsOf(s.dataDir, other));
    await deployRecorder(b.lambda, other, 'allowed');
    await deployRecorder(b.lambda, other, 'denied');
  });
  after(async () => {
    await s?.stop();
  });

  it('the Prometheus listener shows every account, by its account label', async () => {
    await b.lambda.send(new InvokeCommand({ FunctionName: 'denied', Payload: Buffer.from('{}') }));
    const port = Number(/Prometheus metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(s.output())?.[1]);
    assert.ok(port > 0, s.output());
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(text, new RegExp(`^kumo_lambda_invocations_total\\{account="${other}",function="denied",qualifier=""\\} 1$`, 'm'));
    assert.doesNotMatch(text, new RegExp(`account="${home}",function="denied"`));
    assert.match(text, new RegExp(`^kumo_lambda_concurrent_executions\\{account="${home}"\\} 0$`, 'm'));
    assert.match(text, new RegExp(`^kumo_lambda_concurrent_executions\\{account="${other}"\\} 0$`, 'm'));
  });

  it("an SNS topic delivers to another account's function only where its policy allows sns.amazonaws.com for that topic", async () => {
    const topic = (await a.sns.send(new CreateTopicCommand({ Name: 'cross' }))).TopicArn!;
    // B allows this topic (aws:SourceArn) on `allowed`; `denied` allows SNS for another topic only.
    await b.lambda.send(new AddPermissionCommand({
      FunctionName: 'allowed', StatementId: 'sns', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: topic,
    }));
    await b.lambda.send(new AddPermissionCommand({
      FunctionName: 'denied', StatementId: 'sns', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: `${topic}-other`,
    }));
    for (const fn of ['allowed', 'denied']) {
      await a.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'lambda', Endpoint: fnArn(other, fn) }));
    }
    await a.sns.send(new PublishCommand({ TopicArn: topic, Message: 'sns-marker-1' }));
    const lines = await waitForLine(b.logs, 'allowed', 'sns-marker-1');
    assert.equal(lines.length, 1, 'the allowed function got the notification');
    const event = JSON.parse(lines[0]!.slice(lines[0]!.indexOf('GOT ') + 4)) as { Records: { Sns: { TopicArn: string; Message: string } }[] };
    assert.equal(event.Records[0]!.Sns.TopicArn, topic);
    assert.equal(event.Records[0]!.Sns.Message, 'sns-marker-1');
    // Both subscriptions were tried together; the refused one is not retried (a client-side error) and never arrives.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await got(b.logs, 'denied', 'sns-marker-1'), []);
    assert.match(s.output(), /does not allow sns\.amazonaws\.com/);
  });

  it("an EventBridge rule's target in another account is invoked only where its policy allows events.amazonaws.com for the rule", async () => {
    const rule = (await a.events.send(new PutRuleCommand({ Name: 'to-b', EventPattern: JSON.stringify({ source: ['cross.test'] }) }))).RuleArn!;
    await b.lambda.send(new AddPermissionCommand({
      FunctionName: 'allowed', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: rule, SourceAccount: home,
    }));
    await a.events.send(new PutTargetsCommand({ Rule: 'to-b', Targets: [{ Id: 'ok', Arn: fnArn(other, 'allowed') }, { Id: 'no', Arn: fnArn(other, 'denied') }] }));
    await a.events.send(new PutEventsCommand({ Entries: [{ Source: 'cross.test', DetailType: 't', Detail: JSON.stringify({ m: 'events-marker-1' }) }] }));
    const lines = await waitForLine(b.logs, 'allowed', 'events-marker-1');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /"account":"000000000000"/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await got(b.logs, 'denied', 'events-marker-1'), []);
  });

  it("a function's destination in another account needs the role's permission and the target's policy naming the role", async () => {
    const js = `exports.handler = async (e) => ({ passed: e.m });`;
    await a.lambda.send(new CreateFunctionCommand({
      FunctionName: 'source', Runtime: 'nodejs20.x', Role: `arn:aws:iam::${home}:role/lambda-role`, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': js }) },
    }));
    await waitUntilFunctionActiveV2({ client: a.lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'source' });
    await a.lambda.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'source', MaximumRetryAttempts: 0, DestinationConfig: { OnSuccess: { Destination: fnArn(other, 'allowed') } },
    }));
    // 1. The role may invoke B's function, but B's policy does not name it: refused by B.
    await a.iam.send(new PutRolePolicyCommand({
      RoleName: 'lambda-role', PolicyName: 'invoke-b',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn(other, '*') }] }),
    }));
    await a.lambda.send(new InvokeCommand({ FunctionName: 'source', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ m: 'dest-marker-1' })) }));
    const failed = await waitForFailure(a.logs, 'source');
    assert.match(failed, new RegExp(`Target: ${fnArn(other, 'allowed')}\tTries: 1\tReason: .*is not authorized to perform: lambda:InvokeFunction`));
    // 2. B names A's account: the next event arrives.
    await b.lambda.send(new AddPermissionCommand({ FunctionName: 'allowed', StatementId: 'from-a', Action: 'lambda:InvokeFunction', Principal: home }));
    await a.lambda.send(new InvokeCommand({ FunctionName: 'source', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ m: 'dest-marker-2' })) }));
    const lines = await waitForLine(b.logs, 'allowed', 'dest-marker-2');
    assert.equal(lines.length, 1, 'the destination record arrived');
    assert.match(lines[0]!, /"requestContext":\{[^}]*"condition":"Success"/);
    assert.match(lines[0]!, new RegExp(`"functionArn":"${fnArn(home, 'source')}`));
    assert.deepEqual(await got(b.logs, 'allowed', 'dest-marker-1'), [], 'the first record, refused by B, never arrived');
  });

  it("a topic delivers to another account's queue only where the queue policy allows sns.amazonaws.com for that topic", async () => {
    const topic = (await a.sns.send(new CreateTopicCommand({ Name: 'to-queues' }))).TopicArn!;
    const open = (await b.sqs.send(new CreateQueueCommand({ QueueName: 'from-a' }))).QueueUrl!;
    const closed = (await b.sqs.send(new CreateQueueCommand({ QueueName: 'closed' }))).QueueUrl!;
    const arnOf = async (url: string) => (await b.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const openArn = await arnOf(open);
    await b.sqs.send(new SetQueueAttributesCommand({
      QueueUrl: open,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: openArn, Condition: { ArnEquals: { 'aws:SourceArn': topic } } }],
        }),
      },
    }));
    await a.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: openArn, Attributes: { RawMessageDelivery: 'true' } }));
    await a.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: await arnOf(closed), Attributes: { RawMessageDelivery: 'true' } }));
    await a.sns.send(new PublishCommand({ TopicArn: topic, Message: 'to-b-queue' }));
    const got1 = await b.sqs.send(new ReceiveMessageCommand({ QueueUrl: open, WaitTimeSeconds: 10 }));
    assert.equal(got1.Messages?.[0]?.Body, 'to-b-queue');
    const none = await b.sqs.send(new ReceiveMessageCommand({ QueueUrl: closed, WaitTimeSeconds: 2 }));
    assert.equal(none.Messages, undefined, 'the queue without a policy got nothing');
  });

  it("a rule's target that is another account's bus delivers there when the bus policy allows this account", async () => {
    const bq = (await b.sqs.send(new CreateQueueCommand({ QueueName: 'bus-events' }))).QueueUrl!;
    const bqArn = (await b.sqs.send(new GetQueueAttributesCommand({ QueueUrl: bq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await b.events.send(new PutRuleCommand({ Name: 'from-a', EventPattern: JSON.stringify({ source: ['bus.cross'] }) }));
    await b.events.send(new PutTargetsCommand({ Rule: 'from-a', Targets: [{ Id: 'q', Arn: bqArn }] }));
    const bBus = `arn:aws:events:us-east-1:${other}:event-bus/default`;
    await a.events.send(new PutRuleCommand({ Name: 'forward', EventPattern: JSON.stringify({ source: ['bus.cross'] }) }));
    await a.events.send(new PutTargetsCommand({ Rule: 'forward', Targets: [{ Id: 'b', Arn: bBus }] }));
    // 1. Without B's bus policy: refused by B, not retried, never delivered.
    await a.events.send(new PutEventsCommand({ Entries: [{ Source: 'bus.cross', DetailType: 't', Detail: JSON.stringify({ n: 1 }) }] }));
    assert.equal((await b.sqs.send(new ReceiveMessageCommand({ QueueUrl: bq, WaitTimeSeconds: 3 }))).Messages, undefined);
    // 2. B's bus allows A's account: the next event arrives, with A as its account.
    await b.events.send(new PutPermissionCommand({ Action: 'events:PutEvents', Principal: home, StatementId: 'from-a' }));
    await a.events.send(new PutEventsCommand({ Entries: [{ Source: 'bus.cross', DetailType: 't', Detail: JSON.stringify({ n: 2 }) }] }));
    const got = await b.sqs.send(new ReceiveMessageCommand({ QueueUrl: bq, WaitTimeSeconds: 10 }));
    const event = JSON.parse(got.Messages![0]!.Body!) as { account: string; detail: { n: number } };
    assert.equal(event.detail.n, 2);
    assert.equal(event.account, home);
    assert.equal((await b.sqs.send(new ReceiveMessageCommand({ QueueUrl: bq, WaitTimeSeconds: 1 }))).Messages, undefined, 'the refused event never came');
  });

  it("an event source mapping reads another account's queue as the function's role, once the queue policy allows that role", async () => {
    const q = (await a.sqs.send(new CreateQueueCommand({ QueueName: 'work-for-b' }))).QueueUrl!;
    const qArn = (await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: q, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await b.iam.send(new AttachRolePolicyCommand({ RoleName: 'lambda-role', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole' }));
    const create = () => b.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'allowed', EventSourceArn: qArn, BatchSize: 1 }));
    // B's role may read queues, but A's queue has no policy naming it.
    await assert.rejects(create(), (e: Error) => e.name === 'InvalidParameterValueException' && /does not have permissions to call ReceiveMessage on SQS/.test(e.message));
    await a.sqs.send(new SetQueueAttributesCommand({
      QueueUrl: q,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${other}:role/lambda-role` },
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'], Resource: qArn,
          }],
        }),
      },
    }));
    const m = await create();
    assert.equal(m.EventSourceArn, qArn);
    await a.sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: 'esm-marker-1' }));
    const lines = await waitForLine(b.logs, 'allowed', 'esm-marker-1');
    assert.equal(lines.length, 1, "B's function got A's message");
    assert.match(lines[0]!, new RegExp(`"eventSourceARN":"${qArn}"`));
    // Deleted after the batch succeeded: A's queue is empty.
    await new Promise((r) => setTimeout(r, 1000));
    const left = await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: q, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.equal(left.Attributes!.ApproximateNumberOfMessages, '0');
    assert.equal(left.Attributes!.ApproximateNumberOfMessagesNotVisible, '0');
  });
});

/** A's platform record of a destination delivery that failed (the function's own log group). */
async function waitForFailure(logs: CloudWatchLogsClient, fn: string, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: '"ASYNC_DELIVERY_FAILED"' })).catch(() => undefined);
    const line = r?.events?.[0]?.message;
    if (line) return line;
    if (Date.now() > end) return '';
    await new Promise((res) => setTimeout(res, 200));
  }
}
