import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../domain/errors';
import { checkBatching, checkCreate, checkUpdate, streamOnlyMembers, unhonouredMembers, type CreateMappingInput } from './validate';

const q = 'arn:aws:sqs:us-east-1:000000000000:q1';
const base = (o: Partial<CreateMappingInput> = {}): CreateMappingInput => ({ EventSourceArn: q, FunctionName: 'f', otherMembers: [], ...o });

function fails(fn: () => unknown, kind: string, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError, String(e));
    assert.equal(e.kind, kind);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('a queue mapping with defaults passes, keeping what was given', () => {
  const r = checkCreate(base({ Tags: { team: 'a' }, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 2 } }));
  assert.equal(r.source, q);
  assert.deepEqual(r.tags, { team: 'a' });
  assert.deepEqual(r.settings.functionResponseTypes, ['ReportBatchItemFailures']);
  assert.equal(r.settings.maximumConcurrency, 2);
  assert.equal(r.filters, undefined);
});

test('FunctionName is required (Coral text); model ranges are ValidationException, all failures in one message', () => {
  fails(() => checkCreate(base({ FunctionName: undefined })), 'Validation', "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null");
  fails(() => checkCreate(base({ BatchSize: 0, MaximumBatchingWindowInSeconds: 301 })), 'Validation',
    "2 validation errors detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300");
  fails(() => checkCreate(base({ ScalingConfig: { MaximumConcurrency: 1001 } })), 'Validation', /'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value less than or equal to 1000/);
  fails(() => checkCreate(base({ FunctionResponseTypes: ['ReportBatchItemFailures', 'ReportBatchItemFailures'] })), 'Validation', /'functionResponseTypes' failed to satisfy constraint: Member must have length less than or equal to 1/);
  fails(() => checkUpdate({ BatchSize: 10_001, otherMembers: [] }), 'Validation', /'batchSize'.*less than or equal to 10000/);
});

test('every stream-only member is refused with AWS text; every unhonoured one by name', () => {
  for (const m of streamOnlyMembers) fails(() => checkCreate(base({ otherMembers: [m] })), 'InvalidParameter', `Unsupported ${m} parameter for given event source mapping type.`);
  for (const m of unhonouredMembers) fails(() => checkUpdate({ otherMembers: [m] }), 'InvalidParameter', `${m} is not supported by this Kumo server for event source mappings.`);
});

test('event sources other than SQS are refused naming the service; a malformed ARN fails the model pattern', () => {
  fails(() => checkCreate(base({ EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' })), 'InvalidParameter', /^Kinesis event sources are not supported by this Kumo server yet/);
  fails(() => checkCreate(base({ EventSourceArn: undefined })), 'InvalidParameter', 'Unrecognized event source.');
  fails(() => checkCreate(base({ EventSourceArn: 'sqs-queue' })), 'Validation', /'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern/);
});

test('FilterCriteria: up to 5 filters, each a valid pattern; an empty list clears the filters', () => {
  const f = (n: number) => ({ Filters: Array.from({ length: n }, () => ({ Pattern: '{"body":{"a":[1]}}' })) });
  assert.equal(checkCreate(base({ FilterCriteria: f(5) })).filters?.length, 5);
  fails(() => checkCreate(base({ FilterCriteria: f(6) })), 'InvalidParameter', /at most 5 filters, 6 were given/);
  fails(() => checkCreate(base({ FilterCriteria: { Filters: [{ Pattern: '{"a": [{"prefix": 1}]}' }] } })), 'InvalidParameter', /^Invalid filter pattern definition\. \(prefix match pattern must be a string\)$/);
  assert.deepEqual(checkUpdate({ FilterCriteria: { Filters: [] }, otherMembers: [] }).filters, []);
  assert.equal(checkUpdate({ otherMembers: [] }).filters, undefined, 'absent: unchanged');
});

test('batching: BatchSize over 10 needs a window; FIFO queues take at most 10 and no window', () => {
  checkBatching(10, 0, false);
  checkBatching(10_000, 1, false);
  fails(() => checkBatching(11, 0, false), 'InvalidParameter', 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  fails(() => checkBatching(11, 5, true), 'InvalidParameter', 'Batch size for FIFO queues must be less than or equal to 10.');
  fails(() => checkBatching(10, 5, true), 'InvalidParameter', 'Batching window is not supported for FIFO queues.');
});
