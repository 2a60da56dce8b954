import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { startServer, testCreds, type RunningServer } from './harness';
import { Sha256 } from './sha256';
import { sqsClient } from './sqs-helpers';

/** What a stack trace or an internal path looks like in an answer: never shown to a caller. */
const leak = /\n\s+at \S|node:internal|\/src\/|\/dist\/|\.js:\d+|TypeError|ReferenceError|SyntaxError/;

/**
 * Issue 12: malformed requests in each protocol the gateway speaks for SQS
 * (JSON 1.0 and query), SNS (query) and Lambda (rest-json) — truncated JSON,
 * wrong types, huge keys, unknown actions, bad form encoding — get the error
 * AWS gives (name and status), signed correctly so that the body is what is
 * judged; the server stays up and no answer carries a stack trace.
 */
describe('malformed requests of each protocol get AWS\'s error, never a crash', () => {
  let s: RunningServer;
  const hugeKey = 'k'.repeat(300_000); // a member name of 300 KB: inside the 1 MB request limit, so it reaches the decoder
  const oversized = 'x'.repeat(9 * 1024 * 1024); // past SendMessage's 8 MiB request limit (a 1 MiB message, escaped), of both protocols
  const send = async (service: string, path: string, headers: Record<string, string>, body: string, method = 'POST') => {
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials: testCreds, sha256: Sha256 });
    const host = `127.0.0.1:${s.port}`;
    const signed = await signer.sign({ method, protocol: 'http:', hostname: '127.0.0.1', port: s.port, path, headers: { host, ...headers }, body });
    const r = await fetch(`http://${host}${path}`, { method, headers: signed.headers as Record<string, string>, body: method === 'GET' ? undefined : body });
    const text = await r.text();
    assert.doesNotMatch(text, leak, `an answer leaked internals: ${text.slice(0, 500)}`);
    return { status: r.status, text, headers: r.headers };
  };
  const sqsJson = async (op: string, body: string) => {
    const r = await send('sqs', '/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${op}` }, body);
    return { ...r, json: JSON.parse(r.text) as { __type: string; message: string } };
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const queryCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const lambda = async (method: string, path: string, body: string) => {
    const r = await send('lambda', path, { 'content-type': 'application/json' }, body, method);
    return { ...r, type: r.headers.get('x-amzn-errortype'), json: JSON.parse(r.text) as Record<string, string> };
  };
  const expectJson = (r: { status: number; json: { __type: string; message: string } }, name: string, status: number, message?: RegExp) => {
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json.__type, `com.amazonaws.sqs#${name}`);
    if (message) assert.match(r.json.message, message);
  };
  const expectQuery = (r: { status: number; text: string }, code: string, status: number, message?: RegExp) => {
    assert.equal(r.status, status, r.text);
    assert.equal(queryCode(r.text), code, r.text);
    assert.match(r.text, /^<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type>/);
    if (message) assert.match(r.text, message);
  };

  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.stop();
  });

  it('SQS JSON 1.0: truncated JSON, wrong types, a non-object, unknown operations, huge keys and bodies', async () => {
    expectJson(await sqsJson('CreateQueue', '{"QueueName":'), 'SerializationException', 400);
    expectJson(await sqsJson('CreateQueue', '[1,2]'), 'SerializationException', 400);
    expectJson(await sqsJson('CreateQueue', '{"QueueName":5}'), 'SerializationException', 400, /member 'QueueName'/);
    expectJson(await sqsJson('ReceiveMessage', '{"QueueUrl":"http://x/000000000000/q","MaxNumberOfMessages":true}'), 'SerializationException', 400, /member 'MaxNumberOfMessages'/);
    // A number written as a string is SQS's own parameter check (its query heritage), as the query protocol answers it.
    expectJson(await sqsJson('ReceiveMessage', '{"QueueUrl":"http://x/000000000000/q","MaxNumberOfMessages":"ten"}'), 'InvalidParameterValue', 400,
      /^Value ten for parameter MaxNumberOfMessages is invalid\. Reason: Must be an integer\.$/);
    const unknown = await sqsJson('NoSuchOperation', '{}');
    expectJson(unknown, 'UnknownOperationException', 400);
    // Query-compatible: the JSON answer names the query code too, as AWS's x-amzn-query-error does.
    assert.equal(unknown.headers.get('x-amzn-query-error'), 'UnknownOperationException;Sender');
    // An unknown member is ignored however long its name, as AWS's JSON deserialisers do; the request is served.
    const huge = await sqsJson('CreateQueue', JSON.stringify({ QueueName: 'hq', [hugeKey]: 1 }));
    assert.equal(huge.status, 200, huge.text);
    const big = await send('sqs', '/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' }, JSON.stringify({ QueueUrl: 'x', MessageBody: oversized }));
    assert.equal(big.status, 413, big.text);
    assert.equal((JSON.parse(big.text) as { __type: string }).__type, 'com.amazonaws.sqs#RequestEntityTooLargeException');
  });

  it('SQS query: missing and unknown actions, wrong types, bad form encoding, huge keys and bodies', async () => {
    expectQuery(await send('sqs', '/', form, 'Version=2012-11-05&QueueName=a'), 'MissingAction', 400, /The request is missing an action or a required parameter\./);
    expectQuery(await send('sqs', '/', form, 'Action=NoSuchAction&Version=2012-11-05'), 'InvalidAction', 400, /The action or operation requested is invalid\. Verify that the action is typed correctly\./);
    expectQuery(await send('sqs', '/', form, 'Action=SendMessage&Version=2012-11-05&QueueUrl=http://x/000000000000/hq&MessageBody=a&DelaySeconds=abc'),
      'InvalidParameterValue', 400, /Value abc for parameter DelaySeconds is invalid\. Reason: Must be an integer\./);
    // A broken percent escape decodes as the literal text (as URLSearchParams and AWS's form decoder do): the name is then invalid.
    expectQuery(await send('sqs', '/', form, 'Action=CreateQueue&Version=2012-11-05&QueueName=%ZZ'), 'InvalidParameterValue', 400, /Can only include alphanumeric characters, hyphens, or underscores/);
    const huge = await send('sqs', '/', form, `Action=ListQueues&Version=2012-11-05&${hugeKey}=1`);
    assert.equal(huge.status, 200, huge.text.slice(0, 300));
    const big = await send('sqs', '/', form, `Action=SendMessage&Version=2012-11-05&QueueUrl=x&MessageBody=${oversized}`);
    assert.equal(big.status, 413, big.text.slice(0, 300));
  });

  it('SNS query: missing and unknown actions, wrong types, bad form encoding, malformed map keys, huge keys', async () => {
    expectQuery(await send('sns', '/', form, 'Version=2010-03-31&Name=a'), 'MissingAction', 400, /The request is missing an action/);
    expectQuery(await send('sns', '/', form, 'Action=NoSuchAction&Version=2010-03-31'), 'InvalidAction', 400, /The action or operation requested is invalid/);
    expectQuery(await send('sns', '/', form, 'Action=CreateTopic&Version=2010-03-31&Name=%ZZ'), 'InvalidParameter', 400, /Invalid parameter: Topic Name/);
    expectQuery(await send('sns', '/', form, 'Action=CreateTopic&Version=2010-03-31&Name=a&Attributes.entry.x.key=1'), 'InvalidParameter', 400, /Invalid parameter: Attributes/);
    expectQuery(await send('sns', '/', form, 'Action=ListTopics&Version=2010-03-31&NextToken='), 'InvalidParameter', 400, /Invalid parameter: NextToken/);
    const huge = await send('sns', '/', form, `Action=ListTopics&Version=2010-03-31&${hugeKey}=1`);
    assert.equal(huge.status, 200, huge.text.slice(0, 300));
  });

  it('Lambda rest-json: truncated JSON, a non-object, wrong types, unknown paths, huge keys', async () => {
    const truncated = await lambda('POST', '/2015-03-31/functions', '{"FunctionName":');
    assert.equal(truncated.status, 400);
    assert.equal(truncated.type, 'InvalidRequestContentException');
    assert.match(truncated.json.message!, /^Could not parse request body into json: /);
    const notObject = await lambda('POST', '/2015-03-31/functions', '[]');
    assert.equal(notObject.type, 'InvalidRequestContentException');
    for (const [body, member] of [
      ['{"FunctionName":"f","Role":"r","Code":{},"Timeout":"abc"}', 'timeout'],
      ['{"FunctionName":"f","Role":"r","Code":{},"Environment":{"Variables":{"A":1}}}', 'environment.variables.A'],
    ] as const) {
      const r = await lambda('POST', '/2015-03-31/functions', body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.type, 'SerializationException', r.text);
      assert.equal(r.json.Message, `Unexpected value type in payload for member '${member}'`);
    }
    // A FunctionName of the wrong type reads as absent, as AWS answers it (src/services/lambda/decode.test.ts).
    const numberName = await lambda('POST', '/2015-03-31/functions', '{"FunctionName":5,"Role":"r","Code":{}}');
    assert.equal(numberName.type, 'ValidationException');
    assert.match(numberName.json.message!, /Value null at 'functionName' failed to satisfy constraint: Member must not be null/);
    const unknown = await lambda('GET', '/2015-03-31/no-such-resource', '');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.type, 'UnknownOperationException');
    const huge = await lambda('POST', '/2015-03-31/functions', JSON.stringify({ FunctionName: 'a', [hugeKey]: 1 }));
    assert.equal(huge.type, 'ValidationException', 'the unknown member is ignored; the missing Role is what is reported');
    const invokeTruncated = await lambda('POST', '/2015-03-31/functions/nope/invocations', '{"a":');
    assert.equal(invokeTruncated.status, 400);
    assert.equal(invokeTruncated.type, 'InvalidRequestContentException');
  });

  it('after all of it the server is alive, answers the SDKs, and logged no internal error', async () => {
    assert.equal(s.proc.exitCode, null);
    const sqs = sqsClient(s);
    try {
      assert.ok((await sqs.send(new ListQueuesCommand({}))).QueueUrls?.some((u) => u.endsWith('/hq')));
    } finally {
      sqs.destroy();
    }
    assert.ok(Array.isArray((await s.client.send(new ListFunctionsCommand({}))).Functions));
    assert.doesNotMatch(s.output(), /internal error|\n\s+at \S/i, s.output().slice(-2000));
  });
});
