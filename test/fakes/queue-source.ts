import { createHash, randomUUID } from 'node:crypto';
import { DomainError } from '../../src/domain/errors';
import type { MessageAttributeValue } from '../../src/domain/delivery';
import type { QueueSource, QueueSourceInfo, SourceMessage } from '../../src/domain/queue-source';
import { md5OfAttributes, md5OfBody } from '../../src/queues/md5';

/**
 * An in-process QueueSource for the poller's unit tests, honest about what
 * the poller relies on, as SQS behaves:
 *   - a received message is invisible for the queue's visibility timeout and
 *     its receive count grows; `changeVisibility(…, 0)` shows it again;
 *   - a stale receipt handle (from an earlier receive) is ignored;
 *   - RedrivePolicy: a message received `maxReceiveCount` times moves to the
 *     dead-letter queue on its next receive instead of being delivered;
 *   - FIFO: a message group is blocked while any of its messages is in flight,
 *     and messages come in send order;
 *   - long polls wait for a message (or `waitMs`, or the abort signal).
 *   - changing the visibility of a message by a handle that is no longer its
 *     own (deleted, or received again since) fails, as ChangeMessageVisibility
 *     does ("The receipt handle has expired");
 *   - MD5s are SQS's (src/queues/md5.ts), deduplication ids as given.
 * Timeouts may be fractions of a second so tests stay short. It passes the
 * suite the real queue service passes (test/queue-source-contract.ts, run on
 * it by src/event-sources/queue-source-fake.contract.test.ts); where the two
 * differ, the real one is right.
 */
interface Msg {
  id: string;
  body: string;
  groupId?: string;
  dedupId?: string;
  sequence: number;
  sentMs: number;
  firstReceiveMs?: number;
  receiveCount: number;
  visibleAtMs: number;
  handle?: string;
  messageAttributes: Record<string, MessageAttributeValue>;
}

interface Queue {
  arn: string;
  fifo: boolean;
  visibilityTimeoutS: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
  messages: Msg[];
}

export class FakeQueueSource implements QueueSource {
  private readonly queues = new Map<string, Queue>();
  private seq = 0;
  private waiters = new Set<() => void>();
  /** Calls, for assertions. */
  readonly calls = { receive: 0, deleteMessages: 0, changeVisibility: 0 };
  /** Fault injection: the next receives throw this. */
  failReceive: Error | undefined;

  createQueue(name: string, o: { fifo?: boolean; visibilityTimeoutS?: number; redrive?: { deadLetterTargetArn: string; maxReceiveCount: number } } = {}): string {
    const arn = `arn:aws:sqs:us-east-1:000000000000:${name}`;
    this.queues.set(arn, { arn, fifo: o.fifo ?? name.endsWith('.fifo'), visibilityTimeoutS: o.visibilityTimeoutS ?? 30, redrive: o.redrive, messages: [] });
    return arn;
  }

  deleteQueue(arn: string): void {
    this.queues.delete(arn);
  }

  send(arn: string, body: string, o: { groupId?: string; dedupId?: string; messageAttributes?: Record<string, MessageAttributeValue> } = {}): string {
    const q = this.queue(arn);
    if (q.fifo && !o.groupId) throw new Error('a FIFO message needs a group id');
    const id = randomUUID();
    q.messages.push({ id, body, groupId: o.groupId, dedupId: o.dedupId, sequence: ++this.seq, sentMs: Date.now(), receiveCount: 0, visibleAtMs: 0, messageAttributes: o.messageAttributes ?? {} });
    this.wake();
    return id;
  }

  /** Messages still in the queue (visible or in flight), in send order. */
  messages(arn: string): { id: string; body: string; receiveCount: number; visible: boolean }[] {
    const now = Date.now();
    return this.queue(arn).messages.map((m) => ({ id: m.id, body: m.body, receiveCount: m.receiveCount, visible: m.visibleAtMs <= now }));
  }

  async describe(queueArn: string): Promise<QueueSourceInfo> {
    const q = this.queue(queueArn);
    const now = Date.now();
    return { arn: q.arn, visibilityTimeoutS: q.visibilityTimeoutS, fifo: q.fifo, approximateVisible: q.messages.filter((m) => m.visibleAtMs <= now).length };
  }

  async receive(queueArn: string, opts: { max: number; waitMs: number; signal?: AbortSignal }): Promise<SourceMessage[]> {
    this.calls.receive++;
    if (this.failReceive) throw this.failReceive;
    const deadline = Date.now() + opts.waitMs;
    for (;;) {
      if (opts.signal?.aborted) return [];
      const got = this.take(this.queue(queueArn), opts.max);
      if (got.length || Date.now() >= deadline) return got;
      await this.waitForChange(Math.min(deadline - Date.now(), this.nextVisibleInMs(queueArn)), opts.signal);
    }
  }

  async deleteMessages(queueArn: string, receiptHandles: string[]): Promise<void> {
    this.calls.deleteMessages++;
    const q = this.queue(queueArn);
    const set = new Set(receiptHandles);
    q.messages = q.messages.filter((m) => !(m.handle && set.has(m.handle)));
    this.wake(); // a FIFO group may be unblocked
  }

  async changeVisibility(queueArn: string, receiptHandle: string, visibilityTimeoutS: number): Promise<void> {
    this.calls.changeVisibility++;
    const m = this.queue(queueArn).messages.find((x) => x.handle === receiptHandle);
    if (!m) throw new DomainError('InvalidParameter', `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`);
    m.visibleAtMs = Date.now() + visibilityTimeoutS * 1000;
    this.wake();
  }

  private queue(arn: string): Queue {
    const q = this.queues.get(arn);
    if (!q) throw new DomainError('NotFound', `The specified queue does not exist: ${arn}`);
    return q;
  }

  private take(q: Queue, max: number): SourceMessage[] {
    const now = Date.now();
    const blocked = new Set<string>();
    if (q.fifo) for (const m of q.messages) if (m.receiveCount > 0 && m.visibleAtMs > now && m.groupId) blocked.add(m.groupId);
    const out: SourceMessage[] = [];
    const skipped = new Set<string>();
    for (const m of [...q.messages]) {
      if (out.length >= max) break;
      if (m.visibleAtMs > now) {
        if (m.groupId) skipped.add(m.groupId);
        continue;
      }
      if (m.groupId && (blocked.has(m.groupId) || skipped.has(m.groupId))) continue;
      if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
        const dlq = this.queues.get(q.redrive.deadLetterTargetArn);
        q.messages.splice(q.messages.indexOf(m), 1);
        if (dlq) dlq.messages.push({ ...m, receiveCount: 0, visibleAtMs: 0, handle: undefined });
        continue;
      }
      m.receiveCount++;
      m.firstReceiveMs ??= now;
      m.visibleAtMs = now + q.visibilityTimeoutS * 1000;
      m.handle = randomUUID();
      out.push(this.toSource(q, m));
    }
    return out;
  }

  private toSource(q: Queue, m: Msg): SourceMessage {
    const attributes: Record<string, string> = {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentMs),
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveMs),
    };
    if (q.fifo) {
      attributes.MessageGroupId = m.groupId!;
      attributes.MessageDeduplicationId = m.dedupId ?? createHash('sha256').update(m.body).digest('hex');
      attributes.SequenceNumber = String(m.sequence).padStart(20, '0');
    }
    const md5OfAttrs = md5OfAttributes(m.messageAttributes);
    return {
      messageId: m.id,
      receiptHandle: m.handle!,
      body: m.body,
      md5OfBody: md5OfBody(m.body),
      ...(md5OfAttrs !== undefined ? { md5OfMessageAttributes: md5OfAttrs } : {}),
      attributes,
      messageAttributes: m.messageAttributes,
    };
  }

  private nextVisibleInMs(arn: string): number {
    const now = Date.now();
    const next = Math.min(...this.queue(arn).messages.map((m) => m.visibleAtMs).filter((t) => t > now));
    return Number.isFinite(next) ? next - now + 1 : 1_000;
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }

  private waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, Math.max(1, ms));
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
