import { gatewayError } from '../../gateway/errors';
import type { Members, OperationContext } from '../../gateway/service';
import type { MessageAttributeValue } from '../../domain/delivery';
import { missing, QueueError } from '../../queues/errors';
import { sqsErrors } from './errors';

/**
 * Reading SQS's members. JSON requests carry AWS's member names and types;
 * query requests (older SDKs and CLIs) carry the model's XML names with
 * flattened lists and maps (`Attribute.1.Name`, `MessageAttribute.1.Value.DataType`,
 * `SendMessageBatchRequestEntry.1.Id`, `Tag.1.Key`, `AttributeName.1`) and
 * every value as a string: `fromQuery` rewrites them to the JSON names and
 * types first, so each operation reads one shape.
 */

const integerMembers = new Set(['DelaySeconds', 'MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds', 'MaxResults', 'MaxNumberOfMessagesPerSecond']);

/** Flattened list name (query) → JSON member. */
const lists: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
  // AddPermission: `AWSAccountId.N`, `ActionName.N` (the query model's locationNames of AWSAccountIds and Actions).
  AWSAccountId: 'AWSAccountIds',
  ActionName: 'Actions',
  SendMessageBatchRequestEntry: 'Entries',
  DeleteMessageBatchRequestEntry: 'Entries',
  ChangeMessageVisibilityBatchRequestEntry: 'Entries',
};

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function queryMap(v: unknown, key: string, value: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of asList(v)) {
    const o = (e ?? {}) as Record<string, unknown>;
    if (typeof o[key] === 'string') out[o[key] as string] = o[value];
  }
  return out;
}

function fromQueryMembers(input: Members): Members {
  const out: Members = {};
  for (const [k, v] of Object.entries(input)) {
    if (k === 'Attribute') out.Attributes = queryMap(v, 'Name', 'Value');
    else if (k === 'MessageAttribute') out.MessageAttributes = queryMap(v, 'Name', 'Value');
    else if (k === 'MessageSystemAttribute') out.MessageSystemAttributes = queryMap(v, 'Name', 'Value');
    else if (k === 'Tag') out[input.QueueName !== undefined ? 'tags' : 'Tags'] = queryMap(v, 'Key', 'Value');
    else if (lists[k]) out[lists[k]] = asList(v).map((e) => (typeof e === 'object' && e !== null ? fromQueryMembers(e as Members) : e));
    else if (integerMembers.has(k) && typeof v === 'string' && /^-?[0-9]+$/.test(v)) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

export function normalise(input: Members, ctx: OperationContext): Members {
  if (ctx.protocol !== 'query') return input;
  const out = fromQueryMembers(input);
  // Query clients POST to the queue URL and may leave QueueUrl out.
  if (out.QueueUrl === undefined && /^\/[^/]+\/[^/]+$/.test(ctx.path)) out.QueueUrl = ctx.path;
  return out;
}

const wrong = (name: string) => gatewayError('SerializationException', `Unexpected value type in payload for member '${name}'`, sqsErrors);

export function str(m: Members, name: string): string | undefined {
  const v = m[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrong(name);
  return v;
}

export function reqStr(m: Members, name: string): string {
  const v = str(m, name);
  if (v === undefined) throw missing(name);
  return v;
}

export function int(m: Members, name: string): number | undefined {
  const v = m[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') throw new QueueError('InvalidParameter', `Value ${v} for parameter ${name} is invalid. Reason: Must be an integer.`);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrong(name);
  return v;
}

export function strList(m: Members, name: string): string[] | undefined {
  const v = m[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw wrong(name);
  return v as string[];
}

export function strMap(m: Members, name: string): Record<string, string> {
  const v = m[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) throw wrong(name);
  return v as Record<string, string>;
}

export function objList(m: Members, name: string): Members[] {
  const v = m[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'object' && x !== null)) throw wrong(name);
  return v as Members[];
}

/** MessageAttributes: BinaryValue is base64 in both protocols. */
export function messageAttributes(m: Members): Record<string, MessageAttributeValue> | undefined {
  const v = m.MessageAttributes;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrong('MessageAttributes');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [n, raw] of Object.entries(v as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null) throw wrong(`MessageAttributes.${n}`);
    const a = raw as Record<string, unknown>;
    const val: MessageAttributeValue & Record<string, unknown> = { DataType: typeof a.DataType === 'string' ? a.DataType : '' };
    if (a.StringValue !== undefined) {
      if (typeof a.StringValue !== 'string') throw wrong(`MessageAttributes.${n}.StringValue`);
      val.StringValue = a.StringValue;
    }
    if (a.BinaryValue !== undefined) {
      if (typeof a.BinaryValue !== 'string') throw wrong(`MessageAttributes.${n}.BinaryValue`);
      val.BinaryValue = Buffer.from(a.BinaryValue, 'base64');
    }
    if (a.StringListValues !== undefined || a.StringListValue !== undefined) val.StringListValues = true;
    if (a.BinaryListValues !== undefined || a.BinaryListValue !== undefined) val.BinaryListValues = true;
    out[n] = val;
  }
  return out;
}
