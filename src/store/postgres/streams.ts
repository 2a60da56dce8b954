import type pg from 'pg';
import * as ss from '../stream-sql';
import type { NewShard, NewStreamRecord, StreamStore } from '../streams';
import type { CheckpointStore } from '../checkpoints';
import { runPostgres } from './queue-driver';

/**
 * `StreamStore` on PostgreSQL: each method one transaction (synchronous
 * commit) running the shared logic of stream-sql.ts with the database's
 * clock; puts and reshards lock the stream row (`FOR UPDATE`), so two
 * servers take counters in order and never write into a shard just closed.
 */
export class PgStreams implements StreamStore, CheckpointStore {
  constructor(private readonly pool: pg.Pool) {}

  createStream(rec: Parameters<StreamStore['createStream']>[0]): ReturnType<StreamStore['createStream']> { return this.run(ss.createStream, rec); }
  getStream(name: string): ReturnType<StreamStore['getStream']> { return this.run(ss.getStream, name); }
  listStreams(afterName: string | undefined, limit: number): ReturnType<StreamStore['listStreams']> { return this.run(ss.listStreams, afterName, limit); }
  deleteStream(name: string): ReturnType<StreamStore['deleteStream']> { return this.run(ss.deleteStream, name); }
  setStreamRetention(name: string, hours: number, check: (previous: number) => void): ReturnType<StreamStore['setStreamRetention']> { return this.run(ss.setStreamRetention, name, hours, check); }
  changeStreamTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<StreamStore['changeStreamTags']> { return this.run(ss.changeStreamTags, name, change, tagsMax); }
  putStreamRecords(name: string, records: NewStreamRecord[]): ReturnType<StreamStore['putStreamRecords']> { return this.run(ss.putStreamRecords, name, records); }
  readStreamRecords(name: string, shardId: string, afterSeq: number, limit: number, bytesMax: number, retentionHours: number): ReturnType<StreamStore['readStreamRecords']> { return this.run(ss.readStreamRecords, name, shardId, afterSeq, limit, bytesMax, retentionHours); }
  streamPosition(name: string, shardId: string, atMs?: number): ReturnType<StreamStore['streamPosition']> { return this.run(ss.streamPosition, name, shardId, atMs); }
  reshardStream(name: string, close: string[], open: NewShard[], busyMs: number): ReturnType<StreamStore['reshardStream']> { return this.run(ss.reshardStream, name, close, open, busyMs); }
  sweepStreamRecords(limit: number): ReturnType<StreamStore['sweepStreamRecords']> { return this.run(ss.sweepStreamRecords, limit); }

  listCheckpoints(mappingId: string): ReturnType<CheckpointStore['listCheckpoints']> { return this.run(ss.listCheckpoints, mappingId); }
  saveCheckpoint(mappingId: string, shardId: string, next: { sequenceNumber?: string; ended: boolean }, expected: string | undefined): ReturnType<CheckpointStore['saveCheckpoint']> { return this.run(ss.saveCheckpoint, mappingId, shardId, next, expected); }
  deleteCheckpoints(mappingId: string): ReturnType<CheckpointStore['deleteCheckpoints']> { return this.run(ss.deleteCheckpoints, mappingId); }
  private run<T, A extends unknown[]>(op: (now: number, ...a: A) => ss.StreamOp<T>, ...args: A): Promise<T> {
    return runPostgres(this.pool, op, ...args);
  }
}

export const postgresStreamMigration = `
  CREATE TABLE kin_streams (
    name text COLLATE "C" PRIMARY KEY, arn text NOT NULL, mode text NOT NULL, retention_h integer NOT NULL, created_ms bigint NOT NULL,
    busy_until_ms bigint NOT NULL, tags text NOT NULL, seq bigint NOT NULL, next_ordinal integer NOT NULL);
  CREATE TABLE kin_shards (
    stream text COLLATE "C" NOT NULL, shard_id text COLLATE "C" NOT NULL, ordinal integer NOT NULL, parent text, adjacent_parent text,
    hash_start text NOT NULL, hash_end text NOT NULL, seq_start bigint NOT NULL, seq_end bigint, created_ms bigint NOT NULL, closed_ms bigint,
    PRIMARY KEY (stream, shard_id));
  CREATE TABLE kin_records (
    stream text COLLATE "C" NOT NULL, shard_id text COLLATE "C" NOT NULL, seq bigint NOT NULL, sealed bytea NOT NULL, arrival_ms bigint NOT NULL, bytes integer NOT NULL,
    PRIMARY KEY (stream, seq));
  CREATE INDEX kin_records_shard ON kin_records (stream, shard_id, seq);
  CREATE INDEX kin_records_arrival ON kin_records (stream, arrival_ms);
  CREATE TABLE kin_checkpoints (
    mapping_id text COLLATE "C" NOT NULL, shard_id text COLLATE "C" NOT NULL, seq text, ended integer NOT NULL, updated_ms bigint NOT NULL,
    PRIMARY KEY (mapping_id, shard_id));`;
