import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';
import { bootstrap } from './stream-runtime';

/**
 * Responses a runtime streams to the Runtime API
 * (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked, errors in
 * trailers) travel through the invoke path as a stream; Invoke reads them
 * whole within its 6,291,556-byte limit. The runtime is a custom one in
 * Python speaking HTTP/1.1 by hand, so chunk timing and trailers are exact.
 */

describe('streamed responses through the invoke path', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
    await s.client.send(
      new CreateFunctionCommand({
        FunctionName: 'streamer', Runtime: 'provided.al2023', Handler: 'x', Role: role, Timeout: 2, MemorySize: 256,
        Code: { ZipFile: await makeZip({ bootstrap }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 60 }, { FunctionName: 'streamer' });
    await s.client.send(
      new CreateFunctionCommand({
        FunctionName: 'node-streamer', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role,
        Code: {
          ZipFile: await makeZip({
            'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, stream) => {
              stream.setContentType('text/plain');
              for (const w of event.words) stream.write(w + ' ');
              stream.end('done');
            });`,
          }),
        },
      }),
    );
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 60 }, { FunctionName: 'node-streamer' });
  });
  after(async () => {
    await s?.stop();
  });
  const invoke = async (event: object) => s.client.send(new InvokeCommand({ FunctionName: 'streamer', Payload: encode(event), LogType: 'Tail' }));

  it('a body streamed in chunks arrives whole, timed to its end', async () => {
    const r = await invoke({ chunks: 3, gap: 0.3 });
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    assert.equal(decode(r.Payload), 'part0\npart1\npart2\n');
    const report = /Duration: ([0-9.]+) ms/.exec(Buffer.from(r.LogResult!, 'base64').toString())!;
    assert.ok(Number(report[1]) >= 850, `REPORT duration ${report[1]} ms covers the stream`);
    // The EE is reused: the stream's end made it idle again.
    const again = await invoke({ chunks: 1 });
    assert.equal(decode(again.Payload), 'part0\n');
  });

  it('a Node.js handler wrapped in awslambda.streamifyResponse answers Invoke with what it wrote', async () => {
    const r = await s.client.send(new InvokeCommand({ FunctionName: 'node-streamer', Payload: encode({ words: ['a', 'b'] }) }));
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    assert.equal(decode(r.Payload), 'a b done');
  });

  it('an error in the trailers is the function error', async () => {
    const r = await invoke({ chunks: 2, fail: true });
    assert.equal(r.FunctionError, 'Unhandled');
    assert.deepEqual(JSON.parse(decode(r.Payload)), { errorType: 'StreamBroke', errorMessage: 'broke mid-stream' });
  });

  it('a stream past Invoke’s limit is AWS’s size error, and the next request runs', async () => {
    const r = await invoke({ chunks: 8, size: 1024 * 1024 });
    assert.equal(r.FunctionError, 'Unhandled');
    assert.deepEqual(JSON.parse(decode(r.Payload)), {
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
    const next = await invoke({ chunks: 1 });
    assert.equal(decode(next.Payload), 'part0\n');
  });

  it('the function timeout covers the stream', async () => {
    const r = await invoke({ chunks: 10, gap: 0.5 });
    assert.equal(r.FunctionError, 'Unhandled');
    const body = JSON.parse(decode(r.Payload)) as { errorType: string; errorMessage: string };
    assert.equal(body.errorType, 'Sandbox.Timedout');
    assert.match(body.errorMessage, /Task timed out after 2\.00 seconds/);
    const next = await invoke({ chunks: 1 });
    assert.equal(decode(next.Payload), 'part0\n');
  });
});
