import * as ss from './stream-sql';
import type { NewShard, NewStreamRecord, StreamStore } from './streams';
import type { CheckpointStore } from './checkpoints';

/** Runs one operation of stream-sql.ts in one transaction of a database, with that database's clock. */
export type StreamRunner = <T, A extends unknown[]>(op: (now: number, ...a: A) => ss.StreamOp<T>, ...args: A) => Promise<T>;

/**
 * `StreamStore` and `CheckpointStore` over the logic of stream-sql.ts, which
 * is written once for both databases: each implementation (sqlite/streams.ts,
 * postgres/streams.ts) only says how an operation runs there.
 */
export class StreamOps implements StreamStore, CheckpointStore {
  /** `read`: how a read-only operation runs (SQLite: a deferred transaction, no write lock); by default as a write. */
  constructor(private readonly run: StreamRunner, private readonly read: StreamRunner = run) {}

  createStream(rec: Parameters<StreamStore['createStream']>[0]): ReturnType<StreamStore['createStream']> { return this.run(ss.createStream, rec); }
  getStream(name: string): ReturnType<StreamStore['getStream']> { return this.read(ss.getStream, name); }
  listStreams(afterName: string | undefined, limit: number): ReturnType<StreamStore['listStreams']> { return this.read(ss.listStreams, afterName, limit); }
  deleteStream(name: string): ReturnType<StreamStore['deleteStream']> { return this.run(ss.deleteStream, name); }
  setStreamRetention(name: string, hours: number, check: (previous: number) => void): ReturnType<StreamStore['setStreamRetention']> { return this.run(ss.setStreamRetention, name, hours, check); }
  getStreamPolicy(name: string): ReturnType<StreamStore['getStreamPolicy']> { return this.read(ss.getStreamPolicy, name); }
  setStreamPolicy(name: string, policy: string | null): ReturnType<StreamStore['setStreamPolicy']> { return this.run(ss.setStreamPolicy, name, policy); }
  changeStreamTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<StreamStore['changeStreamTags']> { return this.run(ss.changeStreamTags, name, change, tagsMax); }
  putStreamRecords(name: string, records: NewStreamRecord[]): ReturnType<StreamStore['putStreamRecords']> { return this.run(ss.putStreamRecords, name, records); }
  readStreamRecords(name: string, shardId: string, afterSeq: number, limit: number, bytesMax: number, retentionHours: number): ReturnType<StreamStore['readStreamRecords']> { return this.read(ss.readStreamRecords, name, shardId, afterSeq, limit, bytesMax, retentionHours); }
  streamPosition(name: string, shardId: string, atMs?: number): ReturnType<StreamStore['streamPosition']> { return this.read(ss.streamPosition, name, shardId, atMs); }
  reshardStream(name: string, close: string[], open: NewShard[], busyMs: number): ReturnType<StreamStore['reshardStream']> { return this.run(ss.reshardStream, name, close, open, busyMs); }
  sweepStreamRecords(limit: number): ReturnType<StreamStore['sweepStreamRecords']> { return this.run(ss.sweepStreamRecords, limit); }

  listCheckpoints(mappingId: string): ReturnType<CheckpointStore['listCheckpoints']> { return this.read(ss.listCheckpoints, mappingId); }
  saveCheckpoint(mappingId: string, shardId: string, next: Parameters<CheckpointStore['saveCheckpoint']>[2], expected: string | undefined): ReturnType<CheckpointStore['saveCheckpoint']> { return this.run(ss.saveCheckpoint, mappingId, shardId, next, expected); }
  deleteCheckpoints(mappingId: string): ReturnType<CheckpointStore['deleteCheckpoints']> { return this.run(ss.deleteCheckpoints, mappingId); }
}
