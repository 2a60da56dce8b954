import { DomainError } from '../../src/domain/errors';
import type { SourceShard, SourceStreamRecord, StreamPosition, StreamSource, StreamSourceInfo, StreamSourceRead } from '../../src/domain/stream-source';
import { hashKeyOf, uniformRanges } from '../../src/streams/hash';
import { formatSequence, parseSequence } from '../../src/streams/sequence';

interface FakeShard extends SourceShard {
  ordinal: number;
  hashStart: bigint;
  hashEnd: bigint;
  records: (SourceStreamRecord & { counter: number })[];
}

interface FakeStream {
  arn: string;
  shards: FakeShard[];
  counter: number;
}

/**
 * An in-process `StreamSource` for the stream poller's unit tests: streams
 * of shards routed by MD5 as Kinesis does, sequence numbers in Kumo's form,
 * splits, and iterators as plain tokens. It passes the same contract suite
 * as the real adapter (test/stream-source-contract.ts). Tests may also make
 * reads fail (`failReads`) to see the poller back off.
 */
export class FakeStreamSource implements StreamSource {
  private readonly streams = new Map<string, FakeStream>();
  /** Reads left to fail with Throttled (tests). */
  failReads = 0;
  /** Every read, for tests: [shardId, records returned]. */
  readonly reads: [string, number][] = [];

  createStream(name: string, shardCount: number): string {
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
    const shards = uniformRanges(shardCount).map((r, i) => ({
      shardId: shardIdOf(i), ordinal: i, closed: false, hashStart: BigInt(r.hashStart), hashEnd: BigInt(r.hashEnd), records: [],
    }));
    this.streams.set(arn, { arn, shards, counter: 0 });
    return arn;
  }

  put(arn: string, partitionKey: string, data: Buffer | string, arrivalMs = Date.now()): { shardId: string; sequenceNumber: string } {
    const s = this.stream(arn);
    const key = hashKeyOf(partitionKey);
    const shard = s.shards.find((x) => !x.closed && x.hashStart <= key && key <= x.hashEnd)!;
    const counter = ++s.counter;
    const sequenceNumber = formatSequence(shard.ordinal, counter);
    shard.records.push({ sequenceNumber, partitionKey, data: Buffer.from(data), arrivalMs, counter });
    return { shardId: shard.shardId, sequenceNumber };
  }

  split(arn: string, shardId: string): void {
    const s = this.stream(arn);
    const p = s.shards.find((x) => x.shardId === shardId && !x.closed);
    if (!p) throw new Error(`no open shard ${shardId}`);
    p.closed = true;
    const mid = (p.hashStart + p.hashEnd + 1n) / 2n;
    for (const [a, b] of [[p.hashStart, mid - 1n], [mid, p.hashEnd]] as const) {
      const ordinal = s.shards.length;
      s.shards.push({ shardId: shardIdOf(ordinal), ordinal, parentShardId: shardId, closed: false, hashStart: a, hashEnd: b, records: [] });
    }
  }

  private stream(arn: string): FakeStream {
    const s = this.streams.get(arn);
    if (!s) throw new DomainError('NotFound', `Stream ${arn} not found.`);
    return s;
  }

  private shard(arn: string, shardId: string): FakeShard {
    const sh = this.stream(arn).shards.find((x) => x.shardId === shardId);
    if (!sh) throw new DomainError('NotFound', `Shard ${shardId} in stream ${arn} does not exist`);
    return sh;
  }

  async describe(arn: string): Promise<StreamSourceInfo> {
    const s = this.stream(arn);
    return {
      arn, retentionHours: 24,
      shards: s.shards.map((x) => ({ shardId: x.shardId, closed: x.closed, ...(x.parentShardId ? { parentShardId: x.parentShardId } : {}) })),
    };
  }

  async iterator(arn: string, shardId: string, from: StreamPosition): Promise<string> {
    const sh = this.shard(arn, shardId);
    let after = 0;
    if (from.type === 'AFTER_SEQUENCE_NUMBER') {
      const p = parseSequence(from.sequenceNumber);
      if (!p || p.ordinal !== sh.ordinal) throw new DomainError('InvalidParameter', `Invalid StartingSequenceNumber ${from.sequenceNumber}`);
      after = p.counter;
    } else if (from.type === 'AT_TIMESTAMP') {
      const first = sh.records.find((r) => r.arrivalMs >= from.timestampMs);
      after = first ? first.counter - 1 : (sh.records.at(-1)?.counter ?? 0);
    }
    return JSON.stringify({ arn, shardId, after });
  }

  async latest(arn: string, shardId: string): Promise<string | undefined> {
    const sh = this.shard(arn, shardId);
    const last = sh.records.at(-1);
    return last?.sequenceNumber;
  }

  async read(arn: string, iterator: string, limit: number): Promise<StreamSourceRead> {
    const it = JSON.parse(iterator) as { arn: string; shardId: string; after: number };
    if (it.arn !== arn) throw new DomainError('InvalidParameter', 'The ShardIterator was not issued for this stream.');
    if (this.failReads > 0) {
      this.failReads--;
      throw new DomainError('Throttled', `Rate exceeded for shard ${it.shardId}`);
    }
    const sh = this.shard(arn, it.shardId);
    const rest = sh.records.filter((r) => r.counter > it.after);
    const records = rest.slice(0, limit);
    this.reads.push([it.shardId, records.length]);
    const behindMs = rest.length > records.length ? Date.now() - rest[records.length]!.arrivalMs : 0;
    const out = records.map(({ counter: _c, ...r }) => ({ ...r, data: Buffer.from(r.data) }));
    if (sh.closed && records.length === rest.length) return { records: out, ended: true, behindMs };
    const after = records.length ? records[records.length - 1]!.counter : it.after;
    return { records: out, nextIterator: JSON.stringify({ arn, shardId: it.shardId, after }), ended: false, behindMs };
  }
}

const shardIdOf = (o: number) => `shardId-${String(o).padStart(12, '0')}`;
