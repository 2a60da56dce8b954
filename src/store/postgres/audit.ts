import type pg from 'pg';
import { auditAttributeColumn, auditGenesisMac, auditRow as row, type AuditQuery, type AuditRow, type AuditStore, type NewAuditEvent } from '../audit';
import { inTransaction } from './pool';

/** Migration that adds the audit trail (appended to `migrations` in schema.ts). */
export const postgresAuditMigration = `
  CREATE TABLE audit_events (
    seq bigint PRIMARY KEY, time_ms bigint NOT NULL, event_id text NOT NULL UNIQUE, event_name text NOT NULL, event_source text NOT NULL,
    access_key_id text, read_only boolean NOT NULL, resource_type text, resource_name text, body text NOT NULL, prev_mac text NOT NULL, mac text NOT NULL);
  CREATE INDEX audit_events_time ON audit_events (time_ms);
  CREATE TABLE audit_head (id integer PRIMARY KEY CHECK (id = 1), last_seq bigint NOT NULL, last_mac text NOT NULL);
  INSERT INTO audit_head (id, last_seq, last_mac) VALUES (1, 0, '${auditGenesisMac}');`;

/** Migration: LookupEvents' Username per event (issue 18; events before it were all the root's). */
export const postgresAuditUserNameMigration = `
  ALTER TABLE audit_events ADD COLUMN user_name text NOT NULL DEFAULT 'root';
  CREATE INDEX audit_events_user ON audit_events (user_name, seq);`;


/**
 * The audit trail on PostgreSQL: an append locks the head row (`FOR
 * UPDATE`), so appends from several Kumo processes serialise into one chain.
 */
export class PostgresAudit implements AuditStore {
  constructor(private readonly pool: pg.Pool) {}

  appendAuditEvents(events: NewAuditEvent[], seal: (prevMac: string, body: string) => string): Promise<void> {
    return inTransaction(this.pool, async (c) => {
      const h = (await c.query<{ last_seq: string; last_mac: string }>('SELECT last_seq, last_mac FROM audit_head WHERE id = 1 FOR UPDATE')).rows[0]!;
      let seq = Number(h.last_seq);
      let mac = h.last_mac;
      for (const e of events) {
        const prev = mac;
        mac = seal(prev, e.body);
        seq += 1;
        await c.query(
          `INSERT INTO audit_events (seq, time_ms, event_id, event_name, event_source, access_key_id, user_name, read_only, resource_type, resource_name, body, prev_mac, mac)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [seq, e.timeMs, e.eventId, e.eventName, e.eventSource, e.accessKeyId ?? null, e.userName, e.readOnly, e.resourceType ?? null, e.resourceName ?? null, e.body, prev, mac],
        );
      }
      await c.query('UPDATE audit_head SET last_seq = $1, last_mac = $2 WHERE id = 1', [seq, mac]);
    });
  }

  async lookupAuditEvents(q: AuditQuery): Promise<AuditRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => (args.push(v), `$${args.length}`);
    if (q.startMs !== undefined) where.push(`time_ms >= ${arg(q.startMs)}`);
    if (q.endMs !== undefined) where.push(`time_ms <= ${arg(q.endMs)}`);
    if (q.beforeSeq !== undefined) where.push(`seq < ${arg(q.beforeSeq)}`);
    if (q.attribute) where.push(`${auditAttributeColumn[q.attribute.key]} = ${arg(q.attribute.value)}`);
    const sql = `SELECT * FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${arg(q.limit)}`;
    return (await this.pool.query(sql, args)).rows.map(row);
  }

  async readAuditChain(afterSeq: number, limit: number): Promise<AuditRow[]> {
    return (await this.pool.query('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])).rows.map(row);
  }

  async auditHead(): Promise<{ lastSeq: number; lastMac: string } | undefined> {
    const h = (await this.pool.query<{ last_seq: string; last_mac: string }>('SELECT last_seq, last_mac FROM audit_head WHERE id = 1')).rows[0];
    return h && Number(h.last_seq) > 0 ? { lastSeq: Number(h.last_seq), lastMac: h.last_mac } : undefined;
  }

  async sweepAuditEvents(beforeMs: number, limit: number): Promise<number> {
    const r = await this.pool.query(
      'DELETE FROM audit_events WHERE seq <= (SELECT max(seq) FROM (SELECT seq FROM audit_events WHERE time_ms < $1 ORDER BY seq LIMIT $2) o)',
      [beforeMs, limit],
    );
    return r.rowCount ?? 0;
  }
}
