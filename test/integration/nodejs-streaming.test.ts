import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, InvokeWithResponseStreamCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';
import { HttpPreludeSplitter, httpIntegrationContentType } from '../../src/invoke/response-stream';

/**
 * The nodejs20.x runtime's response streaming as AWS provides it:
 * `awslambda.streamifyResponse(handler)` streams what the handler writes to
 * the Runtime API as it writes it (chunked, errors in trailers), and
 * `awslambda.HttpResponseStream.from` prefixes the JSON prelude and 8 NUL
 * bytes under `application/vnd.awslambda.http-integration-response`.
 */
const handlers: Record<string, string> = {
  // Awaits between writes, then ends: Kumo's runtime once failed this with "Response stream is not finished." (errorType "string").
  paced: `export const handler = awslambda.streamifyResponse(async (event, stream) => {
    stream.setContentType('text/plain');
    stream.write('first;');
    await new Promise((r) => setTimeout(r, event.gapMs));
    stream.write('second;');
    stream.end();
  });`,
  piped: `import { pipeline } from 'node:stream/promises';
  import { Readable } from 'node:stream';
  export const handler = awslambda.streamifyResponse(async (event, stream) => {
    async function* parts() {
      for (let i = 0; i < 3; i++) { yield 'p' + i + ';'; await new Promise((r) => setTimeout(r, 50)); }
    }
    await pipeline(Readable.from(parts()), stream);
  });`,
  broken: `export const handler = awslambda.streamifyResponse(async (event, stream) => {
    stream.write('partial;');
    await new Promise((r) => setTimeout(r, 50));
    const e = new TypeError('went wrong mid-stream');
    throw e;
  });`,
  early: `export const handler = awslambda.streamifyResponse(async () => {
    throw new RangeError('before any byte');
  });`,
  http: `export const handler = awslambda.streamifyResponse(async (event, stream) => {
    stream = awslambda.HttpResponseStream.from(stream, { statusCode: 201, headers: { 'x-kind': 'demo' }, cookies: ['a=1'] });
    stream.write('hello ');
    await new Promise((r) => setTimeout(r, 20));
    stream.end('world');
  });`,
  ctx: `export const handler = awslambda.streamifyResponse(async (event, stream, context) => {
    stream.end(JSON.stringify({ clientContext: context.clientContext, arn: context.invokedFunctionArn }));
  });`,
  silent: `export const handler = awslambda.streamifyResponse(async () => {});`,
  unended: `export const handler = awslambda.streamifyResponse(async (event, stream) => {
    stream.write('a;');
    setTimeout(() => stream.end('b;'), 300);
  });`,
};

describe('nodejs20.x response streaming (awslambda.streamifyResponse)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
    for (const [name, code] of Object.entries(handlers)) {
      await s.client.send(
        new CreateFunctionCommand({
          FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role, Timeout: 5,
          Code: { ZipFile: await makeZip({ 'index.mjs': code }) },
        }),
      );
    }
    for (const name of Object.keys(handlers)) await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 60 }, { FunctionName: name });
  });
  after(async () => {
    await s?.stop();
  });

  async function stream(fn: string, event: object = {}, extra: { ClientContext?: string; Qualifier?: string } = {}) {
    const t0 = performance.now();
    const out = await s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: fn, Payload: encode(event), ...extra }));
    const chunks: { at: number; text: string; bytes: Buffer }[] = [];
    let complete: Record<string, unknown> | undefined;
    for await (const ev of out.EventStream!) {
      if (ev.PayloadChunk) {
        const bytes = Buffer.from(ev.PayloadChunk.Payload ?? []);
        chunks.push({ at: performance.now() - t0, text: bytes.toString(), bytes });
      }
      if (ev.InvokeComplete) complete = { ...ev.InvokeComplete };
    }
    return { chunks, complete, text: chunks.map((c) => c.text).join(''), bytes: Buffer.concat(chunks.map((c) => c.bytes)) };
  }

  it('a handler that awaits between writes and then ends streams both writes, the first before the wait is over', async () => {
    const r = await stream('paced', { gapMs: 1500 });
    assert.deepEqual(r.complete, {});
    assert.equal(r.text, 'first;second;');
    const first = r.chunks.find((c) => c.text.includes('first;'))!;
    const second = r.chunks.find((c) => c.text.includes('second;'))!;
    assert.ok(second.at - first.at >= 1000, `second came ${second.at - first.at} ms after first`);
    // Invoke reads the same stream whole.
    const inv = await s.client.send(new InvokeCommand({ FunctionName: 'paced', Payload: encode({ gapMs: 10 }) }));
    assert.equal(inv.FunctionError, undefined, decode(inv.Payload));
    assert.equal(decode(inv.Payload), 'first;second;');
  });

  it('pipeline() from a Readable into the response stream', async () => {
    const r = await stream('piped');
    assert.deepEqual(r.complete, {});
    assert.equal(r.text, 'p0;p1;p2;');
  });

  it('an error thrown mid-stream is reported in the trailers with AWS’s error shape', async () => {
    const r = await stream('broken');
    assert.equal(r.text, 'partial;');
    assert.deepEqual(r.complete, { ErrorCode: 'TypeError', ErrorDetails: 'went wrong mid-stream' });
    const inv = await s.client.send(new InvokeCommand({ FunctionName: 'broken', Payload: encode({}) }));
    assert.equal(inv.FunctionError, 'Unhandled');
    const doc = JSON.parse(decode(inv.Payload)) as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(doc.errorType, 'TypeError');
    assert.equal(doc.errorMessage, 'went wrong mid-stream');
    assert.ok(Array.isArray(doc.trace) && doc.trace[0] === 'TypeError: went wrong mid-stream', JSON.stringify(doc));
  });

  it('an error before any byte is the function error', async () => {
    const r = await stream('early');
    assert.equal(r.text, '');
    assert.deepEqual(r.complete, { ErrorCode: 'RangeError', ErrorDetails: 'before any byte' });
  });

  it('HttpResponseStream.from writes the JSON prelude and 8 NUL bytes under the http-integration content type', async () => {
    const r = await stream('http');
    assert.deepEqual(r.complete, {});
    const prelude = JSON.stringify({ statusCode: 201, headers: { 'x-kind': 'demo' }, cookies: ['a=1'] });
    assert.deepEqual(r.bytes, Buffer.concat([Buffer.from(prelude), Buffer.alloc(8), Buffer.from('hello world')]));
    // The splitter a RESPONSE_STREAM function URL uses gives the prelude and the body apart, whatever the chunking.
    const split = new HttpPreludeSplitter();
    let got: ReturnType<HttpPreludeSplitter['push']>;
    const body: Buffer[] = [];
    for (const b of r.bytes) {
      const out = split.push(Buffer.from([b]));
      if (out && 'prelude' in out) got = out;
      if (out) body.push(out.body);
    }
    assert.ok(got! && 'prelude' in got);
    assert.deepEqual(got.prelude, { statusCode: 201, headers: { 'x-kind': 'demo' }, cookies: ['a=1'] });
    assert.equal(Buffer.concat(body).toString(), 'hello world');
    assert.equal(httpIntegrationContentType, 'application/vnd.awslambda.http-integration-response');
  });

  it('a handler that returns before ending the stream: the stream ends when the function ends it', async () => {
    const r = await stream('unended');
    assert.deepEqual(r.complete, {});
    assert.equal(r.text, 'a;b;');
  });

  it('passes X-Amz-Client-Context and Qualifier through to the function, as Invoke does', async () => {
    const clientContext = { custom: { k: 'v' }, env: { locale: 'en' } };
    const r = await stream('ctx', {}, { ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64'), Qualifier: '$LATEST' });
    assert.deepEqual(r.complete, {});
    assert.deepEqual(JSON.parse(r.text), { clientContext, arn: 'arn:aws:lambda:us-east-1:000000000000:function:ctx:$LATEST' });
    await assert.rejects(s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'ctx', Qualifier: 'nope', Payload: encode({}) })), (e: Error) => {
      assert.equal(e.name, 'ResourceNotFoundException');
      assert.equal(e.message, 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:ctx:nope');
      return true;
    });
    await assert.rejects(s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'ctx', ClientContext: 'not base64!', Payload: encode({}) })), (e: Error) => {
      assert.equal(e.name, 'InvalidParameterValueException');
      assert.equal(e.message, 'Client context must be a valid Base64-encoded JSON object.');
      return true;
    });
  });

  it('a handler that neither writes nor ends: the stream ends empty once nothing is left to run (no wait for the timeout)', async () => {
    const t0 = performance.now();
    const r = await stream('silent');
    assert.deepEqual(r.complete, {});
    assert.equal(r.text, '');
    assert.ok(performance.now() - t0 < 4000, 'well before the 5 s timeout');
  });
});
