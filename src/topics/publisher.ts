import { createHash, randomUUID } from 'node:crypto';
import { parseArn } from '../domain/arn';
import type { TopicStore } from '../store/topics';
import { invalid, TopicsError, type TopicsErrorKind } from './errors';
import { matches, parseFilterPolicy, type FilterPolicy, type FilterScope } from './filter-policy';
import {
  batchEntriesMax, batchEntryIdCharsMax, dedupWindowMs, fifoIdCharsMax, messageAttributeNameCharsMax, messageAttributesMax, messageBytesMax,
  subjectCharsMax,
} from './limits';
import type { PublishedMessage, SubscriptionRecord } from './records';
import type { TopicService } from './topic-service';

/**
 * Publish and PublishBatch: checks a message as SNS does, picks the
 * subscriptions whose filter policy it passes (at publish time, as AWS),
 * and records it with one delivery per subscription in one store
 * transaction. The call returns only after that commit, so an acknowledged
 * message is delivered even if the server dies right after
 * (`delivery-worker.ts` delivers the outbox).
 */

export interface PublishInput {
  topicArn?: string;
  targetArn?: string;
  phoneNumber?: string;
  message?: string;
  subject?: string;
  messageStructure?: string;
  attributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: string }>;
  groupId?: string;
  dedupId?: string;
}

export interface BatchEntry {
  Id?: string;
  Message?: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: PublishInput['attributes'];
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export interface BatchResult {
  successful: { Id: string; MessageId: string; SequenceNumber?: string }[];
  failed: { Id: string; kind: TopicsErrorKind; Message: string; SenderFault: boolean }[];
}

/** Attribute DataTypes: String, Number, Binary and String.Array, each optionally with a `.custom` label. */
const dataTypeRe = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$|^String\.Array$/;
const attributeNameRe = /^(?!\.)(?!.*\.\.)(?!aws\.|amazon\.)[A-Za-z0-9_.-]+(?<!\.)$/i;
const fifoIdRe = /^[\x21-\x7e]+$/;

export class Publisher {
  private seq = 0n;
  private readonly policies = new Map<string, FilterPolicy>();

  constructor(private readonly store: TopicStore, private readonly topics: TopicService, private readonly wake: () => void) {}

  async publish(i: PublishInput): Promise<{ messageId: string; sequenceNumber?: string }> {
    if (i.phoneNumber !== undefined) throw invalid('Invalid parameter: PhoneNumber Reason: Kumo does not send SMS');
    if (i.topicArn !== undefined && i.targetArn !== undefined) throw invalid('Invalid parameter: TopicArn or TargetArn Reason: Only one of them can be set');
    const arn = i.topicArn ?? i.targetArn;
    if (arn === undefined) throw invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    if (i.targetArn !== undefined && parseArn(i.targetArn)?.resource.startsWith('endpoint/')) {
      throw invalid('Invalid parameter: TargetArn Reason: Kumo does not deliver to mobile platform endpoints');
    }
    const topic = await this.topics.topic(this.topics.checkTopicArn(arn, i.topicArn !== undefined ? 'TopicArn' : 'TargetArn'));
    const msg = { ...this.check(i, topic.attributes), topicArn: topic.arn };
    const fifo = topic.attributes.FifoTopic === 'true';
    const subs = await this.store.confirmedSubscriptions(topic.arn);
    const targets = subs.filter((s) => this.passes(s, msg)).map((s) => s.arn);
    const r = await this.store.publishToTopic(msg, targets, fifo ? { id: msg.dedupId!, windowMs: dedupWindowMs } : undefined);
    if (r.kind === 'no-topic') throw new TopicsError('NotFound', 'Topic does not exist');
    if (targets.length && !r.duplicate) this.wake();
    return { messageId: r.messageId, sequenceNumber: r.sequenceNumber };
  }

  async publishBatch(topicArnIn: string | undefined, entries: BatchEntry[]): Promise<BatchResult> {
    const topic = await this.topics.topic(this.topics.checkTopicArn(topicArnIn));
    if (entries.length === 0) throw new TopicsError('EmptyBatchRequest', 'The batch request doesn\'t contain any entries.');
    if (entries.length > batchEntriesMax) throw new TopicsError('TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.');
    const ids = new Set<string>();
    let bytes = 0;
    for (const e of entries) {
      if (typeof e.Id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(e.Id) || e.Id.length > batchEntryIdCharsMax) {
        throw new TopicsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
      }
      if (ids.has(e.Id)) throw new TopicsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
      ids.add(e.Id);
      bytes += messageSize(e.Message ?? '', e.MessageAttributes ?? {});
    }
    if (bytes > messageBytesMax) throw new TopicsError('BatchRequestTooLong', 'The length of all the messages put together is more than the limit.');
    const out: BatchResult = { successful: [], failed: [] };
    for (const e of entries) {
      try {
        const r = await this.publish({
          topicArn: topic.arn, message: e.Message, subject: e.Subject, messageStructure: e.MessageStructure,
          attributes: e.MessageAttributes, groupId: e.MessageGroupId, dedupId: e.MessageDeduplicationId,
        });
        out.successful.push({ Id: e.Id!, MessageId: r.messageId, ...(r.sequenceNumber ? { SequenceNumber: r.sequenceNumber } : {}) });
      } catch (err) {
        // One entry's failure is reported in Failed; the others are still published (AWS).
        if (!(err instanceof TopicsError)) throw err;
        out.failed.push({ Id: e.Id!, kind: err.kind, Message: err.message, SenderFault: true });
      }
    }
    return out;
  }

  private passes(s: SubscriptionRecord, msg: PublishedMessage): boolean {
    const text = s.attributes.FilterPolicy;
    if (!text) return true;
    const scope = (s.attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterScope;
    const key = `${scope}\n${text}`;
    let p = this.policies.get(key);
    if (!p) {
      p = parseFilterPolicy(text, scope); // checked when it was set
      if (this.policies.size > 1000) this.policies.clear();
      this.policies.set(key, p);
    }
    const body = msg.structure === 'json' ? (JSON.parse(msg.message) as Record<string, string>)[s.protocol] ?? JSON.parse(msg.message).default : msg.message;
    return matches(p, { attributes: msg.attributes, body });
  }

  /** Every check of Publish's members, in AWS's order; the message as it will be stored. */
  private check(i: PublishInput, topicAttrs: Record<string, string>): PublishedMessage {
    if (i.message === undefined || i.message === '') throw invalid('Invalid parameter: Empty message');
    const attributes: PublishedMessage['attributes'] = {};
    const given = Object.entries(i.attributes ?? {});
    if (given.length > messageAttributesMax) {
      throw invalid(`Invalid parameter: MessageAttributes Reason: Number of message attributes [${given.length}] exceeds the allowed maximum [${messageAttributesMax}].`);
    }
    for (const [name, a] of given) {
      if (!attributeNameRe.test(name) || name.length > messageAttributeNameCharsMax) {
        throw invalid(`Invalid parameter: MessageAttributes Reason: The message attribute name '${name}' is invalid.`);
      }
      if (!a || typeof a.DataType !== 'string' || !dataTypeRe.test(a.DataType)) {
        throw invalid(`Invalid parameter: MessageAttributes Reason: The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
      }
      const binary = a.DataType.startsWith('Binary');
      const v = binary ? a.BinaryValue : a.StringValue;
      if (v === undefined || v === '') {
        throw invalid(`Invalid parameter: MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${a.DataType.split('.')[0]}'.`);
      }
      if (a.DataType.startsWith('Number') && !Number.isFinite(Number(v))) {
        throw invalid(`Invalid parameter: MessageAttributes Reason: Could not cast message attribute '${name}' value to number.`);
      }
      if (a.DataType === 'String.Array' && !isJsonArray(v)) {
        throw invalid(`Invalid parameter: MessageAttributes Reason: The message attribute '${name}' with type 'String.Array' has an invalid value: ${v}`);
      }
      attributes[name] = binary ? { DataType: a.DataType, BinaryValue: v } : { DataType: a.DataType, StringValue: v };
    }
    if (messageSize(i.message, i.attributes ?? {}) > messageBytesMax) throw invalid('Invalid parameter: Message too long');
    if (i.subject !== undefined) {
      // AWS: ASCII text without line breaks or control characters, under 100 characters.
      if (i.subject === '' || i.subject.length > subjectCharsMax || !/^[\x20-\x7e]+$/.test(i.subject)) throw invalid('Invalid parameter: Subject');
    }
    let structure: 'json' | undefined;
    if (i.messageStructure !== undefined) {
      if (i.messageStructure !== 'json') throw invalid('Invalid parameter: MessageStructure');
      structure = 'json';
      let m: unknown;
      try {
        m = JSON.parse(i.message);
      } catch {
        throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
      if (typeof (m as Record<string, unknown>).default !== 'string') throw invalid('Invalid parameter: Message Structure - No default entry in JSON message body');
      for (const v of Object.values(m)) if (typeof v !== 'string') throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
    }
    const fifo = topicAttrs.FifoTopic === 'true';
    let dedupId = i.dedupId;
    if (fifo) {
      if (i.groupId === undefined) throw invalid('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
      checkFifoId('MessageGroupId', i.groupId);
      if (dedupId === undefined) {
        if (topicAttrs.ContentBasedDeduplication !== 'true') {
          throw invalid('Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
        }
        // Content-based: the SHA-256 of the body (AWS: of the message, not its attributes).
        dedupId = createHash('sha256').update(i.message, 'utf8').digest('hex');
      } else checkFifoId('MessageDeduplicationId', dedupId);
    } else {
      if (i.dedupId !== undefined) {
        throw invalid('Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type');
      }
      if (i.groupId !== undefined) {
        throw invalid('Invalid parameter: MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type');
      }
    }
    return {
      messageId: randomUUID(),
      topicArn: '', // set by the caller, which knows the topic
      message: i.message,
      structure,
      subject: i.subject,
      attributes,
      timestampMs: Date.now(),
      groupId: fifo ? i.groupId : undefined,
      dedupId: fifo ? dedupId : undefined,
      sequenceNumber: fifo ? this.nextSequence() : undefined,
    };
  }

  /** FIFO sequence numbers: 20 digits, increasing within this process (AWS: a large, increasing number per message group). */
  private nextSequence(): string {
    const n = BigInt(Date.now()) * 1_000_000n + (this.seq++ % 1_000_000n);
    return n.toString().padStart(20, '0');
  }
}

function checkFifoId(name: string, v: string): void {
  if (v.length > fifoIdCharsMax || !fifoIdRe.test(v)) throw invalid(`Invalid parameter: ${name} Reason: must be 1 to ${fifoIdCharsMax} printable ASCII characters`);
}

function isJsonArray(v: string): boolean {
  try {
    return Array.isArray(JSON.parse(v));
  } catch {
    return false;
  }
}

/** Message plus its attributes (names, types, values), as AWS counts the 256 KiB. */
function messageSize(message: string, attrs: NonNullable<PublishInput['attributes']>): number {
  let n = Buffer.byteLength(message, 'utf8');
  for (const [k, a] of Object.entries(attrs)) {
    n += Buffer.byteLength(k) + Buffer.byteLength(a?.DataType ?? '') + Buffer.byteLength(a?.StringValue ?? a?.BinaryValue ?? '');
  }
  return n;
}
