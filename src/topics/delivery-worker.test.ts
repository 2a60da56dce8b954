import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deliveries, type OutboundMessage } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { DeliveryWorker } from './delivery-worker';
import { Publisher } from './publisher';
import { topicSink } from './sink';
import { MessageSigner } from './signer';
import { TopicService } from './topic-service';

/**
 * The delivery path to queues through an in-process `sqs` sink registered on
 * a real Deliveries (the queue service's sink lives on another branch), over
 * a real SQLite store: the envelope, raw delivery with attributes, FIFO ids,
 * immediate retries of a transient failure, and the dead-letter queue.
 */
const account = '000000000000';
const queue = (n: string) => `arn:aws:sqs:us-east-1:${account}:${n}`;

async function setup(sink: (arn: string, m: OutboundMessage) => Promise<void>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-sns-worker-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const deliveries = new Deliveries();
  deliveries.register('sqs', { send: sink });
  const signer = MessageSigner.open(dir);
  const logs: string[] = [];
  const worker: DeliveryWorker = new DeliveryWorker({
    store, deliveries, signer, baseUrl: () => 'http://127.0.0.1:1', log: (l) => logs.push(l),
    poster: { post: () => Promise.reject(new Error('no http in this test')) },
  });
  const topics = new TopicService({ store, scope: { region: 'us-east-1', accountId: account }, canDeliver: (a) => deliveries.accepts(a), wake: () => worker.wake() });
  const publisher = new Publisher(store, topics, () => worker.wake());
  worker.start();
  return {
    topics, publisher, signer, logs,
    async close() {
      await worker.stop();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('sqs: the JSON envelope as the body, signed; raw delivery passes the message and its attributes', async () => {
  const got: { arn: string; m: OutboundMessage }[] = [];
  const h = await setup(async (arn, m) => void got.push({ arn, m }));
  try {
    const t = await h.topics.createTopic('t', {}, {});
    const sub = await h.topics.subscribe(t.arn, 'sqs', queue('q'), {});
    const raw = await h.topics.subscribe(t.arn, 'sqs', queue('raw'), { RawMessageDelivery: 'true' });
    assert.equal(sub.confirmed, true, 'a queue of this account is confirmed at once');
    const r = await h.publisher.publish({ topicArn: t.arn, message: 'hello', subject: 'S', attributes: { a: { DataType: 'String', StringValue: 'x' }, b: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]).toString('base64') } } });
    await until('both deliveries', () => got.length === 2);
    const env = got.find((g) => g.arn === queue('q'))!.m;
    const e = JSON.parse(env.body) as Record<string, string>;
    assert.equal(e.Type, 'Notification');
    assert.equal(e.MessageId, r.messageId);
    assert.equal(e.TopicArn, t.arn);
    assert.equal(e.Subject, 'S');
    assert.equal(e.Message, 'hello');
    assert.equal(e.SignatureVersion, '1');
    assert.deepEqual(e.MessageAttributes, { a: { Type: 'String', Value: 'x' }, b: { Type: 'Binary', Value: 'AQI=' } });
    assert.equal(e.UnsubscribeURL, `http://127.0.0.1:1/kumo/sns/unsubscribe?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(sub.arn)}`);
    const text = ['Message', 'hello', 'MessageId', e.MessageId, 'Subject', 'S', 'Timestamp', e.Timestamp, 'TopicArn', t.arn, 'Type', 'Notification'].join('\n') + '\n';
    assert.ok(createVerify('RSA-SHA1').update(text).verify(h.signer.publicPem, e.Signature!, 'base64'));
    assert.equal(env.attributes, undefined, 'the envelope carries the attributes; the queue message has none');
    const rawMsg = got.find((g) => g.arn === raw.endpoint)!.m;
    assert.equal(rawMsg.body, 'hello');
    assert.deepEqual(rawMsg.attributes, { a: { DataType: 'String', StringValue: 'x' }, b: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]) } });
  } finally {
    await h.close();
  }
});

test('sqs: MessageStructure json picks the sqs entry; FIFO topics pass group and deduplication ids', async () => {
  const got: OutboundMessage[] = [];
  const h = await setup(async (_arn, m) => void got.push(m));
  try {
    const t = await h.topics.createTopic('t', {}, {});
    await h.topics.subscribe(t.arn, 'sqs', queue('q'), { RawMessageDelivery: 'true' });
    await h.publisher.publish({ topicArn: t.arn, message: JSON.stringify({ default: 'd', sqs: 'for queues' }), messageStructure: 'json' });
    await until('the delivery', () => got.length === 1);
    assert.equal(got[0]!.body, 'for queues');
    const f = await h.topics.createTopic('f.fifo', { FifoTopic: 'true', ContentBasedDeduplication: 'true' }, {});
    await h.topics.subscribe(f.arn, 'sqs', queue('q.fifo'), { RawMessageDelivery: 'true' });
    await h.publisher.publish({ topicArn: f.arn, message: 'm', groupId: 'g1' });
    await h.publisher.publish({ topicArn: f.arn, message: 'm', groupId: 'g1' }); // same content: deduplicated
    await until('the fifo delivery', () => got.length === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 2, 'the duplicate is not delivered');
    assert.equal(got[1]!.groupId, 'g1');
    assert.match(got[1]!.dedupId!, /^[0-9a-f]{64}$/);
  } finally {
    await h.close();
  }
});

test('sqs: a transient failure is retried at once; a missing queue goes to the dead-letter queue without retries', async () => {
  let failures = 2;
  const got: { arn: string; m: OutboundMessage }[] = [];
  const tries: string[] = [];
  const h = await setup(async (arn, m) => {
    tries.push(arn);
    if (arn === queue('flaky') && failures-- > 0) throw new Error('busy');
    if (arn === queue('gone')) throw new DomainError('NotFound', 'The specified queue does not exist.');
    got.push({ arn, m });
  });
  try {
    const t = await h.topics.createTopic('t', {}, {});
    await h.topics.subscribe(t.arn, 'sqs', queue('flaky'), {});
    const gone = await h.topics.subscribe(t.arn, 'sqs', queue('gone'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queue('dlq') }) });
    const r = await h.publisher.publish({ topicArn: t.arn, message: 'x', attributes: { k: { DataType: 'String', StringValue: 'v' } } });
    await until('delivery and dead-letter', () => got.length === 2);
    assert.equal(tries.filter((a) => a === queue('flaky')).length, 3, 'two failures, then delivered');
    assert.equal(tries.filter((a) => a === queue('gone')).length, 1, 'a client-side error is not retried');
    const dead = got.find((g) => g.arn === queue('dlq'))!;
    assert.equal(JSON.parse(dead.m.body).MessageId, r.messageId);
    assert.deepEqual(dead.m.attributes, { k: { DataType: 'String', StringValue: 'v' } });
    assert.ok(h.logs.some((l) => l.includes(gone.arn) && l.includes('moved to')), h.logs.join('\n'));
  } finally {
    await h.close();
  }
});

test('a subscription to a queue Kumo cannot deliver to is refused, and so is a dead-letter target', async () => {
  const h = await setup(async () => undefined);
  try {
    const t = await h.topics.createTopic('t', {}, {});
    await assert.rejects(h.topics.subscribe(t.arn, 'lambda', `arn:aws:lambda:us-east-1:${account}:function:f`, {}), /Kumo cannot deliver to/);
    const sub = await h.topics.subscribe(t.arn, 'sqs', queue('q'), {});
    await assert.rejects(h.topics.setSubscriptionAttribute(sub.arn, 'RedrivePolicy', '{"deadLetterTargetArn":"nope"}'), /deadLetterTargetArn is an invalid arn/);
  } finally {
    await h.close();
  }
});

test('the sns sink of Deliveries publishes to the topic (attributes and all); a missing topic is NotFound for the sender', async () => {
  const got: OutboundMessage[] = [];
  const h = await setup(async (_arn, m) => void got.push(m));
  try {
    const sink = topicSink(h.publisher);
    const t = await h.topics.createTopic('dlq-topic', {}, {});
    await h.topics.subscribe(t.arn, 'sqs', queue('q'), { RawMessageDelivery: 'true' });
    await sink.send(t.arn, { body: '{"failed":true}', attributes: { bin: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } } });
    await until('the delivery', () => got.length === 1);
    assert.equal(got[0]!.body, '{"failed":true}');
    assert.deepEqual(got[0]!.attributes, { bin: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } });
    await assert.rejects(sink.send(`arn:aws:sns:us-east-1:${account}:missing`, { body: 'x' }), (e: unknown) => e instanceof DomainError && e.kind === 'NotFound');
    await assert.rejects(sink.send(t.arn, { body: '' }), (e: unknown) => e instanceof DomainError && e.kind === 'InvalidParameter');
  } finally {
    await h.close();
  }
});
