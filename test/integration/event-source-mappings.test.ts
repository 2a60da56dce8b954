import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, LambdaClient,
  ListEventSourceMappingsCommand, ListTagsCommand, TagResourceCommand, UntagResourceCommand, UpdateEventSourceMappingCommand, waitUntilFunctionActiveV2,
  type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { makeZip, role, startServer, type RunningServer, workerPolicies } from './harness';
import { sqsClient } from './sqs-helpers';

/**
 * The event source mapping operations through the real server and the AWS
 * SDK: validation and errors that need no queue (a mapping of a queue that
 * does not exist gets AWS's NonExistentQueue message). Queue → function end
 * to end, with real queues: queues-lambda.test.ts.
 */
async function expectError(p: Promise<unknown>, name: string, message: RegExp | string, status = 400): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });
}

describe('event source mappings: the API, without creating a queue', () => {
  let s: RunningServer;
  let c: LambdaClient;
  const queue = 'arn:aws:sqs:us-east-1:000000000000:q1';
  const fnName = 'esm-target';
  const base = (o: Partial<CreateEventSourceMappingCommandInput> = {}): CreateEventSourceMappingCommandInput => ({ EventSourceArn: queue, FunctionName: fnName, ...o });
  before(async () => {
    s = await startServer({ grant: workerPolicies });
    c = s.client;
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    await c.send(new CreateFunctionCommand({ FunctionName: fnName, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30 }, { FunctionName: fnName });
  });
  after(async () => {
    await s.stop();
  });

  it('lists nothing on an empty server, with and without filters', async () => {
    assert.deepEqual((await c.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings, []);
    assert.deepEqual((await c.send(new ListEventSourceMappingsCommand({ FunctionName: fnName }))).EventSourceMappings, []);
    assert.deepEqual((await c.send(new ListEventSourceMappingsCommand({ EventSourceArn: queue, MaxItems: 5 }))).EventSourceMappings, []);
    const r = await c.send(new ListEventSourceMappingsCommand({ FunctionName: fnName, EventSourceArn: queue }));
    assert.equal(r.NextMarker, undefined);
    await expectError(c.send(new ListEventSourceMappingsCommand({ MaxItems: 10_001 })), 'ValidationException', /at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000/);
  });

  it('refuses an event source of another service, and a missing one', async () => {
    for (const [arn, service] of [
      ['arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000', 'Dynamodb'],
      ['arn:aws:kafka:us-east-1:000000000000:cluster/c/abc', 'Kafka'],
    ] as const) {
      await expectError(c.send(new CreateEventSourceMappingCommand(base({ EventSourceArn: arn }))), 'InvalidParameterValueException', new RegExp(`^${service} event sources are not supported by this Kumo server yet`));
    }
    // A Kinesis stream is served (test/integration/kinesis-lambda.test.ts); its consumers (enhanced fan-out) are not.
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/c:1' }))), 'InvalidParameterValueException', /^Kinesis event sources are not supported by this Kumo server yet/);
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s1', StartingPosition: 'LATEST' }))), 'InvalidParameterValueException', 'Stream not found: arn:aws:kinesis:us-east-1:000000000000:stream/s1');
    await expectError(c.send(new CreateEventSourceMappingCommand({ FunctionName: fnName })), 'InvalidParameterValueException', 'Unrecognized event source.');
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ EventSourceArn: 'not-an-arn' }))), 'ValidationException', /at 'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  });

  it('answers a missing function with ResourceNotFoundException, before looking at the queue', async () => {
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ FunctionName: 'nope' }))), 'ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope', 404);
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ FunctionName: `${fnName}:nolias` }))), 'ResourceNotFoundException', /^Function not found: .*:function:esm-target:nolias$/, 404);
  });

  it("checks BatchSize, the batching window and ScalingConfig with AWS's errors", async () => {
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ BatchSize: 0 }))), 'ValidationException', "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ BatchSize: 10_001 }))), 'ValidationException', /Value '10001' at 'batchSize'.*less than or equal to 10000/);
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ MaximumBatchingWindowInSeconds: 301 }))), 'ValidationException', /at 'maximumBatchingWindowInSeconds'.*less than or equal to 300/);
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ ScalingConfig: { MaximumConcurrency: 1 } }))), 'ValidationException', /at 'scalingConfig.maximumConcurrency'.*greater than or equal to 2/);
    for (const window of [undefined, 0]) {
      await expectError(c.send(new CreateEventSourceMappingCommand(base({ BatchSize: 11, MaximumBatchingWindowInSeconds: window }))), 'InvalidParameterValueException', 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
    }
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ FunctionResponseTypes: ['Nope' as 'ReportBatchItemFailures'] }))), 'ValidationException', /at 'functionResponseTypes.1.member'.*enum value set: \[ReportBatchItemFailures\]/);
  });

  it('refuses stream-only and unhonoured members by name, never accepting and dropping them', async () => {
    const refused: [Partial<CreateEventSourceMappingCommandInput>, string][] = [
      [{ StartingPosition: 'LATEST' }, 'Unsupported StartingPosition parameter for given event source mapping type.'],
      [{ ParallelizationFactor: 2 }, 'Unsupported ParallelizationFactor parameter for given event source mapping type.'],
      [{ BisectBatchOnFunctionError: true }, 'Unsupported BisectBatchOnFunctionError parameter for given event source mapping type.'],
      [{ DestinationConfig: { OnFailure: { Destination: queue } } }, 'Unsupported DestinationConfig parameter for given event source mapping type.'],
      [{ MaximumRetryAttempts: 1 }, 'Unsupported MaximumRetryAttempts parameter for given event source mapping type.'],
      [{ KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k' }, 'KMSKeyArn is not supported by this Kumo server for event source mappings.'],
    ];
    for (const [extra, message] of refused) await expectError(c.send(new CreateEventSourceMappingCommand(base(extra))), 'InvalidParameterValueException', message);
  });

  it('checks FilterCriteria: at most 5 filters, each an event pattern', async () => {
    const filters = (n: number) => Array.from({ length: n }, (_, i) => ({ Pattern: JSON.stringify({ body: { n: [i] } }) }));
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ FilterCriteria: { Filters: filters(6) } }))), 'InvalidParameterValueException', /at most 5 filters, 6 were given/);
    await expectError(c.send(new CreateEventSourceMappingCommand(base({ FilterCriteria: { Filters: [{ Pattern: '{"body": "x"}' }] } }))), 'InvalidParameterValueException', /^Invalid filter pattern definition\./);
  });

  it('a mapping of a queue that does not exist is refused with AWS\'s message; nothing is stored', async () => {
    await expectError(
      c.send(new CreateEventSourceMappingCommand(base({ FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":[1]}}' }] } }))),
      'InvalidParameterValueException',
      'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist or you do not have access to it.',
    );
    assert.deepEqual((await c.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings, []);
  });

  it('answers Get, Update and Delete of an unknown UUID with ResourceNotFoundException', async () => {
    const uuid = '6e5ef8a5-0000-4000-8000-000000000000';
    const message = 'The resource you requested does not exist.';
    await expectError(c.send(new GetEventSourceMappingCommand({ UUID: uuid })), 'ResourceNotFoundException', message, 404);
    await expectError(c.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false })), 'ResourceNotFoundException', message, 404);
    await expectError(c.send(new DeleteEventSourceMappingCommand({ UUID: uuid })), 'ResourceNotFoundException', message, 404);
    // Which members an update takes depends on the mapping's source, so an unknown UUID is answered first.
    await expectError(c.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ParallelizationFactor: 3 })), 'ResourceNotFoundException', message, 404);
  });
});

describe('event source mappings: tags', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer({ grant: workerPolicies });
    c = s.client;
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    await c.send(new CreateFunctionCommand({ FunctionName: 'tagged-target', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30 }, { FunctionName: 'tagged-target' });
  });
  after(async () => {
    await s.stop();
  });

  it("reads back CreateEventSourceMapping's Tags and takes TagResource / UntagResource on the mapping ARN (LocalStack's AWS recording test_tag_lifecycle[event_source_mapping])", async () => {
    const sqs = sqsClient(s);
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({
      QueueUrl: (await sqs.send(new CreateQueueCommand({ QueueName: 'tagged-q' }))).QueueUrl!, AttributeNames: ['QueueArn'],
    }))).Attributes!.QueueArn!;
    const m = await c.send(new CreateEventSourceMappingCommand({ EventSourceArn: queueArn, FunctionName: 'tagged-target', Enabled: false, Tags: { testtag: 'v1' } }));
    const arn = m.EventSourceMappingArn!;
    assert.match(arn, /^arn:aws:lambda:us-east-1:000000000000:event-source-mapping:[0-9a-f-]{36}$/);
    assert.deepEqual((await c.send(new ListTagsCommand({ Resource: arn }))).Tags, { testtag: 'v1' });
    await c.send(new TagResourceCommand({ Resource: arn, Tags: { A: 'tag-a', B: 'tag-b', testtag: 'v2' } }));
    assert.deepEqual((await c.send(new ListTagsCommand({ Resource: arn }))).Tags, { A: 'tag-a', B: 'tag-b', testtag: 'v2' });
    await c.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['A', 'nonexisting'] }));
    assert.deepEqual((await c.send(new ListTagsCommand({ Resource: arn }))).Tags, { B: 'tag-b', testtag: 'v2' });
    // Tagging does not disturb the mapping: still Disabled, its settings as created.
    const got = await c.send(new GetEventSourceMappingCommand({ UUID: m.UUID! }));
    assert.equal(got.State, 'Disabled');
    assert.equal(got.BatchSize, m.BatchSize);
    const tooMany = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    await expectError(c.send(new TagResourceCommand({ Resource: arn, Tags: tooMany })), 'InvalidParameterValueException', 'Number of tags exceeds resource tag limit of 50.');
    assert.deepEqual((await c.send(new ListTagsCommand({ Resource: arn }))).Tags, { B: 'tag-b', testtag: 'v2' }, 'a refused TagResource changes nothing');
    await c.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID! }));
  });

  it("answers AWS's errors for mapping ARNs that name nothing or carry a qualifier (recorded: test_tag_exceptions[event_source_mapping])", async () => {
    const missing = 'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:0d3ea0b6-0c3e-4b7e-8a49-4d1c2f9e0a11';
    const text = `Event source mapping not found: ${missing}`;
    await expectError(c.send(new ListTagsCommand({ Resource: missing })), 'ResourceNotFoundException', text, 404);
    await expectError(c.send(new TagResourceCommand({ Resource: missing, Tags: { a: 'b' } })), 'ResourceNotFoundException', text, 404);
    await expectError(c.send(new UntagResourceCommand({ Resource: missing, TagKeys: ['a'] })), 'ResourceNotFoundException', text, 404);
    await expectError(c.send(new ListTagsCommand({ Resource: `${missing}:alias` })), 'ValidationException', /at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:/);
    const otherRegion = missing.replace('us-east-1', 'eu-west-1');
    await expectError(c.send(new ListTagsCommand({ Resource: otherRegion })), 'ResourceNotFoundException', `Event source mapping not found: ${otherRegion}`, 404);
  });
});
