import type Database from 'better-sqlite3';
import { StoreConflict, type EventSourceMappingQuery, type EventSourceMappingRecord, type EventSourceMappingStore } from '../types';

/**
 * Event source mappings on SQLite: table `event_source_mappings` (migration
 * in sqlite-store.ts), the record as JSON with the columns queries filter on.
 * Every write is one statement: insert, or an UPDATE/DELETE guarded by the
 * revision id (compare-and-swap). One mapping per (event source, function
 * ARN): a unique index, so two concurrent creates of the pair make one.
 */
export class SqliteEventSourceMappings implements EventSourceMappingStore {
  private readonly st;

  constructor(db: Database.Database) {
    this.st = {
      ins: db.prepare(
        `INSERT INTO event_source_mappings (uuid, function_name, function_arn, event_source_arn, record, revision_id)
         VALUES (@uuid, @functionName, @functionArn, @eventSourceArn, @record, @revisionId) ON CONFLICT DO NOTHING`,
      ),
      get: db.prepare('SELECT record FROM event_source_mappings WHERE uuid = ?'),
      list: db.prepare(
        `SELECT record FROM event_source_mappings
         WHERE uuid > @after AND (@source IS NULL OR event_source_arn = @source) AND (@fn IS NULL OR function_name = @fn) AND (@fnArn IS NULL OR function_arn = @fnArn)
         ORDER BY uuid LIMIT @limit`,
      ),
      upd: db.prepare(
        `UPDATE OR IGNORE event_source_mappings SET function_name = @functionName, function_arn = @functionArn, record = @record, revision_id = @revisionId
         WHERE uuid = @uuid AND revision_id = @expected`,
      ),
      pair: db.prepare('SELECT uuid FROM event_source_mappings WHERE event_source_arn = ? AND function_arn = ? AND uuid <> ?'),
      del: db.prepare('DELETE FROM event_source_mappings WHERE uuid = ? AND revision_id = ?'),
    };
  }

  async createEventSourceMapping(rec: EventSourceMappingRecord): Promise<void> {
    const r = this.st.ins.run({ ...cols(rec) });
    if (r.changes !== 1) throw new StoreConflict(`event source mapping ${rec.uuid} exists`);
  }

  async getEventSourceMapping(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    const row = this.st.get.get(uuid) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as EventSourceMappingRecord) : undefined;
  }

  async listEventSourceMappings(q: EventSourceMappingQuery): Promise<EventSourceMappingRecord[]> {
    const rows = this.st.list.all({ after: q.afterUuid ?? '', source: q.eventSourceArn ?? null, fn: q.functionName ?? null, fnArn: q.functionArn ?? null, limit: q.limit }) as { record: string }[];
    return rows.map((r) => JSON.parse(r.record) as EventSourceMappingRecord);
  }

  async updateEventSourceMapping(rec: EventSourceMappingRecord, expectedRevisionId: string): Promise<boolean> {
    const c = cols(rec);
    if (this.st.upd.run({ uuid: c.uuid, functionName: c.functionName, functionArn: c.functionArn, record: c.record, revisionId: c.revisionId, expected: expectedRevisionId }).changes === 1) return true;
    // UPDATE OR IGNORE changed nothing: a stale revision, or the (source, function) pair is another mapping's.
    if (this.st.pair.get(rec.eventSourceArn, rec.functionArn, rec.uuid)) throw new StoreConflict(`another mapping of ${rec.eventSourceArn} invokes ${rec.functionArn}`);
    return false;
  }

  async deleteEventSourceMapping(uuid: string, expectedRevisionId: string): Promise<boolean> {
    return this.st.del.run(uuid, expectedRevisionId).changes === 1;
  }
}

function cols(rec: EventSourceMappingRecord) {
  return { uuid: rec.uuid, functionName: rec.functionName, functionArn: rec.functionArn, eventSourceArn: rec.eventSourceArn, record: JSON.stringify(rec), revisionId: rec.revisionId };
}

/** The migration that creates the table (appended to sqlite-store.ts's list). */
export const eventSourceMappingsMigration = `CREATE TABLE event_source_mappings (
     uuid TEXT PRIMARY KEY, function_name TEXT NOT NULL, function_arn TEXT NOT NULL, event_source_arn TEXT NOT NULL,
     record TEXT NOT NULL, revision_id TEXT NOT NULL);
   CREATE UNIQUE INDEX esm_pair ON event_source_mappings (event_source_arn, function_arn);
   CREATE INDEX esm_function ON event_source_mappings (function_name, uuid);
   CREATE INDEX esm_source ON event_source_mappings (event_source_arn, uuid);`;
