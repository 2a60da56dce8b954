import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfirmSubscriptionCommand, CreateTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, PublishCommand, SubscribeCommand, type SNSClient,
} from '@aws-sdk/client-sns';
import { startServer, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres } from '../postgres';
import { recorder, snsClient, until } from './sns-helpers';

/**
 * SNS with KUMO_DATABASE_URL: the same SDK view as on SQLite, and two
 * servers sharing one database deliver each message once (their delivery
 * workers lease the one outbox with SKIP LOCKED).
 */
describe('SNS on PostgreSQL (KUMO_DATABASE_URL)', () => {
  let pgServer: ThrowawayPostgres;
  let a: RunningServer;
  let b: RunningServer;
  let snsA: SNSClient;
  let snsB: SNSClient;
  before(async () => {
    pgServer = await startPostgres();
    const url = await pgServer.createDatabase('kumo_sns');
    a = await startServer({ env: { KUMO_DATABASE_URL: url } });
    b = await startServer({ env: { KUMO_DATABASE_URL: url } });
    snsA = snsClient(a);
    snsB = snsClient(b);
  });
  after(async () => {
    snsA?.destroy();
    snsB?.destroy();
    await a?.stop();
    await b?.stop();
    pgServer?.stop();
  });

  it('topics, confirmation, filtered fan-out and FIFO deduplication; two servers deliver each message once', async () => {
    const ep = await recorder();
    try {
      const t = (await snsA.send(new CreateTopicCommand({ Name: 'shared', Attributes: { DisplayName: 'S' } }))).TopicArn!;
      assert.equal((await snsB.send(new GetTopicAttributesCommand({ TopicArn: t }))).Attributes!.DisplayName, 'S', 'the other server sees it');
      assert.deepEqual((await snsB.send(new ListTopicsCommand({}))).Topics!.map((x) => x.TopicArn), [t]);
      await snsA.send(new SubscribeCommand({
        TopicArn: t, Protocol: 'http', Endpoint: ep.url, Attributes: { FilterPolicy: JSON.stringify({ keep: ['yes'] }) },
      }));
      const [c] = await until('the confirmation', () => ep.got, (g) => g.length === 1);
      await snsB.send(new ConfirmSubscriptionCommand({ TopicArn: t, Token: String(c!.json.Token) }));
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const client = i % 2 ? snsB : snsA;
        const keep = i % 4 === 3 ? 'no' : 'yes';
        const r = await client.send(new PublishCommand({ TopicArn: t, Message: `m${i}`, MessageAttributes: { keep: { DataType: 'String', StringValue: keep } } }));
        if (keep === 'yes') ids.push(r.MessageId!);
      }
      const notes = () => ep.got.filter((g) => g.json.Type === 'Notification').map((g) => String(g.json.MessageId));
      await until('every kept message', notes, (n) => ids.every((id) => n.includes(id)));
      await new Promise((r) => setTimeout(r, 700)); // both workers poll every 250 ms: a second delivery would show by now
      assert.deepEqual(notes().sort(), [...ids].sort(), 'each message once, the filtered ones not at all');

      const f = (await snsA.send(new CreateTopicCommand({ Name: 'shared.fifo', Attributes: { FifoTopic: 'true' } }))).TopicArn!;
      const d1 = await snsA.send(new PublishCommand({ TopicArn: f, Message: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
      const d2 = await snsB.send(new PublishCommand({ TopicArn: f, Message: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
      assert.equal(d2.MessageId, d1.MessageId, 'deduplicated across servers (the database decides)');
    } finally {
      await ep.close();
    }
  });
});
