import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ConfirmSubscriptionCommand, CreateTopicCommand, PublishCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { recorder, snsClient, until } from './sns-helpers';

/** Delivery to a Lambda function (its event read back through the Logs API), and durability across kill -9. */
describe('SNS delivery (real server, real runc)', () => {
  let s: RunningServer;
  let sns: SNSClient;
  before(async () => {
    s = await startServer();
    sns = snsClient(s);
  });
  after(async () => {
    sns?.destroy();
    await s?.stop();
  });

  it('a lambda subscription invokes the function asynchronously with the SNS event', async () => {
    const fn = 'sns-target';
    await s.client.send(new CreateFunctionCommand({
      FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler',
      Code: { ZipFile: await makeZip({ 'index.js': `exports.handler = async (e) => { console.log('SNS-EVENT ' + JSON.stringify(e)); };` }) },
    }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
    const t = (await sns.send(new CreateTopicCommand({ Name: 'to-lambda' }))).TopicArn!;
    const sub = await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'lambda', Endpoint: `arn:aws:lambda:us-east-1:000000000000:function:${fn}` }));
    assert.ok(sub.SubscriptionArn?.startsWith(`${t}:`), 'a function of this account is subscribed at once');
    const p = await sns.send(new PublishCommand({
      TopicArn: t, Message: 'to the function', Subject: 'Hi', MessageAttributes: { n: { DataType: 'Number', StringValue: '7' } },
    }));
    const logs = new CloudWatchLogsClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const lines = await until('the function\'s log line', async () => {
        const r = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}` })).catch(() => ({ events: [] }));
        return (r.events ?? []).map((e) => e.message ?? '').filter((m) => m.includes('SNS-EVENT '));
      }, (l) => l.length > 0, 60_000);
      const event = JSON.parse(lines[0]!.slice(lines[0]!.indexOf('SNS-EVENT ') + 10)) as { Records: Record<string, any>[] };
      const rec = event.Records[0]!;
      assert.equal(rec.EventSource, 'aws:sns');
      assert.equal(rec.EventVersion, '1.0');
      assert.equal(rec.EventSubscriptionArn, sub.SubscriptionArn);
      assert.equal(rec.Sns.Type, 'Notification');
      assert.equal(rec.Sns.MessageId, p.MessageId);
      assert.equal(rec.Sns.TopicArn, t);
      assert.equal(rec.Sns.Subject, 'Hi');
      assert.equal(rec.Sns.Message, 'to the function');
      assert.deepEqual(rec.Sns.MessageAttributes, { n: { Type: 'Number', Value: '7' } });
      assert.match(rec.Sns.SigningCertUrl, /\/kumo\/sns\//, 'Lambda\'s spelling: SigningCertUrl');
      assert.match(rec.Sns.UnsubscribeUrl, /Action=Unsubscribe/);
      assert.equal(rec.Sns.SigningCertURL, undefined);
    } finally {
      logs.destroy();
    }
  });

  it('a message acknowledged by Publish is delivered after kill -9 and a restart', async () => {
    const ep = await recorder();
    try {
      const t = (await sns.send(new CreateTopicCommand({ Name: 'durable' }))).TopicArn!;
      await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'http', Endpoint: ep.url }));
      const [c] = await until('the confirmation', () => ep.got, (g) => g.length === 1);
      await sns.send(new ConfirmSubscriptionCommand({ TopicArn: t, Token: String(c!.json.Token) }));
      // The endpoint holds the first delivery open: the server dies while it is in flight.
      ep.answer = () => 'hang';
      const p = await sns.send(new PublishCommand({ TopicArn: t, Message: 'survives' }));
      await until('the first attempt', () => ep.got.filter((g) => g.json.MessageId === p.MessageId), (g) => g.length === 1);
      sns.destroy();
      await s.kill9();
      ep.answer = () => 200;
      s = await startServer({ dataDir: s.dataDir });
      sns = snsClient(s);
      const got = await until('the delivery after the restart', () => ep.got.filter((g) => g.json.MessageId === p.MessageId), (g) => g.length >= 2);
      assert.equal(got[1]!.json.Message, 'survives');
      assert.equal(got[1]!.headers['x-amz-sns-message-id'], p.MessageId);
    } finally {
      await ep.close();
    }
  });
});
