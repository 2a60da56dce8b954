import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DomainError } from '../src/domain/errors';
import type { MessageAttributeValue } from '../src/domain/delivery';
import type { QueueSource } from '../src/domain/queue-source';
import { md5OfAttributes } from '../src/queues/md5';

/**
 * The contract of `QueueSource` (src/domain/queue-source.ts), the queue
 * service as Lambda's event source mappings poll it. Run against the real
 * queue service (src/queues/queue-source.contract.test.ts) and against any
 * in-process fake a poller's tests use, so the fake cannot drift from it.
 */
export interface QueueSourceFixture {
  source: QueueSource;
  /** Creates a queue and returns its ARN. `redrive`: a RedrivePolicy to the given dead-letter queue ARN. */
  createQueue(name: string, opts: { visibilityS: number; fifo?: boolean; redrive?: { deadLetterArn: string; maxReceiveCount: number } }): Promise<string>;
  /** Sends a message as SendMessage would (FIFO: `groupId`, content-based deduplication or `dedupId`). */
  send(arn: string, body: string, opts?: { attributes?: Record<string, MessageAttributeValue>; groupId?: string; dedupId?: string }): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const missingArn = 'arn:aws:sqs:us-east-1:000000000000:does-not-exist';

export function queueSourceContract(name: string, open: () => Promise<QueueSourceFixture>): void {
  const withFixture = (body: (f: QueueSourceFixture) => Promise<void>) => async () => {
    const f = await open();
    try {
      await body(f);
    } finally {
      await f.close();
    }
  };

  describe(`QueueSource contract: ${name}`, () => {
    test('describe gives the visibility timeout, FIFO-ness and the visible count', withFixture(async (f) => {
      const arn = await f.createQueue('d', { visibilityS: 45 });
      await f.send(arn, 'a');
      await f.send(arn, 'b');
      assert.deepEqual(await f.source.describe(arn), { arn, visibilityTimeoutS: 45, fifo: false, approximateVisible: 2 });
      const fifo = await f.createQueue('d.fifo', { visibilityS: 30, fifo: true });
      assert.equal((await f.source.describe(fifo)).fifo, true);
    }));

    test('every method throws DomainError NotFound for a queue that does not exist', withFixture(async (f) => {
      const notFound = (e: unknown) => e instanceof DomainError && e.kind === 'NotFound';
      await assert.rejects(f.source.describe(missingArn), notFound);
      await assert.rejects(f.source.receive(missingArn, { max: 1, waitMs: 0 }), notFound);
      await assert.rejects(f.source.deleteMessages(missingArn, ['x']), notFound);
      await assert.rejects(f.source.changeVisibility(missingArn, 'x', 0), notFound);
    }));

    test('receive returns the body, its MD5, message attributes and the system attributes; the message is then invisible and its count up', withFixture(async (f) => {
      const arn = await f.createQueue('r', { visibilityS: 30 });
      await f.send(arn, 'hello', { attributes: { k: { DataType: 'String', StringValue: 'v' } } });
      const [m] = await f.source.receive(arn, { max: 10, waitMs: 0 });
      assert.ok(m);
      assert.equal(m.body, 'hello');
      assert.equal(m.md5OfBody, createHash('md5').update('hello').digest('hex'));
      assert.equal(m.md5OfMessageAttributes, md5OfAttributes({ k: { DataType: 'String', StringValue: 'v' } }), "SQS's MD5OfMessageAttributes");
      assert.deepEqual(m.messageAttributes, { k: { DataType: 'String', StringValue: 'v' } });
      assert.equal(m.attributes.ApproximateReceiveCount, '1');
      for (const a of ['SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp']) assert.ok(m.attributes[a], a);
      assert.ok(m.messageId && m.receiptHandle);
      assert.deepEqual(await f.source.receive(arn, { max: 10, waitMs: 0 }), [], 'invisible for the visibility timeout');
      await f.source.changeVisibility(arn, m.receiptHandle, 0);
      const [again] = await f.source.receive(arn, { max: 10, waitMs: 0 });
      assert.equal(again?.attributes.ApproximateReceiveCount, '2');
      await f.source.deleteMessages(arn, [again!.receiptHandle, m.receiptHandle]);
      await f.source.changeVisibility(arn, again!.receiptHandle, 0).then(
        () => assert.fail('a deleted message has no visibility to change'),
        (e: unknown) => assert.ok(e instanceof DomainError),
      );
      assert.equal((await f.source.describe(arn)).approximateVisible, 0);
    }));

    test('a stale receipt handle deletes nothing (and succeeds); changing the visibility with it fails', withFixture(async (f) => {
      const arn = await f.createQueue('stale', { visibilityS: 30 });
      await f.send(arn, 'x');
      const [first] = await f.source.receive(arn, { max: 1, waitMs: 0 });
      await f.source.changeVisibility(arn, first!.receiptHandle, 0);
      const [second] = await f.source.receive(arn, { max: 1, waitMs: 0 });
      await f.source.deleteMessages(arn, [first!.receiptHandle]);
      await f.source.changeVisibility(arn, first!.receiptHandle, 0).then(
        () => assert.fail('the first handle is stale once the message was received again'),
        (e: unknown) => assert.ok(e instanceof DomainError),
      );
      await f.source.changeVisibility(arn, second!.receiptHandle, 0);
      const [third] = await f.source.receive(arn, { max: 1, waitMs: 0 });
      assert.equal(third?.body, 'x', 'the stale delete left the message');
      assert.equal(third?.attributes.ApproximateReceiveCount, '3');
    }));

    test('receive takes at most `max`; a long poll returns when a message arrives; an abort ends it early with []', withFixture(async (f) => {
      const arn = await f.createQueue('p', { visibilityS: 30 });
      for (let i = 0; i < 3; i++) await f.send(arn, `m${i}`);
      assert.equal((await f.source.receive(arn, { max: 2, waitMs: 0 })).length, 2);
      assert.equal((await f.source.receive(arn, { max: 2, waitMs: 0 })).length, 1);
      const t0 = Date.now();
      const poll = f.source.receive(arn, { max: 1, waitMs: 5_000 });
      await sleep(200);
      await f.send(arn, 'late');
      assert.deepEqual((await poll).map((m) => m.body), ['late']);
      assert.ok(Date.now() - t0 < 2_000, 'returned on arrival');
      const ac = new AbortController();
      const t1 = Date.now();
      const aborted = f.source.receive(arn, { max: 1, waitMs: 10_000, signal: ac.signal });
      await sleep(100);
      ac.abort();
      assert.deepEqual(await aborted, []);
      assert.ok(Date.now() - t1 < 2_000, 'ended by the abort');
    }));

    test('a message received more than maxReceiveCount times goes to the dead-letter queue', withFixture(async (f) => {
      const dlq = await f.createQueue('dlq', { visibilityS: 30 });
      const src = await f.createQueue('src', { visibilityS: 30, redrive: { deadLetterArn: dlq, maxReceiveCount: 1 } });
      await f.send(src, 'poison');
      const [m] = await f.source.receive(src, { max: 1, waitMs: 0 });
      await f.source.changeVisibility(src, m!.receiptHandle, 0);
      assert.deepEqual(await f.source.receive(src, { max: 1, waitMs: 0 }), []);
      assert.deepEqual((await f.source.receive(dlq, { max: 1, waitMs: 0 })).map((x) => x.body), ['poison']);
    }));

    test('FIFO: messages carry MessageGroupId, MessageDeduplicationId and SequenceNumber, in group order', withFixture(async (f) => {
      const arn = await f.createQueue('o.fifo', { visibilityS: 30, fifo: true });
      await f.send(arn, 'first', { groupId: 'g', dedupId: 'd1' });
      await f.send(arn, 'second', { groupId: 'g', dedupId: 'd2' });
      const got = await f.source.receive(arn, { max: 10, waitMs: 0 });
      assert.deepEqual(got.map((m) => m.body), ['first', 'second']);
      assert.equal(got[0]!.attributes.MessageGroupId, 'g');
      assert.equal(got[0]!.attributes.MessageDeduplicationId, 'd1');
      assert.match(got[0]!.attributes.SequenceNumber ?? '', /^[0-9]+$/);
    }));

    test('FIFO: a group with a message in flight gives nothing more; other groups still do; visible again, the group resumes in order', withFixture(async (f) => {
      const arn = await f.createQueue('g.fifo', { visibilityS: 30, fifo: true });
      await f.send(arn, 'a1', { groupId: 'A', dedupId: '1' });
      await f.send(arn, 'a2', { groupId: 'A', dedupId: '2' });
      await f.send(arn, 'b1', { groupId: 'B', dedupId: '3' });
      const [a1] = await f.source.receive(arn, { max: 1, waitMs: 0 });
      assert.equal(a1?.body, 'a1');
      assert.deepEqual((await f.source.receive(arn, { max: 10, waitMs: 0 })).map((m) => m.body), ['b1'], 'group A is blocked while a1 is in flight');
      await f.source.changeVisibility(arn, a1!.receiptHandle, 0);
      assert.deepEqual((await f.source.receive(arn, { max: 10, waitMs: 0 })).map((m) => m.body), ['a1', 'a2']);
    }));
  });
}
