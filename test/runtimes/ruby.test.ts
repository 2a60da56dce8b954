/**
 * The ruby3.2 runtime (runtimes/ruby/bootstrap.rb on the host's Ruby) as a
 * real process against a fake Runtime API: each test checks one AWS behaviour
 * by exact value.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { FakeRuntimeApi, makeTaskRoot, startRuntime, type RuntimeProcess } from './fake-runtime-api';

interface Env {
  api: FakeRuntimeApi;
  rt: RuntimeProcess;
  root: string;
}

async function boot(t: TestContext, files: Record<string, string>, handler: string, extraEnv: Record<string, string> = {}): Promise<Env> {
  const api = await new FakeRuntimeApi().start();
  const root = makeTaskRoot(files);
  const rt = startRuntime('ruby', api, root, handler, extraEnv);
  t.after(async () => {
    await rt.stop();
    await api.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { api, rt, root };
}

describe('ruby3.2 runtime', { concurrency: true }, () => {
  it('gives the handler AWS\'s context object, keeps one connection, and encodes nil as null', async (t) => {
    const { api } = await boot(
      t,
      {
        'ctx.rb': `def handler(event:, context:)
  return nil if event == 'nil'
  {
    id: context.aws_request_id, arn: context.invoked_function_arn, version: context.function_version,
    stream: context.log_stream_name, memory: context.memory_limit_in_mb, deadline: context.deadline_ms,
    remaining: context.get_remaining_time_in_millis, identity: context.identity, client_context: context.client_context,
    trace: ENV['_X_AMZN_TRACE_ID'], event: event,
  }
end
`,
      },
      'ctx.handler',
    );
    const deadlineMs = Date.now() + 20_000;
    const r = await api.invoke({ a: [1, 'b'] }, {
      requestId: 'rb-1',
      deadlineMs,
      traceId: 'Root=1-rb',
      clientContext: JSON.stringify({ custom: { k: 'v' } }),
      cognitoIdentity: JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
    });
    assert.equal(r.kind, 'response', r.body);
    const out = JSON.parse(r.body);
    assert.ok(out.remaining > 15_000 && out.remaining <= 20_000, `remaining ${out.remaining}`);
    delete out.remaining;
    assert.deepEqual(out, {
      id: 'rb-1',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      version: '$LATEST',
      stream: '2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
      memory: '256',
      deadline: deadlineMs,
      identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
      client_context: { custom: { k: 'v' } },
      trace: 'Root=1-rb',
      event: { a: [1, 'b'] },
    });
    assert.equal((await api.invoke('nil')).body, 'null');
    assert.equal(api.connections, 1, 'all Runtime API calls share one keep-alive connection');
  });

  it('reports a missing handler method at invoke as Function<NoMethodError>', async (t) => {
    const { api } = await boot(t, { 'app.rb': 'X = 1\n' }, 'app.handler');
    const r = await api.invoke({});
    assert.equal(r.kind, 'error');
    assert.equal(r.errorType, 'Function<NoMethodError>');
    const err = JSON.parse(r.body);
    assert.equal(err.errorType, 'Function<NoMethodError>');
    assert.match(err.errorMessage, /^undefined method `handler' for /);
  });

  it('posts a syntax error as Init<SyntaxError>, logs it and exits', async (t) => {
    const { api, rt, root } = await boot(t, { 'bad.rb': 'def handler(event:, context:\n' }, 'bad.handler');
    const e = await api.initError;
    assert.equal(e.errorType, 'Init<SyntaxError>');
    const err = JSON.parse(e.body);
    assert.equal(err.errorType, 'Init<SyntaxError>');
    assert.ok(err.errorMessage.includes(`${root}/bad.rb`), err.errorMessage);
    assert.equal((await rt.exited).code, 1);
    assert.match(rt.stdout(), /^Init error when loading handler\r\{\r {2}"errorMessage": /m);
  });

  it('refuses a handler string without a method', async (t) => {
    const { api } = await boot(t, { 'app.rb': '' }, 'app');
    const e = await api.initError;
    assert.equal(e.errorType, 'Init<ArgumentError>');
    assert.equal(JSON.parse(e.body).errorMessage, 'Invalid handler app, must be of form FILENAME.METHOD or FILENAME.CLASS.METHOD');
  });
});
