import type { Row, Sql, QueueOp } from './queue-sql';
import type { CheckpointUpdate, StreamCheckpoint } from './checkpoints';
import type { NewShard, NewStreamRecord, ShardRecord, StoredStreamRecord, StreamMode, StreamRead, StreamRecord } from './streams';

/**
 * The stream store's logic, written once for SQLite and PostgreSQL in the
 * queue store's style (queue-sql.ts): each operation is a generator yielding
 * SQL (`$n` placeholders) and receiving rows, run by a driver in one
 * transaction with the store's clock as `now`. `/*LOCK*\/` is `FOR UPDATE` on
 * PostgreSQL: a put and a reshard lock the stream row, so counters are
 * taken in order and no put lands in a shard a reshard has just closed.
 */
export type StreamOp<T> = QueueOp<T>;
type Op<T> = StreamOp<T>;
const s = (sql: string, ...args: unknown[]): Sql => ({ sql, args });
const hourMs = 3_600_000;
/**
 * Records one INSERT writes at most (6 parameters each: 600, far within
 * SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement).
 */
const insertRowsMax = 100;

function streamRow(r: Row, now: number): StreamRecord {
  return {
    name: String(r.name), arn: String(r.arn), mode: String(r.mode) as StreamMode, retentionHours: Number(r.retention_h),
    createdMs: Number(r.created_ms), busyUntilMs: Number(r.busy_until_ms), tags: JSON.parse(String(r.tags)) as Record<string, string>, nowMs: now,
  };
}

function shardRow(r: Row): ShardRecord {
  return {
    shardId: String(r.shard_id), ordinal: Number(r.ordinal),
    parentShardId: r.parent == null ? undefined : String(r.parent),
    adjacentParentShardId: r.adjacent_parent == null ? undefined : String(r.adjacent_parent),
    hashStart: String(r.hash_start), hashEnd: String(r.hash_end), seqStart: Number(r.seq_start),
    seqEnd: r.seq_end == null ? undefined : Number(r.seq_end), createdMs: Number(r.created_ms),
    closedMs: r.closed_ms == null ? undefined : Number(r.closed_ms),
  };
}

/** AWS's shard id form: `shardId-` and the ordinal in 12 digits. */
export const shardIdOf = (ordinal: number) => `shardId-${String(ordinal).padStart(12, '0')}`;

function* insertShards(stream: string, firstOrdinal: number, seqStart: number, now: number, shards: NewShard[]): Op<void> {
  let o = firstOrdinal;
  for (const sh of shards) {
    yield s(
      `INSERT INTO kin_shards (stream, shard_id, ordinal, parent, adjacent_parent, hash_start, hash_end, seq_start, seq_end, created_ms, closed_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, NULL)`,
      stream, shardIdOf(o), o, sh.parentShardId ?? null, sh.adjacentParentShardId ?? null, sh.hashStart, sh.hashEnd, seqStart, now,
    );
    o++;
  }
}

export function* createStream(
  now: number,
  rec: { name: string; arn: string; mode: StreamMode; retentionHours: number; tags: Record<string, string>; busyMs: number; shards: NewShard[] },
): Op<boolean> {
  const existing = yield s('SELECT name FROM kin_streams WHERE name = $1', rec.name);
  if (existing.length) return false;
  yield s(
    `INSERT INTO kin_streams (name, arn, mode, retention_h, created_ms, busy_until_ms, tags, seq, next_ordinal)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)`,
    rec.name, rec.arn, rec.mode, rec.retentionHours, now, now + rec.busyMs, JSON.stringify(rec.tags), rec.shards.length,
  );
  yield* insertShards(rec.name, 0, 0, now, rec.shards);
  return true;
}

export function* getStream(now: number, name: string): Op<{ stream: StreamRecord; shards: ShardRecord[] } | undefined> {
  const r = yield s('SELECT * FROM kin_streams WHERE name = $1', name);
  if (!r.length) return undefined;
  const stream = streamRow(r[0]!, now);
  const shards = yield s(
    'SELECT * FROM kin_shards WHERE stream = $1 AND (closed_ms IS NULL OR closed_ms >= $2) ORDER BY ordinal',
    name, now - stream.retentionHours * hourMs,
  );
  return { stream, shards: shards.map(shardRow) };
}

export function* listStreams(now: number, afterName: string | undefined, limit: number): Op<StreamRecord[]> {
  const rows = yield s('SELECT * FROM kin_streams WHERE name > $1 ORDER BY name LIMIT $2', afterName ?? '', limit);
  return rows.map((r) => streamRow(r, now));
}

export function* deleteStream(_now: number, name: string): Op<boolean> {
  const r = yield s('SELECT name FROM kin_streams WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return false;
  yield s('DELETE FROM kin_records WHERE stream = $1', name);
  yield s('DELETE FROM kin_shards WHERE stream = $1', name);
  yield s('DELETE FROM kin_streams WHERE name = $1', name);
  return true;
}

export function* setStreamRetention(_now: number, name: string, hours: number, check: (previous: number) => void): Op<number | undefined> {
  const r = yield s('SELECT retention_h FROM kin_streams WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return undefined;
  const previous = Number(r[0]!.retention_h);
  check(previous); // throws (rolling back) when the change is not allowed from the stored value
  yield s('UPDATE kin_streams SET retention_h = $1 WHERE name = $2', hours, name);
  return previous;
}

/** The stream's resource policy: undefined when the stream does not exist, null without a policy. */
export function* getStreamPolicy(_now: number, name: string): Op<string | null | undefined> {
  const [r] = yield s('SELECT policy FROM kin_streams WHERE name = $1', name);
  if (!r) return undefined;
  return r.policy == null ? null : String(r.policy);
}

/**
 * Sets (a text) or deletes (null) the stream's resource policy under the
 * stream row's lock. `no-policy`: a delete found none (nothing written).
 */
export function* setStreamPolicy(_now: number, name: string, policy: string | null): Op<'ok' | 'no-stream' | 'no-policy'> {
  const [r] = yield s('SELECT policy FROM kin_streams WHERE name = $1 /*LOCK*/', name);
  if (!r) return 'no-stream';
  if (policy === null && r.policy == null) return 'no-policy';
  yield s('UPDATE kin_streams SET policy = $1 WHERE name = $2', policy, name);
  return 'ok';
}

export function* changeStreamTags(
  _now: number, name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number,
): Op<'ok' | 'no-stream' | 'too-many'> {
  const r = yield s('SELECT tags FROM kin_streams WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return 'no-stream';
  const tags = JSON.parse(String(r[0]!.tags)) as Record<string, string>;
  for (const k of change.remove ?? []) delete tags[k];
  Object.assign(tags, change.set ?? {});
  if (Object.keys(tags).length > tagsMax) return 'too-many';
  yield s('UPDATE kin_streams SET tags = $1 WHERE name = $2', JSON.stringify(tags), name);
  return 'ok';
}

export function* putStreamRecords(now: number, name: string, records: NewStreamRecord[]): Op<{ seq: number; arrivalMs: number }[] | 'closed' | undefined> {
  const r = yield s('SELECT seq FROM kin_streams WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return undefined;
  const open = yield s('SELECT shard_id FROM kin_shards WHERE stream = $1 AND seq_end IS NULL', name);
  const openIds = new Set(open.map((o) => String(o.shard_id)));
  if (records.some((x) => !openIds.has(x.shardId))) return 'closed';
  let seq = Number(r[0]!.seq);
  const out: { seq: number; arrivalMs: number }[] = [];
  // Multi-row INSERTs of up to insertRowsMax records: a PutRecords of 500 is 5 statements, not 500 round trips on PostgreSQL.
  for (let i = 0; i < records.length; i += insertRowsMax) {
    const chunk = records.slice(i, i + insertRowsMax);
    const args: unknown[] = [];
    const rows: string[] = [];
    for (const x of chunk) {
      seq++;
      const b = args.length;
      rows.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`);
      args.push(name, x.shardId, seq, x.sealed, now, x.bytes);
      out.push({ seq, arrivalMs: now });
    }
    yield s(`INSERT INTO kin_records (stream, shard_id, seq, sealed, arrival_ms, bytes) VALUES ${rows.join(', ')}`, ...args);
  }
  yield s('UPDATE kin_streams SET seq = $1 WHERE name = $2', seq, name);
  return out;
}

export function* readStreamRecords(
  now: number, name: string, shardId: string, afterSeq: number, limit: number, bytesMax: number, retentionHours: number,
): Op<StreamRead> {
  const since = now - retentionHours * hourMs;
  // Sizes first (small rows), then the data of the records that fit: a read never loads more than it returns.
  const heads = yield s(
    'SELECT seq, bytes, arrival_ms FROM kin_records WHERE stream = $1 AND shard_id = $2 AND seq > $3 AND arrival_ms >= $4 ORDER BY seq LIMIT $5',
    name, shardId, afterSeq, since, limit + 1,
  );
  let total = 0;
  let n = 0;
  while (n < heads.length && n < limit) {
    const b = Number(heads[n]!.bytes);
    if (n > 0 && total + b > bytesMax) break;
    total += b;
    n++;
  }
  const nextArrivalMs = n < heads.length ? Number(heads[n]!.arrival_ms) : undefined;
  if (n === 0) return { records: [], nextArrivalMs, nowMs: now };
  const rows = yield s(
    'SELECT seq, sealed, arrival_ms, bytes FROM kin_records WHERE stream = $1 AND shard_id = $2 AND seq > $3 AND seq <= $4 AND arrival_ms >= $5 ORDER BY seq',
    name, shardId, afterSeq, Number(heads[n - 1]!.seq), since,
  );
  const records: StoredStreamRecord[] = rows.map((x) => ({
    seq: Number(x.seq), sealed: Buffer.from(x.sealed as Uint8Array), arrivalMs: Number(x.arrival_ms), bytes: Number(x.bytes),
  }));
  return { records, nextArrivalMs, nowMs: now };
}

export function* streamPosition(_now: number, name: string, shardId: string, atMs?: number): Op<number | undefined> {
  const r = yield s('SELECT seq FROM kin_streams WHERE name = $1', name);
  if (!r.length) return undefined;
  if (atMs === undefined) return Number(r[0]!.seq);
  const first = yield s('SELECT seq FROM kin_records WHERE stream = $1 AND shard_id = $2 AND arrival_ms >= $3 ORDER BY seq LIMIT 1', name, shardId, atMs);
  return first.length ? Number(first[0]!.seq) - 1 : Number(r[0]!.seq);
}

export function* reshardStream(now: number, name: string, close: string[], open: NewShard[], busyMs: number): Op<'ok' | 'no-stream' | 'busy' | 'gone'> {
  const r = yield s('SELECT seq, next_ordinal, busy_until_ms FROM kin_streams WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return 'no-stream';
  if (Number(r[0]!.busy_until_ms) > now) return 'busy';
  const openRows = yield s('SELECT shard_id FROM kin_shards WHERE stream = $1 AND seq_end IS NULL', name);
  const openIds = new Set(openRows.map((o) => String(o.shard_id)));
  if (close.some((c) => !openIds.has(c))) return 'gone';
  const seq = Number(r[0]!.seq);
  for (const c of close) yield s('UPDATE kin_shards SET seq_end = $1, closed_ms = $2 WHERE stream = $3 AND shard_id = $4', seq, now, name, c);
  const first = Number(r[0]!.next_ordinal);
  yield* insertShards(name, first, seq, now, open);
  yield s('UPDATE kin_streams SET next_ordinal = $1, busy_until_ms = $2 WHERE name = $3', first + open.length, now + busyMs, name);
  return 'ok';
}

export function* sweepStreamRecords(now: number, limit: number): Op<number> {
  const streams = yield s('SELECT name, retention_h FROM kin_streams ORDER BY name');
  let deleted = 0;
  for (const st of streams) {
    if (deleted >= limit) break;
    const before = now - Number(st.retention_h) * hourMs;
    const old = yield s('SELECT seq FROM kin_records WHERE stream = $1 AND arrival_ms < $2 ORDER BY seq LIMIT $3', st.name, before, limit - deleted);
    if (old.length) {
      yield s('DELETE FROM kin_records WHERE stream = $1 AND seq <= $2 AND arrival_ms < $3', st.name, Number(old[old.length - 1]!.seq), before);
      deleted += old.length;
    }
    // A closed shard past retention holds nothing readable any more: it leaves DescribeStream and ListShards (as AWS's do).
    yield s('DELETE FROM kin_shards WHERE stream = $1 AND closed_ms IS NOT NULL AND closed_ms < $2', st.name, before);
  }
  return deleted;
}

// ---- checkpoints of stream event source mappings (checkpoints.ts)

function checkpointRow(r: Row): StreamCheckpoint {
  return {
    mappingId: String(r.mapping_id), shardId: String(r.shard_id), sequenceNumber: r.seq == null ? undefined : String(r.seq),
    ended: Number(r.ended) === 1 || r.ended === true, updatedMs: Number(r.updated_ms),
    ...(r.window_json == null ? {} : { window: String(r.window_json) }),
  };
}

export function* listCheckpoints(_now: number, mappingId: string): Op<StreamCheckpoint[]> {
  const rows = yield s('SELECT * FROM kin_checkpoints WHERE mapping_id = $1 ORDER BY shard_id', mappingId);
  return rows.map(checkpointRow);
}

export function* saveCheckpoint(
  now: number, mappingId: string, shardId: string, next: CheckpointUpdate, expected: string | undefined,
): Op<'ok' | 'conflict'> {
  const cur = yield s('SELECT seq FROM kin_checkpoints WHERE mapping_id = $1 AND shard_id = $2 /*LOCK*/', mappingId, shardId);
  if (!cur.length) {
    if (expected !== undefined) return 'conflict';
    // ON CONFLICT DO NOTHING: a concurrent first save (no row to lock yet) leaves one winner.
    const ins = yield s(
      `INSERT INTO kin_checkpoints (mapping_id, shard_id, seq, ended, updated_ms, window_json) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (mapping_id, shard_id) DO NOTHING RETURNING shard_id`,
      mappingId, shardId, next.sequenceNumber ?? null, next.ended ? 1 : 0, now, next.window ?? null,
    );
    return ins.length ? 'ok' : 'conflict';
  }
  const stored = cur[0]!.seq == null ? undefined : String(cur[0]!.seq);
  if (stored !== expected) return 'conflict';
  yield s('UPDATE kin_checkpoints SET seq = $1, ended = $2, updated_ms = $3, window_json = $4 WHERE mapping_id = $5 AND shard_id = $6',
    next.sequenceNumber ?? null, next.ended ? 1 : 0, now, next.window ?? null, mappingId, shardId);
  return 'ok';
}

export function* deleteCheckpoints(_now: number, mappingId: string): Op<number> {
  const rows = yield s('SELECT shard_id FROM kin_checkpoints WHERE mapping_id = $1', mappingId);
  yield s('DELETE FROM kin_checkpoints WHERE mapping_id = $1', mappingId);
  return rows.length;
}

/** Resource policies of streams (PutResourcePolicy): the document's text, NULL without one (both databases). */
export const streamPolicyMigration = 'ALTER TABLE kin_streams ADD COLUMN policy text;';
