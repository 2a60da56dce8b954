/**
 * The queue service's persistence (src/queues/ over it): queues, their
 * messages and FIFO deduplication ids. Part of `Store` (types.ts).
 *
 * Time: every duration crosses this interface as a duration (visibility,
 * delay, retention, deduplication window, in seconds); the store computes due
 * times with its own clock (SQLite: this process's; PostgreSQL: the
 * database's `clock_timestamp()`), so several hosts sharing a database agree
 * on when a message becomes visible whatever their clocks say.
 *
 * Atomicity: each method is one transaction. A receive leases the visible
 * messages, increments their receive counts and moves those past a
 * redrive policy's maxReceiveCount to the dead-letter queue in the same
 * transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two servers never
 * lease one message at once; FIFO receives lock the queue row instead, so
 * group order holds across servers).
 */

/** A queue as stored: the settable attributes by AWS name (string values), its tags and times. */
export interface QueueRecord {
  name: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdMs: number;
  modifiedMs: number;
}

export interface NewQueueMessage {
  messageId: string;
  /** Sealed body and message attributes (the store never sees plaintext). */
  body: Buffer;
  attributes: Buffer | null;
  senderId: string;
  delayS: number;
  /** The AWSTraceHeader message system attribute (X-Ray trace header; not sealed: tracing metadata, not the user's data). */
  traceHeader?: string;
  groupId?: string;
  dedupId?: string;
}

export interface StoredQueueMessage {
  messageId: string;
  body: Buffer;
  attributes: Buffer | null;
  senderId: string;
  traceHeader?: string;
  receiptHandle: string;
  receiveCount: number;
  sentMs: number;
  firstReceiveMs: number;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  /** The queue a dead-lettered message came from. */
  sourceQueue?: string;
}

/** `duplicate`: a FIFO send whose deduplication id was seen within the window (nothing stored; the first message's id is returned). */
export interface SentQueueMessage {
  messageId: string;
  sequenceNumber?: string;
  duplicate: boolean;
}

export interface ReceiveOptions {
  max: number;
  visibilityS: number;
  retentionS: number;
  fifo: boolean;
  /** FIFO: a retried receive with the same id within `attemptWindowS` returns the same messages and handles. */
  attemptId?: string;
  attemptWindowS?: number;
  /** RedrivePolicy: a message already received `maxReceiveCount` times moves to `targetQueue` instead of being returned. */
  redrive?: { targetQueue: string; maxReceiveCount: number };
  /** In-flight quota: with this many messages in flight, nothing is leased and the receive answers `over-limit`. */
  inFlightMax: number;
}

export type ChangeVisibilityResult = 'ok' | 'not-inflight' | 'expired' | 'invalid';

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface QueueStore {
  /**
   * Creates the queue, or when one of the name exists returns it unchanged
   * (`created: false`; the caller compares attributes). `deadLetterTarget`:
   * the queue name its RedrivePolicy targets (for ListDeadLetterSourceQueues).
   */
  createQueue(rec: { name: string; attributes: Record<string, string>; tags: Record<string, string>; deadLetterTarget: string | null }): Promise<{ created: boolean; queue: QueueRecord }>;
  getQueue(name: string): Promise<QueueRecord | undefined>;
  /** Names in byte order after `afterName`, with the (case-sensitive) prefix. */
  listQueues(q: { prefix?: string; afterName?: string; limit: number }): Promise<string[]>;
  /** Deletes the queue with its messages; false when it did not exist. */
  deleteQueue(name: string): Promise<boolean>;
  /** Merges `attributes` (an empty value removes one); `deadLetterTarget` undefined leaves it. False when the queue does not exist. */
  setQueueAttributes(name: string, attributes: Record<string, string>, deadLetterTarget: string | null | undefined): Promise<boolean>;
  /**
   * Reads one attribute and writes what `edit` makes of it ('' removes it), in
   * one transaction under the queue row's lock (AddPermission /
   * RemovePermission on the Policy: concurrent edits never lose one). `edit`
   * runs synchronously inside the transaction; if it throws, nothing is
   * written and the error is the caller's. False when the queue does not exist.
   */
  editQueueAttribute(name: string, attribute: string, edit: (current: string | undefined) => string): Promise<boolean>;
  /** Merges and removes tags in one transaction; refuses (writing nothing) past `tagsMax`. */
  changeQueueTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): Promise<'ok' | 'no-queue' | 'too-many'>;
  /** Queues whose RedrivePolicy targets `target`, by name after `afterName`. */
  deadLetterSources(target: string, afterName: string | undefined, limit: number): Promise<string[]>;
  queueCounts(name: string, retentionS: number): Promise<QueueCounts | undefined>;
  /**
   * Stores the messages (one transaction: all or none) once they are durable.
   * FIFO (`dedupWindowS` given): a deduplication id seen within the window
   * stores nothing and returns the first message's id (`perGroup`: ids are
   * remembered per message group, DeduplicationScope messageGroup); sequence numbers grow
   * per queue. Undefined when the queue does not exist.
   */
  sendMessages(queue: string, msgs: NewQueueMessage[], fifo: { dedupWindowS: number; perGroup?: boolean } | undefined): Promise<SentQueueMessage[] | undefined>;
  /** Leases up to `max` visible messages (see the header); undefined when the queue does not exist. */
  receiveMessages(queue: string, opts: ReceiveOptions): Promise<StoredQueueMessage[] | 'over-limit' | undefined>;
  /** Deletes by receipt handle: `ok` also for a message already gone or a stale handle (AWS: the request succeeds). */
  deleteMessages(queue: string, receiptHandles: string[]): Promise<('ok' | 'invalid')[]>;
  changeVisibility(queue: string, entries: { receiptHandle: string; visibilityS: number }[]): Promise<ChangeVisibilityResult[]>;
  /** Deletes every message of the queue; false when it does not exist. */
  purgeQueue(name: string): Promise<boolean>;
  /**
   * Moves up to `limit` of `from`'s visible messages (oldest first) to `to`
   * — or, when `to` is null, each back to the queue it was dead-lettered
   * from — as new visible messages keeping their ids and bodies; returns how
   * many moved.
   */
  moveMessages(from: string, to: string | null, limit: number): Promise<number>;
}
