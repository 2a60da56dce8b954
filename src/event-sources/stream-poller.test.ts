import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../domain/errors';
import type { EventSourceMappingRecord, StreamMappingSettings } from '../domain/event-source-mapping';
import type { InvokeInput, InvokeResult } from '../invoke/service';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { FakeStreamSource } from '../../test/fakes/stream-source';
import { mapping } from '../../test/store-contract-esm';
import { hashKeyOf } from '../streams/hash';
import { StreamPoller } from './stream-poller';
import type { KinesisEventRecord } from './kinesis-event';

/**
 * The stream poller over the in-process StreamSource fake (which passes the
 * real adapter's contract suite) and a real SQLite checkpoint store; the
 * function is in-process too (what the invoke path would answer).
 */
type Handler = (records: KinesisEventRecord[]) => { error?: boolean; payload?: unknown } | Promise<{ error?: boolean; payload?: unknown }>;

class FakeInvoker {
  readonly batches: KinesisEventRecord[][] = [];
  inFlight = 0;
  peak = 0;
  constructor(public handler: Handler = () => ({})) {}
  async resolve(): Promise<unknown> {
    return { rec: { config: { role: 'arn:aws:iam::000000000000:role/r' } } };
  }
  async invoke(input: InvokeInput): Promise<InvokeResult> {
    const recs = (JSON.parse(input.payload.toString('utf8')) as { Records: KinesisEventRecord[] }).Records;
    this.batches.push(recs);
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      const r = await this.handler(recs);
      return { payload: Buffer.from(JSON.stringify(r.payload ?? null)), executedVersion: '$LATEST', requestId: 'r', ...(r.error ? { functionError: 'Unhandled' as const } : {}) };
    } finally {
      this.inFlight--;
    }
  }
}

const data = (r: KinesisEventRecord) => Buffer.from(r.kinesis.data, 'base64').toString('utf8');
const dirs: string[] = [];
const stores: SqliteStore[] = [];
const pollers: StreamPoller[] = [];
after(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  for (const s of stores) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup(o: { shards?: number; stream?: Partial<StreamMappingSettings>; rec?: Partial<EventSourceMappingRecord>; handler?: Handler; source?: FakeStreamSource; store?: SqliteStore; arn?: string } = {}) {
  const source = o.source ?? new FakeStreamSource();
  const arn = o.arn ?? source.createStream('s', o.shards ?? 1);
  let store = o.store;
  if (!store) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-stream-poller-'));
    dirs.push(dir);
    store = new SqliteStore(path.join(dir, 'kumo.db'));
    stores.push(store);
  }
  const invoker = new FakeInvoker(o.handler);
  const sent: { arn: string; body: Record<string, any> }[] = [];
  const reports: string[] = [];
  const rec = mapping('00000000-0000-4000-8000-0000000000aa', {
    eventSourceArn: arn, state: 'Enabled', batchSize: 10, maximumBatchingWindowInSeconds: 0,
    stream: { startingPosition: 'TRIM_HORIZON', parallelizationFactor: 1, maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: false, tumblingWindowInSeconds: 0, ...o.stream },
    ...o.rec,
  });
  const make = () => {
    const p = new StreamPoller(rec, {
      streams: source, invoker, checkpoints: store!, report: (r) => reports.push(r), log: () => undefined,
      deliveries: { send: async (a, m) => void sent.push({ arn: a, body: JSON.parse(m.body) }) },
      idlePollMs: 20, discoveryMs: 30, retryBackoffMs: 10,
    });
    pollers.push(p);
    p.start();
    return p;
  };
  return { source, arn, store, invoker, sent, reports, rec, make };
}

async function until(what: string, ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('StreamPoller', () => {
  test('every shard in order, AWS event shape, checkpoint at the last record', async () => {
    const t = setup({ shards: 2 });
    const put: { shardId: string; sequenceNumber: string }[] = [];
    for (let i = 0; i < 30; i++) put.push(t.source.put(t.arn, `key-${i % 7}`, `r${i}`));
    const p = t.make();
    await until('all records', () => t.invoker.batches.flat().length === 30);
    const r0 = t.invoker.batches[0]![0]!;
    assert.deepEqual(Object.keys(r0.kinesis).sort(), ['approximateArrivalTimestamp', 'data', 'kinesisSchemaVersion', 'partitionKey', 'sequenceNumber']);
    assert.equal(r0.eventSource, 'aws:kinesis');
    assert.equal(r0.eventName, 'aws:kinesis:record');
    assert.equal(r0.eventVersion, '1.0');
    assert.equal(r0.invokeIdentityArn, 'arn:aws:iam::000000000000:role/r');
    assert.equal(r0.eventSourceARN, t.arn);
    assert.equal(r0.awsRegion, 'us-east-1');
    assert.match(r0.eventID, /^shardId-00000000000[01]:49\d{54}$/);
    assert.ok(r0.kinesis.approximateArrivalTimestamp > 1e9 && r0.kinesis.approximateArrivalTimestamp < 1e10, 'epoch seconds');
    for (const shard of ['shardId-000000000000', 'shardId-000000000001']) {
      const seen = t.invoker.batches.flat().filter((r) => r.eventID.startsWith(shard)).map((r) => r.kinesis.sequenceNumber);
      const expected = put.filter((x) => x.shardId === shard).map((x) => x.sequenceNumber);
      assert.deepEqual(seen, expected, `${shard} in put order`);
    }
    await sleep(50);
    const cps = await t.store.listCheckpoints(t.rec.uuid);
    for (const c of cps) assert.equal(c.sequenceNumber, put.filter((x) => x.shardId === c.shardId).at(-1)!.sequenceNumber);
    assert.equal(cps.length, 2);
    assert.ok(p.iteratorAgeMs() !== undefined && p.iteratorAgeMs()! >= 0);
  });

  test('a failing batch blocks its shard until MaximumRetryAttempts, then goes to OnFailure in AWS\'s record; the next batch follows', async () => {
    const t = setup({ stream: { maximumRetryAttempts: 2, onFailureDestination: 'arn:aws:sqs:us-east-1:000000000000:dlq' }, rec: { batchSize: 2 }, handler: (rs) => ({ error: rs.some((r) => data(r) === 'bad') }) });
    const a = t.source.put(t.arn, 'k', 'ok1');
    const bad = t.source.put(t.arn, 'k', 'bad');
    t.source.put(t.arn, 'k', 'ok2');
    t.make();
    await until('the later record', () => t.invoker.batches.flat().some((r) => data(r) === 'ok2'));
    const order = t.invoker.batches.map((b) => b.map(data).join('+'));
    assert.deepEqual(order, ['ok1+bad', 'ok1+bad', 'ok1+bad', 'ok2'], '1 invoke + 2 retries, nothing newer meanwhile');
    assert.equal(t.sent.length, 1);
    const f = t.sent[0]!;
    assert.equal(f.arn, 'arn:aws:sqs:us-east-1:000000000000:dlq');
    assert.deepEqual(f.body.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(f.body.requestContext.approximateInvokeCount, 3);
    assert.deepEqual(f.body.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(f.body.version, '1.0');
    assert.deepEqual(Object.keys(f.body.KinesisBatchInfo).sort(), ['approximateArrivalOfFirstRecord', 'approximateArrivalOfLastRecord', 'batchSize', 'endSequenceNumber', 'shardId', 'startSequenceNumber', 'streamArn']);
    assert.equal(f.body.KinesisBatchInfo.startSequenceNumber, a.sequenceNumber);
    assert.equal(f.body.KinesisBatchInfo.endSequenceNumber, bad.sequenceNumber);
    assert.equal(f.body.KinesisBatchInfo.batchSize, 2);
  });

  test('ReportBatchItemFailures: the retry starts at the first failed sequence number; an invalid identifier fails the whole batch', async () => {
    let failOnce = true;
    const t = setup({
      rec: { functionResponseTypes: ['ReportBatchItemFailures'] },
      handler: (rs) => {
        const f = rs.find((r) => data(r) === 'c');
        if (f && failOnce) {
          failOnce = false;
          return { payload: { batchItemFailures: [{ itemIdentifier: f.kinesis.sequenceNumber }] } };
        }
        if (rs.some((r) => data(r) === 'x')) return { payload: { batchItemFailures: [{ itemIdentifier: 'nope' }] } };
        return { payload: { batchItemFailures: [] } };
      },
    });
    for (const d of ['a', 'b', 'c', 'd']) t.source.put(t.arn, 'k', d);
    t.make();
    await until('two batches', () => t.invoker.batches.length >= 2);
    assert.deepEqual(t.invoker.batches.slice(0, 2).map((b) => b.map(data).join('')), ['abcd', 'cd']);
  });

  test('BisectBatchOnFunctionError splits the failing batch until the bad record is alone', async () => {
    const t = setup({ stream: { bisectBatchOnFunctionError: true, maximumRetryAttempts: 3 }, handler: (rs) => ({ error: rs.some((r) => data(r) === 'bad') }) });
    for (const d of ['a', 'b', 'bad', 'c']) t.source.put(t.arn, 'k', d);
    t.make();
    await until('c processed', () => t.invoker.batches.some((b) => b.length === 1 && data(b[0]!) === 'c') || t.invoker.batches.some((b) => b.map(data).join('') === 'c'));
    const seq = t.invoker.batches.map((b) => b.map(data).join(','));
    assert.deepEqual(seq.slice(0, 2), ['a,b,bad,c', 'a,b'], 'split in two, first half first');
    assert.ok(seq.includes('bad'), 'the bad record alone');
  });

  test('ParallelizationFactor: one key always on one slot (in order); batches in flight ≤ shards × factor', async () => {
    const t = setup({
      shards: 1, stream: { parallelizationFactor: 3 }, rec: { batchSize: 2 },
      handler: async () => {
        await sleep(15);
        return {};
      },
    });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let i = 0; i < 60; i++) t.source.put(t.arn, keys[i % keys.length]!, `${keys[i % keys.length]}-${i}`);
    t.make();
    await until('all', () => t.invoker.batches.flat().length === 60);
    assert.ok(t.invoker.peak <= 3, `peak ${t.invoker.peak}`);
    assert.ok(t.invoker.peak >= 2, 'slots run concurrently');
    for (const b of t.invoker.batches) {
      const slots = new Set(b.map((r) => Number(hashKeyOf(r.kinesis.partitionKey) % 3n)));
      assert.equal(slots.size, 1, 'a batch holds one slot\'s keys');
    }
    for (const k of keys) {
      const idx = t.invoker.batches.flat().filter((r) => r.kinesis.partitionKey === k).map((r) => Number(data(r).split('-')[1]));
      assert.deepEqual(idx, [...idx].sort((x, y) => x - y), `key ${k} in order`);
    }
  });

  test('filters skip and checkpoint what no pattern matches', async () => {
    const t = setup({ rec: { filterPatterns: ['{"data":{"kind":["keep"]}}'] } });
    t.source.put(t.arn, 'k', JSON.stringify({ kind: 'drop' }));
    t.source.put(t.arn, 'k', JSON.stringify({ kind: 'keep' }));
    const last = t.source.put(t.arn, 'k', 'not json');
    t.make();
    let cp: string | undefined;
    const end = Date.now() + 3000;
    while (Date.now() < end && cp !== last.sequenceNumber) {
      cp = (await t.store.listCheckpoints(t.rec.uuid))[0]?.sequenceNumber;
      await sleep(20);
    }
    assert.equal(cp, last.sequenceNumber);
    assert.deepEqual(t.invoker.batches.map((b) => b.map(data)), [[JSON.stringify({ kind: 'keep' })]]);
  });

  test('a restart resumes from the checkpoint: nothing skipped, order kept', async () => {
    const t = setup({ rec: { batchSize: 1 }, handler: async () => { await sleep(5); return {}; } });
    for (let i = 0; i < 20; i++) t.source.put(t.arn, 'k', `r${i}`);
    const p1 = t.make();
    await until('some', () => t.invoker.batches.length >= 5);
    await p1.stop();
    const seenBefore = t.invoker.batches.length;
    const t2 = setup({ source: t.source, arn: t.arn, store: t.store, rec: { batchSize: 1 } });
    t2.make();
    await until('the rest', () => t2.invoker.batches.flat().some((r) => data(r) === 'r19'));
    const first = data(t2.invoker.batches[0]![0]!);
    assert.equal(first, `r${seenBefore}`, 'resumes right after the last processed record');
    assert.deepEqual([...t.invoker.batches, ...t2.invoker.batches].flat().map(data), Array.from({ length: 20 }, (_, i) => `r${i}`));
  });

  test('resharding: the children start only after the parent is processed to its end', async () => {
    let hold = true;
    const t = setup({ rec: { batchSize: 5 }, handler: async (rs) => { while (hold && rs.some((r) => data(r) === 'p-4')) await sleep(5); return {}; } });
    for (let i = 0; i < 5; i++) t.source.put(t.arn, `k${i}`, `p-${i}`);
    t.make();
    await until('parent batch in flight', () => t.invoker.batches.length === 1);
    t.source.split(t.arn, 'shardId-000000000000');
    for (let i = 0; i < 5; i++) t.source.put(t.arn, `k${i}`, `c-${i}`);
    await sleep(150);
    assert.equal(t.invoker.batches.length, 1, 'no child read while the parent has a batch in flight');
    hold = false;
    await until('children', () => t.invoker.batches.flat().filter((r) => data(r).startsWith('c-')).length === 5);
    const cps = await t.store.listCheckpoints(t.rec.uuid);
    assert.equal(cps.find((c) => c.shardId === 'shardId-000000000000')?.ended, true);
  });

  test('a read that is throttled is retried; MaximumRecordAgeInSeconds sends expired records to OnFailure without an invoke', async () => {
    const t = setup({ stream: { maximumRecordAgeInSeconds: 60, onFailureDestination: 'arn:aws:sns:us-east-1:000000000000:t' } });
    t.source.failReads = 2;
    t.source.put(t.arn, 'k', 'old', Date.now() - 120_000);
    t.source.put(t.arn, 'k', 'new');
    t.make();
    await until('new', () => t.invoker.batches.length === 1);
    assert.deepEqual(t.invoker.batches[0]!.map(data), ['new']);
    assert.equal(t.sent.length, 1);
    assert.equal(t.sent[0]!.body.requestContext.condition, 'RecordAgeExceeded');
    assert.equal(t.sent[0]!.body.responseContext, undefined);
  });

  test('a function that is not found is reported and retried', async () => {
    const t = setup();
    t.invoker.handler = () => {
      throw new DomainError('NotFound', 'Function not found');
    };
    t.source.put(t.arn, 'k', 'x');
    t.make();
    await until('report', () => t.reports.includes('PROBLEM: Function not found'));
  });
});
