import type Database from 'better-sqlite3';
import * as ss from '../stream-sql';
import type { NewShard, NewStreamRecord, StreamStore } from '../streams';
import type { CheckpointStore } from '../checkpoints';
import { runSqlite } from './queue-driver';

/**
 * `StreamStore` on SQLite: the main database file (synchronous=FULL, so a
 * put that resolved survives kill -9), each method one immediate write
 * transaction running the shared logic of stream-sql.ts with this process's clock.
 */
export class SqliteStreams implements StreamStore, CheckpointStore {
  constructor(private readonly db: Database.Database) {}

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
  private async run<T, A extends unknown[]>(op: (now: number, ...a: A) => ss.StreamOp<T>, ...args: A): Promise<T> {
    return runSqlite(this.db, op, ...args);
  }
}

export const sqliteStreamMigration = `
  CREATE TABLE kin_streams (
    name TEXT PRIMARY KEY, arn TEXT NOT NULL, mode TEXT NOT NULL, retention_h INTEGER NOT NULL, created_ms INTEGER NOT NULL,
    busy_until_ms INTEGER NOT NULL, tags TEXT NOT NULL, seq INTEGER NOT NULL, next_ordinal INTEGER NOT NULL);
  CREATE TABLE kin_shards (
    stream TEXT NOT NULL, shard_id TEXT NOT NULL, ordinal INTEGER NOT NULL, parent TEXT, adjacent_parent TEXT,
    hash_start TEXT NOT NULL, hash_end TEXT NOT NULL, seq_start INTEGER NOT NULL, seq_end INTEGER, created_ms INTEGER NOT NULL, closed_ms INTEGER,
    PRIMARY KEY (stream, shard_id));
  CREATE TABLE kin_records (
    stream TEXT NOT NULL, shard_id TEXT NOT NULL, seq INTEGER NOT NULL, sealed BLOB NOT NULL, arrival_ms INTEGER NOT NULL, bytes INTEGER NOT NULL,
    PRIMARY KEY (stream, seq));
  CREATE INDEX kin_records_shard ON kin_records (stream, shard_id, seq);
  CREATE INDEX kin_records_arrival ON kin_records (stream, arrival_ms);
  CREATE TABLE kin_checkpoints (
    mapping_id TEXT NOT NULL, shard_id TEXT NOT NULL, seq TEXT, ended INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    PRIMARY KEY (mapping_id, shard_id));`;
