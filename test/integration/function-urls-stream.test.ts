import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { allowPublicUrl, makeZip, role, startServer, type RunningServer } from './harness';

/**
 * `InvokeMode: RESPONSE_STREAM` function URLs (issue 16 item 3): the client
 * gets the status and headers of the function's
 * `awslambda.HttpResponseStream.from` prelude and its first bytes while the
 * function is still running (it writes, waits 1.5 s, writes again, ends); a
 * stream without a prelude is the body as written; a function that does not
 * stream answers as a BUFFERED URL would. The URL listener is driven with
 * Node's http client (chunk arrival times are measured at the socket).
 */
const streamingJs = `
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  if (event.rawPath === '/plain') {
    responseStream.setContentType('text/plain');
    responseStream.write('raw ');
    await new Promise((r) => setTimeout(r, 1500));
    responseStream.end('end');
    return;
  }
  const s = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'content-type': 'text/html', 'x-kumo': 'yes' }, cookies: ['a=1', 'b=2'] });
  s.write('<p>first</p>');
  await new Promise((r) => setTimeout(r, 1500));
  s.write('<p>second</p>');
  s.end();
});
`;
const bufferedJs = `exports.handler = async () => ({ statusCode: 202, headers: { 'x-buffered': '1' }, body: 'whole' });`;

async function deploy(c: LambdaClient, name: string, code: string): Promise<string> {
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': code }) } }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
  const r = await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' }));
  assert.equal(r.InvokeMode, 'RESPONSE_STREAM');
  await allowPublicUrl(c, name);
  return r.FunctionUrl!;
}

/** GET through the path-based form; each chunk with the ms since the request was sent. */
function get(url: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; chunks: { at: number; text: string }[] }> {
  const u = new URL(url);
  const id = u.hostname.split('.')[0];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: Number(u.port), path: `/lambda-url/${id}${path}` }, (res) => {
      const chunks: { at: number; text: string }[] = [];
      res.on('data', (c: Buffer) => chunks.push({ at: Date.now() - t0, text: c.toString('utf8') }));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, chunks }));
    }).on('error', reject);
  });
}

describe('function URLs with InvokeMode RESPONSE_STREAM', () => {
  let s: RunningServer;
  let streamUrl: string;
  let bufferedUrl: string;
  before(async () => {
    s = await startServer();
    streamUrl = await deploy(s.client, 'streamer', streamingJs);
    bufferedUrl = await deploy(s.client, 'buffered', bufferedJs);
    await get(streamUrl, '/plain'); // warm: the timing below is the stream's, not a cold start's
  });
  after(async () => {
    await s.stop();
  });

  it('the prelude sets status, headers and cookies, and the first bytes arrive while the function still runs', async () => {
    const r = await get(streamUrl, '/');
    assert.equal(r.status, 201);
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal(r.headers['x-kumo'], 'yes');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal(r.chunks.map((c) => c.text).join(''), '<p>first</p><p>second</p>');
    const first = r.chunks.find((c) => c.text.includes('first'))!;
    const second = r.chunks.find((c) => c.text.includes('second'))!;
    assert.ok(second.at - first.at >= 1000, `first at ${first.at} ms, second at ${second.at} ms: the first was not held back`);
  });

  it('a stream without a prelude is the body as written, under the runtime\'s content type', async () => {
    const r = await get(streamUrl, '/plain');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.chunks.map((c) => c.text).join(''), 'raw end');
    assert.ok(r.chunks[r.chunks.length - 1]!.at - r.chunks[0]!.at >= 1000, 'the first chunk came before the function ended');
  });

  it('a function that does not stream answers as a BUFFERED URL maps it (payload format 2.0)', async () => {
    const r = await get(bufferedUrl, '/');
    assert.equal(r.status, 202);
    assert.equal(r.headers['x-buffered'], '1');
    assert.equal(r.chunks.map((c) => c.text).join(''), 'whole');
  });
});
