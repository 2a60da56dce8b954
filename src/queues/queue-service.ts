import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '../domain/delivery';
import { parseArn, queueArn } from '../domain/arn';
import type { Keyring } from '../keys/keyring';
import type { QueueRecord, QueueStore, StoredQueueMessage } from '../store/queues';
import {
  allAttributeNames, checkAttributes, checkFifoCombination, defaultAttributes, parseRedrivePolicy, readOnlyAttributes, redriveAllowed,
} from './attributes';
import { invalidValue, missing, QueueError, queueNotFound } from './errors';
import { longPollRecheckMs, queuePolicyCache, queueLimits as L } from './limits';
import { checkPermission, withoutPermission, withPermission, type PermissionInput } from './permissions';
import { ResourcePolicyCache } from '../identity/resource-policies';
import type { ResourcePolicySource } from '../identity/types';
import { md5OfAttributes, md5OfBody } from './md5';
import {
  checkBody, checkFifoId, checkMessageAttributes, decodeAttributes, encodeAttributes, selectAttributes, type SendInput,
} from './messages';
import { Wakeups } from './wakeups';

export type { SendInput } from './messages';

export interface QueueScope {
  region: string;
  accountId: string;
}

export interface SentMessage {
  messageId: string;
  md5OfBody: string;
  md5OfAttributes?: string;
  md5OfSystemAttributes?: string;
  sequenceNumber?: string;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  md5OfAttributes?: string;
  /** System attributes that were asked for. */
  attributes: Record<string, string>;
  messageAttributes: Record<string, MessageAttributeValue>;
}

export interface ReceiveInput {
  max?: number;
  waitS?: number;
  visibilityS?: number;
  /** System attribute names (AttributeNames and MessageSystemAttributeNames together). */
  systemAttributes?: string[];
  messageAttributes?: string[];
  attemptId?: string;
  signal?: AbortSignal;
}

/** One entry's outcome in a batch: its id and either the result or the error it failed with. */
export type EntryResult<T> = { id: string; ok: T } | { id: string; error: QueueError };

const systemAttributeNames = new Set([
  'All', 'ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'AWSTraceHeader', 'SenderId', 'SentTimestamp',
  'MessageDeduplicationId', 'MessageGroupId', 'SequenceNumber', 'DeadLetterQueueSourceArn',
]);

const queueNamePattern = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The queue service (Amazon SQS semantics), knowing no HTTP: queues named by
 * name (the service folder turns URLs into names), messages sealed with the
 * Keyring before they reach the store, long polls woken by sends.
 * `source.ts` adapts it to the `QueueSource` Lambda's event source mappings
 * poll and to the `sqs` delivery sink other services send through.
 */
export class QueueService implements ResourcePolicySource {
  private readonly wakeups = new Wakeups();
  /** PurgeQueue's one-per-minute rule, per queue (this process). */
  private readonly lastPurgeMs = new Map<string, number>();
  /** Queue policies as the authorizer reads them (`policyOf`), by queue name. */
  private readonly policies: ResourcePolicyCache;

  constructor(
    private readonly store: QueueStore,
    private readonly keyring: Keyring,
    private readonly scope: QueueScope,
  ) {
    this.policies = new ResourcePolicyCache(async (name) => (await this.store.getQueue(name))?.attributes.Policy, queuePolicyCache);
  }

  /**
   * The `sqs` ResourcePolicySource (identity/authorizer.ts): the Policy of
   * the queue a call names by ARN, from memory while the entry is fresh
   * (`queuePolicyCache`); undefined for a queue without one, or an ARN of
   * another region or account.
   */
  policyOf(resourceArn: string): string | undefined | Promise<string | undefined> {
    const name = this.nameOfArn(resourceArn);
    return name === undefined ? undefined : this.policies.get(name);
  }

  /** SenderId of messages other Kumo services deliver (AWS shows the sending service's principal; Kumo has one account). */
  get senderOfServices(): string {
    return this.scope.accountId;
  }

  arnOf(name: string): string {
    return queueArn(this.scope, name);
  }

  /** The queue name an ARN of this region and account names (undefined otherwise). */
  nameOfArn(arn: string): string | undefined {
    const a = parseArn(arn);
    return a && a.service === 'sqs' && a.region === this.scope.region && a.account === this.scope.accountId ? a.resource : undefined;
  }

  private async queue(name: string): Promise<QueueRecord> {
    const q = await this.store.getQueue(name);
    if (!q) throw queueNotFound();
    return q;
  }

  // ---- Queues --------------------------------------------------------------

  async createQueue(name: string, attrs: Record<string, string>, tags: Record<string, string>): Promise<QueueRecord> {
    const fifo = name.endsWith('.fifo');
    const base = fifo ? name.slice(0, -5) : name;
    if (name.length > L.queueNameCharsMax || !queueNamePattern.test(base)) {
      throw new QueueError('InvalidParameter', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    // A `.fifo` name without FifoQueue=true is an invalid standard name; FifoQueue=true needs the suffix.
    if (fifo && attrs.FifoQueue !== 'true') {
      throw new QueueError('InvalidParameter', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    if (!fifo && attrs.FifoQueue === 'true') {
      throw new QueueError(
        'InvalidParameter',
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    }
    const given = checkAttributes(attrs, fifo, true);
    if (!fifo) delete given.FifoQueue;
    const all = { ...defaultAttributes(fifo), ...given };
    if (fifo) checkFifoCombination(all);
    checkTags(tags, 0);
    const dlq = await this.checkRedrive(name, fifo, all.RedrivePolicy);
    const r = await this.store.createQueue({ name, attributes: all, tags, deadLetterTarget: dlq });
    this.policies.forget(name);
    if (!r.created) {
      // AWS: idempotent when every given attribute equals the existing queue's.
      for (const [k, v] of Object.entries(given)) {
        if (r.queue.attributes[k] !== v) {
          throw new QueueError('QueueExists', `A queue already exists with the same name and a different value for attribute ${k}`);
        }
      }
    }
    return r.queue;
  }

  /** RedrivePolicy's target must exist, be of the same type and allow this source; returns its name. */
  private async checkRedrive(name: string, fifo: boolean, policy: string | undefined): Promise<string | null> {
    if (!policy) return null;
    const p = parseRedrivePolicy(policy);
    const target = this.nameOfArn(p.deadLetterTargetArn);
    const dlq = target === undefined ? undefined : await this.store.getQueue(target);
    const bad = (reason: string) => new QueueError('InvalidParameter', `Value ${policy} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
    if (!dlq || target === undefined) throw bad('Dead-letter target does not exist.');
    if ((dlq.attributes.FifoQueue === 'true') !== fifo) throw bad('Dead-letter queue must be same type of queue as the source.');
    if (!redriveAllowed(dlq.attributes, this.arnOf(name))) throw bad("Dead-letter target's RedriveAllowPolicy does not allow this source queue.");
    return target;
  }

  async getQueueUrlName(name: string, ownerAccountId: string | undefined): Promise<string> {
    if (ownerAccountId !== undefined && ownerAccountId !== this.scope.accountId) throw queueNotFound();
    return (await this.queue(name)).name;
  }

  async listQueues(prefix: string | undefined, maxResults: number | undefined, nextToken: string | undefined): Promise<{ names: string[]; nextToken?: string }> {
    if (maxResults !== undefined && (maxResults < 1 || maxResults > L.listResultsMax)) {
      throw invalidValue('MaxResults', maxResults, `Must be between 1 and ${L.listResultsMax}, if provided.`);
    }
    const afterName = nextToken === undefined ? undefined : decodeToken(nextToken);
    const limit = maxResults ?? L.listResultsMax;
    const names = await this.store.listQueues({ prefix, afterName, limit: limit + 1 });
    const more = maxResults !== undefined && names.length > limit;
    const page = names.slice(0, limit);
    return { names: page, nextToken: more ? encodeToken(page[page.length - 1]!) : undefined };
  }

  async deleteQueue(name: string): Promise<void> {
    const gone = await this.store.deleteQueue(name);
    this.policies.forget(name);
    if (!gone) throw queueNotFound();
  }

  async getAttributes(name: string, wanted: string[]): Promise<Record<string, string>> {
    for (const w of wanted) if (w !== 'All' && !allAttributeNames.has(w)) throw new QueueError('UnknownAttribute', `Unknown Attribute ${w}.`);
    const q = await this.queue(name);
    const all = wanted.includes('All');
    const want = (n: string) => all || wanted.includes(n);
    const out: Record<string, string> = {};
    if (want('QueueArn')) out.QueueArn = this.arnOf(name);
    if (readOnlyAttributes.some((n) => n.startsWith('Approximate') && want(n))) {
      const c = await this.store.queueCounts(name, Number(q.attributes.MessageRetentionPeriod));
      if (!c) throw queueNotFound();
      if (want('ApproximateNumberOfMessages')) out.ApproximateNumberOfMessages = String(c.visible);
      if (want('ApproximateNumberOfMessagesNotVisible')) out.ApproximateNumberOfMessagesNotVisible = String(c.inFlight);
      if (want('ApproximateNumberOfMessagesDelayed')) out.ApproximateNumberOfMessagesDelayed = String(c.delayed);
    }
    if (want('CreatedTimestamp')) out.CreatedTimestamp = String(Math.floor(q.createdMs / 1000));
    if (want('LastModifiedTimestamp')) out.LastModifiedTimestamp = String(Math.floor(q.modifiedMs / 1000));
    for (const [k, v] of Object.entries(q.attributes)) if (want(k)) out[k] = v;
    return out;
  }

  async setAttributes(name: string, attrs: Record<string, string>): Promise<void> {
    const q = await this.queue(name);
    const fifo = q.attributes.FifoQueue === 'true';
    const given = checkAttributes(attrs, fifo, false);
    if (fifo) checkFifoCombination({ ...q.attributes, ...given });
    let dlq: string | null | undefined;
    if ('RedrivePolicy' in given) dlq = await this.checkRedrive(name, fifo, given.RedrivePolicy);
    const found = await this.store.setQueueAttributes(name, given, dlq);
    if ('Policy' in given) this.policies.forget(name);
    if (!found) throw queueNotFound();
  }

  /**
   * AddPermission: a statement for the accounts and actions, labelled, added
   * to the queue's Policy in one store transaction (concurrent calls never
   * lose one another's statement).
   */
  async addPermission(name: string, p: PermissionInput): Promise<void> {
    await this.queue(name);
    const checked = checkPermission(p);
    const arn = this.arnOf(name);
    const found = await this.store.editQueueAttribute(name, 'Policy', (cur) => withPermission(cur, arn, checked));
    this.policies.forget(name);
    if (!found) throw queueNotFound();
  }

  /** RemovePermission: the statement of that label leaves the Policy (and the Policy goes with its last statement). */
  async removePermission(name: string, label: string): Promise<void> {
    await this.queue(name);
    const found = await this.store.editQueueAttribute(name, 'Policy', (cur) => withoutPermission(cur, label));
    this.policies.forget(name);
    if (!found) throw queueNotFound();
  }

  async listTags(name: string): Promise<Record<string, string>> {
    return (await this.queue(name)).tags;
  }

  async tagQueue(name: string, tags: Record<string, string>): Promise<void> {
    checkTags(tags, 1);
    const r = await this.store.changeQueueTags(name, { set: tags }, L.tagsMax);
    if (r === 'no-queue') throw queueNotFound();
    if (r === 'too-many') throw new QueueError('InvalidParameter', `Too many tags added for queue ${name}.`);
  }

  async untagQueue(name: string, keys: string[]): Promise<void> {
    if (!keys.length) throw missing('TagKeys');
    const r = await this.store.changeQueueTags(name, { remove: keys }, L.tagsMax);
    if (r === 'no-queue') throw queueNotFound();
  }

  async deadLetterSources(name: string, maxResults: number | undefined, nextToken: string | undefined): Promise<{ names: string[]; nextToken?: string }> {
    await this.queue(name);
    if (maxResults !== undefined && (maxResults < 1 || maxResults > L.listResultsMax)) {
      throw invalidValue('MaxResults', maxResults, `Must be between 1 and ${L.listResultsMax}, if provided.`);
    }
    const limit = maxResults ?? L.listResultsMax;
    const names = await this.store.deadLetterSources(name, nextToken === undefined ? undefined : decodeToken(nextToken), limit + 1);
    const page = names.slice(0, limit);
    return { names: page, nextToken: maxResults !== undefined && names.length > limit ? encodeToken(page[page.length - 1]!) : undefined };
  }

  /** For move tasks: the store's move, and the visible count a task starts with. */
  moveSome(from: string, to: string | null, limit: number): Promise<number> {
    return this.store.moveMessages(from, to, limit);
  }

  async exists(name: string): Promise<boolean> {
    return (await this.store.getQueue(name)) !== undefined;
  }

  async hasDeadLetterSources(name: string): Promise<boolean> {
    return (await this.store.deadLetterSources(name, undefined, 1)).length > 0;
  }

  async purge(name: string): Promise<void> {
    await this.queue(name);
    const last = this.lastPurgeMs.get(name);
    const now = Date.now();
    if (last !== undefined && now - last < L.purgeIntervalMs) {
      throw new QueueError('PurgeInProgress', `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`);
    }
    if (!(await this.store.purgeQueue(name))) throw queueNotFound();
    this.lastPurgeMs.set(name, now);
  }

  // ---- Messages ------------------------------------------------------------

  /** SendMessage / SendMessageBatch: every entry checked on its own; the valid ones stored in one transaction. */
  async sendMessages(name: string, entries: (SendInput & { id: string })[], senderId: string): Promise<EntryResult<SentMessage>[]> {
    const q = await this.queue(name);
    const fifo = q.attributes.FifoQueue === 'true';
    const results: EntryResult<SentMessage>[] = [];
    const valid: { i: number; msg: import('../store/queues').NewQueueMessage; sent: SentMessage }[] = [];
    for (const e of entries) {
      try {
        const body = checkBody(e.body);
        const attrBytes = checkMessageAttributes(e.attributes);
        const max = Number(q.attributes.MaximumMessageSize);
        if (Buffer.byteLength(body, 'utf8') + attrBytes > max) {
          throw new QueueError('InvalidParameter', `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
        }
        if (e.delayS !== undefined && (!Number.isInteger(e.delayS) || e.delayS < 0 || e.delayS > L.delaySMax)) {
          throw invalidValue('DelaySeconds', e.delayS, `Must be >= 0 and <= ${L.delaySMax}, if provided.`);
        }
        let dedupId = e.dedupId;
        if (fifo) {
          if (e.delayS !== undefined && e.delayS !== 0) {
            throw invalidValue('DelaySeconds', e.delayS, 'The request include parameter that is not valid for this queue type');
          }
          if (e.groupId === undefined) throw missing('MessageGroupId');
          checkFifoId('MessageGroupId', e.groupId);
          if (dedupId === undefined) {
            if (q.attributes.ContentBasedDeduplication !== 'true') {
              throw new QueueError('InvalidParameter', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
            }
            dedupId = createHash('sha256').update(body, 'utf8').digest('hex');
          } else checkFifoId('MessageDeduplicationId', dedupId);
        } else if (e.groupId !== undefined || e.dedupId !== undefined) {
          const p = e.groupId !== undefined ? 'MessageGroupId' : 'MessageDeduplicationId';
          throw invalidValue(p, e.groupId ?? e.dedupId, 'The request include parameter that is not valid for this queue type');
        }
        const messageId = randomUUID();
        const attrs = e.attributes && Object.keys(e.attributes).length ? e.attributes : undefined;
        valid.push({
          i: results.length,
          msg: {
            messageId,
            body: this.keyring.sealBytes(Buffer.from(body, 'utf8'), messageId),
            attributes: attrs ? this.keyring.sealBytes(Buffer.from(encodeAttributes(attrs), 'utf8'), messageId) : null,
            senderId,
            delayS: e.delayS ?? Number(q.attributes.DelaySeconds),
            groupId: fifo ? e.groupId : undefined,
            dedupId: fifo ? dedupId : undefined,
            ...(e.traceHeader !== undefined ? { traceHeader: e.traceHeader } : {}),
          },
          sent: {
            messageId, md5OfBody: md5OfBody(body), md5OfAttributes: attrs ? md5OfAttributes(attrs) : undefined,
            // AWS's MD5OfMessageSystemAttributes: the message-attribute digest over the system attributes.
            ...(e.traceHeader !== undefined ? { md5OfSystemAttributes: md5OfAttributes({ AWSTraceHeader: { DataType: 'String', StringValue: e.traceHeader } }) } : {}),
          },
        });
        results.push({ id: e.id, ok: valid[valid.length - 1]!.sent });
      } catch (err) {
        if (!(err instanceof QueueError)) throw err;
        results.push({ id: e.id, error: err });
      }
    }
    if (!valid.length) return results;
    const stored = await this.store.sendMessages(name, valid.map((v) => v.msg), fifo ? { dedupWindowS: L.dedupWindowS, perGroup: q.attributes.DeduplicationScope === 'messageGroup' } : undefined);
    if (!stored) throw queueNotFound();
    stored.forEach((s, k) => {
      const v = valid[k]!;
      v.sent.messageId = s.messageId;
      v.sent.sequenceNumber = s.sequenceNumber;
    });
    this.wakeups.wake(name);
    return results;
  }

  async receiveMessages(name: string, r: ReceiveInput): Promise<ReceivedMessage[]> {
    const q = await this.queue(name);
    const fifo = q.attributes.FifoQueue === 'true';
    const max = r.max ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > L.receiveMessagesMax) {
      throw invalidValue('MaxNumberOfMessages', max, `Must be between 1 and ${L.receiveMessagesMax}, if provided.`);
    }
    const waitS = r.waitS ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds);
    if (!Number.isInteger(waitS) || waitS < 0 || waitS > L.waitSMax) {
      throw invalidValue('WaitTimeSeconds', waitS, `Must be >= 0 and <= ${L.waitSMax}, if provided.`);
    }
    const visibilityS = r.visibilityS ?? Number(q.attributes.VisibilityTimeout);
    if (!Number.isInteger(visibilityS) || visibilityS < 0 || visibilityS > L.visibilitySMax) {
      throw invalidValue('VisibilityTimeout', visibilityS, `Must be >= 0 and <= ${L.visibilitySMax}, if provided.`);
    }
    for (const a of r.systemAttributes ?? []) {
      if (!systemAttributeNames.has(a)) throw new QueueError('UnknownAttribute', `Unknown Attribute ${a}.`);
    }
    if (r.attemptId !== undefined) checkFifoId('ReceiveRequestAttemptId', r.attemptId);
    let redrive: { targetQueue: string; maxReceiveCount: number } | undefined;
    if (q.attributes.RedrivePolicy) {
      const p = parseRedrivePolicy(q.attributes.RedrivePolicy);
      const target = this.nameOfArn(p.deadLetterTargetArn);
      if (target !== undefined) redrive = { targetQueue: target, maxReceiveCount: p.maxReceiveCount };
    }
    const opts = {
      max, visibilityS, fifo, retentionS: Number(q.attributes.MessageRetentionPeriod), redrive,
      attemptId: fifo ? r.attemptId : undefined, attemptWindowS: L.dedupWindowS,
      inFlightMax: fifo ? L.inFlightFifoMax : L.inFlightStandardMax,
    };
    const deadline = Date.now() + waitS * 1000;
    for (;;) {
      const got = await this.store.receiveMessages(name, opts);
      if (!got) throw queueNotFound();
      // At the in-flight quota a standard queue answers OverLimit; a FIFO queue answers no messages (quotas-messages.html).
      if (got === 'over-limit') {
        if (fifo) return [];
        throw new QueueError('OverLimit', `The maximum number of in flight messages (${L.inFlightStandardMax}) is reached for the queue ${name}.`);
      }
      if (got.length || Date.now() >= deadline || r.signal?.aborted) {
        return got.map((m) => this.open(m, r.systemAttributes ?? [], r.messageAttributes));
      }
      await this.wakeups.wait(name, Math.min(longPollRecheckMs, deadline - Date.now()), r.signal);
    }
  }

  private open(m: StoredQueueMessage, sys: string[], wantedAttrs: string[] | undefined): ReceivedMessage {
    const body = this.keyring.openBytes(m.body, m.messageId).toString('utf8');
    const all = m.attributes ? decodeAttributes(this.keyring.openBytes(m.attributes, m.messageId).toString('utf8')) : {};
    const messageAttributes = selectAttributes(all, wantedAttrs);
    const every: Record<string, string | undefined> = {
      SenderId: m.senderId,
      AWSTraceHeader: m.traceHeader,
      SentTimestamp: String(m.sentMs),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveMs),
      MessageGroupId: m.groupId,
      MessageDeduplicationId: m.dedupId,
      SequenceNumber: m.sequenceNumber,
      DeadLetterQueueSourceArn: m.sourceQueue === undefined ? undefined : this.arnOf(m.sourceQueue),
    };
    const attributes: Record<string, string> = {};
    const allSys = sys.includes('All');
    for (const [k, v] of Object.entries(every)) if (v !== undefined && (allSys || sys.includes(k))) attributes[k] = v;
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle,
      body,
      md5OfBody: md5OfBody(body),
      md5OfAttributes: Object.keys(messageAttributes).length ? md5OfAttributes(messageAttributes) : undefined,
      attributes,
      messageAttributes,
    };
  }

  /** DeleteMessage / DeleteMessageBatch: a malformed handle fails its entry; a stale one succeeds (AWS). */
  async deleteEntries(name: string, entries: { id: string; receiptHandle: string }[]): Promise<EntryResult<true>[]> {
    await this.queue(name);
    const r = await this.store.deleteMessages(name, entries.map((e) => e.receiptHandle));
    return entries.map((e, i) =>
      r[i] === 'ok' ? { id: e.id, ok: true as const } : { id: e.id, error: invalidHandle(e.receiptHandle) },
    );
  }

  async changeVisibilityEntries(name: string, entries: { id: string; receiptHandle: string; visibilityS: number }[]): Promise<EntryResult<true>[]> {
    await this.queue(name);
    const out: EntryResult<true>[] = [];
    const ok: { i: number; receiptHandle: string; visibilityS: number }[] = [];
    for (const e of entries) {
      if (!Number.isInteger(e.visibilityS) || e.visibilityS < 0 || e.visibilityS > L.visibilitySMax) {
        out.push({ id: e.id, error: invalidValue('VisibilityTimeout', e.visibilityS, `Must be >= 0 and <= ${L.visibilitySMax}, if provided.`) });
      } else {
        ok.push({ i: out.length, receiptHandle: e.receiptHandle, visibilityS: e.visibilityS });
        out.push({ id: e.id, ok: true });
      }
    }
    const r = await this.store.changeVisibility(name, ok);
    ok.forEach((e, k) => {
      const id = out[e.i]!.id;
      if (r[k] === 'invalid') out[e.i] = { id, error: invalidHandle(e.receiptHandle) };
      else if (r[k] === 'expired') {
        out[e.i] = { id, error: new QueueError('InvalidParameter', `Value ${e.receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`) };
      } else if (r[k] === 'not-inflight') out[e.i] = { id, error: new QueueError('NotInFlight', 'Message does not exist or is not available for visibility timeout change.') };
    });
    if (r.some((x) => x === 'ok')) this.wakeups.wake(name);
    return out;
  }
}

function invalidHandle(h: string): QueueError {
  return new QueueError('InvalidReceiptHandle', `The input receipt handle "${h}" is not a valid receipt handle.`);
}

function checkTags(tags: Record<string, string>, min: number): void {
  const keys = Object.keys(tags);
  if (keys.length < min) throw missing('Tags');
  if (keys.length > L.tagsMax) throw new QueueError('InvalidParameter', `Too many tags added for queue.`);
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > L.tagKeyCharsMax) throw invalidValue('Tags', k, `Tag keys must be between 1 and ${L.tagKeyCharsMax} characters.`);
    if (typeof v !== 'string' || v.length > L.tagValueCharsMax) throw invalidValue('Tags', v, `Tag values must be at most ${L.tagValueCharsMax} characters.`);
  }
}

const encodeToken = (name: string) => Buffer.from(JSON.stringify({ after: name })).toString('base64');
function decodeToken(t: string): string {
  try {
    const o = JSON.parse(Buffer.from(t, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof o.after === 'string') return o.after;
  } catch {
    // fall through
  }
  throw new QueueError('InvalidParameter', 'Invalid NextToken value.');
}
