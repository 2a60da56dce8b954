import type pg from 'pg';
import { StoreConflict, type EventSourceMappingQuery, type EventSourceMappingRecord, type EventSourceMappingStore } from '../types';

/**
 * Event source mappings on PostgreSQL: table `event_source_mappings`
 * (migration in schema.ts), the record as JSON text with the columns queries
 * filter on. Every write is one statement: an insert, or an UPDATE/DELETE
 * guarded by the revision id (a concurrent writer blocks on the row, then
 * finds the new revision and changes nothing). One mapping per (event
 * source, function ARN): a unique index.
 */
export class PostgresEventSourceMappings implements EventSourceMappingStore {
  constructor(private readonly q: <R extends pg.QueryResultRow>(sql: string, args: unknown[]) => Promise<pg.QueryResult<R>>) {}

  async createEventSourceMapping(rec: EventSourceMappingRecord): Promise<void> {
    const r = await this.q(
      `INSERT INTO event_source_mappings (uuid, function_name, function_arn, event_source_arn, record, revision_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [rec.uuid, rec.functionName, rec.functionArn, rec.eventSourceArn, JSON.stringify(rec), rec.revisionId],
    );
    if (r.rowCount !== 1) throw new StoreConflict(`event source mapping ${rec.uuid} exists`);
  }

  async getEventSourceMapping(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    const r = await this.q<{ record: string }>('SELECT record FROM event_source_mappings WHERE uuid = $1', [uuid]);
    return r.rows[0] ? (JSON.parse(r.rows[0].record) as EventSourceMappingRecord) : undefined;
  }

  async listEventSourceMappings(q: EventSourceMappingQuery): Promise<EventSourceMappingRecord[]> {
    const r = await this.q<{ record: string }>(
      `SELECT record FROM event_source_mappings
       WHERE uuid > $1 AND ($2::text IS NULL OR event_source_arn = $2) AND ($3::text IS NULL OR function_name = $3)
         AND ($4::text IS NULL OR function_arn = $4)
       ORDER BY uuid LIMIT $5`,
      [q.afterUuid ?? '', q.eventSourceArn ?? null, q.functionName ?? null, q.functionArn ?? null, q.limit],
    );
    return r.rows.map((row) => JSON.parse(row.record) as EventSourceMappingRecord);
  }

  async updateEventSourceMapping(rec: EventSourceMappingRecord, expectedRevisionId: string): Promise<boolean> {
    try {
      const r = await this.q(
        `UPDATE event_source_mappings SET function_name = $2, function_arn = $3, record = $4, revision_id = $5 WHERE uuid = $1 AND revision_id = $6`,
        [rec.uuid, rec.functionName, rec.functionArn, JSON.stringify(rec), rec.revisionId, expectedRevisionId],
      );
      return r.rowCount === 1;
    } catch (e) {
      // unique_violation: the (source, function) pair is another mapping's.
      if ((e as { code?: string }).code === '23505') throw new StoreConflict(`another mapping of ${rec.eventSourceArn} invokes ${rec.functionArn}`);
      throw e;
    }
  }

  async deleteEventSourceMapping(uuid: string, expectedRevisionId: string): Promise<boolean> {
    const r = await this.q('DELETE FROM event_source_mappings WHERE uuid = $1 AND revision_id = $2', [uuid, expectedRevisionId]);
    return r.rowCount === 1;
  }
}

/** The migration that creates the table (appended to schema.ts's list). */
export const eventSourceMappingsMigration = `CREATE TABLE event_source_mappings (
     uuid text COLLATE "C" PRIMARY KEY, function_name text COLLATE "C" NOT NULL, function_arn text NOT NULL,
     event_source_arn text NOT NULL, record text NOT NULL, revision_id text NOT NULL);
   CREATE UNIQUE INDEX esm_pair ON event_source_mappings (event_source_arn, function_arn);
   CREATE INDEX esm_function ON event_source_mappings (function_name, uuid);
   CREATE INDEX esm_source ON event_source_mappings (event_source_arn, uuid);`;
