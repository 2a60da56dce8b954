import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2, type LambdaClient, type Runtime } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import fs from 'node:fs';
import { decode, encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { sqsClient } from './sqs-helpers';

/**
 * Issue 18 item 3, from inside EEs: the SDKs of the runtimes reach Kumo's API
 * with no endpoint configured (AWS_ENDPOINT_URL, through the one path the EE
 * network allows), and a queue URL the host side uses
 * (`http://127.0.0.1:<port>/…`, `http://localhost:<port>/…`) works inside an
 * EE, where SDK v3's SQS client sends to the QueueUrl's host.
 * The server listens on 127.0.0.1 (the default), so the gateway's second
 * listener on the sandbox bridge is what EEs reach.
 */

const skip = process.getuid?.() !== 0 ? 'needs root (the server runs runc EEs)' : undefined;

/** Node.js: @aws-sdk/client-sqs from the runtime, no endpoint; credentials from the event when given (else the EE's own). */
const nodeSender = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
exports.handler = async (e) => {
  const sqs = new SQSClient(e.credentials ? { credentials: e.credentials } : {});
  const out = { endpoint: process.env.AWS_ENDPOINT_URL ?? null };
  for (const [k, url] of Object.entries(e.queues)) {
    try { await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'node:' + k })); out[k] = 'sent'; }
    catch (err) { out[k] = err.name + ': ' + err.message; }
  }
  return out;
};`;

/** Python: the runtime's boto3, no endpoint_url. */
const pySender = `
import boto3, os
def handler(e, ctx):
    kw = {}
    if e.get('credentials'):
        kw = {'aws_access_key_id': e['credentials']['accessKeyId'], 'aws_secret_access_key': e['credentials']['secretAccessKey']}
    sqs = boto3.client('sqs', **kw)
    out = {'endpoint': os.environ.get('AWS_ENDPOINT_URL'), 'boto3': boto3.__version__}
    for k, url in e['queues'].items():
        try:
            sqs.send_message(QueueUrl=url, MessageBody='python:' + k)
            out[k] = 'sent'
        except Exception as err:
            out[k] = type(err).__name__ + ': ' + str(err)
    return out
`;

async function deploy(c: LambdaClient, name: string, runtime: string, handler: string, files: Record<string, string>): Promise<void> {
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as Runtime, Role: role, Handler: handler, Code: { ZipFile: await makeZip(files) }, Timeout: 30, MemorySize: 256 }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 60 }, { FunctionName: name });
}

async function invoke(c: LambdaClient, name: string, payload: unknown): Promise<Record<string, string>> {
  const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: encode(payload) }));
  const body = decode(r.Payload);
  assert.equal(r.FunctionError, undefined, body);
  return JSON.parse(body) as Record<string, string>;
}

async function receiveBodies(sqs: SQSClient, url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 10 && out.length < n; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of r.Messages ?? []) out.push(m.Body!);
  }
  return out.sort();
}

describe('the SDKs inside an EE reach Kumo (AWS_ENDPOINT_URL, queue URLs of the host side)', { skip }, () => {
  let s: RunningServer;
  let c: LambdaClient;
  let sqs: SQSClient;

  before(async () => {
    s = await startServer();
    c = s.client;
    sqs = sqsClient(s);
    await Promise.all([
      deploy(c, 'node-sender', 'nodejs20.x', 'index.handler', { 'index.js': nodeSender }),
      deploy(c, 'py-sender', 'python3.11', 'app.handler', { 'app.py': pySender }),
    ]);
  });

  after(async () => {
    sqs?.destroy();
    const code = await s?.stop();
    if (s) fs.rmSync(s.dataDir, { recursive: true, force: true });
    assert.equal(code, 0, 'server did not stop cleanly');
  });

  it('Node.js SDK v3, no endpoint: queue URLs as http://127.0.0.1:<port>/… and http://localhost:<port>/… deliver', async () => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'from-node' }))).QueueUrl!;
    assert.equal(url, `http://127.0.0.1:${s.port}/000000000000/from-node`);
    const viaLocalhost = url.replace('127.0.0.1', 'localhost');
    const r = await invoke(c, 'node-sender', { credentials: testCreds, queues: { ip: url, name: viaLocalhost } });
    assert.equal(r.endpoint, `http://127.0.0.1:${s.port}`);
    assert.equal(r.ip, 'sent');
    assert.equal(r.name, 'sent');
    assert.deepEqual(await receiveBodies(sqs, url, 2), ['node:ip', 'node:name']);
  });

  it('boto3 of the Python runtime, no endpoint_url: delivers to a queue URL of the host side', async () => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'from-python' }))).QueueUrl!;
    const r = await invoke(c, 'py-sender', { credentials: testCreds, queues: { ip: url, name: url.replace('127.0.0.1', 'localhost') } });
    assert.equal(r.endpoint, `http://127.0.0.1:${s.port}`);
    assert.equal(r.ip, 'sent', JSON.stringify(r));
    assert.equal(r.name, 'sent', JSON.stringify(r));
    assert.deepEqual(await receiveBodies(sqs, url, 2), ['python:ip', 'python:name']);
  });

  it('a key Kumo does not know is refused by Kumo (the SDK reached Kumo, not AWS)', async () => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'unknown-key' }))).QueueUrl!;
    const r = await invoke(c, 'node-sender', { credentials: { accessKeyId: 'AKIDNOTKNOWN00000000', secretAccessKey: 'x'.repeat(40) }, queues: { q: url } });
    assert.match(r.q!, /security token included in the request is invalid|InvalidClientTokenId|UnrecognizedClient/i, r.q);
  });
});
