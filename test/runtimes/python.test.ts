/**
 * The python3.11 runtime (runtimes/python/bootstrap.py) as a real process
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
  const rt = startRuntime('python', api, root, handler, extraEnv);
  t.after(async () => {
    await rt.stop();
    await api.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { api, rt, root };
}

const NBSP = '\u00a0';
const LAMBDA_WARNING_PREFIX = 'LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.';

describe('python3.11 runtime', { concurrency: true }, () => {
  it('runs a handler, keeps module state and one connection across invokes, and sets up sys.path', async (t) => {
    const { api, root } = await boot(
      t,
      {
        'lambda_function.py': `import sys
count = 0
def handler(event, context):
    global count
    count += 1
    return {"count": count, "event": event, "path": sys.path[:3], "id": context.aws_request_id}
`,
      },
      'lambda_function.handler',
    );
    const first = await api.invoke({ a: [1, 2] }, { requestId: 'py-1' });
    assert.equal(first.kind, 'response');
    assert.deepEqual(JSON.parse(first.body), {
      count: 1,
      event: { a: [1, 2] },
      path: [root, '/opt/python/lib/python3.11/site-packages', '/opt/python'],
      id: 'py-1',
    });
    const second = await api.invoke('two', { requestId: 'py-2' });
    assert.equal(JSON.parse(second.body).count, 2);
    assert.equal(api.connections, 1, 'all Runtime API calls share one keep-alive connection');
  });

  it('encodes None as null, Decimal as a number, bytes results raw, and escapes non-ASCII as json.dumps does', async (t) => {
    const { api } = await boot(
      t,
      {
        'app.py': `from decimal import Decimal
def handler(event, context):
    if event == "none":
        return None
    if event == "bytes":
        return b"\\x00raw"
    return {"price": Decimal("10.50"), "big": Decimal("12345678901234567890.123"), "name": "caf\\u00e9", "f": 1.5}
`,
      },
      'app.handler',
    );
    assert.equal((await api.invoke('none')).body, 'null');
    const bytes = await api.invoke('bytes');
    assert.equal(bytes.body, '\u0000raw');
    assert.equal(bytes.headers['content-type'], 'application/unknown');
    assert.equal((await api.invoke('x')).body, '{"price": 10.50, "big": 12345678901234567890.123, "name": "caf\\u00e9", "f": 1.5}');
  });

  it('resolves pkg/mod.handler and pkg.mod.handler', async (t) => {
    const files = { 'pkg/__init__.py': '', 'pkg/mod.py': 'def handler(event, context):\n    return __name__\n' };
    const slash = await boot(t, files, 'pkg/mod.handler');
    assert.equal((await slash.api.invoke({})).body, '"pkg.mod"');
    const dots = await boot(t, files, 'pkg.mod.handler');
    assert.equal((await dots.api.invoke({})).body, '"pkg.mod"');
  });

  it('fills the context from the environment and the invoke headers', async (t) => {
    const { api } = await boot(
      t,
      {
        'ctx.py': `import os, time
def handler(event, context):
    remaining = context.get_remaining_time_in_millis()
    now = int(time.time() * 1000)
    ident = context.identity
    cc = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": [ident.cognito_identity_id, ident.cognito_identity_pool_id],
        "client_context": None if cc is None else [cc.custom, cc.env, cc.client.app_title, cc.client.installation_id],
        "remaining": remaining,
        "now": now,
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
    }
`,
      },
      'ctx.handler',
    );
    const deadlineMs = Date.now() + 60_000;
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:fn:live';
    const c = JSON.parse(
      (
        await api.invoke(
          {},
          {
            requestId: 'ctx-1',
            deadlineMs,
            invokedFunctionArn: arn,
            traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
            clientContext: '{"custom":{"k":"v"},"env":{"e":1},"client":{"app_title":"app"}}',
            cognitoIdentity: '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
          },
        )
      ).body,
    );
    assert.ok(Math.abs(deadlineMs - c.now - c.remaining) <= 2, `remaining ${c.remaining} = deadline - now`);
    delete c.remaining;
    delete c.now;
    assert.deepEqual(c, {
      function_name: 'fn',
      function_version: '$LATEST',
      invoked_function_arn: arn,
      memory_limit_in_mb: '256',
      aws_request_id: 'ctx-1',
      log_group_name: '/aws/lambda/fn',
      log_stream_name: '2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
      identity: ['id', 'pool'],
      client_context: [{ k: 'v' }, { e: 1 }, 'app', null],
      trace: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
    });
    const bare = JSON.parse((await api.invoke({}, { requestId: 'ctx-2', deadlineMs: Date.now() - 1000 })).body);
    assert.deepEqual(bare.identity, [null, null]);
    assert.equal(bare.client_context, null);
    assert.equal(bare.remaining, 0, 'remaining time never goes negative');
  });

  it('reports a raised exception with AWS body and logs one [ERROR] record', async (t) => {
    const { api, rt, root } = await boot(
      t,
      {
        'lambda_function.py': `def helper():
    raise ValueError("bad value")

def handler(event, context):
    helper()
`,
      },
      'lambda_function.handler',
    );
    const r = await api.invoke({}, { requestId: 'err-1' });
    assert.equal(r.kind, 'error');
    assert.equal(r.errorType, 'ValueError');
    const file = `${root}/lambda_function.py`;
    const stack = [
      `  File "${file}", line 5, in handler\n    helper()\n`,
      `  File "${file}", line 2, in helper\n    raise ValueError("bad value")\n`,
    ];
    assert.deepEqual(JSON.parse(r.body), { errorMessage: 'bad value', errorType: 'ValueError', requestId: 'err-1', stackTrace: stack });
    assert.ok(r.body.startsWith('{"errorMessage": "bad value", "errorType": "ValueError", "requestId": "err-1", "stackTrace": ['), r.body);
    await eventually(() => rt.stdout().includes('[ERROR]'));
    assert.equal(
      rt.stdout(),
      [
        '[ERROR] ValueError: bad value',
        'Traceback (most recent call last):',
        `${NBSP.repeat(2)}File "${file}", line 5, in handler`,
        `${NBSP.repeat(4)}helper()`,
        `${NBSP.repeat(2)}File "${file}", line 2, in helper`,
        `${NBSP.repeat(4)}raise ValueError("bad value")`,
      ].join('\r') + '\n',
    );
  });

  it('fails an unserialisable result with Runtime.MarshalError', async (t) => {
    const { api } = await boot(t, { 'm.py': 'def handler(event, context):\n    return {1, 2}\n' }, 'm.handler');
    const r = await api.invoke({}, { requestId: 'marshal-1' });
    assert.equal(r.errorType, 'Runtime.MarshalError');
    assert.deepEqual(JSON.parse(r.body), {
      errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
      errorType: 'Runtime.MarshalError',
      requestId: 'marshal-1',
      stackTrace: [],
    });
  });

  it('prints unbuffered and gives the root logger AWS\'s handler, format and WARNING level', async (t) => {
    const { api, rt } = await boot(
      t,
      {
        'log.py': `import logging
logger = logging.getLogger()
print("init print")
def handler(event, context):
    print("in handler", end="")
    print("!")
    logger.info("not shown at the default level")
    logger.warning("warn %s", "arg")
    logger.error("two\\nlines")
    return 1
`,
      },
      'log.handler',
    );
    await api.invoke({}, { requestId: 'log-1' });
    await eventually(() => rt.stdout().includes('lines'));
    const out = rt.stdout().split('\n');
    assert.equal(out[0], 'init print');
    assert.equal(out[1], 'in handler!');
    assert.match(out[2]!, /^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tlog-1\twarn arg$/);
    assert.match(out[3]!, /^\[ERROR\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tlog-1\ttwo\rlines$/);
    assert.equal(out.length, 5);
  });

  it('honours AWS_LAMBDA_LOG_LEVEL and AWS_LAMBDA_LOG_FORMAT=JSON', async (t) => {
    const { api, rt } = await boot(
      t,
      {
        'j.py': `import logging
def handler(event, context):
    logging.getLogger("app").debug("dropped")
    logging.getLogger("app").info("kept %d", 1, extra={"orderId": "o-1"})
    raise KeyError("k")
`,
      },
      'j.handler',
      { AWS_LAMBDA_LOG_LEVEL: 'INFO', AWS_LAMBDA_LOG_FORMAT: 'JSON' },
    );
    await api.invoke({}, { requestId: 'json-1' });
    await eventually(() => rt.stdout().split('\n').length >= 3);
    const [info, error] = rt.stdout().split('\n').map((l) => (l ? JSON.parse(l) : undefined));
    assert.match(info.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual({ ...info, timestamp: 'T' }, { timestamp: 'T', level: 'INFO', message: 'kept 1', logger: 'app', requestId: 'json-1', orderId: 'o-1' });
    assert.deepEqual(Object.keys(error), ['timestamp', 'log_level', 'errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(error.log_level, 'ERROR');
    assert.equal(error.errorType, 'KeyError');
    assert.equal(error.errorMessage, "'k'");
  });

  it('init error: Runtime.ImportModuleError, logged after the LAMBDA_WARNING, exit 1', async (t) => {
    const { api, rt } = await boot(t, {}, 'missing.handler');
    const e = await api.initError;
    assert.equal(e.errorType, 'Runtime.ImportModuleError');
    assert.deepEqual(JSON.parse(e.body), {
      errorMessage: "Unable to import module 'missing': No module named 'missing'",
      errorType: 'Runtime.ImportModuleError',
      requestId: '',
      stackTrace: [],
    });
    assert.equal((await rt.exited).code, 1);
    const [warning, error] = rt.stdout().split('\n');
    assert.match(warning!, /^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\t/);
    assert.ok(warning!.includes(LAMBDA_WARNING_PREFIX));
    assert.equal(error, "[ERROR] Runtime.ImportModuleError: Unable to import module 'missing': No module named 'missing'\rTraceback (most recent call last):");
    assert.equal(api.nextCalls, 0);
  });

  it('init error: Runtime.HandlerNotFound', async (t) => {
    const { api } = await boot(t, { 'lambda_function.py': 'x = 1\n' }, 'lambda_function.nope');
    const e = await api.initError;
    assert.equal(e.errorType, 'Runtime.HandlerNotFound');
    assert.equal(JSON.parse(e.body).errorMessage, "Handler 'nope' missing on module 'lambda_function'");
  });

  it('init error: Runtime.UserCodeSyntaxError', async (t) => {
    const { api, root } = await boot(t, { 'broken.py': 'def handler(event, context)\n    return 1\n' }, 'broken.handler');
    const e = await api.initError;
    assert.equal(e.errorType, 'Runtime.UserCodeSyntaxError');
    assert.deepEqual(JSON.parse(e.body), {
      errorMessage: "Syntax error in module 'broken': expected ':' (broken.py, line 1)",
      errorType: 'Runtime.UserCodeSyntaxError',
      requestId: '',
      stackTrace: [`  File "${root}/broken.py" Line 1\n    def handler(event, context)\n`],
    });
  });

  it('init error: Runtime.MalformedHandlerName', async (t) => {
    const { api } = await boot(t, {}, 'lambda_function');
    const e = await api.initError;
    assert.equal(e.errorType, 'Runtime.MalformedHandlerName');
    assert.equal(JSON.parse(e.body).errorMessage, "Bad handler 'lambda_function': not enough values to unpack (expected 2, got 1)");
  });

  it('init error: an exception raised at import keeps its own type', async (t) => {
    const { api } = await boot(t, { 'boom.py': 'raise RuntimeError("at import")\n' }, 'boom.handler');
    const body = JSON.parse((await api.initError).body);
    assert.equal(body.errorType, 'RuntimeError');
    assert.equal(body.errorMessage, 'at import');
    assert.match(body.stackTrace.at(-1), /boom\.py", line 1, in <module>\n {4}raise RuntimeError\("at import"\)\n$/);
  });
});
