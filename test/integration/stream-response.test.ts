import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';

/**
 * Responses a runtime streams to the Runtime API
 * (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked, errors in
 * trailers) travel through the invoke path as a stream; Invoke reads them
 * whole within its 6,291,556-byte limit. The runtime is a custom one in
 * Python speaking HTTP/1.1 by hand, so chunk timing and trailers are exact.
 */
const bootstrap = `#!/usr/bin/python3
import base64, json, os, socket, time
host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')
def request(method, path, body=b'', headers=()):
    s = socket.create_connection((host, int(port)))
    head = f'{method} {path} HTTP/1.1\\r\\nHost: {host}\\r\\nContent-Length: {len(body)}\\r\\n' + ''.join(f'{k}: {v}\\r\\n' for k, v in headers) + '\\r\\n'
    s.sendall(head.encode() + body)
    return s
def read_response(s):
    data = b''
    while b'\\r\\n\\r\\n' not in data:
        data += s.recv(65536)
    head, _, rest = data.partition(b'\\r\\n\\r\\n')
    hdrs = dict(l.split(': ', 1) for l in head.decode().split('\\r\\n')[1:])
    n = int(hdrs.get('Content-Length', hdrs.get('content-length', '0')))
    while len(rest) < n:
        rest += s.recv(65536)
    return {k.lower(): v for k, v in hdrs.items()}, rest
while True:
    s = request('GET', '/2018-06-01/runtime/invocation/next')
    hdrs, body = read_response(s)
    s.close()
    rid, event = hdrs['lambda-runtime-aws-request-id'], json.loads(body)
    s = socket.create_connection((host, int(port)))
    s.sendall((f'POST /2018-06-01/runtime/invocation/{rid}/response HTTP/1.1\\r\\nHost: {host}\\r\\n'
               'Lambda-Runtime-Function-Response-Mode: streaming\\r\\nTransfer-Encoding: chunked\\r\\n'
               'Content-Type: text/plain\\r\\nTrailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\\r\\n\\r\\n').encode())
    for i in range(event['chunks']):
        chunk = (event.get('fill', 'x') * event.get('size', 0) + f'part{i}\\n').encode()
        s.sendall(f'{len(chunk):x}\\r\\n'.encode() + chunk + b'\\r\\n')
        time.sleep(event.get('gap', 0))
    trailers = ''
    if event.get('fail'):
        err = base64.b64encode(json.dumps({'errorType': 'StreamBroke', 'errorMessage': 'broke mid-stream'}).encode()).decode()
        trailers = f'Lambda-Runtime-Function-Error-Type: StreamBroke\\r\\nLambda-Runtime-Function-Error-Body: {err}\\r\\n'
    s.sendall(('0\\r\\n' + trailers + '\\r\\n').encode())
    read_response(s)
    s.close()
`;

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
