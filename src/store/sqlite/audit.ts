import type Database from 'better-sqlite3';
import { auditAttributeColumn, auditRow as row, type AuditQuery, type AuditRow, type AuditStore, type NewAuditEvent } from '../audit';

/** Migration that adds the audit trail (appended to `migrations` in sqlite-store.ts). */
export const sqliteAuditMigration = `
  CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE, event_name TEXT NOT NULL, event_source TEXT NOT NULL,
    access_key_id TEXT, read_only INTEGER NOT NULL, resource_type TEXT, resource_name TEXT, body TEXT NOT NULL, prev_mac TEXT NOT NULL, mac TEXT NOT NULL);
  CREATE INDEX audit_events_time ON audit_events (time_ms);
  CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL, last_mac TEXT NOT NULL);`;

/** Migration: LookupEvents' Username per event (issue 18; events before it were all the root's). */
export const sqliteAuditUserNameMigration = `
  ALTER TABLE audit_events ADD COLUMN user_name TEXT NOT NULL DEFAULT 'root';
  CREATE INDEX audit_events_user ON audit_events (user_name, seq);`;


/** The audit trail on SQLite: an append is one IMMEDIATE transaction (one writer at a time keeps one chain). */
export class SqliteAudit implements AuditStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      head: db.prepare('SELECT last_seq, last_mac FROM audit_head WHERE id = 1'),
      setHead: db.prepare('INSERT INTO audit_head (id, last_seq, last_mac) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_mac = excluded.last_mac'),
      insert: db.prepare(
        `INSERT INTO audit_events (seq, time_ms, event_id, event_name, event_source, access_key_id, user_name, read_only, resource_type, resource_name, body, prev_mac, mac)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      chain: db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?'),
      oldest: db.prepare('SELECT seq FROM audit_events WHERE time_ms < ? ORDER BY seq LIMIT ?'),
      del: db.prepare('DELETE FROM audit_events WHERE seq <= ?'),
    };
  }

  async appendAuditEvents(events: NewAuditEvent[], seal: (prevMac: string, body: string) => string): Promise<void> {
    this.db.transaction(() => {
      const h = this.st.head.get() as { last_seq: number; last_mac: string } | undefined;
      let seq = h?.last_seq ?? 0;
      let mac = h?.last_mac ?? '0'.repeat(64);
      for (const e of events) {
        const prev = mac;
        mac = seal(prev, e.body);
        seq += 1;
        this.st.insert.run(seq, e.timeMs, e.eventId, e.eventName, e.eventSource, e.accessKeyId ?? null, e.userName, e.readOnly ? 1 : 0, e.resourceType ?? null, e.resourceName ?? null, e.body, prev, mac);
      }
      this.st.setHead.run(seq, mac);
    }).immediate();
  }

  async lookupAuditEvents(q: AuditQuery): Promise<AuditRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.startMs !== undefined) (where.push('time_ms >= ?'), args.push(q.startMs));
    if (q.endMs !== undefined) (where.push('time_ms <= ?'), args.push(q.endMs));
    if (q.beforeSeq !== undefined) (where.push('seq < ?'), args.push(q.beforeSeq));
    if (q.attribute) {
      where.push(`${auditAttributeColumn[q.attribute.key]} = ?`);
      args.push(typeof q.attribute.value === 'boolean' ? (q.attribute.value ? 1 : 0) : q.attribute.value);
    }
    const sql = `SELECT * FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as Record<string, unknown>[]).map(row);
  }

  async readAuditChain(afterSeq: number, limit: number): Promise<AuditRow[]> {
    return (this.st.chain.all(afterSeq, limit) as Record<string, unknown>[]).map(row);
  }

  async auditHead(): Promise<{ lastSeq: number; lastMac: string } | undefined> {
    const h = this.st.head.get() as { last_seq: number; last_mac: string } | undefined;
    return h ? { lastSeq: h.last_seq, lastMac: h.last_mac } : undefined;
  }

  async sweepAuditEvents(beforeMs: number, limit: number): Promise<number> {
    const rows = this.st.oldest.all(beforeMs, limit) as { seq: number }[];
    if (!rows.length) return 0;
    // Oldest first and contiguous: deleting up to the last one found keeps the rest of the chain whole.
    return this.st.del.run(rows[rows.length - 1]!.seq).changes;
  }
}
