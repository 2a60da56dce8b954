import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store';

/**
 * Migration 25 (issue 14): a data dir whose stream records are in the old
 * rowid table (keyed by stream and counter) is moved to the table clustered
 * by shard, keeping every record, and puts go on from the same counter.
 */
test('stream records of an older data dir move to the shard-clustered table, every record kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-mig25-'));
  const file = path.join(dir, 'kumo.db');
  const shards = [{ hashStart: '0', hashEnd: '1' }, { hashStart: '2', hashEnd: '3' }];
  const rec = (shardId: string, text: string) => ({ shardId, sealed: Buffer.from(text), bytes: text.length });
  let s = new SqliteStore(file);
  await s.createStream({ name: 'old', arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/old', mode: 'PROVISIONED', retentionHours: 24, tags: {}, busyMs: 0, shards });
  await s.putStreamRecords('old', [rec('shardId-000000000000', 'a'), rec('shardId-000000000001', 'b'), rec('shardId-000000000000', 'c')]);
  await s.close();
  // The layout before migration 25, as an earlier Kumo left it.
  const raw = new Database(file);
  raw.exec(`
    CREATE TABLE kin_old (stream TEXT NOT NULL, shard_id TEXT NOT NULL, seq INTEGER NOT NULL, sealed BLOB NOT NULL, arrival_ms INTEGER NOT NULL, bytes INTEGER NOT NULL,
      PRIMARY KEY (stream, seq));
    INSERT INTO kin_old SELECT stream, shard_id, seq, sealed, arrival_ms, bytes FROM kin_records;
    DROP TABLE kin_records; ALTER TABLE kin_old RENAME TO kin_records;
    CREATE INDEX kin_records_shard ON kin_records (stream, shard_id, seq); CREATE INDEX kin_records_arrival ON kin_records (stream, arrival_ms);
    PRAGMA user_version = 24;`);
  raw.close();
  s = new SqliteStore(file);
  try {
    const text = (r: { records: { sealed: Buffer }[] }) => r.records.map((x) => x.sealed.toString());
    assert.deepEqual(text(await s.readStreamRecords('old', 'shardId-000000000000', 0, 10, 1 << 20, 24)), ['a', 'c']);
    assert.deepEqual(text(await s.readStreamRecords('old', 'shardId-000000000001', 0, 10, 1 << 20, 24)), ['b']);
    const next = await s.putStreamRecords('old', [rec('shardId-000000000001', 'd')]);
    assert.ok(Array.isArray(next) && next[0]!.seq === 4);
  } finally {
    await s.close();
  }
  const check = new Database(file, { readonly: true });
  const sql = (check.prepare("SELECT sql FROM sqlite_master WHERE name = 'kin_records'").get() as { sql: string }).sql;
  check.close();
  assert.match(sql, /PRIMARY KEY \(stream, shard_id, seq\)\) WITHOUT ROWID/);
});
