/**
 * The stream service's persistence (src/streams/ over it): streams, their
 * shards (open and closed, with parents and hash key ranges) and records.
 * Part of `Store` (types.ts); the logic is written once in stream-sql.ts and
 * run by each store's driver in one transaction per method.
 *
 * Sequence numbers: each stream has one counter, taken under the stream
 * row's lock by every put, so numbers grow strictly within each shard (and
 * across the stream); the 56-digit decimal form AWS shows is built by the
 * domain from (shard ordinal, counter).
 *
 * Time: arrival times are the store's clock (SQLite: this process's;
 * PostgreSQL: the database's), and retention crosses the interface as hours.
 */

export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';

export interface StreamRecord {
  name: string;
  arn: string;
  mode: StreamMode;
  retentionHours: number;
  createdMs: number;
  /** Until then the stream is CREATING (before the first reshard) or UPDATING. */
  busyUntilMs: number;
  tags: Record<string, string>;
  /** The store's clock when it read the stream (for status). */
  nowMs: number;
}

export interface ShardRecord {
  shardId: string;
  ordinal: number;
  parentShardId?: string;
  adjacentParentShardId?: string;
  /** Decimal strings of the 128-bit hash key range, inclusive. */
  hashStart: string;
  hashEnd: string;
  /** Counter values: the shard holds records with counter in (seqStart, seqEnd]. */
  seqStart: number;
  seqEnd?: number;
  createdMs: number;
  closedMs?: number;
}

export interface NewShard {
  parentShardId?: string;
  adjacentParentShardId?: string;
  hashStart: string;
  hashEnd: string;
}

export interface NewStreamRecord {
  shardId: string;
  /** Sealed partition key and data (the store never sees plaintext). */
  sealed: Buffer;
  /** Plaintext size (data + partition key), for the read cap. */
  bytes: number;
}

export interface StoredStreamRecord {
  seq: number;
  sealed: Buffer;
  arrivalMs: number;
  bytes: number;
}

export interface StreamRead {
  records: StoredStreamRecord[];
  /** Arrival of the first record not returned (undefined: none left in the shard). */
  nextArrivalMs?: number;
  nowMs: number;
}

export interface StreamStore {
  /** Creates the stream with its shards (ordinals 0…); false when one of the name exists. */
  createStream(rec: { name: string; arn: string; mode: StreamMode; retentionHours: number; tags: Record<string, string>; busyMs: number; shards: NewShard[] }): Promise<boolean>;
  /** The stream with every shard still within retention (ordered by ordinal). */
  getStream(name: string): Promise<{ stream: StreamRecord; shards: ShardRecord[] } | undefined>;
  /** Names in byte order after `afterName`. */
  listStreams(afterName: string | undefined, limit: number): Promise<StreamRecord[]>;
  /** Deletes the stream, its shards and records; false when it did not exist. */
  deleteStream(name: string): Promise<boolean>;
  /** Sets the retention; returns the previous one, or undefined when the stream does not exist. */
  setStreamRetention(name: string, hours: number, check: (previous: number) => void): Promise<number | undefined>;
  /** The stream's resource policy (PutResourcePolicy): undefined when the stream does not exist, null without one. */
  getStreamPolicy(name: string): Promise<string | null | undefined>;
  /** Sets (text) or deletes (null) the stream's resource policy; `no-policy`: a delete found none. Deleting the stream deletes it. */
  setStreamPolicy(name: string, policy: string | null): Promise<'ok' | 'no-stream' | 'no-policy'>;
  /** Merges and removes tags in one transaction; refuses (writing nothing) past `tagsMax`. */
  changeStreamTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): Promise<'ok' | 'no-stream' | 'too-many'>;
  /**
   * Appends the records (one transaction, all or none, durable when it
   * resolves), each taking the stream's next counter value. `closed`: a
   * target shard was closed by a reshard since the caller routed (nothing
   * written; route again). Undefined when the stream does not exist.
   */
  putStreamRecords(name: string, records: NewStreamRecord[]): Promise<{ seq: number; arrivalMs: number }[] | 'closed' | undefined>;
  /**
   * Up to `limit` records of the shard with counter > `afterSeq`, arrived
   * within `retentionHours`, oldest first, stopping before `bytesMax` (but
   * always at least one record).
   */
  readStreamRecords(name: string, shardId: string, afterSeq: number, limit: number, bytesMax: number, retentionHours: number): Promise<StreamRead>;
  /** The stream's counter now (LATEST), and the counter before the first record of the shard arrived at or after `atMs`. */
  streamPosition(name: string, shardId: string, atMs?: number): Promise<number | undefined>;
  /**
   * Closes `close` (open shards of the stream) and opens `open` in one
   * transaction, marking the stream busy for `busyMs`. `busy`: the stream
   * is UPDATING (or CREATING) still; `gone`: a shard to close is not open.
   */
  reshardStream(name: string, close: string[], open: NewShard[], busyMs: number): Promise<'ok' | 'no-stream' | 'busy' | 'gone'>;
  /** Deletes up to `limit` records older than their stream's retention, and closed shards past it; returns how many records. */
  sweepStreamRecords(limit: number): Promise<number>;
}
