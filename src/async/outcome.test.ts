import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterMessage, dlqErrorMessageBytesMax, errorMessageOf, invocationRecord, truncateUtf8 } from './outcome';

const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST';

test('the success record is AWS\'s: version, timestamp, requestContext, requestPayload, responseContext, responsePayload (in that order)', () => {
  const now = new Date('2026-12-01T10:00:00.123Z');
  const m = invocationRecord({
    requestId: 'r-1', functionArn: fnArn, condition: 'Success', approximateInvokeCount: 1,
    requestPayload: Buffer.from('{"a":1}'), result: { statusCode: 200, executedVersion: '$LATEST', payload: Buffer.from('{"ok":true}') }, now,
  });
  assert.equal(m.attributes, undefined);
  assert.equal(
    m.body,
    '{"version":"1.0","timestamp":"2026-12-01T10:00:00.123Z","requestContext":{"requestId":"r-1","functionArn":"arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST","condition":"Success","approximateInvokeCount":1},' +
      '"requestPayload":{"a":1},"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"responsePayload":{"ok":true}}',
  );
});

test('a failure record carries functionError and the error payload; a payload that is not JSON is embedded as text', () => {
  const err = Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: 'boom' }));
  const r = JSON.parse(invocationRecord({
    requestId: 'r-2', functionArn: fnArn, condition: 'RetriesExhausted', approximateInvokeCount: 3,
    requestPayload: Buffer.from('not json'), result: { statusCode: 200, executedVersion: '1', functionError: 'Unhandled', payload: err },
  }).body) as Record<string, any>;
  assert.deepEqual(r.requestContext, { requestId: 'r-2', functionArn: fnArn, condition: 'RetriesExhausted', approximateInvokeCount: 3 });
  assert.equal(r.requestPayload, 'not json');
  assert.deepEqual(r.responseContext, { statusCode: 200, executedVersion: '1', functionError: 'Unhandled' });
  assert.deepEqual(r.responsePayload, { errorType: 'Error', errorMessage: 'boom' });
});

test('an event that expired without a response: the platform message in responsePayload, no executedVersion', () => {
  const r = JSON.parse(invocationRecord({
    requestId: 'r-3', functionArn: fnArn, condition: 'EventAgeExceeded', approximateInvokeCount: 0,
    requestPayload: Buffer.from('{}'), result: { statusCode: 429, errorMessage: 'expired' },
  }).body) as Record<string, any>;
  assert.deepEqual(r.responseContext, { statusCode: 429 });
  assert.deepEqual(r.responsePayload, { errorMessage: 'expired' });
});

test('the dead-letter message is the payload with RequestID, ErrorCode (Number) and ErrorMessage attributes', () => {
  const m = deadLetterMessage({
    requestId: 'r-4', payload: Buffer.from('{"raise_error":1}'),
    result: { statusCode: 200, functionError: 'Unhandled', payload: Buffer.from(JSON.stringify({ errorMessage: 'Test exception', errorType: 'Exception' })) },
  });
  assert.equal(m.body, '{"raise_error":1}');
  assert.deepEqual(m.attributes, {
    RequestID: { DataType: 'String', StringValue: 'r-4' },
    ErrorCode: { DataType: 'Number', StringValue: '200' },
    ErrorMessage: { DataType: 'String', StringValue: 'Test exception' },
  });
});

test('ErrorMessage is cut to 1 KB of UTF-8 without splitting a character', () => {
  const long = 'é'.repeat(1000); // 2,000 bytes
  const m = deadLetterMessage({ requestId: 'r', payload: Buffer.from('{}'), result: { statusCode: 200, payload: Buffer.from(JSON.stringify({ errorMessage: long })) } });
  const v = m.attributes!.ErrorMessage!.StringValue!;
  assert.equal(Buffer.byteLength(v), dlqErrorMessageBytesMax);
  assert.equal(v, 'é'.repeat(512));
  assert.equal(truncateUtf8('a' + 'é'.repeat(600), 1024), 'a' + 'é'.repeat(511), 'an odd cut backs off the half character');
  assert.equal(errorMessageOf({ statusCode: 200, payload: Buffer.from('plain text') }), 'plain text');
  assert.equal(errorMessageOf({ statusCode: 500, errorMessage: 'service' }), 'service');
});
