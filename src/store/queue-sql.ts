import { randomBytes } from 'node:crypto';
import type {
  ChangeVisibilityResult, NewQueueMessage, QueueCounts, QueueRecord, ReceiveOptions, SentQueueMessage, StoredQueueMessage,
} from './queues';

/**
 * The queue store's logic, written once for SQLite and PostgreSQL: each
 * operation is a generator that yields SQL statements (`$1…` placeholders,
 * a dialect both accept) and receives their rows; a driver runs it inside one
 * transaction (SQLite: synchronously in `db.transaction().immediate()`;
 * PostgreSQL: awaiting each statement on a dedicated client). `now` is the
 * store's clock, read by the driver at the start of the transaction
 * (PostgreSQL: `clock_timestamp()`). Markers a driver rewrites:
 * `/*SKIP*\/` → `FOR UPDATE SKIP LOCKED`, `/*LOCK*\/` → `FOR UPDATE`,
 * `/*SHARE*\/` → `FOR SHARE` (PostgreSQL); SQLite drops them: its write
 * transaction already excludes every other writer.
 */
export interface Sql {
  sql: string;
  args: unknown[];
}
export type Row = Record<string, unknown>;
export type QueueOp<T> = Generator<Sql, T, Row[]>;

const s = (sql: string, ...args: unknown[]): Sql => ({ sql, args });

/** Oldest-first batch bound of the expiry and dead-letter work one receive does. */
const receiveSweepRowsMax = 100;

function queueRow(r: Row): QueueRecord {
  return {
    name: String(r.name),
    attributes: JSON.parse(String(r.attributes)) as Record<string, string>,
    tags: JSON.parse(String(r.tags)) as Record<string, string>,
    createdMs: Number(r.created_ms),
    modifiedMs: Number(r.modified_ms),
  };
}

export function* createQueue(
  now: number,
  rec: { name: string; attributes: Record<string, string>; tags: Record<string, string>; deadLetterTarget: string | null },
): QueueOp<{ created: boolean; queue: QueueRecord }> {
  const existing = yield s('SELECT * FROM sqs_queues WHERE name = $1', rec.name);
  if (existing.length) return { created: false, queue: queueRow(existing[0]!) };
  yield s(
    'INSERT INTO sqs_queues (name, attributes, tags, created_ms, modified_ms, dlq_target, seq) VALUES ($1, $2, $3, $4, $4, $5, 0)',
    rec.name, JSON.stringify(rec.attributes), JSON.stringify(rec.tags), now, rec.deadLetterTarget,
  );
  return { created: true, queue: { name: rec.name, attributes: rec.attributes, tags: rec.tags, createdMs: now, modifiedMs: now } };
}

export function* getQueue(_now: number, name: string): QueueOp<QueueRecord | undefined> {
  const r = yield s('SELECT * FROM sqs_queues WHERE name = $1', name);
  return r.length ? queueRow(r[0]!) : undefined;
}

export function* listQueues(_now: number, q: { prefix?: string; afterName?: string; limit: number }): QueueOp<string[]> {
  const rows = yield s(
    'SELECT name FROM sqs_queues WHERE name > $1 AND substr(name, 1, $2) = $3 ORDER BY name LIMIT $4',
    q.afterName ?? '', (q.prefix ?? '').length, q.prefix ?? '', q.limit,
  );
  return rows.map((r) => String(r.name));
}

export function* deleteQueue(_now: number, name: string): QueueOp<boolean> {
  // The row lock first: sends in flight (which share it) commit before their messages are deleted with the queue.
  const q = yield s('SELECT name FROM sqs_queues WHERE name = $1 /*LOCK*/', name);
  if (!q.length) return false;
  yield s('DELETE FROM sqs_messages WHERE queue = $1', name);
  yield s('DELETE FROM sqs_dedup WHERE queue = $1', name);
  const r = yield s('DELETE FROM sqs_queues WHERE name = $1 RETURNING name', name);
  return r.length > 0;
}

export function* setQueueAttributes(
  now: number,
  name: string,
  attributes: Record<string, string>,
  deadLetterTarget: string | null | undefined,
): QueueOp<boolean> {
  const r = yield s('SELECT attributes FROM sqs_queues WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return false;
  const merged = JSON.parse(String(r[0]!.attributes)) as Record<string, string>;
  for (const [k, v] of Object.entries(attributes)) {
    if (v === '') delete merged[k];
    else merged[k] = v;
  }
  yield s('UPDATE sqs_queues SET attributes = $2, modified_ms = $3 WHERE name = $1', name, JSON.stringify(merged), now);
  if (deadLetterTarget !== undefined) yield s('UPDATE sqs_queues SET dlq_target = $2 WHERE name = $1', name, deadLetterTarget);
  return true;
}

export function* editQueueAttribute(
  now: number,
  name: string,
  attribute: string,
  edit: (current: string | undefined) => string,
): QueueOp<boolean> {
  const r = yield s('SELECT attributes FROM sqs_queues WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return false;
  const attrs = JSON.parse(String(r[0]!.attributes)) as Record<string, string>;
  // `edit` may throw (the caller's refusal): the transaction then writes nothing.
  const v = edit(attrs[attribute]);
  if (v === '') delete attrs[attribute];
  else attrs[attribute] = v;
  yield s('UPDATE sqs_queues SET attributes = $2, modified_ms = $3 WHERE name = $1', name, JSON.stringify(attrs), now);
  return true;
}

export function* changeQueueTags(
  _now: number,
  name: string,
  change: { set?: Record<string, string>; remove?: string[] },
  tagsMax: number,
): QueueOp<'ok' | 'no-queue' | 'too-many'> {
  const r = yield s('SELECT tags FROM sqs_queues WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return 'no-queue';
  const tags = JSON.parse(String(r[0]!.tags)) as Record<string, string>;
  Object.assign(tags, change.set ?? {});
  for (const k of change.remove ?? []) delete tags[k];
  if (Object.keys(tags).length > tagsMax) return 'too-many';
  yield s('UPDATE sqs_queues SET tags = $2 WHERE name = $1', name, JSON.stringify(tags));
  return 'ok';
}

export function* deadLetterSources(_now: number, target: string, afterName: string | undefined, limit: number): QueueOp<string[]> {
  const rows = yield s('SELECT name FROM sqs_queues WHERE dlq_target = $1 AND name > $2 ORDER BY name LIMIT $3', target, afterName ?? '', limit);
  return rows.map((r) => String(r.name));
}

export function* queueCounts(now: number, name: string, retentionS: number): QueueOp<QueueCounts | undefined> {
  const q = yield s('SELECT name FROM sqs_queues WHERE name = $1', name);
  if (!q.length) return undefined;
  const r = yield s(
    `SELECT
       COALESCE(SUM(CASE WHEN visible_ms <= $2 THEN 1 ELSE 0 END), 0) AS visible,
       COALESCE(SUM(CASE WHEN visible_ms > $2 AND receive_count > 0 THEN 1 ELSE 0 END), 0) AS in_flight,
       COALESCE(SUM(CASE WHEN visible_ms > $2 AND receive_count = 0 THEN 1 ELSE 0 END), 0) AS delayed
     FROM sqs_messages WHERE queue = $1 AND sent_ms > $3`,
    name, now, now - retentionS * 1000,
  );
  return { visible: Number(r[0]!.visible), inFlight: Number(r[0]!.in_flight), delayed: Number(r[0]!.delayed) };
}

const seqDigits = 20;
const formatSeq = (n: number) => String(n).padStart(seqDigits, '0');

export function* sendMessages(
  now: number,
  queue: string,
  msgs: NewQueueMessage[],
  fifo: { dedupWindowS: number; perGroup?: boolean } | undefined,
): QueueOp<SentQueueMessage[] | undefined> {
  // FIFO sends take the queue row's lock (sequence numbers, deduplication); standard sends share it, so
  // they run in parallel but a concurrent DeleteQueue waits for them (no message outlives its queue).
  const q = yield s(`SELECT seq FROM sqs_queues WHERE name = $1 ${fifo ? '/*LOCK*/' : '/*SHARE*/'}`, queue);
  if (!q.length) return undefined;
  const out: SentQueueMessage[] = [];
  let seq = Number(q[0]!.seq);
  if (fifo) yield s('DELETE FROM sqs_dedup WHERE queue = $1 AND expires_ms <= $2', queue, now);
  for (const m of msgs) {
    let sequenceNumber: string | undefined;
    if (fifo) {
      // DeduplicationScope messageGroup: an id is remembered per group (a space cannot occur in a FIFO id; PostgreSQL text holds no NUL).
      const key = fifo.perGroup ? `${m.groupId ?? ''} ${m.dedupId ?? ''}` : m.dedupId;
      const dup = yield s('SELECT message_id, seq FROM sqs_dedup WHERE queue = $1 AND dedup_id = $2', queue, key);
      if (dup.length) {
        out.push({ messageId: String(dup[0]!.message_id), sequenceNumber: String(dup[0]!.seq), duplicate: true });
        continue;
      }
      sequenceNumber = formatSeq(++seq);
      yield s('INSERT INTO sqs_dedup (queue, dedup_id, message_id, seq, expires_ms) VALUES ($1, $2, $3, $4, $5)',
        queue, key, m.messageId, sequenceNumber, now + fifo.dedupWindowS * 1000);
    }
    yield insertMessage(queue, m, now, now + m.delayS * 1000, sequenceNumber);
    out.push({ messageId: m.messageId, sequenceNumber, duplicate: false });
  }
  if (fifo) yield s('UPDATE sqs_queues SET seq = $2 WHERE name = $1', queue, seq);
  return out;
}

function insertMessage(queue: string, m: NewQueueMessage, sentMs: number, visibleMs: number, seq: string | undefined): Sql {
  return s(
    `INSERT INTO sqs_messages (queue, message_id, body, attributes, sender_id, sent_ms, visible_ms, receive_count, group_id, dedup_id, seq, trace_header)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11)`,
    queue, m.messageId, m.body, m.attributes, m.senderId, sentMs, visibleMs, m.groupId ?? null, m.dedupId ?? null, seq ?? null, m.traceHeader ?? null,
  );
}

function messageRow(r: Row, receiptHandle: string): StoredQueueMessage {
  return {
    messageId: String(r.message_id),
    body: r.body as Buffer,
    attributes: (r.attributes as Buffer | null) ?? null,
    senderId: String(r.sender_id),
    ...(r.trace_header == null ? {} : { traceHeader: String(r.trace_header) }),
    receiptHandle,
    receiveCount: Number(r.receive_count),
    sentMs: Number(r.sent_ms),
    firstReceiveMs: Number(r.first_receive_ms),
    groupId: r.group_id == null ? undefined : String(r.group_id),
    dedupId: r.dedup_id == null ? undefined : String(r.dedup_id),
    sequenceNumber: r.seq == null ? undefined : String(r.seq),
    sourceQueue: r.source_queue == null ? undefined : String(r.source_queue),
  };
}

/** FIFO: a message is a candidate only when no message of its group is in flight and none before it is invisible. */
const fifoCandidate = `AND NOT EXISTS (SELECT 1 FROM sqs_messages o WHERE o.queue = m.queue AND o.group_id = m.group_id
  AND o.visible_ms > $2 AND (o.id < m.id OR o.receive_count > 0))`;

export function* receiveMessages(now: number, queue: string, o: ReceiveOptions): QueueOp<StoredQueueMessage[] | 'over-limit' | undefined> {
  // FIFO receives take the queue row's lock (group order across servers); standard ones only read it.
  const q = yield s(`SELECT seq FROM sqs_queues WHERE name = $1 ${o.fifo ? '/*LOCK*/' : ''}`, queue);
  if (!q.length) return undefined;
  const retainedAfterMs = now - o.retentionS * 1000;
  // Expired messages are deleted (a bounded batch per receive) and never returned.
  yield s(`DELETE FROM sqs_messages WHERE id IN (SELECT id FROM sqs_messages WHERE queue = $1 AND sent_ms <= $2 LIMIT ${receiveSweepRowsMax})`, queue, retainedAfterMs);
  if (o.fifo && o.attemptId !== undefined) {
    const again = yield s(
      'SELECT * FROM sqs_messages WHERE queue = $1 AND attempt_id = $2 AND visible_ms > $3 AND attempt_ms > $4 ORDER BY id',
      queue, o.attemptId, now, now - (o.attemptWindowS ?? 0) * 1000,
    );
    if (again.length) return again.map((r) => messageRow(r, `${String(r.id)}:${String(r.receipt)}`));
  }
  const inFlight = yield s('SELECT COUNT(*) AS n FROM sqs_messages WHERE queue = $1 AND visible_ms > $2 AND receive_count > 0', queue, now);
  if (Number(inFlight[0]!.n) >= o.inFlightMax) return 'over-limit';
  const out: StoredQueueMessage[] = [];
  for (let round = 0; round < receiveSweepRowsMax / 10 && out.length < o.max; round++) {
    const rows = yield s(
      `SELECT * FROM sqs_messages m WHERE queue = $1 AND visible_ms <= $2 AND sent_ms > $3 ${o.fifo ? fifoCandidate : ''}
       ORDER BY id LIMIT $4 ${o.fifo ? '' : '/*SKIP*/'}`,
      queue, now, retainedAfterMs, o.max - out.length,
    );
    if (!rows.length) break;
    let moved = 0;
    for (const r of rows) {
      const count = Number(r.receive_count);
      if (o.redrive && count >= o.redrive.maxReceiveCount) {
        const target = yield s('SELECT seq FROM sqs_queues WHERE name = $1 /*LOCK*/', o.redrive.targetQueue);
        if (target.length) {
          yield* moveRow(r, o.redrive.targetQueue, now, target[0]!.seq, String(r.queue));
          moved++;
          continue;
        }
      }
      const token = randomBytes(16).toString('hex');
      const first = r.first_receive_ms == null ? now : Number(r.first_receive_ms);
      yield s(
        `UPDATE sqs_messages SET receive_count = receive_count + 1, visible_ms = $2, receipt = $3, first_receive_ms = $4,
           attempt_id = $5, attempt_ms = $6 WHERE id = $1`,
        r.id, now + o.visibilityS * 1000, token, first, o.attemptId ?? null, now,
      );
      out.push(messageRow({ ...r, receive_count: count + 1, first_receive_ms: first }, `${String(r.id)}:${token}`));
    }
    if (moved === 0) break;
  }
  return out;
}

/**
 * Moves a message row to another queue (dead-letter or move task): same id, body and sent time; visible, never received.
 * `source`: the queue a dead-lettered message came from (a move task without a destination sends it back there).
 */
function* moveRow(r: Row, to: string, now: number, targetSeq: unknown, source: string | null): QueueOp<void> {
  let seq: string | null = null;
  if (r.group_id != null) {
    const next = Number(targetSeq) + 1;
    seq = formatSeq(next);
    yield s('UPDATE sqs_queues SET seq = $2 WHERE name = $1', to, next);
  }
  yield s(
    `INSERT INTO sqs_messages (queue, message_id, body, attributes, sender_id, sent_ms, visible_ms, receive_count, group_id, dedup_id, seq, source_queue, trace_header)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12)`,
    to, r.message_id, r.body, r.attributes, r.sender_id, r.sent_ms, now, r.group_id, r.dedup_id, seq, source, r.trace_header ?? null,
  );
  yield s('DELETE FROM sqs_messages WHERE id = $1', r.id);
}

function parseHandle(h: string): { id: number; token: string } | undefined {
  const m = /^([0-9]{1,18}):([0-9a-f]{32})$/.exec(h);
  return m ? { id: Number(m[1]), token: m[2]! } : undefined;
}

export function* deleteMessages(_now: number, queue: string, handles: string[]): QueueOp<('ok' | 'invalid')[]> {
  const out: ('ok' | 'invalid')[] = [];
  for (const h of handles) {
    const p = parseHandle(h);
    if (!p) {
      out.push('invalid');
      continue;
    }
    yield s('DELETE FROM sqs_messages WHERE id = $1 AND queue = $2 AND receipt = $3', p.id, queue, p.token);
    out.push('ok');
  }
  return out;
}

export function* changeVisibility(
  now: number,
  queue: string,
  entries: { receiptHandle: string; visibilityS: number }[],
): QueueOp<ChangeVisibilityResult[]> {
  const out: ChangeVisibilityResult[] = [];
  for (const e of entries) {
    const p = parseHandle(e.receiptHandle);
    if (!p) {
      out.push('invalid');
      continue;
    }
    const r = yield s('SELECT visible_ms, receipt FROM sqs_messages WHERE id = $1 AND queue = $2 /*LOCK*/', p.id, queue);
    if (!r.length || r[0]!.receipt !== p.token) out.push('expired');
    else if (Number(r[0]!.visible_ms) <= now) out.push('not-inflight');
    else {
      yield s('UPDATE sqs_messages SET visible_ms = $2 WHERE id = $1', p.id, now + e.visibilityS * 1000);
      out.push('ok');
    }
  }
  return out;
}

export function* purgeQueue(_now: number, name: string): QueueOp<boolean> {
  const q = yield s('SELECT name FROM sqs_queues WHERE name = $1', name);
  if (!q.length) return false;
  yield s('DELETE FROM sqs_messages WHERE queue = $1', name);
  return true;
}

export function* moveMessages(now: number, from: string, to: string | null, limit: number): QueueOp<number> {
  const rows = yield s('SELECT * FROM sqs_messages WHERE queue = $1 AND visible_ms <= $2 ORDER BY id LIMIT $3 /*SKIP*/', from, now, limit);
  let moved = 0;
  for (const r of rows) {
    // No destination: back to the queue it was dead-lettered from (left where it is when that is unknown or gone).
    const dest = to ?? (r.source_queue == null ? undefined : String(r.source_queue));
    if (dest === undefined) continue;
    const target = yield s('SELECT seq FROM sqs_queues WHERE name = $1 /*LOCK*/', dest);
    if (!target.length) continue;
    yield* moveRow(r, dest, now, target[0]!.seq, null);
    moved++;
  }
  return moved;
}
