import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, InvokeCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, PublishCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ListQueueTagsCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { projectRoot, testCreds, type RunningServer } from '../integration/harness';
import { spawn } from 'node:child_process';
import { kumo, kumoBin, noStackTrace, ok, tmpDir, withServer } from './helpers';

/**
 * `kumo deploy` of test/fixtures/queues-app (queues with a DLQ, a topic, a
 * function with SQS and SNS events, DeadLetterQueue and EventInvokeConfig)
 * against the real server, then the `kumo queues` commands on what it made.
 * Every effect is read back through the AWS APIs or the function's logs.
 */

const fixture = path.join(projectRoot, 'test', 'fixtures', 'queues-app');
const stack = 'queues-app';
const fn = `${stack}-Worker`;

function copyFixture(): string {
  const dir = path.join(tmpDir('queues'), stack);
  fs.cpSync(fixture, dir, { recursive: true });
  return dir;
}

/** Polls until `probe` gives a value (or fails with what it saw last). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('kumo deploy: queues, topics, event sources and async settings; kumo queues', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  let sqs: SQSClient;
  let sns: SNSClient;
  withServer((srv, e) => {
    s = srv;
    env = e;
    sqs = new SQSClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds });
    sns = new SNSClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds });
  });
  const logsHave = (text: string) =>
    until(`"${text}" in ${fn}'s logs`, async () => {
      const r = await kumo(['logs', fn], { env });
      return r.stdout.includes(text) ? r.stdout : undefined;
    });
  const receiveOne = (url: string) =>
    until(`a message on ${url}`, async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] }));
      return r.Messages?.[0];
    });
  const urlOf = async (name: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  const visible = async (name: string) =>
    Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await urlOf(name), AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages);
  const mappings = async () => (await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: fn }))).EventSourceMappings ?? [];

  it('deploys the template, wires the queue and the topic to the function, and the async settings fire', async () => {
    const dir = copyFixture();
    // The plan only reads: a dry run creates nothing.
    const dry = await ok(['deploy', '--dry-run'], { env, cwd: dir });
    assert.match(dry.stdout, /\+ create\s+WorkerFromJobs\s+AWS::Lambda::EventSourceMapping\s+WorkerFromJobs \(new\)\s+\(queues-app-Jobs → queues-app-Worker\)/);
    assert.match(dry.stdout, /dry run: nothing changed\n$/);
    assert.deepEqual((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [], []);
    const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    for (const [id, type] of [
      ['Jobs', 'AWS::SQS::Queue'], ['JobsDlq', 'AWS::SQS::Queue'], ['Alerts', 'AWS::SNS::Topic'], ['Worker', 'AWS::Serverless::Function'],
      ['WorkerFromJobs', 'AWS::Lambda::EventSourceMapping'], ['WorkerFromAlerts', 'AWS::SNS::Subscription'], ['WorkerEventInvokeConfig', 'AWS::Lambda::EventInvokeConfig'],
    ]) {
      assert.match(r.stdout, new RegExp(`\\+ create\\s+${id}\\s+${type}`), `${id}\n${r.stdout}`);
    }
    assert.doesNotMatch(r.stdout, /not wired/);
    const jobsUrl = await urlOf(`${stack}-Jobs`);
    assert.match(r.stdout, new RegExp(`JobsUrl = ${jobsUrl.replace(/[/.]/g, '\\$&')}\\n`));
    assert.match(r.stdout, /JobsArn = arn:aws:sqs:us-east-1:000000000000:queues-app-Jobs\n/);
    assert.match(r.stdout, /AlertsArn = arn:aws:sns:us-east-1:000000000000:queues-app-Alerts\n/);

    // What the server holds is what the template says.
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: jobsUrl, AttributeNames: ['All'] }))).Attributes!;
    assert.equal(attrs.VisibilityTimeout, '3');
    assert.deepEqual(JSON.parse(attrs.RedrivePolicy!), { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:queues-app-JobsDlq', maxReceiveCount: 2 });
    assert.equal((await sqs.send(new ListQueueTagsCommand({ QueueUrl: jobsUrl }))).Tags?.team, 'kumo');
    const [m] = await mappings();
    assert.equal(m?.EventSourceArn, 'arn:aws:sqs:us-east-1:000000000000:queues-app-Jobs');
    assert.equal(m?.BatchSize, 5);
    assert.equal(m?.State, 'Enabled');
    const subs = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:queues-app-Alerts' }))).Subscriptions ?? [];
    assert.deepEqual(subs.map((x) => [x.Protocol, x.Endpoint]), [['lambda', `arn:aws:lambda:us-east-1:000000000000:function:${fn}`]]);
    const cfg = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    assert.equal(cfg.DeadLetterConfig?.TargetArn, 'arn:aws:sqs:us-east-1:000000000000:queues-app-AsyncDlq');
    const eic = await s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: fn, Qualifier: '$LATEST' }));
    assert.equal(eic.MaximumRetryAttempts, 0);
    assert.equal(eic.DestinationConfig?.OnFailure?.Destination, 'arn:aws:sqs:us-east-1:000000000000:queues-app-Failures');

    // A message sent with `kumo queues send` runs the function through the mapping.
    const sent = await ok(['queues', 'send', `${stack}-Jobs`, 'hello-from-sqs'], { env });
    assert.match(sent.stdout, /^sent [0-9a-f-]{36} to queues-app-Jobs\n$/);
    await logsHave('SQS hello-from-sqs');
    // A message published to the topic runs it through the subscription.
    await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:queues-app-Alerts', Message: 'alert-1' }));
    await logsHave('SNS alert-1');
    // A failed async invoke (no retries) goes to the OnFailure destination and to the dead-letter queue.
    await s.client.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: Buffer.from('{"fail":true}') }));
    const record = JSON.parse((await receiveOne(await urlOf(`${stack}-Failures`))).Body!) as { requestContext: { condition: string }; responsePayload: { errorMessage: string } };
    assert.equal(record.requestContext.condition, 'RetriesExhausted');
    assert.equal(record.responsePayload.errorMessage, 'asked to fail');
    const dl = await receiveOne(await urlOf(`${stack}-AsyncDlq`));
    assert.equal(dl.Body, '{"fail":true}');
    assert.equal(dl.MessageAttributes?.ErrorMessage?.StringValue, 'asked to fail');

    // A message that keeps failing goes to the queue's DLQ after maxReceiveCount receives; kumo queues shows it and peek leaves it there.
    await ok(['queues', 'send', `${stack}-Jobs`, 'poison'], { env });
    await until('poison in the DLQ', async () => ((await visible(`${stack}-JobsDlq`)) === 1 ? true : undefined));
    const ls = await ok(['queues'], { env });
    assert.match(ls.stdout, /^QUEUE\s+VISIBLE\s+IN FLIGHT\s+DELAYED\s+DEAD-LETTER QUEUE\n/);
    assert.match(ls.stdout, /\nqueues-app-Jobs\s+0\s+0\s+0\s+queues-app-JobsDlq after 2 receives\n/);
    assert.match(ls.stdout, /\nqueues-app-JobsDlq\s+1\s+0\s+0\s+\(DLQ of queues-app-Jobs\)\n/);
    for (let i = 0; i < 2; i++) {
      const peek = await ok(['queues', 'peek', `${stack}-JobsDlq`, '-n', '5'], { env });
      assert.match(peek.stdout, /\npoison\n1 message\(s\) shown; still in queues-app-JobsDlq/);
      assert.equal(await visible(`${stack}-JobsDlq`), 1, 'a peeked message is visible again at once');
    }
    const json = JSON.parse((await ok(['queues', 'peek', jobsUrl.replace('Jobs', 'JobsDlq'), '--json'], { env })).stdout) as { Body: string; ReceiptHandle?: string }[];
    assert.deepEqual(json.map((x) => [x.Body, x.ReceiptHandle]), [['poison', undefined]]);
    const rd = await kumo(['queues', 'redrive', `${stack}-JobsDlq`], { env, timeoutMs: 90_000 });
    assert.ok(noStackTrace(rd.stdout + rd.stderr));
    assert.equal(rd.code, 0, rd.stdout + rd.stderr);
    assert.match(rd.stdout, /^moving the messages of queues-app-JobsDlq to their source queues \(task \S+\)…\nmoved 1 message\(s\) from queues-app-JobsDlq\n$/);
    // Back in its source queue (the DLQ is empty now), where it fails again and returns to the DLQ after two more receives (6 s or more).
    assert.equal(await visible(`${stack}-JobsDlq`), 0);
    await until('poison back in the DLQ', async () => ((await visible(`${stack}-JobsDlq`)) === 1 ? true : undefined));
    const notDlq = await kumo(['queues', 'redrive', `${stack}-Failures`], { env });
    assert.equal(notDlq.code, 1);
    assert.equal(notDlq.stderr, 'kumo: queues-app-Failures is not the dead-letter queue of any queue (no RedrivePolicy names it); use --to QUEUE to move its messages somewhere\n');
    const nq = await kumo(['queues', 'peek', 'no-such-queue'], { env });
    assert.equal(nq.code, 1);
    assert.equal(nq.stderr, 'kumo: no queue named no-such-queue (kumo queues lists them)\n');
  });

  it('redeploys compare with the server: nothing changed is untouched, a changed setting is updated in place, new code keeps the mapping', async () => {
    const dir = copyFixture();
    await ok(['deploy', '--stack-name', 'qa2'], { env, cwd: dir, timeoutMs: 120_000 });
    const fn2 = 'qa2-Worker';
    const uuid = (await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: fn2 }))).EventSourceMappings![0]!.UUID;
    const again = await ok(['deploy'], { env, cwd: dir });
    assert.match(again.stdout, /deployed: no changes\n/);
    assert.doesNotMatch(again.stdout, /[+~-] (create|update|delete)/);
    // A lost .kumo-stack.json: everything is found again (the tags of the function, queues and topic say this stack made them;
    // the mapping is that function's, the subscription the topic's one for that endpoint), nothing is made twice.
    fs.rmSync(path.join(dir, '.kumo-stack.json'));
    const found = await ok(['deploy', '--stack-name', 'qa2'], { env, cwd: dir });
    assert.match(found.stdout, /deployed: no changes\n/);
    assert.equal((await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: fn2 }))).EventSourceMappings![0]!.UUID, uuid);
    assert.equal(((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:qa2-Alerts' }))).Subscriptions ?? []).length, 1);

    const tpl = path.join(dir, 'template.yaml');
    fs.writeFileSync(tpl, fs.readFileSync(tpl, 'utf8').replace('BatchSize: 5', 'BatchSize: 7').replace('VisibilityTimeout: 3', 'VisibilityTimeout: 4'));
    fs.appendFileSync(path.join(dir, 'src', 'app.js'), '// v2\n');
    const up = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(up.stdout, /~ update\s+WorkerFromJobs\s+AWS::Lambda::EventSourceMapping\s+\S+\s+\(BatchSize\)/);
    assert.match(up.stdout, /~ update\s+Jobs\s+AWS::SQS::Queue\s+qa2-Jobs\s+\(VisibilityTimeout\)/);
    assert.match(up.stdout, /~ update\s+Worker\s+AWS::Serverless::Function\s+qa2-Worker\s+\(code\)/);
    assert.match(up.stdout, /= unchanged\s+WorkerFromAlerts/);
    const [m] = (await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: fn2 }))).EventSourceMappings!;
    assert.equal(m!.UUID, uuid, 'the mapping is updated in place, not replaced');
    assert.equal(m!.BatchSize, 7);

    // What the update sent is what the server now answers: the next deploy finds nothing to do.
    assert.match((await ok(['deploy'], { env, cwd: dir })).stdout, /deployed: no changes\n/);

    // A new QueueName is a new queue (as CloudFormation replaces it): the mapping follows it and the old ones are deleted, the mapping first.
    fs.writeFileSync(tpl, fs.readFileSync(tpl, 'utf8').replace('      VisibilityTimeout: 4', '      QueueName: qa2-renamed-jobs\n      VisibilityTimeout: 4'));
    const ren = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.match(ren.stdout, /\+ create\s+Jobs\s+AWS::SQS::Queue\s+qa2-renamed-jobs/);
    assert.match(ren.stdout, /\+ create\s+WorkerFromJobs\s+AWS::Lambda::EventSourceMapping\s+.*\(replaced: EventSourceArn\)/);
    assert.match(ren.stdout, / {2}- WorkerFromJobs: deleted [0-9a-f-]{36}\n {2}- Jobs: deleted qa2-Jobs\n/);
    const [moved] = (await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: fn2 }))).EventSourceMappings!;
    assert.equal(moved!.EventSourceArn, 'arn:aws:sqs:us-east-1:000000000000:qa2-renamed-jobs');
    assert.notEqual(moved!.UUID, uuid);
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'qa2-Jobs' })), (e: Error) => e.name === 'QueueDoesNotExist');

    // The events and the queues leave the template: the mapping, the subscription and the queues are deleted, mappings first.
    fs.writeFileSync(
      tpl,
      [
        'Transform: AWS::Serverless-2016-10-31',
        'Resources:',
        '  Worker:',
        '    Type: AWS::Serverless::Function',
        '    Properties: {CodeUri: src/, Handler: app.handler, Runtime: nodejs20.x}',
        '  Alerts:',
        '    Type: AWS::SNS::Topic',
        '    Properties: {DisplayName: alerts}',
        '',
      ].join('\n'),
    );
    const rm = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    const deleted = [...rm.stdout.matchAll(/ {2}- (\w+): deleted/g)].map((x) => x[1]);
    assert.ok(deleted.indexOf('WorkerFromJobs') < deleted.indexOf('Jobs') && deleted.indexOf('WorkerFromJobs') >= 0, rm.stdout);
    assert.ok(deleted.includes('WorkerFromAlerts') && deleted.includes('WorkerEventInvokeConfig') && deleted.includes('JobsDlq'), rm.stdout);
    assert.deepEqual((await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: fn2 }))).EventSourceMappings, []);
    assert.deepEqual((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:qa2-Alerts' }))).Subscriptions ?? [], []);
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'qa2-renamed-jobs' })), (e: Error) => e.name === 'QueueDoesNotExist');
    await assert.rejects(s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: fn2, Qualifier: '$LATEST' })), (e: Error) => e.name === 'ResourceNotFoundException');
    assert.equal((await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: fn2 }))).DeadLetterConfig?.TargetArn ?? '', '');
  });
  it("a queue this stack did not create is not taken over; kumo queues' usage mistakes are one line each", async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'someone-elses' }));
    const dir = path.join(tmpDir('queues-taken'), 'taken');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'template.yaml'), 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: someone-elses, VisibilityTimeout: 99}\n');
    const r = await kumo(['deploy'], { env, cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /✗ Q \(AWS::SQS::Queue\) failed: a queue named someone-elses already exists and was not created by this stack; give it another name or use --stack-name\n/);
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await urlOf('someone-elses'), AttributeNames: ['VisibilityTimeout'] }))).Attributes!;
    assert.equal(attrs.VisibilityTimeout, '30', 'untouched');

    // FIFO: deployed with its .fifo name, fed by kumo queues send from stdin with a group id.
    fs.writeFileSync(path.join(dir, 'template.yaml'), 'Resources:\n  Orders:\n    Type: AWS::SQS::Queue\n    Properties: {FifoQueue: true, ContentBasedDeduplication: true}\n');
    await ok(['deploy'], { env, cwd: dir });
    const sent = await ok(['queues', 'send', 'taken-Orders.fifo', '-', '--group-id', 'g1'], { env, input: '{"order": 1}' });
    assert.match(sent.stdout, /^sent \S+ \(sequence \d+\) to taken-Orders\.fifo\n$/);
    const got = JSON.parse((await ok(['queues', 'peek', 'arn:aws:sqs:us-east-1:000000000000:taken-Orders.fifo', '--json'], { env })).stdout) as { Body: string; Attributes: Record<string, string> }[];
    assert.deepEqual(got.map((m) => [m.Body, m.Attributes.MessageGroupId]), [['{"order": 1}', 'g1']]);
    const list = JSON.parse((await ok(['queues', '--json'], { env })).stdout) as { name: string; visible: number }[];
    assert.equal(list.find((q) => q.name === 'taken-Orders.fifo')?.visible, 1);

    // An attribute set, then dropped from the template, goes back to SQS's default.
    const tpl = path.join(dir, 'template.yaml');
    fs.writeFileSync(tpl, fs.readFileSync(tpl, 'utf8').replace('ContentBasedDeduplication: true}', 'ContentBasedDeduplication: true, DelaySeconds: 5, RedriveAllowPolicy: {redrivePermission: denyAll}}'));
    assert.match((await ok(['deploy'], { env, cwd: dir })).stdout, /~ update\s+Orders\s+AWS::SQS::Queue\s+taken-Orders\.fifo\s+\(DelaySeconds; RedriveAllowPolicy\)/);
    fs.writeFileSync(tpl, 'Resources:\n  Orders:\n    Type: AWS::SQS::Queue\n    Properties: {FifoQueue: true, ContentBasedDeduplication: true}\n');
    assert.match((await ok(['deploy'], { env, cwd: dir })).stdout, /~ update\s+Orders\s+AWS::SQS::Queue\s+taken-Orders\.fifo\s+\(DelaySeconds; RedriveAllowPolicy\)/);
    const reset = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await urlOf('taken-Orders.fifo'), AttributeNames: ['All'] }))).Attributes!;
    assert.equal(reset.DelaySeconds, '0');
    assert.deepEqual(JSON.parse(reset.RedriveAllowPolicy ?? '{"redrivePermission":"allowAll"}'), { redrivePermission: 'allowAll' });
    assert.match((await ok(['deploy'], { env, cwd: dir })).stdout, /deployed: no changes\n/);

    for (const [args, err] of [
      [['queues', 'bogus'], /kumo queues: unknown queues command 'bogus' \(ls, peek, redrive, send\)/],
      [['queues', 'peek', 'q', '-n', '0'], /kumo queues: -n takes a number from 1 to 100/],
      [['queues', 'send', 'q'], /kumo queues: send takes <queue> and <body>/],
      [['queues', 'peek', 'arn:aws:sns:us-east-1:000000000000:t'], /^kumo: arn:aws:sns:us-east-1:000000000000:t is not an SQS queue ARN\n$/],
    ] as const) {
      const x = await kumo([...args], { env });
      assert.notEqual(x.code, 0);
      assert.match(x.stderr, err);
      assert.ok(noStackTrace(x.stderr));
    }
  });

  it('AWS::SQS::QueuePolicy and AWS::SNS::TopicPolicy set the Policy of each queue and topic listed; removed, the queue has none and the topic its default', async () => {
    const dir = path.join(tmpDir('queue-policies'), 'pol');
    fs.mkdirSync(dir, { recursive: true });
    const tpl = path.join(dir, 'template.yaml');
    const base = [
      'Resources:',
      '  Inbox:',
      '    Type: AWS::SQS::Queue',
      '  Other:',
      '    Type: AWS::SQS::Queue',
      '  News:',
      '    Type: AWS::SNS::Topic',
    ];
    const policies = [
      '  InboxPolicy:',
      '    Type: AWS::SQS::QueuePolicy',
      '    Properties:',
      '      Queues: [!Ref Inbox, !Ref Other]',
      '      PolicyDocument:',
      "        Version: '2012-10-17'",
      '        Statement:',
      '          - Effect: Allow',
      '            Principal: {Service: sns.amazonaws.com}',
      '            Action: sqs:SendMessage',
      "            Resource: '*'",
      '            Condition: {ArnEquals: {aws:SourceArn: !Ref News}}',
      '  NewsPolicy:',
      '    Type: AWS::SNS::TopicPolicy',
      '    Properties:',
      '      Topics: [!Ref News]',
      '      PolicyDocument:',
      "        Version: '2012-10-17'",
      '        Statement:',
      "          - {Sid: b, Effect: Allow, Principal: {AWS: '111111111111'}, Action: 'sns:Publish', Resource: !Ref News}",
    ];
    fs.writeFileSync(tpl, [...base, ...policies, ''].join('\n'));
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.match(r.stdout, /\+ create\s+InboxPolicy\s+AWS::SQS::QueuePolicy\s+pol-InboxPolicy/);
    assert.match(r.stdout, /\+ create\s+NewsPolicy\s+AWS::SNS::TopicPolicy\s+pol-NewsPolicy/);
    const topicArn = 'arn:aws:sns:us-east-1:000000000000:pol-News';
    const queuePolicy = async (name: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await urlOf(name), AttributeNames: ['Policy'] }))).Attributes?.Policy;
    const topicPolicy = async () => JSON.parse((await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes!.Policy!);
    for (const q of ['pol-Inbox', 'pol-Other']) {
      assert.deepEqual(JSON.parse((await queuePolicy(q))!).Statement[0].Condition, { ArnEquals: { 'aws:SourceArn': topicArn } }, q);
    }
    assert.deepEqual((await topicPolicy()).Statement, [{ Sid: 'b', Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sns:Publish', Resource: topicArn }]);
    assert.match((await ok(['deploy'], { env, cwd: dir })).stdout, /deployed: no changes\n/);

    // One queue leaves the list: its policy goes; the other keeps it.
    fs.writeFileSync(tpl, [...base, ...policies, ''].join('\n').replace('[!Ref Inbox, !Ref Other]', '[!Ref Inbox]'));
    assert.match((await ok(['deploy'], { env, cwd: dir })).stdout, /~ update\s+InboxPolicy\s+AWS::SQS::QueuePolicy\s+pol-InboxPolicy\s+\(1 no longer listed\)/);
    assert.equal(await queuePolicy('pol-Other'), undefined);
    assert.ok(await queuePolicy('pol-Inbox'));

    // A bad document is the server's refusal, in SQS's words.
    fs.writeFileSync(tpl, [...base, ...policies, ''].join('\n').replace('Principal: {Service: sns.amazonaws.com}', 'Principal: {AWS: nobody}'));
    const bad = await kumo(['deploy'], { env, cwd: dir });
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout, /InboxPolicy \(AWS::SQS::QueuePolicy\) failed: .*Invalid value for the parameter Policy\. Reason: Invalid principal in policy: "AWS":"nobody"/);

    // The policies leave the template: the queue has none, the topic its default policy again.
    fs.writeFileSync(tpl, [...base, ''].join('\n'));
    const rm = await ok(['deploy'], { env, cwd: dir });
    assert.match(rm.stdout, / {2}- InboxPolicy: deleted/);
    assert.match(rm.stdout, / {2}- NewsPolicy: deleted/);
    assert.equal(await queuePolicy('pol-Inbox'), undefined);
    const dflt = await topicPolicy();
    assert.equal(dflt.Id, '__default_policy_ID');
    assert.deepEqual(dflt.Statement[0].Condition, { StringEquals: { 'AWS:SourceOwner': '000000000000' } });
  });

  it('kumo dev keeps them wired: new function code redeploys the function only, the mapping stays and feeds the new code', async () => {
    const dir = copyFixture();
    const p = spawn(kumoBin, ['dev', '--stack-name', 'qa3'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const waitFor = async (re: RegExp, from: number) => until(`kumo dev to print ${re}\n${out}`, async () => (re.test(out.slice(from)) ? true : undefined), 90_000);
    try {
      await waitFor(/watching for changes/, 0);
      const before = (await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: 'qa3-Worker' }))).EventSourceMappings!.map((m) => m.UUID);
      assert.equal(before.length, 1);
      const mark = out.length;
      const app = path.join(dir, 'src', 'app.js');
      fs.writeFileSync(app, fs.readFileSync(app, 'utf8').replace("console.log(`SQS ${r.body}`)", "console.log(`SQS v2 ${r.body}`)"));
      await waitFor(/kumo dev: ready in \d+ ms/, mark);
      const run = out.slice(mark);
      assert.match(run, /code changed: Worker\n/);
      assert.match(run, /~ update\s+Worker\s+AWS::Serverless::Function\s+qa3-Worker\s+\(code\)/);
      assert.match(run, /= unchanged\s+WorkerFromJobs\s+AWS::Lambda::EventSourceMapping/);
      assert.doesNotMatch(run, /\b(Jobs|JobsDlq|Alerts)\s+AWS::(SQS|SNS)::/, 'queues and topics are not looked at for a code change');
      const after = (await s.client.send(new ListEventSourceMappingsCommand({ FunctionName: 'qa3-Worker' }))).EventSourceMappings!.map((m) => m.UUID);
      assert.deepEqual(after, before);
      await ok(['queues', 'send', 'qa3-Jobs', 'after-reload'], { env });
      await until('the new code to take the message', async () => ((await kumo(['logs', 'qa3-Worker'], { env })).stdout.includes('SQS v2 after-reload') ? true : undefined));
    } finally {
      p.kill('SIGINT');
      await new Promise((r) => p.once('exit', r));
    }
  });
});
