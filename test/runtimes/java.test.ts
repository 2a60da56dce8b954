/**
 * The java17 runtime (runtimes/java: bootstrap.sh + Kumo's runtime jar) as a
 * real JVM against a fake Runtime API: each test checks one AWS behaviour by
 * exact value. The handlers are compiled here with javac.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { eventually, FakeRuntimeApi, makeTaskRoot, startRuntime, type RuntimeProcess } from './fake-runtime-api';
import { compileJava, type ClassFiles } from './build';

interface Env {
  api: FakeRuntimeApi;
  rt: RuntimeProcess;
}

async function boot(t: TestContext, classes: ClassFiles, handler: string, extraEnv: Record<string, string> = {}): Promise<Env> {
  const api = await new FakeRuntimeApi().start();
  const root = makeTaskRoot({});
  for (const [rel, bytes] of Object.entries(classes)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), bytes);
  }
  const rt = startRuntime('java', api, root, handler, extraEnv);
  t.after(async () => {
    await rt.stop();
    await api.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { api, rt };
}

const sources = {
  't/Ctx.java': `package t;
import com.amazonaws.services.lambda.runtime.*;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.util.*;
public class Ctx implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  public Map<String, Object> handleRequest(Map<String, Object> event, Context c) {
    c.getLogger().log("debug line", LogLevel.DEBUG);
    c.getLogger().log("info line", LogLevel.INFO);
    LambdaRuntime.getLogger().log("static logger");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", c.getAwsRequestId());
    out.put("arn", c.getInvokedFunctionArn());
    out.put("version", c.getFunctionVersion());
    out.put("stream", c.getLogStreamName());
    out.put("memory", c.getMemoryLimitInMB());
    out.put("remaining", c.getRemainingTimeInMillis());
    out.put("identityId", c.getIdentity().getIdentityId());
    out.put("pool", c.getIdentity().getIdentityPoolId());
    ClientContext cc = c.getClientContext();
    out.put("custom", cc == null ? null : cc.getCustom());
    out.put("app", cc == null || cc.getClient() == null ? null : cc.getClient().getAppTitle());
    out.put("trace", System.getProperty("com.amazonaws.xray.traceHeader"));
    return out;
  }
}
`,
  't/Types.java': `package t;
import java.util.*;
public class Types {
  public Integer twice(Integer n) { return n == null ? null : n * 2; }
  public String echo(String s) { return s; }
  public int sum(List<Integer> xs) { int s = 0; for (int x : xs) s += x; return s; }
  public void nothing(Map<String, Object> e) { }
  public double[] halves(int[] xs) { double[] out = new double[xs.length]; for (int i = 0; i < xs.length; i++) out[i] = xs[i] / 2.0; return out; }
}
`,
};

describe('java17 runtime', { concurrency: true }, () => {
  let classes: ClassFiles;
  before(() => {
    classes = compileJava(sources);
  });

  it('fills the Context from the invocation headers and the environment', async (t) => {
    const { api, rt } = await boot(t, classes, 't.Ctx');
    const deadlineMs = Date.now() + 20_000;
    const r = await api.invoke({}, {
      requestId: 'java-ctx-1',
      deadlineMs,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:live',
      traceId: 'Root=1-abc;Sampled=1',
      clientContext: JSON.stringify({ custom: { k: 'v' }, client: { app_title: 'app' }, env: {} }),
      cognitoIdentity: JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
    });
    assert.equal(r.kind, 'response', r.body);
    const out = JSON.parse(r.body);
    assert.ok(out.remaining > 15_000 && out.remaining <= 20_000, `remaining ${out.remaining}`);
    delete out.remaining;
    assert.deepEqual(out, {
      id: 'java-ctx-1',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:live',
      version: '$LATEST',
      stream: '2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
      memory: 256,
      identityId: 'id-1',
      pool: 'pool-1',
      custom: { k: 'v' },
      app: 'app',
      trace: 'Root=1-abc;Sampled=1',
    });
    await eventually(() => rt.stdout().includes('static logger\n'));
    assert.match(rt.stdout(), /^debug line\ninfo line\nstatic logger\n$/m, 'TEXT format: every level, one line each');
  });

  it('writes AWS\'s JSON log records and drops levels below AWS_LAMBDA_LOG_LEVEL', async (t) => {
    const { api, rt } = await boot(t, classes, 't.Ctx', { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'INFO' });
    const r = await api.invoke({}, { requestId: 'java-json-1' });
    assert.equal(r.kind, 'response', r.body);
    await eventually(() => rt.stdout().includes('static logger'));
    const records = rt.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(records.map((x) => [x.level, x.message, x.AWSRequestId]), [
      ['INFO', 'info line', 'java-json-1'],
      ['INFO', 'static logger', 'java-json-1'],
    ]);
    assert.ok(records.every((x) => !Number.isNaN(Date.parse(x.timestamp!))));
  });

  it('maps scalars, lists, arrays and void as AWS\'s runtime does', async (t) => {
    const cases: Array<[string, unknown, string]> = [
      ['t.Types::twice', 21, '42'],
      ['t.Types::twice', null, 'null'],
      ['t.Types::echo', 'hi "there"', '"hi \\"there\\""'],
      ['t.Types::sum', [1, 2, 3], '6'],
      ['t.Types::sum', 5, '5'],
      ['t.Types::nothing', { a: 1 }, 'null'],
      ['t.Types::halves', [1, 3], '[0.5,1.5]'],
    ];
    for (const [handler, event, body] of cases) {
      const { api } = await boot(t, classes, handler);
      const r = await api.invoke(event);
      assert.equal(r.kind, 'response', `${handler}: ${r.body}`);
      assert.equal(r.body, body, handler);
    }
  });

  it('posts a missing method as an init error and exits', async (t) => {
    const { api, rt } = await boot(t, classes, 't.Types::nope');
    const e = await api.initError;
    assert.equal(e.errorType, 'java.lang.NoSuchMethodException');
    assert.deepEqual(JSON.parse(e.body), {
      errorMessage: 'No public method named nope with appropriate method signature found on class t.Types',
      errorType: 'java.lang.NoSuchMethodException',
      stackTrace: [],
    });
    assert.equal((await rt.exited).code, 1);
  });
});
