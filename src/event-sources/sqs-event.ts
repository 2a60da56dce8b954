import type { SourceMessage } from '../domain/queue-source';
import type { MessageAttributeValue } from '../domain/delivery';

/**
 * The event Lambda sends a function for a batch of SQS messages, exactly as
 * AWS shapes it ("Using Lambda with Amazon SQS", example standard queue
 * message event): `{"Records": [record…]}`, each record
 * `{messageId, receiptHandle, body, attributes, messageAttributes, md5OfBody,
 * md5OfMessageAttributes?, eventSource: "aws:sqs", eventSourceARN, awsRegion}`.
 * Message attributes are lower-camel (`stringValue`, `binaryValue` as base64,
 * `stringListValues: []`, `binaryListValues: []`, `dataType`).
 */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, SqsRecordAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsRecordAttribute {
  stringValue?: string;
  binaryValue?: string;
  stringListValues: string[];
  binaryListValues: string[];
  dataType: string;
}

export function sqsRecord(m: SourceMessage, queueArn: string, region: string): SqsRecord {
  const messageAttributes: Record<string, SqsRecordAttribute> = {};
  for (const [name, v] of Object.entries(m.messageAttributes)) messageAttributes[name] = attribute(v);
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle,
    body: m.body,
    attributes: { ...m.attributes },
    messageAttributes,
    md5OfBody: m.md5OfBody,
    ...(m.md5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function attribute(v: MessageAttributeValue): SqsRecordAttribute {
  return {
    ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
    ...(v.BinaryValue !== undefined ? { binaryValue: v.BinaryValue.toString('base64') } : {}),
    stringListValues: [],
    binaryListValues: [],
    dataType: v.DataType,
  };
}

/** `{"Records":[` … `]}`: the bytes a batch's payload adds around its records. */
export const envelopeBytes = Buffer.byteLength('{"Records":[]}');

/** The payload of a batch, built from the records' JSON texts (each measured once when it joined the batch). */
export function sqsEventPayload(recordJson: string[]): Buffer {
  return Buffer.from(`{"Records":[${recordJson.join(',')}]}`, 'utf8');
}

/**
 * What a FilterCriteria pattern is matched against (AWS: "Filtering Amazon
 * SQS messages"): the record's fields, with `body` parsed when it is JSON
 * (then patterns can name its fields), else the plain string.
 */
export function filterView(r: SqsRecord): Record<string, unknown> {
  let body: unknown = r.body;
  try {
    body = JSON.parse(r.body);
  } catch {
    // a plain-text body: only patterns on the whole string can match it
  }
  return { ...r, body };
}
