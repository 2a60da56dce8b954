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
  fails(() => checkUpdate({ BatchSize: 10_001, otherMembers: [] }, 'sqs'), 'Validation', /'batchSize'.*less than or equal to 10000/);
});

test('every stream-only member is refused with AWS text; every unhonoured one by name', () => {
  for (const m of streamOnlyMembers) fails(() => checkCreate(base({ otherMembers: [m] })), 'InvalidParameter', `Unsupported ${m} parameter for given event source mapping type.`);
  for (const m of unhonouredMembers) fails(() => checkUpdate({ otherMembers: [m] }, 'sqs'), 'InvalidParameter', `${m} is not supported by this Kumo server for event source mappings.`);
});

test('event sources other than SQS and Kinesis are refused naming the service; a malformed ARN fails the model pattern', () => {
  fails(() => checkCreate(base({ EventSourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024' })), 'InvalidParameter', /^Dynamodb event sources are not supported by this Kumo server yet/);
  fails(() => checkCreate(base({ EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1' })), 'InvalidParameter', /^Kinesis event sources are not supported/);
  fails(() => checkCreate(base({ EventSourceArn: undefined })), 'InvalidParameter', 'Unrecognized event source.');
  fails(() => checkCreate(base({ EventSourceArn: 'sqs-queue' })), 'Validation', /'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern/);
});

test('FilterCriteria: up to 5 filters, each a valid pattern; an empty list clears the filters', () => {
  const f = (n: number) => ({ Filters: Array.from({ length: n }, () => ({ Pattern: '{"body":{"a":[1]}}' })) });
  assert.equal(checkCreate(base({ FilterCriteria: f(5) })).filters?.length, 5);
  fails(() => checkCreate(base({ FilterCriteria: f(6) })), 'InvalidParameter', /at most 5 filters, 6 were given/);
  fails(() => checkCreate(base({ FilterCriteria: { Filters: [{ Pattern: '{"a": [{"prefix": 1}]}' }] } })), 'InvalidParameter', /^Invalid filter pattern definition\. \(prefix match pattern must be a string\)$/);
  assert.deepEqual(checkUpdate({ FilterCriteria: { Filters: [] }, otherMembers: [] }, 'sqs').filters, []);
  assert.equal(checkUpdate({ otherMembers: [] }, 'sqs').filters, undefined, 'absent: unchanged');
});

test('batching: BatchSize over 10 needs a window; FIFO queues take at most 10 and no window', () => {
  checkBatching(10, 0, false);
  checkBatching(10_000, 1, false);
  fails(() => checkBatching(11, 0, false), 'InvalidParameter', 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  fails(() => checkBatching(11, 5, true), 'InvalidParameter', 'Batch size for FIFO queues must be less than or equal to 10.');
  fails(() => checkBatching(10, 5, true), 'InvalidParameter', 'Batching window is not supported for FIFO queues.');
});

const kin = (o: Partial<CreateMappingInput> = {}): CreateMappingInput => base({ EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', StartingPosition: 'LATEST', ...o });

test('stream members are refused for queues in AWS words, each by name', () => {
  const given: Partial<CreateMappingInput>[] = [
    { StartingPosition: 'LATEST' }, { StartingPositionTimestamp: 1 }, { ParallelizationFactor: 2 }, { DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:d' } } },
    { MaximumRecordAgeInSeconds: 60 }, { BisectBatchOnFunctionError: true }, { MaximumRetryAttempts: 1 }, { TumblingWindowInSeconds: 0 },
  ];
  for (const g of given) fails(() => checkCreate(base(g)), 'InvalidParameter', `Unsupported ${Object.keys(g)[0]} parameter for given event source mapping type.`);
  fails(() => checkUpdate({ ParallelizationFactor: 2, otherMembers: [] }, 'sqs'), 'InvalidParameter', 'Unsupported ParallelizationFactor parameter for given event source mapping type.');
});

test('Kinesis: StartingPosition is required and an enum (AWS recorded texts); model ranges of the stream members', () => {
  assert.equal(checkCreate(kin()).kind, 'kinesis');
  fails(() => checkCreate(kin({ StartingPosition: undefined })), 'Validation', "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
  fails(() => checkCreate(kin({ StartingPosition: 'invalid' })), 'Validation', "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]");
  fails(() => checkCreate(kin({ ParallelizationFactor: 11 })), 'Validation', /'parallelizationFactor' failed to satisfy constraint: Member must have value less than or equal to 10/);
  fails(() => checkCreate(kin({ MaximumRetryAttempts: -2 })), 'Validation', /'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to -1/);
  fails(() => checkCreate(kin({ MaximumRecordAgeInSeconds: 604_801 })), 'Validation', /'maximumRecordAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 604800/);
  fails(() => checkCreate(kin({ TumblingWindowInSeconds: 901 })), 'Validation', /'tumblingWindowInSeconds'.*less than or equal to 900/);
  fails(() => checkCreate(kin({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:_-/!lambda:us-east-1:000000000000:function:f' } } })), 'Validation', /'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  assert.equal(checkCreate(kin({ BatchSize: 10_000 })).settings.batchSize, 10_000, 'no batching window needed over 10 for streams');
});

test('Kinesis: semantic rules (record age, timestamps, destinations, SQS-only members)', () => {
  fails(() => checkCreate(kin({ MaximumRecordAgeInSeconds: 59 })), 'InvalidParameter', /MaximumRecordAgeInSeconds must be -1 .* or between 60 and 604800/);
  assert.equal(checkCreate(kin({ MaximumRecordAgeInSeconds: -1 })).settings.maximumRecordAgeInSeconds, -1);
  fails(() => checkCreate(kin({ StartingPosition: 'AT_TIMESTAMP' })), 'InvalidParameter', /StartingPositionTimestamp must be specified/);
  fails(() => checkCreate(kin({ StartingPositionTimestamp: 5 })), 'InvalidParameter', /only be specified when StartingPosition is AT_TIMESTAMP/);
  fails(() => checkCreate(kin({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:f' } } })), 'InvalidParameter', 'The destination ARN arn:aws:lambda:us-east-1:000000000000:function:f is invalid.');
  fails(() => checkCreate(kin({ DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:q' } } })), 'InvalidParameter', /^The provided destination config DestinationConfig\(onSuccess=OnSuccess\(destination=arn:aws:sqs:us-east-1:000000000000:q\), onFailure=null\) is invalid\.$/);
  fails(() => checkCreate(kin({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::bucket' } } })), 'InvalidParameter', /S3 on-failure destinations are not supported by this Kumo server/);
  assert.equal(checkCreate(kin({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:sns:us-east-1:000000000000:t' } } })).settings.onFailureDestination, 'arn:aws:sns:us-east-1:000000000000:t');
  fails(() => checkCreate(kin({ ScalingConfig: { MaximumConcurrency: 5 } })), 'InvalidParameter', 'Unsupported ScalingConfig parameter for given event source mapping type.');
  assert.equal(checkCreate(kin({ TumblingWindowInSeconds: 60 })).settings.tumblingWindowInSeconds, 60);
  assert.equal(checkCreate(kin({ TumblingWindowInSeconds: 900 })).settings.tumblingWindowInSeconds, 900);
  fails(() => checkCreate(kin({ TumblingWindowInSeconds: 60, ParallelizationFactor: 2 })), 'InvalidParameter', /TumblingWindowInSeconds with a ParallelizationFactor above 1 is not supported by this Kumo server yet/);
  assert.equal(checkCreate(kin({ TumblingWindowInSeconds: 0, ParallelizationFactor: 2 })).settings.parallelizationFactor, 2);
  for (const m of streamOnlyMembers) fails(() => checkCreate(kin({ otherMembers: [m] })), 'InvalidParameter', `Unsupported ${m} parameter for given event source mapping type.`);
});
