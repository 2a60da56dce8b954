import type { MessageAttributeValue } from '../domain/delivery';
import { missing, QueueError } from './errors';
import { queueLimits as L } from './limits';

/** What a caller sends: one SendMessage, or one SendMessageBatch entry. */
export interface SendInput {
  body: string | undefined;
  delayS?: number;
  attributes?: Record<string, MessageAttributeValue>;
  groupId?: string;
  dedupId?: string;
  /** MessageSystemAttributes AWSTraceHeader (X-Ray trace header). */
  traceHeader?: string;
}

const invalid = (m: string) => new QueueError('InvalidParameter', m);

/** The characters AWS allows in a body and in string attribute values (#x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF). */
const badChar = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function checkBody(body: string | undefined): string {
  if (body === undefined || body === '') throw missing('MessageBody');
  const m = badChar.exec(body);
  if (m) {
    const code = m[0].codePointAt(0)!.toString(16).toUpperCase();
    throw new QueueError(
      'InvalidMessageContents',
      `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
  return body;
}

/** Message attribute names: [A-Za-z0-9_.-], no leading/trailing or double period, not AWS./Amazon. (any case). */
function checkAttributeName(n: string): void {
  if (
    n.length < 1 || n.length > L.messageAttributeNameCharsMax || !/^[A-Za-z0-9_.-]+$/.test(n) ||
    n.startsWith('.') || n.endsWith('.') || n.includes('..') || /^(aws\.|amazon\.)/i.test(n)
  ) {
    throw invalid(`Message (user) attribute name '${n}' is invalid.`);
  }
}

/** Checks message attributes; returns their size as SQS counts it toward the message size (name + type + value bytes). */
export function checkMessageAttributes(attrs: Record<string, MessageAttributeValue> | undefined): number {
  if (!attrs) return 0;
  const names = Object.keys(attrs);
  if (names.length > L.messageAttributesMax) {
    throw invalid(`Number of message attributes [${names.length}] exceeds the allowed maximum [${L.messageAttributesMax}].`);
  }
  let bytes = 0;
  for (const n of names) {
    checkAttributeName(n);
    const a = attrs[n]!;
    const t = a?.DataType;
    if (typeof t !== 'string' || t === '') throw invalid(`The message attribute '${n}' must contain non-empty message attribute type.`);
    const base = t.split('.')[0];
    if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
      throw invalid(`The type of message (user) attribute '${n}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    }
    if ('StringListValues' in a || 'BinaryListValues' in a) {
      throw invalid(`Message attribute list values in SendMessage are not supported (attribute '${n}').`);
    }
    if (base === 'Binary') {
      if (!a.BinaryValue || a.BinaryValue.length === 0) throw invalid(`Message (user) attribute '${n}' must contain a non-empty value of message attribute type '${t}'.`);
      if (a.StringValue !== undefined) throw invalid(`Message (user) attribute '${n}' with type '${t}' must use field 'Binary'.`);
      bytes += a.BinaryValue.length;
    } else {
      if (typeof a.StringValue !== 'string' || a.StringValue === '') {
        throw invalid(`Message (user) attribute '${n}' must contain a non-empty value of message attribute type '${t}'.`);
      }
      if (a.BinaryValue !== undefined) throw invalid(`Message (user) attribute '${n}' with type '${t}' must use field 'String'.`);
      if (base === 'Number' && !/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(a.StringValue.trim())) {
        throw invalid(`Can't cast the value of message (user) attribute '${n}' to a number.`);
      }
      if (badChar.test(a.StringValue)) throw invalid(`Message (user) attribute '${n}' contains invalid characters.`);
      bytes += Buffer.byteLength(a.StringValue, 'utf8');
    }
    bytes += Buffer.byteLength(n, 'utf8') + Buffer.byteLength(t, 'utf8');
  }
  return bytes;
}

/** Message attributes as stored (sealed): JSON with binary values in base64. */
export function encodeAttributes(attrs: Record<string, MessageAttributeValue>): string {
  const o: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> = {};
  for (const [n, a] of Object.entries(attrs)) {
    o[n] = a.BinaryValue !== undefined ? { DataType: a.DataType, BinaryValue: a.BinaryValue.toString('base64') } : { DataType: a.DataType, StringValue: a.StringValue };
  }
  return JSON.stringify(o);
}

export function decodeAttributes(json: string): Record<string, MessageAttributeValue> {
  const o = JSON.parse(json) as Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [n, a] of Object.entries(o)) {
    out[n] = a.BinaryValue !== undefined ? { DataType: a.DataType, BinaryValue: Buffer.from(a.BinaryValue, 'base64') } : { DataType: a.DataType, StringValue: a.StringValue };
  }
  return out;
}

/** The FIFO ids' alphabet (MessageGroupId, MessageDeduplicationId, ReceiveRequestAttemptId): printable ASCII punctuation and alphanumerics, 1–128. */
export function checkFifoId(param: string, v: string): void {
  if (v.length < 1 || v.length > L.fifoIdCharsMax || !/^[!-~]+$/.test(v)) {
    throw invalid(`Value ${v} for parameter ${param} is invalid. Reason: ${param} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
}

/** `All`, `.*`, an exact name or a `prefix.*` (ReceiveMessage's MessageAttributeNames). */
export function selectAttributes(
  attrs: Record<string, MessageAttributeValue>,
  wanted: string[] | undefined,
): Record<string, MessageAttributeValue> {
  if (!wanted?.length) return {};
  if (wanted.includes('All') || wanted.includes('.*')) return attrs;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [n, a] of Object.entries(attrs)) {
    if (wanted.some((w) => (w.endsWith('.*') ? n.startsWith(w.slice(0, -1)) : w === n))) out[n] = a;
  }
  return out;
}
