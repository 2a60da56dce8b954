import type { Keyring } from '../keys/keyring';
import { streamArn } from '../domain/arn';
import type { NewShard, ShardRecord, Store, StreamMode, StreamRecord } from '../store/types';
import { constraint, invalidArgument, StreamError, streamNotFound, throughputExceeded } from './errors';
import { hashKeyMax, hashKeyOf, uniformRanges } from './hash';
import { openIterator, sealIterator } from './iterators';
import { streamLimits as L, type StreamTuning } from './limits';
import { planMerge, planSplit, planUniform } from './reshard-plan';
import { formatSequence, parseSequence } from './sequence';
import { ShardThrottle } from './throughput';

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING';
export type IteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface StreamView {
  stream: StreamRecord;
  status: StreamStatus;
  shards: ShardRecord[];
}

export interface PutInput {
  partitionKey: string;
  data: Buffer;
  explicitHashKey?: string;
}

export type PutResult = { shardId: string; sequenceNumber: string } | { error: StreamError };

export interface ReadRecord {
  sequenceNumber: string;
  arrivalMs: number;
  data: Buffer;
  partitionKey: string;
}

export interface ReadResult {
  records: ReadRecord[];
  nextIterator?: string;
  millisBehindLatest: number;
  /** Set once a closed shard is read to its end: its children. */
  childShards?: ShardRecord[];
}

const streamNamePattern = /^[a-zA-Z0-9_.-]+$/;

/**
 * The domain stream service (Kinesis Data Streams), knowing no HTTP.
 * Streams are addressed by name (the service layer turns a StreamARN into
 * one). Records are sealed with the keyring before they reach the store
 * (AES-256-GCM, the stream and shard as AAD), partition key with the data;
 * a put resolves once its store transaction has committed.
 */
export class StreamService {
  private readonly throttle: ShardThrottle;
  /** A stream was deleted (its resource policy went with it: StreamPolicies forgets what it read). */
  onDeleted: ((name: string) => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly keys: Keyring,
    private readonly scope: { region: string; accountId: string },
    private readonly tuning: StreamTuning,
  ) {
    this.throttle = new ShardThrottle(tuning);
  }

  get accountId(): string {
    return this.scope.accountId;
  }

  arnOf(name: string): string {
    return streamArn(this.scope, name);
  }

  /** A StreamARN of this region and account → its stream name (another account's or region's stream does not exist here). */
  nameOfArn(arn: string): string {
    const m = /^arn:aws[a-z-]*:kinesis:([^:]+):(\d{12}):stream\/([a-zA-Z0-9_.-]+)$/.exec(arn);
    if (!m) throw constraint('StreamARN', arn, 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+');
    if (m[1] !== this.scope.region || m[2] !== this.scope.accountId) throw streamNotFound(m[3]!, m[2]!);
    return m[3]!;
  }

  checkName(name: string, member = 'StreamName'): void {
    if (name.length < 1 || name.length > L.streamNameLengthMax) throw constraint(member, name, `Member must have length less than or equal to ${L.streamNameLengthMax}`);
    if (!streamNamePattern.test(name)) throw constraint(member, name, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
  }

  async createStream(name: string, shardCount: number | undefined, mode: StreamMode, tags: Record<string, string>): Promise<void> {
    this.checkName(name);
    if (mode === 'PROVISIONED' && shardCount === undefined) throw invalidArgument('Shard count must be specified for streams in PROVISIONED mode.');
    if (mode === 'ON_DEMAND' && shardCount !== undefined) throw invalidArgument('Shard count should not be specified for streams in ON_DEMAND mode.');
    const n = shardCount ?? L.onDemandShardCount;
    if (n < 1) throw constraint('ShardCount', n, 'Member must have value greater than or equal to 1');
    if (n > L.shardsPerStreamMax) throw new StreamError('LimitExceeded', `This request would exceed the shard limit for the account ${this.scope.accountId} in ${this.scope.region}. Current shard count for the account: 0. Limit: ${L.shardsPerStreamMax}. Number of additional shards that would have resulted from this request: ${n}. Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`);
    checkTags(tags, L.tagsPerStreamMax);
    const ok = await this.store.createStream({
      name, arn: this.arnOf(name), mode, retentionHours: L.retentionHoursDefault, tags, busyMs: this.tuning.transitionMs, shards: uniformRanges(n),
    });
    if (!ok) throw new StreamError('InUse', `Stream ${name} under account ${this.scope.accountId} already exists.`);
  }

  async deleteStream(name: string): Promise<void> {
    if (!(await this.store.deleteStream(name))) throw this.notFound(name);
    this.throttle.forget(name);
    this.onDeleted?.(name);
  }

  /** The stream with its shards (open and closed within retention) and its status now. */
  async describe(name: string): Promise<StreamView> {
    const got = await this.store.getStream(name);
    if (!got) throw this.notFound(name);
    return { stream: got.stream, shards: got.shards, status: statusOf(got.stream, this.tuning.transitionMs) };
  }

  async list(afterName: string | undefined, limit: number): Promise<{ streams: { stream: StreamRecord; status: StreamStatus }[]; more: boolean }> {
    const rows = await this.store.listStreams(afterName, limit + 1);
    return { streams: rows.slice(0, limit).map((s) => ({ stream: s, status: statusOf(s, this.tuning.transitionMs) })), more: rows.length > limit };
  }

  async changeRetention(name: string, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    if (hours < 1) throw constraint('RetentionPeriodHours', hours, 'Member must have value greater than or equal to 1');
    if (hours > L.retentionHoursMax) {
      throw invalidArgument(`Maximum allowed retention period is ${L.retentionHoursMax} hours. Requested retention period (${hours} hours) is too long.`);
    }
    if (hours < L.retentionHoursMin) {
      throw invalidArgument(`Minimum allowed retention period is ${L.retentionHoursMin} hours. Requested retention period (${hours} hours) is too short.`);
    }
    await this.active(name);
    const prev = await this.store.setStreamRetention(name, hours, (previous) => {
      if (direction === 'increase' && hours < previous) {
        throw invalidArgument(`Requested retention period (${hours} hours) for stream ${name} can not be shorter than existing retention period (${previous} hours). Use DecreaseRetentionPeriod API.`);
      }
      if (direction === 'decrease' && hours > previous) {
        throw invalidArgument(`Requested retention period (${hours} hours) for stream ${name} can not be longer than existing retention period (${previous} hours). Use IncreaseRetentionPeriod API.`);
      }
    });
    if (prev === undefined) throw this.notFound(name);
  }

  async addTags(name: string, tags: Record<string, string>): Promise<void> {
    const n = Object.keys(tags).length;
    if (n < 1) throw constraint('Tags', '{}', 'Member must have length greater than or equal to 1');
    if (n > L.addTagsMax) throw constraint('Tags', `${n} tags`, `Member must have length less than or equal to ${L.addTagsMax}`);
    checkTags(tags, L.addTagsMax);
    const r = await this.store.changeStreamTags(name, { set: tags }, L.tagsPerStreamMax);
    if (r === 'no-stream') throw this.notFound(name);
    if (r === 'too-many') throw new StreamError('LimitExceeded', `Failed to add tags to stream ${name} under account ${this.scope.accountId} because a given stream cannot have more than ${L.tagsPerStreamMax} tags.`);
  }

  async removeTags(name: string, keys: string[]): Promise<void> {
    if (keys.length < 1) throw constraint('TagKeys', '[]', 'Member must have length greater than or equal to 1');
    if (keys.length > L.removeTagsMax) throw constraint('TagKeys', `${keys.length} keys`, `Member must have length less than or equal to ${L.removeTagsMax}`);
    const r = await this.store.changeStreamTags(name, { remove: keys }, L.tagsPerStreamMax);
    if (r === 'no-stream') throw this.notFound(name);
  }

  // ---- records

  /**
   * Routes each record to the open shard whose range holds its hash key,
   * checks the shard's write bucket, and stores the accepted ones in one
   * transaction. A record refused by the bucket fails alone (PutRecords'
   * partial failure); a reshard racing the put makes the store refuse the
   * whole batch, which is then routed again against the new shards.
   */
  async put(name: string, inputs: PutInput[]): Promise<PutResult[]> {
    for (const x of inputs) checkRecord(x);
    for (let attempt = 0; ; attempt++) {
      const view = await this.active(name);
      // Each open shard's hash key range parsed once per call (not once per record and shard).
      const open = view.shards.filter((s) => s.seqEnd === undefined).map((s) => ({ shard: s, start: BigInt(s.hashStart), end: BigInt(s.hashEnd) }));
      const results: (PutResult | undefined)[] = [];
      const batch: { index: number; shard: ShardRecord }[] = [];
      const sealed = [];
      for (const [i, x] of inputs.entries()) {
        const key = x.explicitHashKey !== undefined ? BigInt(x.explicitHashKey) : hashKeyOf(x.partitionKey);
        const shard = open.find((r) => r.start <= key && key <= r.end)?.shard;
        if (!shard) throw new Error(`no open shard of ${name} holds hash key ${key}`); // the open ranges cover the key space
        const bytes = x.data.length + Buffer.byteLength(x.partitionKey, 'utf8');
        if (!this.throttle.write(name, shard.shardId, bytes)) {
          results[i] = { error: throughputExceeded(shard.shardId, name, this.scope.accountId) };
          continue;
        }
        batch.push({ index: i, shard });
        sealed.push({ shardId: shard.shardId, sealed: this.seal(name, shard.shardId, x), bytes });
      }
      const stored = sealed.length ? await this.store.putStreamRecords(name, sealed) : [];
      if (stored === undefined) throw this.notFound(name);
      if (stored === 'closed') {
        for (const x of sealed) this.throttle.unwrite(name, x.shardId, x.bytes);
        if (attempt >= L.routeRetriesMax) throw new StreamError('InUse', `Stream ${name} under account ${this.scope.accountId} is being resharded; try again.`);
        continue;
      }
      for (const [j, b] of batch.entries()) results[b.index] = { shardId: b.shard.shardId, sequenceNumber: formatSequence(b.shard.ordinal, stored[j]!.seq) };
      return results as PutResult[];
    }
  }

  async shardIterator(name: string, shardId: string, type: IteratorType, sequenceNumber?: string, timestampMs?: number): Promise<string> {
    const view = await this.active(name);
    const shard = view.shards.find((s) => s.shardId === shardId);
    if (!shard) throw new StreamError('NotFound', `Shard ${shardId} in stream ${name} under account ${this.scope.accountId} does not exist`);
    let after: number;
    switch (type) {
      case 'TRIM_HORIZON':
        after = shard.seqStart;
        break;
      case 'LATEST':
        after = shard.seqEnd ?? (await this.store.streamPosition(name, shardId)) ?? 0;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        if (sequenceNumber === undefined) throw invalidArgument(`The StartingSequenceNumber must be specified for ShardIteratorType ${type}.`);
        const p = parseSequence(sequenceNumber);
        if (!p) throw invalidArgument(`StartingSequenceNumber ${sequenceNumber} used in GetShardIterator on shard ${shardId} in stream ${name} under account ${this.scope.accountId} is invalid.`);
        if (p.ordinal !== shard.ordinal) {
          throw invalidArgument(`Invalid StartingSequenceNumber. It encodes ${shardIdOfOrdinal(p.ordinal)}, while it was used in a call to a shard with ${shardId}`);
        }
        after = type === 'AT_SEQUENCE_NUMBER' ? p.counter - 1 : p.counter;
        break;
      }
      case 'AT_TIMESTAMP': {
        if (timestampMs === undefined) throw invalidArgument('The timestampInMillis parameter cannot be null for ShardIteratorType AT_TIMESTAMP');
        after = (await this.store.streamPosition(name, shardId, timestampMs)) ?? 0;
        if (after < shard.seqStart) after = shard.seqStart;
        if (shard.seqEnd !== undefined && after > shard.seqEnd) after = shard.seqEnd;
        break;
      }
    }
    return sealIterator(this.keys, { account: this.scope.accountId, stream: name, shardId, after, issuedMs: Date.now(), created: view.stream.createdMs });
  }

  /**
   * The sequence number LATEST stands for on the shard now (the shard's
   * counter: every later record's number is above it), for Lambda's
   * mappings to checkpoint where LATEST began; undefined when the shard
   * holds no record position yet.
   */
  async latestSequence(name: string, shardId: string): Promise<string | undefined> {
    const view = await this.active(name);
    const shard = view.shards.find((s) => s.shardId === shardId);
    if (!shard) throw new StreamError('NotFound', `Shard ${shardId} in stream ${name} under account ${this.scope.accountId} does not exist`);
    const at = shard.seqEnd ?? Math.max(shard.seqStart, (await this.store.streamPosition(name, shardId)) ?? 0);
    return at > shard.seqStart ? formatSequence(shard.ordinal, at) : undefined;
  }

  /**
   * The stream (its ARN) an iterator was issued for, undefined when it is not
   * a valid iterator: GetRecords' authorisation, and with several accounts the
   * account that serves it (an iterator of another account's stream, which
   * its policy let the caller take, is read there).
   */
  streamArnOfIterator(iterator: string): string | undefined {
    try {
      const it = openIterator(this.keys, iterator);
      return streamArn({ region: this.scope.region, accountId: it.account ?? this.scope.accountId }, it.stream);
    } catch {
      return undefined;
    }
  }

  /** `streamName`: the stream the caller named beside the iterator (GetRecords' StreamARN), which must be the iterator's. */
  async getRecords(iterator: string, limit: number | undefined, streamName?: string): Promise<ReadResult> {
    const it = openIterator(this.keys, iterator);
    // An iterator of another account's stream names no stream here (the gateway hands such a call to that account).
    if (it.account !== undefined && it.account !== this.scope.accountId) throw invalidArgument('Invalid ShardIterator.');
    if (streamName !== undefined && streamName !== it.stream) throw invalidArgument(`The ShardIterator was not issued for stream ${streamName}.`);
    const max = limit ?? L.getRecordsMax;
    if (max < 1) throw constraint('Limit', max, 'Member must have value greater than or equal to 1');
    if (max > L.getRecordsMax) throw constraint('Limit', max, `Member must have value less than or equal to ${L.getRecordsMax}`);
    const now = Date.now();
    if (now - it.issuedMs > this.tuning.iteratorTtlMs) {
      throw new StreamError('ExpiredIterator',
        `Iterator expired. The iterator was created at time ${new Date(it.issuedMs).toUTCString()} while right now it is ${new Date(now).toUTCString()} which is further in the future than the tolerated delay of ${this.tuning.iteratorTtlMs} milliseconds.`);
    }
    const view = await this.active(it.stream);
    if (view.stream.createdMs !== it.created) throw this.notFound(it.stream);
    const shard = view.shards.find((s) => s.shardId === it.shardId);
    if (!shard) throw new StreamError('NotFound', `Shard ${it.shardId} in stream ${it.stream} under account ${this.scope.accountId} does not exist`);
    if (!this.throttle.beginRead(it.stream, it.shardId)) throw throughputExceeded(it.shardId, it.stream, this.scope.accountId);
    const read = await this.store.readStreamRecords(it.stream, it.shardId, it.after, max, L.getRecordsBytesMax, view.stream.retentionHours);
    let bytes = 0;
    const records = read.records.map((r) => {
      bytes += r.bytes;
      const { partitionKey, data } = this.open(it.stream, it.shardId, r.sealed);
      return { sequenceNumber: formatSequence(shard.ordinal, r.seq), arrivalMs: r.arrivalMs, data, partitionKey };
    });
    this.throttle.endRead(it.stream, it.shardId, bytes);
    const last = read.records.length ? read.records[read.records.length - 1]!.seq : it.after;
    const millisBehindLatest = read.nextArrivalMs === undefined ? 0 : Math.max(0, read.nowMs - read.nextArrivalMs);
    // A closed shard read to its end has no next iterator: its children carry on (AWS returns them as ChildShards).
    if (shard.seqEnd !== undefined && read.nextArrivalMs === undefined) {
      const childShards = view.shards.filter((c) => c.parentShardId === shard.shardId || c.adjacentParentShardId === shard.shardId);
      return { records, millisBehindLatest, childShards };
    }
    return { records, millisBehindLatest, nextIterator: sealIterator(this.keys, { ...it, after: last, issuedMs: Date.now() }) };
  }

  // ---- resharding

  async updateShardCount(name: string, target: number): Promise<{ current: number }> {
    if (target < 1) throw constraint('TargetShardCount', target, 'Member must have value greater than or equal to 1');
    const view = await this.active(name, true);
    if (view.stream.mode === 'ON_DEMAND') throw invalidArgument(`UpdateShardCount is not supported for stream ${name} under account ${this.scope.accountId} in ON_DEMAND mode.`);
    const open = view.shards.filter((s) => s.seqEnd === undefined);
    if (target > open.length * 2) throw invalidArgument(`UpdateShardCount failed for ${name} under account ${this.scope.accountId}. Cannot scale up to more than double the current open shard count (${open.length}).`);
    if (target * 2 < open.length) throw invalidArgument(`UpdateShardCount failed for ${name} under account ${this.scope.accountId}. Cannot scale down below half the current open shard count (${open.length}).`);
    if (target > L.shardsPerStreamMax) throw new StreamError('LimitExceeded', `UpdateShardCount failed for ${name}: the target ${target} exceeds the shard limit ${L.shardsPerStreamMax}.`);
    if (target !== open.length) await this.reshard(name, open.map((s) => s.shardId), planUniform(open, target));
    return { current: open.length };
  }

  async splitShard(name: string, shardId: string, newStartingHashKey: string): Promise<void> {
    if (!/^(0|[1-9]\d{0,38})$/.test(newStartingHashKey)) throw constraint('NewStartingHashKey', newStartingHashKey, 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})');
    const view = await this.active(name, true);
    const shard = this.openShard(view, shardId);
    if (view.shards.filter((s) => s.seqEnd === undefined).length + 1 > L.shardsPerStreamMax) throw new StreamError('LimitExceeded', `SplitShard would exceed the shard limit ${L.shardsPerStreamMax} of stream ${name}.`);
    await this.reshard(name, [shardId], planSplit(shard, BigInt(newStartingHashKey)));
  }

  async mergeShards(name: string, shardId: string, adjacentId: string): Promise<void> {
    const view = await this.active(name, true);
    const a = this.openShard(view, shardId);
    const b = this.openShard(view, adjacentId);
    await this.reshard(name, [shardId, adjacentId], [planMerge(a, b, name, this.scope.accountId)]);
  }

  /** Bounded retention work: records past their stream's retention, closed shards past it. */
  sweep(): Promise<number> {
    return this.store.sweepStreamRecords(L.sweepRecordsMax);
  }

  private async reshard(name: string, close: string[], open: NewShard[]): Promise<void> {
    const r = await this.store.reshardStream(name, close, open, this.tuning.transitionMs);
    if (r === 'no-stream') throw this.notFound(name);
    if (r === 'busy') throw this.inUse(name, 'UPDATING');
    if (r === 'gone') throw new StreamError('InUse', `A shard of stream ${name} under account ${this.scope.accountId} was closed by another reshard; describe the stream and try again.`);
  }

  private openShard(view: StreamView, shardId: string): ShardRecord {
    const s = view.shards.find((x) => x.shardId === shardId);
    if (!s) throw new StreamError('NotFound', `Could not find shard ${shardId} in stream ${view.stream.name} under account ${this.scope.accountId}.`);
    if (s.seqEnd !== undefined) throw new StreamError('NotFound', `Shard ${shardId} in stream ${view.stream.name} under account ${this.scope.accountId} has already been merged or split, and thus is not eligible for merging or splitting.`);
    return s;
  }

  /** The stream, which must be ACTIVE (CREATING is not found yet; `reshard`: UPDATING is in use). */
  private async active(name: string, reshard = false): Promise<StreamView> {
    const v = await this.describe(name);
    if (v.status === 'CREATING') throw this.notFound(name);
    if (reshard && v.status !== 'ACTIVE') throw this.inUse(name, v.status);
    return v;
  }

  private inUse(name: string, status: StreamStatus): StreamError {
    return new StreamError('InUse', `Stream ${name} under account ${this.scope.accountId} not ACTIVE, instead in state ${status}`);
  }

  private notFound(name: string): StreamError {
    return streamNotFound(name, this.scope.accountId);
  }

  /** Partition key and data in one envelope: a 4-byte key length, the key, the data. */
  private seal(stream: string, shardId: string, x: PutInput): Buffer {
    const pk = Buffer.from(x.partitionKey, 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(pk.length);
    return this.keys.sealBytes(Buffer.concat([head, pk, x.data]), `${stream}/${shardId}`);
  }

  private open(stream: string, shardId: string, sealed: Buffer): { partitionKey: string; data: Buffer } {
    const plain = this.keys.openBytes(sealed, `${stream}/${shardId}`);
    const n = plain.readUInt32BE(0);
    return { partitionKey: plain.subarray(4, 4 + n).toString('utf8'), data: plain.subarray(4 + n) };
  }
}

const shardIdOfOrdinal = (o: number) => `shardId-${String(o).padStart(12, '0')}`;

function statusOf(s: StreamRecord, transitionMs: number): StreamStatus {
  if (s.nowMs >= s.busyUntilMs) return 'ACTIVE';
  return s.busyUntilMs - s.createdMs <= transitionMs ? 'CREATING' : 'UPDATING';
}

function checkRecord(x: PutInput): void {
  const pkLen = [...x.partitionKey].length;
  if (pkLen < 1) throw constraint('PartitionKey', x.partitionKey, 'Member must have length greater than or equal to 1');
  if (pkLen > L.partitionKeyLengthMax) throw constraint('PartitionKey', x.partitionKey, `Member must have length less than or equal to ${L.partitionKeyLengthMax}`);
  const bytes = x.data.length + Buffer.byteLength(x.partitionKey, 'utf8');
  if (bytes > L.recordBytesMax) throw constraint('Data', `java.nio.HeapByteBuffer[pos=0 lim=${x.data.length} cap=${x.data.length}]`, `Member must have length less than or equal to ${L.recordBytesMax}`);
  if (x.explicitHashKey !== undefined) {
    if (!/^(0|[1-9]\d{0,38})$/.test(x.explicitHashKey) || BigInt(x.explicitHashKey) > hashKeyMax) {
      throw invalidArgument(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${x.explicitHashKey}`);
    }
  }
}

function checkTags(tags: Record<string, string>, max: number): void {
  if (Object.keys(tags).length > max) throw invalidArgument(`A stream cannot have more than ${max} tags.`);
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > L.tagKeyLengthMax) throw invalidArgument(`Tag key ${k} must be 1 to ${L.tagKeyLengthMax} characters.`);
    if (v.length > L.tagValueLengthMax) throw invalidArgument(`Tag value of key ${k} must be at most ${L.tagValueLengthMax} characters.`);
  }
}
