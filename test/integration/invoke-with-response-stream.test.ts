import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, InvokeCommand, InvokeWithResponseStreamCommand, PutFunctionConcurrencyCommand, waitUntilFunctionActiveV2,
  type InvokeWithResponseStreamCommandOutput, type LambdaClient,
} from '@aws-sdk/client-lambda';
import { decode, encode, leftovers, makeZip, role, startServer, storedLogLines, type RunningServer } from './harness';
import { bootstrap } from './stream-runtime';

/**
 * InvokeWithResponseStream driven by the AWS SDK v3's own command and
 * event-stream parser: chunks arrive while the function is still writing,
 * errors end in InvokeComplete, the 200 MB limit (lowered for the test by
 * KUMO_STREAM_RESPONSE_BYTES_MAX, same path) and the 2 MBps cap after 6 MB
 * hold, and a client that goes away leaks neither a lease nor an EE.
 */

interface Received {
  chunks: { at: number; bytes: Buffer }[];
  complete?: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string };
  /** When InvokeComplete arrived, ms after the request was sent. */
  completeAt?: number;
  startedAt: number;
  out: InvokeWithResponseStreamCommandOutput;
}

async function streamInvoke(client: LambdaClient, fn: string, event: object, extra: { LogType?: 'Tail' } = {}): Promise<Received> {
  const startedAt = performance.now();
  const out = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: fn, Payload: encode(event), ...extra }));
  const r: Received = { chunks: [], startedAt, out };
  for await (const ev of out.EventStream!) {
    if (ev.PayloadChunk) r.chunks.push({ at: performance.now() - startedAt, bytes: Buffer.from(ev.PayloadChunk.Payload ?? []) });
    if (ev.InvokeComplete) {
      r.complete = ev.InvokeComplete;
      r.completeAt = performance.now() - startedAt;
    }
  }
  return r;
}

const text = (r: Received) => Buffer.concat(r.chunks.map((c) => c.bytes)).toString('utf8');
const size = (r: Received) => r.chunks.reduce((n, c) => n + c.bytes.length, 0);

async function createStreamer(s: RunningServer, name: string, timeout = 10): Promise<void> {
  await s.client.send(
    new CreateFunctionCommand({
      FunctionName: name, Runtime: 'provided.al2023', Handler: 'x', Role: role, Timeout: timeout, MemorySize: 256,
      Code: { ZipFile: await makeZip({ bootstrap }) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 60 }, { FunctionName: name });
}

describe('InvokeWithResponseStream (SDK v3)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
    await createStreamer(s, 'streamer');
    await s.client.send(
      new CreateFunctionCommand({
        FunctionName: 'buffered', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role,
        Code: { ZipFile: await makeZip({ 'index.mjs': `export const handler = async (e) => ({ echo: e, big: 'y'.repeat(e.n ?? 0) });` }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 60 }, { FunctionName: 'buffered' });
  });
  after(async () => {
    await s?.stop();
    if (s) assert.deepEqual(leftovers(s.dataDir), []);
  });

  it('hands the first chunk over while the function is still running', async () => {
    const r = await streamInvoke(s.client, 'streamer', { chunks: 2, gap: 1.5 }, { LogType: 'Tail' });
    assert.equal(r.out.$metadata.httpStatusCode, 200);
    assert.equal(r.out.ExecutedVersion, '$LATEST');
    assert.equal(r.out.ResponseStreamContentType, 'application/vnd.amazon.eventstream');
    assert.equal(text(r), 'part0\npart1\n');
    assert.deepEqual(r.complete && Object.keys(r.complete).sort(), ['LogResult']);
    const log = Buffer.from(r.complete!.LogResult!, 'base64').toString();
    assert.match(log, /REPORT RequestId: /);
    // part0 is written at once, part1 1.5 s later, and the function ends 1.5 s after that:
    // part0 reaches the client while the function still runs.
    const first = r.chunks.find((c) => c.bytes.includes('part0'))!;
    const second = r.chunks.find((c) => c.bytes.includes('part1'))!;
    assert.ok(second.at - first.at >= 1000, `part1 came ${second.at - first.at} ms after part0`);
    assert.ok(r.completeAt! - first.at >= 2000, `part0 came ${r.completeAt! - first.at} ms before the end`);
    const report = Number(/Duration: ([0-9.]+) ms/.exec(log)![1]);
    assert.ok(report >= 2900, `REPORT Duration ${report} ms covers the whole stream`);
  });

  it('a function error in the trailers ends the stream with InvokeComplete ErrorCode/ErrorDetails', async () => {
    const r = await streamInvoke(s.client, 'streamer', { chunks: 2, fail: true });
    assert.equal(text(r), 'part0\npart1\n');
    assert.deepEqual(r.complete, { ErrorCode: 'StreamBroke', ErrorDetails: 'broke mid-stream' });
  });

  it('a function that does not stream has its buffered answer sent as one chunk', async () => {
    const r = await streamInvoke(s.client, 'buffered', { a: 1 });
    assert.equal(r.chunks.length, 1);
    assert.deepEqual(JSON.parse(text(r)), { echo: { a: 1 }, big: '' });
    assert.deepEqual(r.complete, {});
  });

  it('the function timeout ends a stream with Sandbox.Timedout; the next request runs', async () => {
    await createStreamer(s, 'short', 1);
    const r = await streamInvoke(s.client, 'short', { chunks: 10, gap: 0.3 });
    assert.ok(text(r).startsWith('part0\n'));
    assert.equal(r.complete?.ErrorCode, 'Sandbox.Timedout');
    assert.match(r.complete?.ErrorDetails ?? '', /Task timed out after 1\.00 seconds/);
    const next = await streamInvoke(s.client, 'short', { chunks: 1 });
    assert.equal(text(next), 'part0\n');
  });

  it('errors before the function answers are the API errors, as Invoke answers them', async () => {
    await assert.rejects(s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'nope', Payload: encode({}) })), (e: Error) => {
      assert.equal(e.name, 'ResourceNotFoundException');
      assert.equal(e.message, 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST');
      return true;
    });
    await assert.rejects(
      s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', InvocationType: 'Event' as never, Payload: encode({}) })),
      (e: Error) => {
        assert.equal(e.name, 'ValidationException');
        assert.match(e.message, /Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: \[RequestResponse, DryRun\]/);
        return true;
      },
    );
    await assert.rejects(s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: Buffer.from('{nope') })), (e: Error) => {
      assert.equal(e.name, 'InvalidRequestContentException');
      return true;
    });
    const dry = await s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', InvocationType: 'DryRun', Payload: encode({}) }));
    assert.equal(dry.$metadata.httpStatusCode, 204);
  });

  it('after 6 MB the stream goes at most 2 MBps', async () => {
    // 8 chunks of 1 MiB: the last 2 MiB are capped, so they take at least 1 s.
    const r = await streamInvoke(s.client, 'streamer', { chunks: 8, size: 1024 * 1024 });
    assert.equal(r.complete?.ErrorCode, undefined, r.complete?.ErrorDetails);
    assert.equal(size(r), 8 * (1024 * 1024 + 'partN\n'.length));
    // The last byte passes no earlier than 1 s after the 6 MiB mark (timers may fire a little early).
    const last = r.chunks.at(-1)!;
    assert.ok(last.at >= 950, `8 MiB arrived in ${last.at} ms`);
  });

  it('a client that goes away mid-stream leaks no lease and no EE: the function runs to its end, the next invoke is warm', async () => {
    await createStreamer(s, 'leaver');
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'leaver', ReservedConcurrentExecutions: 1 }));
    await s.client.send(new InvokeCommand({ FunctionName: 'leaver', Payload: encode({ chunks: 1 }) })); // warm
    const abort = new AbortController();
    const out = await s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'leaver', Payload: encode({ chunks: 10, gap: 0.3, size: 64 * 1024 }) }), {
      abortSignal: abort.signal,
    });
    await assert.rejects(
      (async () => {
        for await (const ev of out.EventStream!) if (ev.PayloadChunk) abort.abort();
      })(),
    );
    // While the function still runs, its one lease is taken.
    await assert.rejects(s.client.send(new InvokeCommand({ FunctionName: 'leaver', Payload: encode({ chunks: 1 }) })), (e: Error) => e.name === 'TooManyRequestsException');
    // It ends by itself (about 3 s); then lease and EE are free again and the same EE answers.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const r = await s.client.send(new InvokeCommand({ FunctionName: 'leaver', Payload: encode({ chunks: 1 }), LogType: 'Tail' }));
        assert.equal(decode(r.Payload), 'part0\n');
        assert.doesNotMatch(Buffer.from(r.LogResult!, 'base64').toString(), /INIT_START/, 'the EE the client left was reused');
        break;
      } catch (e) {
        if ((e as Error).name !== 'TooManyRequestsException' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // The abandoned invocation ran to its end: its END and REPORT are in the function's log.
    const id = out.$metadata.requestId!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    let lines: string[] = [];
    for (let i = 0; i < 50 && !lines.some((l) => l.startsWith(`REPORT RequestId: ${id}`)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      lines = await storedLogLines(s.dataDir, 'leaver');
    }
    assert.ok(lines.some((l) => l.startsWith(`END RequestId: ${id}`)), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith(`REPORT RequestId: ${id}`)), lines.join('\n'));
  });
});

describe('InvokeWithResponseStream size limit (KUMO_STREAM_RESPONSE_BYTES_MAX lowers AWS’s 200 MB)', () => {
  let s: RunningServer;
  const limit = 7 * 1024 * 1024;
  before(async () => {
    s = await startServer({ env: { KUMO_STREAM_RESPONSE_BYTES_MAX: String(limit) } });
    await createStreamer(s, 'streamer');
  });
  after(async () => {
    await s?.stop();
  });

  it('past the limit the stream stops at it with Function.ResponseSizeTooLarge; the next request runs', async () => {
    const r = await streamInvoke(s.client, 'streamer', { chunks: 9, size: 1024 * 1024 });
    assert.equal(size(r), limit);
    // The 1 MiB past the uncapped 6 MiB went at 2 MiB/s.
    assert.ok(r.chunks.at(-1)!.at >= 450, `7 MiB arrived in ${r.chunks.at(-1)!.at} ms`);
    assert.deepEqual(r.complete, {
      ErrorCode: 'Function.ResponseSizeTooLarge',
      ErrorDetails: `Response payload size exceeded maximum allowed payload size (${limit} bytes).`,
    });
    const next = await streamInvoke(s.client, 'streamer', { chunks: 1 });
    assert.equal(text(next), 'part0\n');
  });
});
