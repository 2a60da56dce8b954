import type { OutboundMessage } from '../domain/delivery';

/**
 * What AWS sends when an asynchronous invocation ends, built here as pure
 * functions (unit-tested in outcome.test.ts):
 *   - an *invocation record* to an OnSuccess/OnFailure destination
 *     (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html;
 *     shape as recorded against AWS in LocalStack's
 *     test_lambda_destinations.snapshot.json): version "1.0", timestamp,
 *     requestContext {requestId, functionArn qualified with the qualifier the
 *     event was invoked with ($LATEST when unqualified), condition,
 *     approximateInvokeCount}, requestPayload, responseContext {statusCode,
 *     executedVersion, functionError when it failed}, responsePayload;
 *   - a *dead-letter message* to the DLQ: the event payload as the body and
 *     the attributes RequestID (String), ErrorCode (Number, the response's
 *     status code, 200 for a function error) and ErrorMessage (String, the
 *     first 1 KB of the error message)
 *     (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq).
 */

/** AWS: the DLQ's ErrorMessage attribute holds the first 1 KB of the error message. */
export const dlqErrorMessageBytesMax = 1024;

/**
 * Why an event finished. ZeroReservedConcurrency: the function's reserved
 * concurrency is 0, so the event is never run; AWS sends it to the failure
 * destination at once, with approximateInvokeCount 0 and no responseContext
 * or responsePayload (recorded: LocalStack test_lambda.snapshot.json,
 * TestLambdaConcurrency::test_reserved_concurrency, "msg").
 */
export type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'ZeroReservedConcurrency';

export interface AttemptResult {
  /** The status code of the last attempt (200 when the function ran, even if it failed). */
  statusCode: number;
  executedVersion?: string;
  functionError?: string;
  /** The function's response (or error) payload as it returned it. */
  payload?: Buffer;
  /** A platform failure that produced no response (a throttle, a service error): its message. */
  errorMessage?: string;
}

/** A payload as JSON when it parses (AWS embeds the JSON value), else as its text. */
function asJson(b: Buffer | undefined): unknown {
  if (b === undefined) return null;
  const text = b.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function invocationRecord(o: {
  requestId: string;
  functionArn: string;
  condition: Condition;
  approximateInvokeCount: number;
  requestPayload: Buffer;
  result: AttemptResult;
  now?: Date;
}): OutboundMessage {
  const r = o.result;
  const record = {
    version: '1.0',
    timestamp: (o.now ?? new Date()).toISOString(),
    requestContext: {
      requestId: o.requestId,
      functionArn: o.functionArn,
      condition: o.condition,
      approximateInvokeCount: o.approximateInvokeCount,
    },
    requestPayload: asJson(o.requestPayload),
  };
  if (o.condition === 'ZeroReservedConcurrency') return { body: JSON.stringify(record) };
  const full = {
    ...record,
    responseContext: {
      statusCode: r.statusCode,
      ...(r.executedVersion !== undefined ? { executedVersion: r.executedVersion } : {}),
      ...(r.functionError !== undefined ? { functionError: r.functionError } : {}),
    },
    responsePayload: r.payload !== undefined ? asJson(r.payload) : r.errorMessage !== undefined ? { errorMessage: r.errorMessage } : null,
  };
  return { body: JSON.stringify(full) };
}

/** The error message a failed attempt carries: the function's errorMessage member, else its payload text, else the platform's message. */
export function errorMessageOf(r: AttemptResult): string {
  if (r.payload !== undefined) {
    const v = asJson(r.payload);
    if (v && typeof v === 'object' && typeof (v as { errorMessage?: unknown }).errorMessage === 'string') return (v as { errorMessage: string }).errorMessage;
    return r.payload.toString('utf8');
  }
  return r.errorMessage ?? '';
}

/** Cuts `s` to at most `bytesMax` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, bytesMax: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= bytesMax) return s;
  let end = bytesMax;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // back off a continuation byte
  return b.subarray(0, end).toString('utf8');
}

export function deadLetterMessage(o: { requestId: string; payload: Buffer; result: AttemptResult }): OutboundMessage {
  return {
    body: o.payload.toString('utf8'),
    attributes: {
      RequestID: { DataType: 'String', StringValue: o.requestId },
      ErrorCode: { DataType: 'Number', StringValue: String(o.result.statusCode) },
      ErrorMessage: { DataType: 'String', StringValue: truncateUtf8(errorMessageOf(o.result), dlqErrorMessageBytesMax) },
    },
  };
}
