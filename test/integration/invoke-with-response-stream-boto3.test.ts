import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { makeZip, projectRoot, role, startServer, testCreds, type RunningServer } from './harness';
import { bootstrap } from './stream-runtime';
import { requirePythonModule, tool } from '../tools';

const run = promisify(execFile);

/**
 * boto3's `invoke_with_response_stream` (Debian's python3-boto3, its own
 * event-stream parser) against Kumo. Debian's botocore (1.29) predates the
 * operation (April 2023), so the test hands it AWS's model of that one
 * operation through AWS_DATA_PATH, botocore's documented search path for
 * extra models (test/fixtures/botocore-models: InvokeWithResponseStream and
 * the shapes it uses, taken from AWS's Lambda model); the client code that
 * signs, sends and parses is Debian's, unchanged.
 */
const script = `
import boto3, json, sys, time
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
t0 = time.monotonic()
r = c.invoke_with_response_stream(FunctionName=sys.argv[4], Payload=sys.argv[5].encode(), LogType='Tail')
events = []
for ev in r['EventStream']:
    at = (time.monotonic() - t0) * 1000
    if 'PayloadChunk' in ev:
        events.append({'chunk': ev['PayloadChunk']['Payload'].decode(), 'at': at})
    if 'InvokeComplete' in ev:
        events.append({'complete': ev['InvokeComplete'], 'at': at})
print(json.dumps({'status': r['StatusCode'], 'version': r['ExecutedVersion'], 'contentType': r['ResponseStreamContentType'], 'events': events}))
`;

interface Boto3Result {
  status: number;
  version: string;
  contentType: string;
  events: ({ chunk: string; at: number } | { complete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string }; at: number })[];
}

describe("boto3's invoke_with_response_stream", () => {
  let s: RunningServer;
  before(async () => {
    requirePythonModule('boto3');
    s = await startServer();
    await s.client.send(
      new CreateFunctionCommand({
        FunctionName: 'streamer', Runtime: 'provided.al2023', Handler: 'x', Role: role, Timeout: 10,
        Code: { ZipFile: await makeZip({ bootstrap }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 60 }, { FunctionName: 'streamer' });
  });
  after(async () => {
    await s?.stop();
  });

  const boto3 = async (fn: string, event: object): Promise<Boto3Result> => {
    const { stdout } = await run(tool('python3'), ['-c', script, s.endpoint, testCreds.accessKeyId, testCreds.secretAccessKey, fn, JSON.stringify(event)], {
      timeout: 60_000,
      env: { PATH: '/usr/bin:/bin', AWS_DATA_PATH: path.join(projectRoot, 'test', 'fixtures', 'botocore-models'), AWS_EC2_METADATA_DISABLED: 'true' },
    });
    return JSON.parse(stdout) as Boto3Result;
  };

  it('reads PayloadChunk events as the function writes them, then InvokeComplete with the log tail', async () => {
    const r = await boto3('streamer', { chunks: 2, gap: 1.5 });
    assert.equal(r.status, 200);
    assert.equal(r.version, '$LATEST');
    assert.equal(r.contentType, 'application/vnd.amazon.eventstream');
    const chunks = r.events.filter((e): e is { chunk: string; at: number } => 'chunk' in e);
    assert.equal(chunks.map((c) => c.chunk).join(''), 'part0\npart1\n');
    const first = chunks.find((c) => c.chunk.includes('part0'))!;
    const second = chunks.find((c) => c.chunk.includes('part1'))!;
    assert.ok(second.at - first.at >= 1000, `part1 came ${second.at - first.at} ms after part0`);
    const last = r.events.at(-1)!;
    assert.ok('complete' in last);
    assert.ok(last.at - first.at >= 2000, `part0 came ${last.at - first.at} ms before the end`);
    assert.deepEqual(Object.keys(last.complete), ['LogResult']);
    assert.match(Buffer.from(last.complete.LogResult!, 'base64').toString(), /REPORT RequestId: /);
  });

  it('a function error mid-stream ends with InvokeComplete ErrorCode and ErrorDetails', async () => {
    const r = await boto3('streamer', { chunks: 1, fail: true });
    const last = r.events.at(-1)!;
    assert.ok('complete' in last);
    assert.equal(last.complete.ErrorCode, 'StreamBroke');
    assert.equal(last.complete.ErrorDetails, 'broke mid-stream');
    assert.equal(r.events.filter((e) => 'chunk' in e).map((e) => (e as { chunk: string }).chunk).join(''), 'part0\n');
  });
});
