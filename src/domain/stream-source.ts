/**
 * What Lambda's stream event source mappings need from the stream service
 * (src/streams/source.ts implements it over `StreamService`; the pollers in
 * src/event-sources/ read through it), so a poller never reaches into the
 * stream service's internals or its store. Streams are named by ARN.
 *
 * Errors are DomainErrors: `NotFound` (the stream or shard does not exist),
 * `Throttled` (the shard's read rate: GetRecords' 5 calls/s and 2 MiB/s,
 * which Lambda's pollers share with every other reader, as on AWS),
 * `PreconditionFailed` (an iterator that expired: ask for another one).
 */
export interface StreamSource {
  /** The stream's shards (open and closed within retention, by ordinal) and retention. */
  describe(streamArn: string): Promise<StreamSourceInfo>;
  /** An iterator on the shard at `from` (GetShardIterator). */
  iterator(streamArn: string, shardId: string, from: StreamPosition): Promise<string>;
  /**
   * The sequence number a LATEST position stands for now: the shard's last
   * record (or a number below every later one), so a mapping can checkpoint
   * where it started and a restart does not skip what arrived meanwhile.
   * Undefined: the shard holds nothing yet (TRIM_HORIZON is the same then).
   */
  latest(streamArn: string, shardId: string): Promise<string | undefined>;
  /** Up to `limit` records after the iterator's position, oldest first (GetRecords). */
  read(streamArn: string, iterator: string, limit: number): Promise<StreamSourceRead>;
}

export type StreamPosition =
  | { type: 'TRIM_HORIZON' }
  | { type: 'AT_TIMESTAMP'; timestampMs: number }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

export interface StreamSourceInfo {
  arn: string;
  retentionHours: number;
  shards: SourceShard[];
}

export interface SourceShard {
  shardId: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
  /** Closed by a reshard (it takes no more records; its children do). */
  closed: boolean;
}

export interface SourceStreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
  /** ApproximateArrivalTimestamp, epoch milliseconds. */
  arrivalMs: number;
}

export interface StreamSourceRead {
  records: SourceStreamRecord[];
  /** Absent once `ended`. */
  nextIterator?: string;
  /** A closed shard read to its end: nothing more will come; its children carry on. */
  ended: boolean;
  /** MillisBehindLatest of the read. */
  behindMs: number;
}
