import type { AuditAttribute } from '../audit/attribute';

export type { AuditAttribute } from '../audit/attribute';

/**
 * The audit trail (issue 17, item 4): every control-plane call as a
 * CloudTrail-style event, append-only, each row sealed into a chain:
 * `mac = HMAC(key, prevMac ‖ body)` where `prevMac` is the previous row's
 * `mac` (the first row's is `auditGenesisMac`). A single head row holds the
 * last sequence number and mac, so deleting the newest rows is as visible as
 * changing or deleting any other. The store assigns sequence numbers and
 * seals inside the append's transaction (`seal` is called there, in order),
 * so concurrent appenders — several processes on one PostgreSQL — still form
 * one chain.
 */
export const auditGenesisMac = '0'.repeat(64);

export interface NewAuditEvent {
  timeMs: number;
  eventId: string;
  eventName: string;
  eventSource: string;
  accessKeyId?: string;
  /** LookupEvents' Username: `root`, the IAM user's name, or the role session's name. */
  userName: string;
  readOnly: boolean;
  resourceType?: string;
  resourceName?: string;
  /** The CloudTrail record as JSON (what LookupEvents returns as CloudTrailEvent). */
  body: string;
}

export interface AuditRow extends NewAuditEvent {
  seq: number;
  prevMac: string;
  mac: string;
}


export interface AuditQuery {
  startMs?: number;
  endMs?: number;
  attribute?: AuditAttribute;
  /** Only rows with a smaller sequence number (the page token). */
  beforeSeq?: number;
  limit: number;
}

export interface AuditStore {
  /** Appends the events in order in one transaction, sealing each with `seal(prevMac, body)`; resolves once durable. */
  appendAuditEvents(events: NewAuditEvent[], seal: (prevMac: string, body: string) => string): Promise<void>;
  /** Newest first. */
  lookupAuditEvents(q: AuditQuery): Promise<AuditRow[]>;
  /** Oldest first, from the row after `afterSeq` (0: the first kept). */
  readAuditChain(afterSeq: number, limit: number): Promise<AuditRow[]>;
  /** The chain's end: the last sequence number and mac appended (undefined: nothing yet). */
  auditHead(): Promise<{ lastSeq: number; lastMac: string } | undefined>;
  /** Retention: deletes up to `limit` of the oldest rows older than `beforeMs`; returns how many. */
  sweepAuditEvents(beforeMs: number, limit: number): Promise<number>;
}

/** The columns LookupEvents filters on, by attribute key (the same names on both databases). */
export const auditAttributeColumn: Record<AuditAttribute['key'], string> = {
  EventId: 'event_id',
  EventName: 'event_name',
  EventSource: 'event_source',
  AccessKeyId: 'access_key_id',
  ResourceType: 'resource_type',
  ResourceName: 'resource_name',
  ReadOnly: 'read_only',
  Username: 'user_name',
};

/** A row of either database as an AuditRow (`read_only` is 0/1 on SQLite, a boolean on PostgreSQL). */
export function auditRow(r: Record<string, unknown>): AuditRow {
  return {
    seq: Number(r.seq),
    timeMs: Number(r.time_ms),
    eventId: String(r.event_id),
    eventName: String(r.event_name),
    eventSource: String(r.event_source),
    ...(r.access_key_id != null ? { accessKeyId: String(r.access_key_id) } : {}),
    userName: r.user_name != null ? String(r.user_name) : 'root',
    readOnly: r.read_only === true || Number(r.read_only) === 1,
    ...(r.resource_type != null ? { resourceType: String(r.resource_type) } : {}),
    ...(r.resource_name != null ? { resourceName: String(r.resource_name) } : {}),
    body: String(r.body),
    prevMac: String(r.prev_mac),
    mac: String(r.mac),
  };
}
