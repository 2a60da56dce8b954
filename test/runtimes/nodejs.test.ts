/**
 * The nodejs20.x runtime (runtimes/nodejs/bootstrap.mjs) as a real process
 * against a fake Runtime API: each test checks one AWS behaviour by exact value.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { eventually, FakeRuntimeApi, makeTaskRoot, startRuntime, type RuntimeProcess } from './fake-runtime-api';

interface Env {
  api: FakeRuntimeApi;
  rt: RuntimeProcess;
  root: string;
}

async function boot(t: TestContext, files: Record<string, string>, handler: string, extraEnv: Record<string, string> = {}): Promise<Env> {
  const api = await new FakeRuntimeApi().start();
  const root = makeTaskRoot(files);
  const rt = startRuntime('nodejs', api, root, handler, extraEnv);
  t.after(async () => {
    await rt.stop();
    await api.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { api, rt, root };
}

/** A log line as the runtime writes it: ISO timestamp, request id, level, message. */
const LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t([A-Z]+)\t([^\n]*)$/;

function logLines(rt: RuntimeProcess): { requestId: string; level: string; message: string }[] {
  return rt
    .stdout()
    .split('\n')
    .map((l) => LOG_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ requestId: m[2]!, level: m[3]!, message: m[4]! }));
}

describe('nodejs20.x runtime', { concurrency: true }, () => {
  it('runs a CommonJS async handler and keeps module state and one connection across invokes', async (t) => {
    const { api } = await boot(
      t,
      {
        'index.js': `let count = 0;
exports.handler = async (event, context) => ({ count: ++count, event, requestId: context.awsRequestId });`,
      },
      'index.handler',
    );
    const first = await api.invoke({ a: 1 }, { requestId: 'id-1' });
    assert.equal(first.kind, 'response');
    assert.deepEqual(JSON.parse(first.body), { count: 1, event: { a: 1 }, requestId: 'id-1' });
    const second = await api.invoke([1, 'two'], { requestId: 'id-2' });
    assert.deepEqual(JSON.parse(second.body), { count: 2, event: [1, 'two'], requestId: 'id-2' });
    assert.equal(api.connections, 1, 'all Runtime API calls share one keep-alive connection');
  });

  it('sends undefined as null', async (t) => {
    const { api } = await boot(t, { 'index.js': 'exports.handler = async () => undefined;' }, 'index.handler');
    assert.equal((await api.invoke({})).body, 'null');
  });

  it('loads .mjs as an ES module with top-level await', async (t) => {
    const { api } = await boot(
      t,
      { 'app.mjs': 'const v = await new Promise((r) => setTimeout(() => r(42), 10));\nexport const handler = async () => ({ v, esm: typeof require });' },
      'app.handler',
    );
    assert.deepEqual(JSON.parse((await api.invoke({})).body), { v: 42, esm: 'undefined' });
  });

  it('loads .js under package.json "type": "module" as ESM, from a subdirectory, with a nested export', async (t) => {
    const { api } = await boot(
      t,
      {
        'package.json': '{"type":"module"}',
        'src/app.js': 'export const handlers = { main: async (e) => ({ esm: typeof module === "undefined", e }) };',
      },
      'src/app.handlers.main',
    );
    assert.deepEqual(JSON.parse((await api.invoke('x')).body), { esm: true, e: 'x' });
  });

  it('prefers .js (CommonJS) over .mjs', async (t) => {
    const { api } = await boot(
      t,
      { 'a.js': 'exports.h = async () => "js";', 'a.mjs': 'export const h = async () => "mjs";' },
      'a.h',
    );
    assert.equal((await api.invoke({})).body, '"js"');
  });

  it('loads .cjs when there is no .js or .mjs', async (t) => {
    const { api } = await boot(t, { 'b.cjs': 'exports.h = async () => typeof require;' }, 'b.h');
    assert.equal((await api.invoke({})).body, '"function"');
  });

  it('callback style: waits for the event loop to drain by default, not when callbackWaitsForEmptyEventLoop = false', async (t) => {
    const { api } = await boot(
      t,
      {
        'index.js': `exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  setTimeout(() => {}, event.wait ? 400 : 2000);
  callback(null, { wait: context.callbackWaitsForEmptyEventLoop });
};`,
      },
      'index.handler',
    );
    const waited = await api.invoke({ wait: true });
    assert.deepEqual(JSON.parse(waited.body), { wait: true });
    assert.ok(waited.elapsedMs >= 350, `response waited for the pending timer (${waited.elapsedMs} ms)`);
    const immediate = await api.invoke({ wait: false });
    assert.deepEqual(JSON.parse(immediate.body), { wait: false });
    assert.ok(immediate.elapsedMs < 1500, `response did not wait for the 2 s timer (${immediate.elapsedMs} ms)`);
  });

  it('callback(err), context.succeed/fail and a sync handler that never calls back', async (t) => {
    const { api, rt } = await boot(
      t,
      {
        'index.js': `exports.handler = (event, context, callback) => {
  if (event.kind === 'cb-error') return callback(new RangeError('out of range'));
  if (event.kind === 'succeed') return context.succeed({ ok: 1 });
  if (event.kind === 'fail-string') return context.fail('plain');
  if (event.kind === 'twice') { callback(null, 1); callback(null, 2); return; }
  /* nothing: AWS responds null once the loop drains */
};`,
      },
      'index.handler',
    );
    const cbErr = await api.invoke({ kind: 'cb-error' });
    assert.equal(cbErr.kind, 'error');
    assert.equal(cbErr.errorType, 'RangeError');
    const cbErrBody = JSON.parse(cbErr.body);
    assert.equal(cbErrBody.errorType, 'RangeError');
    assert.equal(cbErrBody.errorMessage, 'out of range');
    assert.equal(cbErrBody.trace[0], 'RangeError: out of range');

    assert.equal((await api.invoke({ kind: 'succeed' })).body, '{"ok":1}');
    const failed = await api.invoke({ kind: 'fail-string' });
    assert.deepEqual(JSON.parse(failed.body), { errorType: 'string', errorMessage: 'plain', trace: [] });
    assert.equal((await api.invoke({ kind: 'twice' })).body, '1');
    assert.equal((await api.invoke({ kind: 'none' })).body, 'null');
    // The callback-style deprecation warning AWS prints once at init.
    const warn = logLines(rt).find((l) => l.level === 'WARN');
    assert.equal(warn?.requestId, 'undefined');
    assert.match(warn!.message, /^AWS Lambda plans to remove support for callback-based function handlers starting with Node\.js 24\./);
  });

  it('fills the context from the environment and the invoke headers', async (t) => {
    const { api } = await boot(
      t,
      {
        'index.js': `exports.handler = async (event, context) => ({
  keys: Object.keys(context),
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity === undefined ? 'undefined' : context.identity,
  clientContext: context.clientContext === undefined ? 'undefined' : context.clientContext,
  waits: context.callbackWaitsForEmptyEventLoop,
  remaining: context.getRemainingTimeInMillis(),
  now: Date.now(),
  trace: process.env._X_AMZN_TRACE_ID,
});`,
      },
      'index.handler',
    );
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:fn:live';
    const deadlineMs = Date.now() + 60_000;
    const r = await api.invoke(
      {},
      {
        requestId: 'ctx-1',
        deadlineMs,
        invokedFunctionArn: arn,
        traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
        clientContext: '{"custom":{"k":"v"}}',
        cognitoIdentity: '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
      },
    );
    const c = JSON.parse(r.body);
    assert.deepEqual(c.keys, [
      'callbackWaitsForEmptyEventLoop', 'succeed', 'fail', 'done', 'functionVersion', 'functionName', 'memoryLimitInMB',
      'logGroupName', 'logStreamName', 'clientContext', 'identity', 'invokedFunctionArn', 'awsRequestId', 'tenantId',
      'getRemainingTimeInMillis',
    ]);
    assert.equal(c.functionName, 'fn');
    assert.equal(c.functionVersion, '$LATEST');
    assert.equal(c.invokedFunctionArn, arn);
    assert.equal(c.memoryLimitInMB, '256');
    assert.equal(c.awsRequestId, 'ctx-1');
    assert.equal(c.logGroupName, '/aws/lambda/fn');
    assert.equal(c.logStreamName, '2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef');
    assert.deepEqual(c.identity, { cognitoIdentityId: 'id', cognitoIdentityPoolId: 'pool' });
    assert.deepEqual(c.clientContext, { custom: { k: 'v' } });
    assert.equal(c.waits, true);
    assert.equal(typeof c.remaining, 'number');
    assert.ok(Math.abs(deadlineMs - c.now - c.remaining) <= 2, `remaining ${c.remaining} = deadline - now`);
    assert.equal(c.trace, 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');

    const bare = JSON.parse((await api.invoke({}, { requestId: 'ctx-2' })).body);
    assert.equal(bare.identity, 'undefined');
    assert.equal(bare.clientContext, 'undefined');
  });

  it('reports a thrown Error with AWS shape and logs "Invoke Error"', async (t) => {
    const { api, rt, root } = await boot(
      t,
      {
        'index.js': `exports.handler = async (event) => {
  if (event.string) throw 'just a string';
  const e = new TypeError('bad thing');
  e.detail = 7;
  throw e;
};`,
      },
      'index.handler',
    );
    const r = await api.invoke({}, { requestId: 'err-1' });
    assert.equal(r.kind, 'error');
    assert.equal(r.errorType, 'TypeError');
    const body = JSON.parse(r.body);
    assert.deepEqual(Object.keys(body), ['errorType', 'errorMessage', 'trace']);
    assert.equal(body.errorType, 'TypeError');
    assert.equal(body.errorMessage, 'bad thing');
    assert.equal(body.trace[0], 'TypeError: bad thing');
    assert.equal(body.trace[1], `    at exports.handler (${root}/index.js:3:13)`);

    await eventually(() => logLines(rt).some((l) => l.requestId === 'err-1'));
    const line = logLines(rt).find((l) => l.requestId === 'err-1')!;
    assert.equal(line.level, 'ERROR');
    assert.ok(line.message.startsWith('Invoke Error \t{'), line.message);
    const logged = JSON.parse(line.message.slice('Invoke Error \t'.length));
    assert.equal(logged.errorType, 'TypeError');
    assert.equal(logged.errorMessage, 'bad thing');
    assert.equal(logged.detail, 7);
    assert.deepEqual(logged.stack, body.trace);

    const s = await api.invoke({ string: true });
    assert.equal(s.errorType, 'string');
    assert.deepEqual(JSON.parse(s.body), { errorType: 'string', errorMessage: 'just a string', trace: [] });
  });

  it('fails an unserialisable (circular) result with "Unable to stringify response body"', async (t) => {
    const { api } = await boot(t, { 'index.js': 'exports.handler = async () => { const o = {}; o.self = o; return o; };' }, 'index.handler');
    const r = await api.invoke({});
    assert.equal(r.kind, 'error');
    const body = JSON.parse(r.body);
    assert.equal(body.errorType, 'Error');
    assert.equal(body.errorMessage, 'Unable to stringify response body');
  });

  it('writes each console call as one "<ts>\\t<requestId>\\t<LEVEL>\\t<message>" line', async (t) => {
    const { api, rt } = await boot(
      t,
      {
        'index.js': `console.log('at init');
exports.handler = async () => {
  console.log('hello %s', 'world', { n: 1 });
  console.info('info');
  console.warn('two\\nlines');
  console.error('error');
  console.debug('debug');
  console.trace('trace');
  process.stdout.write('raw write\\n');
  return 'done';
};`,
      },
      'index.handler',
    );
    await api.invoke({}, { requestId: 'log-1' });
    await eventually(() => rt.stdout().includes('raw write\n'));
    assert.deepEqual(logLines(rt), [
      { requestId: 'undefined', level: 'INFO', message: 'at init' },
      { requestId: 'log-1', level: 'INFO', message: 'hello world { n: 1 }' },
      { requestId: 'log-1', level: 'INFO', message: 'info' },
      { requestId: 'log-1', level: 'WARN', message: 'two\rlines' },
      { requestId: 'log-1', level: 'ERROR', message: 'error' },
      { requestId: 'log-1', level: 'DEBUG', message: 'debug' },
      { requestId: 'log-1', level: 'TRACE', message: 'trace' },
    ]);
    assert.ok(rt.stdout().endsWith('\nraw write\n'), 'process.stdout.write passes through unchanged');
  });

  it('honours AWS_LAMBDA_LOG_LEVEL and AWS_LAMBDA_LOG_FORMAT=JSON', async (t) => {
    const { api, rt } = await boot(
      t,
      { 'index.js': `exports.handler = async () => { console.info('dropped'); console.warn('kept', 1); return 1; };` },
      'index.handler',
      { AWS_LAMBDA_LOG_LEVEL: 'WARN', AWS_LAMBDA_LOG_FORMAT: 'JSON' },
    );
    await api.invoke({}, { requestId: 'json-1' });
    await eventually(() => rt.stdout().includes('kept'));
    const lines = rt.stdout().trim().split('\n');
    assert.equal(lines.length, 1);
    const rec = JSON.parse(lines[0]!);
    assert.match(rec.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual({ ...rec, timestamp: 'T' }, { timestamp: 'T', level: 'WARN', requestId: 'json-1', message: 'kept 1' });
  });

  it('init error: Runtime.MalformedHandlerName, exit 129', async (t) => {
    const { api, rt } = await boot(t, { 'index.js': '' }, 'index');
    const e = await api.initError;
    assert.equal(e.errorType, 'Runtime.MalformedHandlerName');
    const body = JSON.parse(e.body);
    assert.equal(body.errorType, 'Runtime.MalformedHandlerName');
    assert.equal(body.errorMessage, 'Bad handler');
    assert.equal(body.trace[0], 'Runtime.MalformedHandlerName: Bad handler');
    assert.equal((await rt.exited).code, 129);
    assert.equal(api.nextCalls, 0);
  });

  it('init error: Runtime.ImportModuleError with the "Require stack" AWS prints, logged as Uncaught Exception', async (t) => {
    const { api, rt } = await boot(t, {}, 'missing.handler');
    const e = await api.initError;
    assert.equal(e.errorType, 'Runtime.ImportModuleError');
    const body = JSON.parse(e.body);
    assert.equal(body.errorMessage, "Error: Cannot find module 'missing'\nRequire stack:\n- /var/runtime/index.mjs");
    assert.deepEqual(body.trace.slice(0, 3), ["Runtime.ImportModuleError: Error: Cannot find module 'missing'", 'Require stack:', '- /var/runtime/index.mjs']);
    assert.equal((await rt.exited).code, 129);
    const line = logLines(rt)[0]!;
    assert.equal(line.requestId, 'undefined');
    assert.equal(line.level, 'ERROR');
    assert.ok(line.message.startsWith('Uncaught Exception \t{"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module'), line.message);
  });

  it('init error: a missing dependency of the handler file lists the file in the require stack', async (t) => {
    const { api, root } = await boot(t, { 'index.js': "require('not-installed');\nexports.handler = async () => 1;" }, 'index.handler');
    const body = JSON.parse((await api.initError).body);
    assert.equal(body.errorType, 'Runtime.ImportModuleError');
    assert.equal(body.errorMessage, `Error: Cannot find module 'not-installed'\nRequire stack:\n- ${root}/index.js\n- /var/runtime/index.mjs`);
  });

  it('init error: Runtime.HandlerNotFound', async (t) => {
    const { api } = await boot(t, { 'index.js': 'exports.other = () => 1; exports.notFn = 5;' }, 'index.handler');
    const body = JSON.parse((await api.initError).body);
    assert.equal(body.errorType, 'Runtime.HandlerNotFound');
    assert.equal(body.errorMessage, 'index.handler is undefined or not exported');
  });

  it('init error: Runtime.HandlerNotFound for an export that is not a function', async (t) => {
    const { api } = await boot(t, { 'index.js': 'exports.notFn = 5;' }, 'index.notFn');
    assert.equal(JSON.parse((await api.initError).body).errorMessage, 'index.notFn is not a function');
  });

  it('init error: Runtime.UserCodeSyntaxError', async (t) => {
    const { api } = await boot(t, { 'index.js': 'exports.handler = async () => {' }, 'index.handler');
    const e = await api.initError;
    assert.equal(e.errorType, 'Runtime.UserCodeSyntaxError');
    const body = JSON.parse(e.body);
    assert.equal(body.errorMessage, 'SyntaxError: Unexpected end of input');
    assert.equal(body.trace[0], 'Runtime.UserCodeSyntaxError: SyntaxError: Unexpected end of input');
  });

  it('an unhandled promise rejection fails the invoke with Runtime.UnhandledPromiseRejection and exits 128', async (t) => {
    const { api, rt } = await boot(
      t,
      { 'index.js': 'exports.handler = async () => { Promise.reject(new Error("lost")); await new Promise((r) => setTimeout(r, 200)); return 1; };' },
      'index.handler',
    );
    const r = await api.invoke({});
    assert.equal(r.kind, 'error');
    assert.equal(r.errorType, 'Runtime.UnhandledPromiseRejection');
    const body = JSON.parse(r.body);
    assert.equal(body.errorMessage, 'Error: lost');
    assert.equal(body.trace[0], 'Runtime.UnhandledPromiseRejection: Error: lost');
    assert.equal((await rt.exited).code, 128);
    assert.ok(logLines(rt).some((l) => l.level === 'ERROR' && l.message.startsWith('Unhandled Promise Rejection \t{')));
  });

  it('an async handler whose promise never settles fails with Runtime.NodeJsExit once the loop drains', async (t) => {
    const { api } = await boot(t, { 'index.js': 'exports.handler = async () => new Promise(() => {});' }, 'index.handler');
    const r = await api.invoke({});
    assert.equal(r.errorType, 'Runtime.NodeJsExit');
    assert.match(JSON.parse(r.body).errorMessage, /^The Lambda runtime client detected an unexpected Node\.js exit code\./);
  });

  it('streamifyResponse: one chunked streaming POST per invoke on the shared connection, a mid-stream error in its trailers', async (t) => {
    const { api, rt } = await boot(
      t,
      {
        'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.setContentType('text/csv');
  stream.write('a,b\\n');
  await new Promise((r) => setTimeout(r, 20));
  if (event.fail) throw new TypeError('bad row');
  stream.end('1,2\\n');
});`,
      },
      'index.handler',
    );
    const ok = await api.invoke({});
    assert.equal(ok.kind, 'response');
    assert.equal(ok.body, 'a,b\n1,2\n');
    assert.equal(ok.headers['lambda-runtime-function-response-mode'], 'streaming');
    assert.equal(ok.headers['transfer-encoding'], 'chunked');
    assert.equal(ok.headers['content-type'], 'text/csv');
    assert.equal(ok.headers['trailer'], 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body');
    assert.deepEqual(ok.trailers, {});
    const bad = await api.invoke({ fail: true });
    assert.equal(bad.kind, 'response');
    assert.equal(bad.body, 'a,b\n');
    assert.equal(bad.trailers['lambda-runtime-function-error-type'], 'TypeError');
    const doc = JSON.parse(Buffer.from(bad.trailers['lambda-runtime-function-error-body']!, 'base64').toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['errorType', 'errorMessage', 'trace']);
    assert.equal(doc.errorType, 'TypeError');
    assert.equal(doc.errorMessage, 'bad row');
    assert.equal((doc.trace as string[])[0], 'TypeError: bad row');
    await eventually(() => logLines(rt).some((l) => l.level === 'ERROR' && l.message.startsWith('Invoke Error \t{"errorType":"TypeError"')));
    assert.equal(api.connections, 1, 'streamed responses share the keep-alive connection too');
  });
});
