import type pg from 'pg';
import { StreamOps } from '../stream-ops';
import { runPostgres } from './queue-driver';

/**
 * `StreamStore` on PostgreSQL: each method one transaction (synchronous
 * commit) running the shared logic of stream-sql.ts with the database's
 * clock; puts and reshards lock the stream row (`FOR UPDATE`), so two
 * servers take counters in order and never write into a shard just closed.
 */
export class PgStreams extends StreamOps {
  constructor(pool: pg.Pool) {
    super((op, ...args) => runPostgres(pool, op, ...args));
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

/** A stream mapping's open tumbling window per shard, written with its checkpoint (../checkpoints.ts). */
export const postgresCheckpointWindowMigration = `ALTER TABLE kin_checkpoints ADD COLUMN window_json text;`;
