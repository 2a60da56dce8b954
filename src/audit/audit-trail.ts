import { createHmac } from 'node:crypto';
import type { AuditAttribute, AuditRow, AuditStore, NewAuditEvent } from '../store/audit';
import { auditGenesisMac } from '../store/audit';
import { DomainError } from '../domain/errors';
import { cloudTrailRecord, userNameOf, type ApiCall } from './record';
import * as L from './limits';

/**
 * The audit trail (issue 17, item 4): the gateway hands every control-plane
 * call here; each becomes a CloudTrail record, appended to the store in
 * batches (the calls of one event-loop turn share one transaction and one
 * fsync) and sealed into a chain with a key derived from the master key
 * (`Keyring.macKey('audit')`): `mac = HMAC(key, prevMac ‖ body)`.
 *
 * What the chain proves: a row changed, removed or inserted anywhere (or
 * the newest rows cut off: the head row names the last one) breaks
 * `verify`, unless whoever changed it also holds the data dir's master key.
 * Retention removes the oldest rows only, so `verify` accepts a first kept
 * row that has a predecessor only when that row is itself near the
 * retention edge; a missing predecessor of a younger row is reported.
 *
 * Durability: a write call's event is durable before the call is answered
 * (the gateway awaits `record`); read calls and failed calls are recorded
 * without holding the answer.
 */
export class AuditTrail {
  private pending: { event: NewAuditEvent; done: (e?: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly store: AuditStore,
    private readonly key: Buffer,
    private readonly retentionDays: number = L.auditRetentionDaysDefault,
    private readonly now: () => number = Date.now,
  ) {}

  seal = (prevMac: string, body: string): string => createHmac('sha256', this.key).update(prevMac).update(body).digest('hex');

  /** Records one call; resolves once its event is durable in the store. */
  record(c: ApiCall): Promise<void> {
    const rec = cloudTrailRecord(c);
    const event: NewAuditEvent = {
      timeMs: c.timeMs,
      eventId: rec.eventID as string,
      eventName: c.eventName,
      eventSource: rec.eventSource as string,
      ...(c.accessKeyId ? { accessKeyId: c.accessKeyId } : {}),
      userName: userNameOf(c.principal),
      readOnly: c.readOnly,
      ...(c.resource ? { resourceType: c.resource.type, resourceName: c.resource.name } : {}),
      body: JSON.stringify(rec),
    };
    return new Promise((resolve, reject) => {
      this.pending.push({ event, done: (e) => (e ? reject(e) : resolve()) });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Appends what is pending, one batch at a time (one chain: batches never overlap). */
  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.flushing) await this.flushing;
    if (!this.pending.length) return;
    const batch = this.pending.splice(0, L.auditBatchEventsMax);
    this.flushing = this.store.appendAuditEvents(batch.map((b) => b.event), this.seal).then(
      () => batch.forEach((b) => b.done()),
      (e) => batch.forEach((b) => b.done(e)),
    ).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    if (this.pending.length && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Resolves once every event recorded so far is stored (or failed): the server waits for it before closing the store. */
  async drain(): Promise<void> {
    while (this.pending.length || this.flushing) {
      if (this.flushing) await this.flushing.catch(() => undefined);
      else await this.flush();
    }
  }

  /** Pending events at most before `record` callers should wait (the gateway applies it). */
  get backlog(): number {
    return this.pending.length;
  }

  /** LookupEvents: newest first, at most `maxResults`, `nextToken` the last sequence number returned. */
  async lookup(q: { attribute?: AuditAttribute; startMs?: number; endMs?: number; maxResults?: number; nextToken?: string }): Promise<{ rows: AuditRow[]; nextToken?: string }> {
    const limit = q.maxResults ?? L.lookupResultsMax;
    if (!Number.isInteger(limit) || limit < 1 || limit > L.lookupResultsMax) throw new DomainError('InvalidParameter', 'MaxResults must be between 1 and 50.', { reason: 'InvalidMaxResults' });
    if (q.startMs !== undefined && q.endMs !== undefined && q.startMs > q.endMs) {
      throw new DomainError('InvalidParameter', 'Start time must be before end time.', { reason: 'InvalidTimeRange' });
    }
    let beforeSeq: number | undefined;
    if (q.nextToken !== undefined) {
      beforeSeq = /^[1-9]\d{0,15}$/.test(q.nextToken) ? Number(q.nextToken) : NaN;
      if (!Number.isFinite(beforeSeq)) throw new DomainError('InvalidParameter', 'Invalid next token.', { reason: 'InvalidNextToken' });
    }
    const rows = await this.store.lookupAuditEvents({ attribute: q.attribute, startMs: q.startMs, endMs: q.endMs, beforeSeq, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return rows.length > limit ? { rows: page, nextToken: String(page[page.length - 1]!.seq) } : { rows: page };
  }

  /** Walks the whole chain; the first break found, or ok with the number of events checked. */
  async verify(): Promise<{ ok: true; events: number; firstSeq?: number; lastSeq?: number } | { ok: false; seq: number; problem: string }> {
    const head = await this.store.auditHead();
    let after = 0;
    let prev: AuditRow | undefined;
    let count = 0;
    let firstSeq: number | undefined;
    const keptFromMs = this.now() - this.retentionDays * 86_400_000;
    for (;;) {
      const rows = await this.store.readAuditChain(after, L.auditVerifyPageRows);
      for (const r of rows) {
        if (prev === undefined) {
          firstSeq = r.seq;
          // A first kept row with a predecessor: fine only if retention could have removed it (the row itself is near the retention edge).
          if (r.prevMac !== auditGenesisMac && r.timeMs > keptFromMs + L.auditSweepIntervalMs * 2) {
            return { ok: false, seq: r.seq, problem: `the events before it are missing, and it is younger than the ${this.retentionDays}-day retention` };
          }
          if (r.prevMac === auditGenesisMac && r.seq !== 1) return { ok: false, seq: r.seq, problem: 'it claims to start the chain but is not the first event' };
        } else {
          if (r.seq !== prev.seq + 1) return { ok: false, seq: prev.seq + 1, problem: 'this event is missing' };
          if (r.prevMac !== prev.mac) return { ok: false, seq: r.seq, problem: 'its link to the previous event does not match' };
        }
        if (this.seal(r.prevMac, r.body) !== r.mac) return { ok: false, seq: r.seq, problem: 'its contents were changed after it was recorded' };
        const b = safeParse(r.body);
        if (!b || b.eventID !== r.eventId || b.eventName !== r.eventName) return { ok: false, seq: r.seq, problem: 'its indexed columns do not match its record' };
        prev = r;
        count++;
      }
      if (rows.length < L.auditVerifyPageRows) break;
      after = rows[rows.length - 1]!.seq;
    }
    if (head && (!prev || prev.seq !== head.lastSeq || prev.mac !== head.lastMac)) {
      return { ok: false, seq: (prev?.seq ?? 0) + 1, problem: `the trail ends before its last recorded event (${head.lastSeq})` };
    }
    return { ok: true, events: count, ...(firstSeq !== undefined ? { firstSeq, lastSeq: prev!.seq } : {}) };
  }

  /** Deletes events past the retention (bounded per call). */
  sweep(): Promise<number> {
    return this.store.sweepAuditEvents(this.now() - this.retentionDays * 86_400_000, L.auditSweepRowsMax);
  }
}

function safeParse(s: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(s) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
