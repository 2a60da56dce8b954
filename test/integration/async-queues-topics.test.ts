import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, InvokeCommand, LambdaClient, PutFunctionEventInvokeConfigCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand, SNSClient } from '@aws-sdk/client-sns';
import { encode, makeZip, role, startServer, type RunningServer, workerPolicies } from './harness';
import { sqsClient } from './sqs-helpers';
import { snsClient } from './sns-helpers';

/**
 * Async invocations whose dead-letter queue and destinations are real SQS
 * queues and SNS topics of the same server (issue 12, item 4), read back
 * with @aws-sdk/client-sqs: the DLQ message as AWS sends it (the payload;
 * RequestID, ErrorCode, ErrorMessage attributes) and AWS's invocation record
 * on OnSuccess (a queue) and OnFailure (a topic, subscribed by a queue).
 */
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('async invocations to real queues and topics', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  const queue = async (name: string) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { url, arn };
  };
  const one = async (url: string): Promise<Message> => {
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], VisibilityTimeout: 30 }))).Messages ?? [];
      if (got.length) return got[0]!;
    }
    assert.fail(`no message in ${url}`);
  };

  before(async () => {
    s = await startServer({ grant: workerPolicies, env: { KUMO_ASYNC_RETRY_DELAYS_MS: '200,200' } });
    c = s.client;
    sqs = sqsClient(s);
    sns = snsClient(s);
  });
  after(async () => {
    sqs?.destroy();
    sns?.destroy();
    await s?.stop();
  });

  it('DeadLetterConfig to a queue, OnSuccess to a queue and OnFailure to a topic (subscribed by a queue)', async () => {
    const dlq = await queue('async-dlq');
    const ok = await queue('async-on-success');
    const failedQ = await queue('async-on-failure');
    const topic = (await sns.send(new CreateTopicCommand({ Name: 'async-failures' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: failedQ.arn }));
    const code = await makeZip({ 'index.js': `exports.handler = async (e) => { if (e.fail) throw new Error('intentional failure ' + e.n); return { ok: e.n }; };` });
    await c.send(new CreateFunctionCommand({
      FunctionName: 'async-src', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code }, DeadLetterConfig: { TargetArn: dlq.arn },
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'async-src' });
    await c.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'async-src', MaximumRetryAttempts: 1,
      DestinationConfig: { OnSuccess: { Destination: ok.arn }, OnFailure: { Destination: topic } },
    }));

    const good = await c.send(new InvokeCommand({ FunctionName: 'async-src', InvocationType: 'Event', Payload: encode({ n: 1 }) }));
    const bad = await c.send(new InvokeCommand({ FunctionName: 'async-src', InvocationType: 'Event', Payload: encode({ n: 2, fail: true }) }));
    assert.equal(good.StatusCode, 202);
    const goodId = good.$metadata.requestId!;
    const badId = bad.$metadata.requestId!;

    // OnSuccess: AWS's invocation record, as the queue message body.
    const success = JSON.parse((await one(ok.url)).Body!) as Record<string, any>;
    assert.deepEqual(Object.keys(success).sort(), ['requestContext', 'requestPayload', 'responseContext', 'responsePayload', 'timestamp', 'version']);
    assert.equal(success.version, '1.0');
    assert.ok(!Number.isNaN(Date.parse(success.timestamp)));
    assert.deepEqual(success.requestContext, { requestId: goodId, functionArn: `${fnArn('async-src')}:$LATEST`, condition: 'Success', approximateInvokeCount: 1 });
    assert.deepEqual(success.requestPayload, { n: 1 });
    assert.deepEqual(success.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
    assert.deepEqual(success.responsePayload, { ok: 1 });

    // DeadLetterConfig: the event's payload, with RequestID, ErrorCode and ErrorMessage.
    const dead = await one(dlq.url);
    assert.deepEqual(JSON.parse(dead.Body!), { n: 2, fail: true });
    assert.deepEqual(dead.MessageAttributes, {
      RequestID: { DataType: 'String', StringValue: badId },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'intentional failure 2' },
    });

    // OnFailure to a topic: the record is the SNS message the subscribed queue receives in the envelope.
    const envelope = JSON.parse((await one(failedQ.url)).Body!) as Record<string, any>;
    assert.equal(envelope.Type, 'Notification');
    assert.equal(envelope.TopicArn, topic);
    const failure = JSON.parse(envelope.Message) as Record<string, any>;
    assert.deepEqual(failure.requestContext, { requestId: badId, functionArn: `${fnArn('async-src')}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    assert.deepEqual(failure.requestPayload, { n: 2, fail: true });
    assert.deepEqual(failure.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(failure.responsePayload.errorType, 'Error');
    assert.equal(failure.responsePayload.errorMessage, 'intentional failure 2');
  });
});
