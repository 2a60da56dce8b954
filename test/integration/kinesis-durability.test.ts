import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand, PutRecordsCommand, SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { startServer, type RunningServer } from './harness';
import { startPostgres, type ThrowawayPostgres } from '../postgres';
import { kinesisClient, readShard, text, waitActive } from './kinesis-helpers';

/**
 * What PutRecords acknowledged survives a kill -9 of the server (SQLite:
 * the main database, synchronous=FULL; PostgreSQL: a synchronous commit),
 * records are sealed at rest (the plaintext is nowhere in the data dir), and
 * the representative path on PostgreSQL (KUMO_DATABASE_URL): create, put,
 * every iterator read, a split, paging.
 */
async function putKillRestart(start: (dataDir?: string) => Promise<RunningServer>): Promise<RunningServer> {
  let s = await start();
  let k = kinesisClient(s);
  await k.send(new CreateStreamCommand({ StreamName: 'durable', ShardCount: 2 }));
  await waitActive(k, 'durable');
  const recs = Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `key-${i}`, Data: Buffer.from(`secret-payload-${i}`) }));
  const put = await k.send(new PutRecordsCommand({ StreamName: 'durable', Records: recs }));
  assert.equal(put.FailedRecordCount, 0);
  k.destroy();
  await s.kill9();
  s = await start(s.dataDir);
  k = kinesisClient(s);
  try {
    const got = [...(await readShard(k, 'durable', 'shardId-000000000000')), ...(await readShard(k, 'durable', 'shardId-000000000001'))];
    assert.deepEqual(new Set(got.map((r) => r.SequenceNumber)), new Set(put.Records!.map((r) => r.SequenceNumber)), 'every acknowledged record');
    assert.deepEqual(new Set(got.map(text)), new Set(recs.map((r) => r.Data.toString())));
  } finally {
    k.destroy();
  }
  return s;
}

/** No file of the data dir holds a record's plaintext. */
function assertSealed(dir: string, needle: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    assert.ok(!fs.readFileSync(p).includes(needle), `${p} holds plaintext`);
  }
}

describe('Kinesis durability (SQLite)', () => {
  it('records PutRecords acknowledged are read after kill -9 and a restart, and are sealed at rest', async () => {
    const s = await putKillRestart((dataDir) => startServer({ dataDir }));
    try {
      assertSealed(s.dataDir, 'secret-payload-1');
    } finally {
      await s.stop();
    }
  });
});

describe('Kinesis on PostgreSQL (KUMO_DATABASE_URL)', () => {
  let pg: ThrowawayPostgres;
  let n = 0;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  it('records PutRecords acknowledged survive kill -9 and a restart', async () => {
    const url = await pg.createDatabase(`kin_${++n}`);
    const s = await putKillRestart((dataDir) => startServer({ dataDir, env: { KUMO_DATABASE_URL: url } }));
    await s.stop();
  });

  it('create, put, iterators, a split with ordering across it, list paging', async () => {
    const s = await startServer({ env: { KUMO_DATABASE_URL: await pg.createDatabase(`kin_${++n}`) } });
    const k = kinesisClient(s);
    try {
      await k.send(new CreateStreamCommand({ StreamName: 'a', ShardCount: 1 }));
      await k.send(new CreateStreamCommand({ StreamName: 'b', ShardCount: 1 }));
      await waitActive(k, 'a');
      const put = (round: number) => k.send(new PutRecordsCommand({ StreamName: 'a', Records: ['x', 'y'].map((pk) => ({ PartitionKey: pk, Data: Buffer.from(`${pk}${round}`) })) }));
      const first = await put(1);
      const latest = (await k.send(new GetShardIteratorCommand({ StreamName: 'a', ShardId: 'shardId-000000000000', ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: first.Records![0]!.SequenceNumber }))).ShardIterator!;
      assert.deepEqual((await k.send(new GetRecordsCommand({ ShardIterator: latest }))).Records!.map(text), ['y1']);
      await k.send(new SplitShardCommand({ StreamName: 'a', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
      await put(2);
      await waitActive(k, 'a');
      const d = (await k.send(new DescribeStreamCommand({ StreamName: 'a' }))).StreamDescription!;
      assert.equal(d.Shards!.length, 3);
      const parent = await readShard(k, 'a', 'shardId-000000000000');
      assert.deepEqual(parent.map(text), ['x1', 'y1']);
      const kids = [...(await readShard(k, 'a', 'shardId-000000000001')), ...(await readShard(k, 'a', 'shardId-000000000002'))];
      assert.deepEqual(kids.map(text).sort(), ['x2', 'y2']);
      const l = await k.send(new ListStreamsCommand({ Limit: 1 }));
      assert.deepEqual([l.StreamNames, l.HasMoreStreams], [['a'], true]);
      assert.deepEqual((await k.send(new ListStreamsCommand({ NextToken: l.NextToken }))).StreamNames, ['b']);
    } finally {
      k.destroy();
      await s.stop();
    }
  });
});
