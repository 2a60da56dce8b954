import type { SourceStreamRecord } from '../domain/stream-source';

/**
 * The event Lambda sends a function for a batch of Kinesis records, exactly
 * as AWS shapes it ("Using Lambda with Kinesis", sample event; LocalStack's
 * recordings of real AWS agree): `{"Records": [record…]}`, each record
 * `{kinesis: {kinesisSchemaVersion: "1.0", partitionKey, sequenceNumber,
 * data (base64), approximateArrivalTimestamp (epoch seconds with a
 * fraction)}, eventSource: "aws:kinesis", eventVersion: "1.0",
 * eventID: "<shardId>:<sequenceNumber>", eventName: "aws:kinesis:record",
 * invokeIdentityArn (the function's role), awsRegion, eventSourceARN}`.
 */
export interface KinesisEventRecord {
  kinesis: {
    kinesisSchemaVersion: '1.0';
    partitionKey: string;
    sequenceNumber: string;
    data: string;
    approximateArrivalTimestamp: number;
  };
  eventSource: 'aws:kinesis';
  eventVersion: '1.0';
  eventID: string;
  eventName: 'aws:kinesis:record';
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

export function kinesisRecord(r: SourceStreamRecord, ctx: { shardId: string; streamArn: string; region: string; roleArn: string }): KinesisEventRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      data: r.data.toString('base64'),
      approximateArrivalTimestamp: r.arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${ctx.shardId}:${r.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: ctx.roleArn,
    awsRegion: ctx.region,
    eventSourceARN: ctx.streamArn,
  };
}

/** `{"Records":[…]}` from records already serialised. */
export function kinesisEventPayload(jsons: string[]): Buffer {
  return Buffer.from(`{"Records":[${jsons.join(',')}]}`);
}

/** The bytes of the event around its records. */
export const kinesisEnvelopeBytes = Buffer.byteLength('{"Records":[]}');

/**
 * What a filter pattern sees of a Kinesis record (AWS: "Filtering Kinesis
 * events"): the `kinesis` object's metadata (partitionKey, sequenceNumber,
 * kinesisSchemaVersion, approximateArrivalTimestamp) with `data` decoded
 * from base64 and parsed when it is JSON; data that is not JSON stays the
 * base64 string, so only patterns on the metadata can match it.
 */
export function kinesisFilterView(rec: KinesisEventRecord): Record<string, unknown> {
  const text = Buffer.from(rec.kinesis.data, 'base64').toString('utf8');
  let data: unknown = rec.kinesis.data;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') data = parsed;
  } catch {
    // not JSON: left as the base64 text
  }
  return { ...rec.kinesis, data };
}

/**
 * The record Lambda sends an OnFailure destination for a Kinesis batch it
 * gave up on (AWS: "Retaining records for a Kinesis event source"; the
 * recorded shape): the batch's location in the shard, never its data.
 * `response` is absent when the batch expired before it was invoked.
 */
export function kinesisFailureRecord(o: {
  requestId: string;
  functionArn: string;
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  approximateInvokeCount: number;
  response?: { statusCode: number; executedVersion: string; functionError: string | null };
  nowMs: number;
  shardId: string;
  streamArn: string;
  records: SourceStreamRecord[];
}): Record<string, unknown> {
  const first = o.records[0]!;
  const last = o.records[o.records.length - 1]!;
  return {
    requestContext: { requestId: o.requestId, functionArn: o.functionArn, condition: o.condition, approximateInvokeCount: o.approximateInvokeCount },
    ...(o.response ? { responseContext: o.response } : {}),
    version: '1.0',
    timestamp: new Date(o.nowMs).toISOString(),
    KinesisBatchInfo: {
      shardId: o.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: o.records.length,
      streamArn: o.streamArn,
    },
  };
}
