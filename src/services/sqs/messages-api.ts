import type { Members, Operation } from '../../gateway/service';
import type { MessageAttributeValue } from '../../domain/delivery';
import { QueueError } from '../../queues/errors';
import { queueLimits as L } from '../../queues/limits';
import type { EntryResult, ReceivedMessage, SendInput, SentMessage } from '../../queues/queue-service';
import { int, messageAttributes, objList, reqStr, str, strList } from './decode';
import { batchFailure, sqsError } from './errors';
import { op, queueNameOf, type SqsDeps } from './operation';

/** Largest SendMessage(Batch) request body: a 1 MiB message escaped for JSON or a form can grow several-fold. */
const sendBodyBytesMax = 8 * 1024 * 1024;

function sendInput(m: Members): SendInput {
  return {
    traceHeader: traceHeaderOf(m.MessageSystemAttributes),
    body: str(m, 'MessageBody'),
    delayS: int(m, 'DelaySeconds'),
    attributes: messageAttributes(m),
    groupId: str(m, 'MessageGroupId'),
    dedupId: str(m, 'MessageDeduplicationId'),
  };
}

/**
 * MessageSystemAttributes: AWSTraceHeader (a String) is the only one AWS
 * takes ("Currently, the only supported message system attribute is
 * AWSTraceHeader. Its type must be String"); anything else is refused.
 */
function traceHeaderOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new QueueError('InvalidParameter', 'MessageSystemAttributes must be a map.');
  let out: string | undefined;
  for (const [name, a] of Object.entries(v as Record<string, unknown>)) {
    if (name !== 'AWSTraceHeader') throw new QueueError('InvalidParameter', `Message system attribute name '${name}' is invalid.`);
    const av = a as { DataType?: unknown; StringValue?: unknown } | null;
    if (!av || av.DataType !== 'String' || typeof av.StringValue !== 'string' || av.StringValue === '') {
      throw new QueueError('InvalidParameter', 'Message system attribute AWSTraceHeader must have DataType String and a StringValue.');
    }
    out = av.StringValue;
  }
  return out;
}

const sentShape = (s: SentMessage) => ({
  MessageId: s.messageId, MD5OfMessageBody: s.md5OfBody, MD5OfMessageAttributes: s.md5OfAttributes,
  MD5OfMessageSystemAttributes: s.md5OfSystemAttributes, SequenceNumber: s.sequenceNumber,
});

function attrShape(a: Record<string, MessageAttributeValue>): Record<string, Members> {
  const out: Record<string, Members> = {};
  for (const [n, v] of Object.entries(a)) {
    out[n] = v.BinaryValue !== undefined ? { DataType: v.DataType, BinaryValue: v.BinaryValue.toString('base64') } : { DataType: v.DataType, StringValue: v.StringValue };
  }
  return out;
}

const messageShape = (r: ReceivedMessage) => ({
  MessageId: r.messageId,
  ReceiptHandle: r.receiptHandle,
  MD5OfBody: r.md5OfBody,
  Body: r.body,
  Attributes: Object.keys(r.attributes).length ? r.attributes : undefined,
  MD5OfMessageAttributes: r.md5OfAttributes,
  MessageAttributes: Object.keys(r.messageAttributes).length ? attrShape(r.messageAttributes) : undefined,
});

/** The checks every batch request makes before any entry runs (AWS's messages). */
function batchEntries(m: Members, entryName: string): Members[] {
  const entries = objList(m, 'Entries');
  if (!entries.length) throw new QueueError('BatchEmpty', `There should be at least one ${entryName} in the request.`);
  if (entries.length > L.batchEntriesMax) {
    throw new QueueError('BatchTooMany', `Maximum number of entries per request are ${L.batchEntriesMax}. You have sent ${entries.length}.`);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const id = reqStr(e, 'Id');
    if (!/^[A-Za-z0-9_-]+$/.test(id) || id.length > L.batchIdCharsMax) {
      throw new QueueError('BatchIdInvalid', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (seen.has(id)) throw new QueueError('BatchIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return entries;
}

function batchAnswer<T>(results: EntryResult<T>[], success: (id: string, ok: T) => Members): Members {
  const ok = results.filter((r): r is { id: string; ok: T } => 'ok' in r);
  const failed = results.filter((r): r is { id: string; error: QueueError } => 'error' in r);
  return { Successful: ok.map((r) => success(r.id, r.ok)), Failed: failed.map((r) => batchFailure(r.id, r.error)) };
}

/** Throws a single-entry operation's failure as the operation's error. */
function only<T>(results: EntryResult<T>[]): T {
  const r = results[0]!;
  if ('error' in r) throw r.error;
  return r.ok;
}

/** Message operations: send, receive, delete, change visibility (single and batch). */
export function messageOperations(d: SqsDeps): Record<string, Operation> {
  const name = (m: Members) => queueNameOf(str(m, 'QueueUrl'), d.accountId);
  const sender = (accessKeyId: string | undefined) => accessKeyId ?? d.accountId;
  return {
    SendMessage: op('SendMessage', async (m, ctx) => {
      const q = name(m);
      return sentShape(only(await d.queues.sendMessages(q, [{ id: '0', ...sendInput(m) }], sender(ctx.accessKeyId))));
    }, sendBodyBytesMax),
    SendMessageBatch: op('SendMessageBatch', async (m, ctx) => {
      const q = name(m);
      const entries = batchEntries(m, 'SendMessageBatchRequestEntry').map((e) => ({ id: reqStr(e, 'Id'), ...sendInput(e) }));
      let bytes = 0;
      for (const e of entries) {
        bytes += Buffer.byteLength(e.body ?? '', 'utf8');
        for (const [n, a] of Object.entries(e.attributes ?? {})) {
          bytes += Buffer.byteLength(n) + Buffer.byteLength(a.DataType) + (a.BinaryValue?.length ?? Buffer.byteLength(a.StringValue ?? ''));
        }
      }
      if (bytes > L.batchBytesMax) {
        throw new QueueError('BatchTooLong', `Batch requests cannot be longer than ${L.batchBytesMax} bytes. You have sent ${bytes} bytes.`);
      }
      const r = await d.queues.sendMessages(q, entries, sender(ctx.accessKeyId));
      return batchAnswer(r, (id, s) => ({ Id: id, ...sentShape(s) }));
    }, sendBodyBytesMax),
    ReceiveMessage: op('ReceiveMessage', async (m) => {
      const q = name(m);
      const sys = [...(strList(m, 'AttributeNames') ?? []), ...(strList(m, 'MessageSystemAttributeNames') ?? [])];
      const got = await d.queues.receiveMessages(q, {
        max: int(m, 'MaxNumberOfMessages'),
        waitS: int(m, 'WaitTimeSeconds'),
        visibilityS: int(m, 'VisibilityTimeout'),
        systemAttributes: sys,
        messageAttributes: strList(m, 'MessageAttributeNames'),
        attemptId: str(m, 'ReceiveRequestAttemptId'),
      });
      return { Messages: got.length ? got.map(messageShape) : undefined };
    }),
    DeleteMessage: op('DeleteMessage', async (m) => {
      only(await d.queues.deleteEntries(name(m), [{ id: '0', receiptHandle: reqStr(m, 'ReceiptHandle') }]));
      return undefined;
    }),
    DeleteMessageBatch: op('DeleteMessageBatch', async (m) => {
      const q = name(m);
      const entries = batchEntries(m, 'DeleteMessageBatchRequestEntry').map((e) => ({ id: reqStr(e, 'Id'), receiptHandle: reqStr(e, 'ReceiptHandle') }));
      return batchAnswer(await d.queues.deleteEntries(q, entries), (id) => ({ Id: id }));
    }),
    ChangeMessageVisibility: op('ChangeMessageVisibility', async (m) => {
      const q = name(m);
      const visibilityS = int(m, 'VisibilityTimeout');
      if (visibilityS === undefined) throw sqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
      only(await d.queues.changeVisibilityEntries(q, [{ id: '0', receiptHandle: reqStr(m, 'ReceiptHandle'), visibilityS }]));
      return undefined;
    }),
    ChangeMessageVisibilityBatch: op('ChangeMessageVisibilityBatch', async (m) => {
      const q = name(m);
      const entries = batchEntries(m, 'ChangeMessageVisibilityBatchRequestEntry').map((e) => ({
        id: reqStr(e, 'Id'), receiptHandle: reqStr(e, 'ReceiptHandle'), visibilityS: int(e, 'VisibilityTimeout') ?? 0,
      }));
      return batchAnswer(await d.queues.changeVisibilityEntries(q, entries), (id) => ({ Id: id }));
    }),
  };
}
