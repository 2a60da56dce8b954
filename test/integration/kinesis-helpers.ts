import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { testCreds, type RunningServer } from './harness';

export function kinesisClient(s: RunningServer): KinesisClient {
  return new KinesisClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
}

/** Waits (briefly polling: CREATING/UPDATING last ~100 ms here) until the stream is ACTIVE; returns the statuses seen. */
export async function waitActive(k: KinesisClient, StreamName: string): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 200; i++) {
    const st = (await k.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary!.StreamStatus!;
    if (seen[seen.length - 1] !== st) seen.push(st);
    if (st === 'ACTIVE') return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${StreamName} never became ACTIVE (${seen.join(' → ')})`);
}

/** Every record of a shard from TRIM_HORIZON until a read returns nothing (or the shard's end). */
export async function readShard(k: KinesisClient, StreamName: string, ShardId: string): Promise<_Record[]> {
  let it = (await k.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: _Record[] = [];
  while (it) {
    const r = await k.send(new GetRecordsCommand({ ShardIterator: it }));
    out.push(...(r.Records ?? []));
    if (!r.Records?.length) break;
    it = r.NextShardIterator;
  }
  return out;
}

export const text = (r: _Record) => Buffer.from(r.Data!).toString('utf8');
