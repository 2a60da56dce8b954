import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeEventBusCommand, DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { projectRoot, testCreds } from '../integration/harness';
import { kumo, ok, tmpDir, withServer } from './helpers';

/**
 * `kumo deploy` of test/fixtures/events-app (a custom bus, a rule to a
 * queue, a function with an EventBridgeRule and a Schedule event, a bus
 * policy statement) against
 * the real server; every effect read back through the AWS APIs or the
 * function's logs.
 */
const stack = 'events-app';
const fn = `${stack}-Worker`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('kumo deploy: event buses, rules and SAM rule/schedule events', () => {
  let env: Record<string, string>;
  let eb: EventBridgeClient;
  let sqs: SQSClient;
  withServer((srv, e) => {
    env = e;
    eb = new EventBridgeClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds });
    sqs = new SQSClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds });
  });

  it('deploys the bus and rules; an event on the bus reaches the queue and the function; a second deploy changes nothing', async () => {
    const dir = path.join(tmpDir('events'), stack);
    fs.cpSync(path.join(projectRoot, 'test', 'fixtures', 'events-app'), dir, { recursive: true });
    const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    for (const [id, type] of [['Orders', 'AWS::Events::EventBus'], ['PartnerMayPut', 'AWS::Events::EventBusPolicy'], ['AuditRule', 'AWS::Events::Rule'], ['WorkerPlaced', 'AWS::Events::Rule'], ['WorkerNightly', 'AWS::Events::Rule']]) {
      assert.match(r.stdout, new RegExp(`\\+ create\\s+${id}\\s+${type}`), `${id}\n${r.stdout}`);
    }
    assert.doesNotMatch(r.stdout, /not wired/);
    const policy = JSON.parse((await eb.send(new DescribeEventBusCommand({ Name: 'events-app-orders' }))).Policy!);
    assert.deepEqual(policy.Statement, [{
      Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'events:PutEvents', Resource: 'arn:aws:events:us-east-1:000000000000:event-bus/events-app-orders', Sid: 'partner',
    }]);
    const nightly = await eb.send(new DescribeRuleCommand({ Name: `${stack}-WorkerNightly` }));
    assert.deepEqual([nightly.ScheduleExpression, nightly.State, nightly.EventBusName], ['rate(1 day)', 'DISABLED', 'default']);
    const targets = (await eb.send(new ListTargetsByRuleCommand({ Rule: `${stack}-WorkerPlaced`, EventBusName: 'events-app-orders' }))).Targets!;
    assert.deepEqual(targets, [{ Id: 'WorkerPlacedLambdaTarget', Arn: `arn:aws:lambda:us-east-1:000000000000:function:${fn}`, InputPath: '$.detail' }]);
    const put = await eb.send(new PutEventsCommand({ Entries: [{ EventBusName: 'events-app-orders', Source: 'shop', DetailType: 'Order Placed', Detail: '{"order": "o-7"}' }] }));
    assert.equal(put.FailedEntryCount, 0);
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: `${stack}-Audit` }))).QueueUrl!;
    const m = await until('the audit queue message', async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }))).Messages?.[0]);
    assert.equal(JSON.parse(m.Body!).id, put.Entries![0]!.EventId);
    await until('the function\'s log line', async () => {
      const l = await kumo(['logs', fn], { env });
      return l.stdout.includes('EVENT {"order":"o-7"}') ? l.stdout : undefined;
    });
    const again = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.doesNotMatch(again.stdout, /\+ create|~ update/, again.stdout);
    // The policy resource taken out of the template: its statement leaves the bus's policy.
    const file = path.join(dir, 'template.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/ {2}PartnerMayPut:[\s\S]*?(?=\n {2}Audit:)/, ''));
    await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.equal((await eb.send(new DescribeEventBusCommand({ Name: 'events-app-orders' }))).Policy, undefined);
  });
});
