/**
 * Kinesis Data Streams' quotas and timings
 * (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html and the API reference).
 */
export const streamLimits = {
  /** Stream names: 1–128 of [a-zA-Z0-9_.-] (StreamName in the model). */
  streamNameLengthMax: 128,
  /** Shards per stream and account in us-east-1 by default (quota "Shards per Region": 500 in us-east-1). */
  shardsPerStreamMax: 500,
  /** An ON_DEMAND stream starts with 4 shards (AWS: "a new on-demand stream ... with a default of 4 shards" of write capacity 4 MB/s). */
  onDemandShardCount: 4,
  /** Retention: 24 hours by default, up to 8,760 (365 days). */
  retentionHoursDefault: 24,
  retentionHoursMin: 24,
  retentionHoursMax: 8760,
  /** A record's data blob plus partition key: 1 MiB. */
  recordBytesMax: 1024 * 1024,
  /** Partition keys: 1–256 Unicode characters. */
  partitionKeyLengthMax: 256,
  /** PutRecords: up to 500 records and 5 MiB per request. */
  putRecordsMax: 500,
  putRecordsBytesMax: 5 * 1024 * 1024,
  /** GetRecords: up to 10,000 records and 10 MiB per call. */
  getRecordsMax: 10_000,
  getRecordsBytesMax: 10 * 1024 * 1024,
  /** A shard iterator expires 5 minutes after it was returned. */
  iteratorTtlMs: 5 * 60 * 1000,
  /** ListShards' NextToken is valid for 300 seconds. */
  nextTokenTtlMs: 300 * 1000,
  /** ListStreams: Limit 1–10,000, 100 by default; ListShards: MaxResults 1–10,000, 1,000 by default. */
  listStreamsDefault: 100,
  listMax: 10_000,
  listShardsDefault: 1000,
  /** Tags: 50 per stream; AddTagsToStream takes up to 10, RemoveTagsFromStream up to 50 keys. */
  tagsPerStreamMax: 50,
  addTagsMax: 10,
  removeTagsMax: 50,
  tagKeyLengthMax: 128,
  tagValueLengthMax: 256,
  /** Per shard: 1 MiB/s or 1,000 records/s in; 2 MiB/s and 5 GetRecords calls/s out. */
  shardWriteBytesPerS: 1024 * 1024,
  shardWriteRecordsPerS: 1000,
  shardReadBytesPerS: 2 * 1024 * 1024,
  shardReadCallsPerS: 5,
  /** How long CREATING and UPDATING last here (AWS: seconds to minutes; Kumo's changes are immediate but the states stay visible). */
  transitionMs: 100,
  /** Retention sweep: records deleted per sweep, and the period between sweeps. */
  sweepRecordsMax: 10_000,
  sweepIntervalMs: 60_000,
  /**
   * A stream's resource policy (PutResourcePolicy), in bytes of its JSON
   * text. AWS publishes no number for Kinesis; Kumo takes 20 KiB, the bound
   * of Lambda's resource policies (over it: LimitExceededException).
   */
  policyBytesMax: 20_480,
  /** ResourceARN (PutResourcePolicy and the others): 1–2,048 characters (model: ResourceARN). */
  resourceArnLengthMax: 2048,
  /** Puts routed to a shard a concurrent reshard closed are routed again, at most this many times. */
  routeRetriesMax: 5,
} as const;

/** Settings tests may change (the environment of `kumo server`); AWS's values otherwise. */
export interface StreamTuning {
  iteratorTtlMs: number;
  transitionMs: number;
  shardWriteBytesPerS: number;
  shardWriteRecordsPerS: number;
  shardReadBytesPerS: number;
  shardReadCallsPerS: number;
  sweepIntervalMs: number;
}

export function streamTuningFromEnv(env: Record<string, string | undefined>): StreamTuning {
  const n = (name: string, dflt: number) => {
    const v = env[name];
    const x = v === undefined || v === '' ? dflt : Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
    return x;
  };
  return {
    iteratorTtlMs: n('KUMO_KINESIS_ITERATOR_TTL_MS', streamLimits.iteratorTtlMs),
    transitionMs: n('KUMO_KINESIS_TRANSITION_MS', streamLimits.transitionMs),
    shardWriteBytesPerS: n('KUMO_KINESIS_SHARD_WRITE_BYTES_PER_S', streamLimits.shardWriteBytesPerS),
    shardWriteRecordsPerS: n('KUMO_KINESIS_SHARD_WRITE_RECORDS_PER_S', streamLimits.shardWriteRecordsPerS),
    shardReadBytesPerS: n('KUMO_KINESIS_SHARD_READ_BYTES_PER_S', streamLimits.shardReadBytesPerS),
    shardReadCallsPerS: n('KUMO_KINESIS_SHARD_READ_CALLS_PER_S', streamLimits.shardReadCallsPerS),
    sweepIntervalMs: n('KUMO_KINESIS_SWEEP_MS', streamLimits.sweepIntervalMs),
  };
}
