/**
 * Every language beside Node.js and Python, through the real server and the
 * AWS SDK (issue 19): a hello-world in each deploys, answers, logs, reports a
 * thrown error in AWS's shape and times out as AWS does. Go runs as a custom
 * runtime (provided.al2023 / provided.al2, a `bootstrap` compiled here);
 * go1.x and the .NET runtimes are refused with AWS's / Kumo's errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, projectRoot, role, startServer, storedLogLines, type RunningServer } from './harness';
import { runtimeSpec, supportedRuntimes } from '../../src/runtimes/registry';
import { tool } from '../tools';
import { buildGo, compileJava, coreApiClasses, makeJar, type ClassFiles } from '../runtimes/build';

/** The sources of test/fixtures/java-runtime (path below it → text). */
function javaFixtures(dir: string): Record<string, string> {
  const root = path.join(projectRoot, 'test', 'fixtures', 'java-runtime', dir);
  return Object.fromEntries(fs.readdirSync(root).map((f) => [`${dir}/${f}`, fs.readFileSync(path.join(root, f), 'utf8')]));
}

async function deploy(c: LambdaClient, name: string, runtime: string, handler: string, zip: Buffer, extra: Record<string, unknown> = {}) {
  await c.send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as never, Role: role, Handler: handler, Code: { ZipFile: zip }, ...extra }),
  );
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

async function invoke(c: LambdaClient, name: string, payload: unknown) {
  const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: encode(payload), LogType: 'Tail' }));
  return { r, body: decode(r.Payload), log: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8') };
}

async function expectRefused(p: Promise<unknown>, name: string, message: string) {
  await assert.rejects(p, (e: Error & { name: string }) => {
    assert.equal(e.name, name);
    assert.equal(e.message, message);
    return true;
  });
}

describe('runtimes beyond Node.js and Python (AWS SDK v3 against the real server)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer();
    c = s.client;
  });
  after(async () => {
    await s?.stop();
  });

  describe('Java (java17, Kumo\'s runtime on Debian\'s OpenJDK 17)', () => {
    let classes: ClassFiles;
    let depJar: Buffer;
    before(() => {
      const dep = compileJava(javaFixtures('dep'));
      depJar = makeJar(dep);
      const tmp = fs.mkdtempSync(path.join(projectRoot, '.java-dep-'));
      try {
        fs.writeFileSync(path.join(tmp, 'dep.jar'), depJar);
        classes = compileJava(javaFixtures('example'), [path.join(tmp, 'dep.jar')]);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('runs a RequestHandler<Order, Receipt> from a jar: POJO in and out, context fields, the logger in the function\'s log', async () => {
      await deploy(c, 'java-hello', 'java17', 'example.Hello', makeJar(classes), { MemorySize: 512, Timeout: 10 });
      const first = await invoke(c, 'java-hello', { item: 'widget', quantity: 7, tags: ['a', 'b'], extra: { bonus: 2 }, unknown: true });
      assert.equal(first.r.FunctionError, undefined, first.body);
      const out = JSON.parse(first.body);
      const rid = first.r.$metadata.requestId!;
      assert.deepEqual(Object.keys(out).sort(), ['express', 'functionName', 'logGroup', 'memoryMb', 'message', 'remainingMs', 'requestId', 'tags', 'total'],
        'getters become properties; the null one is left out');
      assert.equal(out.message, 'Hello, widget x7 (call 1)');
      assert.equal(out.total, 9);
      assert.deepEqual(out.tags, ['a', 'b']);
      assert.equal(out.express, true);
      assert.equal(out.requestId, rid);
      assert.equal(out.functionName, 'java-hello');
      assert.equal(out.memoryMb, 512);
      assert.equal(out.logGroup, '/aws/lambda/java-hello');
      assert.ok(out.remainingMs > 0 && out.remainingMs <= 10_000, `remaining ${out.remainingMs}`);
      const lines = first.log.split('\n');
      assert.ok(lines.includes('order for widget\rsecond line of the same event'), `one log event per logger call:\n${first.log}`);
      assert.ok(lines.includes('stdout line 1'), first.log);
      const second = JSON.parse((await invoke(c, 'java-hello', { item: 'gadget', quantity: 1 })).body);
      assert.equal(second.message, 'Hello, gadget x1 (call 2)', 'the handler instance stays warm');
      assert.equal(second.tags, undefined);
    });

    it('runs a RequestStreamHandler from a jar that bundles aws-lambda-java-core itself', async () => {
      await deploy(c, 'java-stream', 'java17', 'example.Upper::handleRequest', makeJar({ ...classes, ...coreApiClasses() }), { Timeout: 10 });
      const r = await invoke(c, 'java-stream', 'shout');
      assert.equal(r.r.FunctionError, undefined, r.body);
      assert.deepEqual(JSON.parse(r.body), { upper: 'SHOUT', fn: 'java-stream' });
    });

    it('loads a zip of classes + lib/*.jar with a static Class::method handler, with AWS\'s JVM flags and JAVA_TOOL_OPTIONS', async () => {
      const files: Record<string, Buffer> = { 'lib/dep.jar': depJar };
      for (const [rel, bytes] of Object.entries(classes)) files[rel] = bytes;
      await deploy(c, 'java-zip', 'java17', 'example.Flags::handleRequest', await makeZip(files), {
        MemorySize: 512, Timeout: 10, Environment: { Variables: { JAVA_TOOL_OPTIONS: '-Dkumo.test=from-tool-options' } },
      });
      const r = await invoke(c, 'java-zip', {});
      assert.equal(r.r.FunctionError, undefined, r.body);
      const out = JSON.parse(r.body);
      assert.equal(out.greeting, 'greetings from lib');
      assert.equal(out.javaVersion, '17');
      assert.equal(out.execEnv, 'AWS_Lambda_java17');
      assert.equal(out.toolOption, 'from-tool-options');
      for (const flag of ['-XX:MaxHeapSize=445645k', '-XX:+UseSerialGC', '-Xshare:auto', '-XX:+TieredCompilation', '-XX:TieredStopAtLevel=1']) {
        assert.ok(out.args.includes(flag), `${flag} not in ${out.args.join(' ')}`);
      }
      assert.ok(out.maxHeapBytes <= 445645 * 1024, `max heap ${out.maxHeapBytes}`);
      // The JVM announces JAVA_TOOL_OPTIONS on stderr while it starts, before START, as on AWS.
      // Function logs are stored shortly after the answer (the log sink's flush), not before it.
      const picked = (l: string) => l === 'Picked up JAVA_TOOL_OPTIONS: -Dkumo.test=from-tool-options';
      let stored = await storedLogLines(s.dataDir, 'java-zip');
      for (const end = Date.now() + 10_000; !stored.some((l) => l.startsWith('REPORT ')) && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 100));
        stored = await storedLogLines(s.dataDir, 'java-zip');
      }
      assert.ok(stored.some(picked), stored.join('\n'));
      assert.ok(stored.findIndex(picked) < stored.findIndex((l) => l.startsWith('START ')), 'before START');
    });

    it('reports a thrown exception in AWS\'s Java shape, in the output and the log', async () => {
      await deploy(c, 'java-fails', 'java17', 'example.Fails::boom', makeJar(classes), { Timeout: 10 });
      const r = await invoke(c, 'java-fails', { what: 'widgets' });
      assert.equal(r.r.FunctionError, 'Unhandled');
      const err = JSON.parse(r.body);
      assert.deepEqual(err, {
        errorMessage: 'no widgets',
        errorType: 'java.lang.IllegalStateException',
        stackTrace: ['example.Fails.helper(Fails.java:12)', 'example.Fails.boom(Fails.java:8)'],
        cause: { errorMessage: 'disk said no', errorType: 'java.io.IOException', stackTrace: ['example.Fails.helper(Fails.java:12)', 'example.Fails.boom(Fails.java:8)'] },
      });
      assert.ok(r.log.split('\n').includes(r.body), `the error document is in the log:\n${r.log}`);
      const bad = await invoke(c, 'java-fails', 'not an object');
      assert.equal(bad.r.FunctionError, 'Unhandled');
      const parse = JSON.parse(bad.body);
      assert.equal(parse.errorMessage, 'An error occurred during JSON parsing');
      assert.equal(parse.errorType, 'java.lang.RuntimeException');
      assert.deepEqual(parse.stackTrace, []);
    });

    it('reports a missing class as an init error and times out as AWS does', async () => {
      await deploy(c, 'java-missing', 'java17', 'example.Nope', makeJar(classes), { Timeout: 10 });
      const missing = await invoke(c, 'java-missing', {});
      assert.equal(missing.r.FunctionError, 'Unhandled');
      const err = JSON.parse(missing.body);
      assert.equal(err.errorType, 'java.lang.ClassNotFoundException');
      assert.equal(err.errorMessage, 'Class not found: example.Nope');

      await deploy(c, 'java-slow', 'java17', 'example.Flags::handleRequest', await makeZip({ ...classes, 'lib/dep.jar': depJar }), { Timeout: 2 });
      const warm = await invoke(c, 'java-slow', {});
      assert.equal(warm.r.FunctionError, undefined, warm.body);
      const slow = await invoke(c, 'java-slow', { sleepMs: 6000 });
      assert.equal(slow.r.FunctionError, 'Unhandled');
      const t = JSON.parse(slow.body);
      assert.equal(t.errorType, 'Sandbox.Timedout');
      assert.match(t.errorMessage, /Task timed out after 2\.00 seconds$/);
      const after = await invoke(c, 'java-slow', {});
      assert.equal(after.r.FunctionError, undefined, after.body);
    });
  });

  describe('Ruby (ruby3.2 on Debian\'s Ruby 3.1)', () => {
    const files = {
      'lambda_function.rb': `require 'logger'
$calls = 0
LOG = Logger.new($stdout)

def lambda_handler(event:, context:)
  $calls += 1
  puts "hello from ruby #{event['name']}"
  LOG.info("two\\nlines")
  {
    greeting: "Hello, #{event['name']}",
    calls: $calls,
    request_id: context.aws_request_id,
    function_name: context.function_name,
    memory: context.memory_limit_in_mb,
    version: context.function_version,
    arn: context.invoked_function_arn,
    group: context.log_group_name,
    remaining: context.get_remaining_time_in_millis,
    ruby: RUBY_VERSION,
    exec_env: ENV['AWS_EXECUTION_ENV'],
  }
end
`,
      'lib/shop.rb': `module Shop
  class Checkout
    def self.process(event:, context:)
      raise ArgumentError, "no #{event['what']}" if event['what']
      sleep(event['sleep']) if event['sleep']
      { total: event.fetch('items', []).sum, fn: context.function_name }
    end
  end
end
`,
    };

    it('runs file.method with event: and context:, logs puts and Logger lines, keeps state warm', async () => {
      await deploy(c, 'ruby-hello', 'ruby3.2', 'lambda_function.lambda_handler', await makeZip(files), { MemorySize: 256 });
      const first = await invoke(c, 'ruby-hello', { name: 'Kumo' });
      assert.equal(first.r.FunctionError, undefined, first.body);
      const out = JSON.parse(first.body);
      const rid = first.r.$metadata.requestId!;
      assert.equal(out.greeting, 'Hello, Kumo');
      assert.equal(out.calls, 1);
      assert.equal(out.request_id, rid);
      assert.equal(out.function_name, 'ruby-hello');
      assert.equal(out.memory, '256');
      assert.equal(out.version, '$LATEST');
      assert.equal(out.arn, 'arn:aws:lambda:us-east-1:000000000000:function:ruby-hello');
      assert.equal(out.group, '/aws/lambda/ruby-hello');
      assert.ok(out.remaining > 0 && out.remaining <= 3000, `remaining ${out.remaining}`);
      assert.match(out.ruby, /^3\.1\./, 'the host\'s Ruby runs under ruby3.2');
      assert.equal(out.exec_env, 'AWS_Lambda_ruby3.2');
      const lines = first.log.split('\n');
      assert.ok(lines.includes('hello from ruby Kumo'), first.log);
      const logged = lines.find((l) => l.includes(' -- : two'));
      assert.match(logged ?? '', new RegExp(`^I, \\[\\d{4}-\\d\\d-\\d\\dT[\\d:.]+ #\\d+\\]  INFO ${rid} -- : two\rlines$`), first.log);
      assert.equal(JSON.parse((await invoke(c, 'ruby-hello', { name: 'again' })).body).calls, 2);
    });

    it('runs file.Module::Class.method, reports a raised error in AWS\'s Ruby shape and times out', async () => {
      await deploy(c, 'ruby-shop', 'ruby3.2', 'lib/shop.Shop::Checkout.process', await makeZip(files), { Timeout: 1 });
      const ok = await invoke(c, 'ruby-shop', { items: [1, 2, 3] });
      assert.equal(ok.r.FunctionError, undefined, ok.body);
      assert.deepEqual(JSON.parse(ok.body), { total: 6, fn: 'ruby-shop' });

      const failed = await invoke(c, 'ruby-shop', { what: 'money' });
      assert.equal(failed.r.FunctionError, 'Unhandled');
      const err = JSON.parse(failed.body);
      assert.equal(err.errorMessage, 'no money');
      assert.equal(err.errorType, 'Function<ArgumentError>');
      assert.deepEqual(err.stackTrace, ["/var/task/lib/shop.rb:4:in `process'"]);
      assert.match(failed.log, /Error raised from handler method\r\{\r  "errorMessage": "no money",/);

      const slow = await invoke(c, 'ruby-shop', { sleep: 5 });
      assert.equal(slow.r.FunctionError, 'Unhandled');
      assert.equal(JSON.parse(slow.body).errorType, 'Sandbox.Timedout');
      assert.match(JSON.parse(slow.body).errorMessage, /Task timed out after 1\.00 seconds$/);
      assert.equal((await invoke(c, 'ruby-shop', {})).r.FunctionError, undefined);
    });

    it('reports a file that cannot be loaded as an Init error', async () => {
      await deploy(c, 'ruby-missing', 'ruby3.2', 'nothere.handler', await makeZip(files));
      const r = await invoke(c, 'ruby-missing', {});
      assert.equal(r.r.FunctionError, 'Unhandled');
      const err = JSON.parse(r.body);
      assert.equal(err.errorType, 'Init<LoadError>');
      assert.equal(err.errorMessage, 'cannot load such file -- /var/task/nothere');
    });
  });

  describe('Node.js majors from npm (nodejs22.x, nodejs24.x)', () => {
    for (const [runtime, major] of [['nodejs22.x', 22], ['nodejs24.x', 24]] as const) {
      it(`${runtime} runs Node.js ${major}: answers, logs, reports a thrown error and times out`, async () => {
        const fn = `node${major}`;
        await deploy(c, fn, runtime, 'index.handler', await makeZip({
          'index.js': `exports.handler = async (e) => {
            console.log('node says', process.version);
            if (e.fail) throw new TypeError('bad ' + e.fail);
            if (e.sleep) await new Promise((r) => setTimeout(r, 5000));
            return { version: process.version, env: process.env.AWS_EXECUTION_ENV, path: process.env.NODE_PATH.split(':')[0] };
          };`,
        }), { Timeout: 1 });
        const ok = await invoke(c, fn, {});
        assert.equal(ok.r.FunctionError, undefined, ok.body);
        const out = JSON.parse(ok.body);
        assert.equal(out.version, `v${runtimeSpec(runtime)!.version}`);
        assert.match(out.version, new RegExp(`^v${major}\\.`));
        assert.equal(out.env, `AWS_Lambda_${runtime}`);
        assert.equal(out.path, `/opt/nodejs/node${major}/node_modules`);
        assert.match(ok.log, new RegExp(`\\tINFO\\tnode says v${major}\\.`));
        const failed = await invoke(c, fn, { fail: 'input' });
        assert.equal(failed.r.FunctionError, 'Unhandled');
        const err = JSON.parse(failed.body);
        assert.equal(err.errorType, 'TypeError');
        assert.equal(err.errorMessage, 'bad input');
        assert.match(err.trace[0], /^TypeError: bad input$/);
        const slow = await invoke(c, fn, { sleep: true });
        assert.equal(JSON.parse(slow.body).errorType, 'Sandbox.Timedout');
      });
    }
  });

  describe('the AWS SDK inside the runtime, below the function\'s own packages', () => {
    const sdkVersion = (pkg: string) =>
      (JSON.parse(fs.readFileSync(path.join(projectRoot, 'runtimes', 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> })
        .packages[`node_modules/${pkg}`]!.version;

    it('nodejs20.x: @aws-sdk/* from the runtime unless the function bundles its own', async () => {
      const code = `const { SQSClient } = require('@aws-sdk/client-sqs');
        const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');
        exports.handler = async () => ({
          sqs: require('@aws-sdk/client-sqs/package.json').version,
          where: require.resolve('@aws-sdk/client-sqs'),
          client: typeof new SQSClient({ region: 'us-east-1' }).send,
          doc: typeof DynamoDBDocumentClient.from,
        });`;
      await deploy(c, 'sdk-node', 'nodejs20.x', 'index.handler', await makeZip({ 'index.js': code }));
      const r = await invoke(c, 'sdk-node', {});
      assert.equal(r.r.FunctionError, undefined, r.body);
      const out = JSON.parse(r.body);
      assert.equal(out.sqs, sdkVersion('@aws-sdk/client-sqs'));
      assert.match(out.where, /^\/var\/runtime\/node_modules\/@aws-sdk\/client-sqs\//);
      assert.equal(out.client, 'function');
      assert.equal(out.doc, 'function');

      await deploy(c, 'sdk-node-own', 'nodejs20.x', 'index.handler', await makeZip({
        'index.js': code,
        'node_modules/@aws-sdk/client-sqs/package.json': JSON.stringify({ name: '@aws-sdk/client-sqs', version: '0.0.0-bundled', main: 'index.js' }),
        'node_modules/@aws-sdk/client-sqs/index.js': 'exports.SQSClient = class { send() {} };',
      }));
      const own = JSON.parse((await invoke(c, 'sdk-node-own', {})).body);
      assert.equal(own.sqs, '0.0.0-bundled', 'the function\'s own node_modules come first');
      assert.equal(own.where, '/var/task/node_modules/@aws-sdk/client-sqs/index.js');
    });

    it('python3.11: boto3 from the runtime (Debian\'s python3-boto3) unless the function bundles its own', async () => {
      const code = `import boto3, botocore
def handler(event, context):
    return {"boto3": boto3.__version__, "botocore": getattr(botocore, "__version__", None), "where": boto3.__file__,
            "client": type(boto3.client("sqs", region_name="us-east-1")).__name__ if hasattr(boto3, "client") else None}
`;
      await deploy(c, 'sdk-py', 'python3.11', 'app.handler', await makeZip({ 'app.py': code }));
      const r = await invoke(c, 'sdk-py', {});
      assert.equal(r.r.FunctionError, undefined, r.body);
      const out = JSON.parse(r.body);
      const host = execFileSync(tool('python3'), ['-c', 'import boto3, botocore; print(boto3.__version__, botocore.__version__)'], { encoding: 'utf8' }).trim().split(' ');
      assert.deepEqual([out.boto3, out.botocore], host);
      assert.equal(out.where, '/usr/lib/python3/dist-packages/boto3/__init__.py');
      assert.equal(out.client, 'SQS');

      await deploy(c, 'sdk-py-own', 'python3.11', 'app.handler', await makeZip({ 'app.py': code, 'boto3/__init__.py': '__version__ = "bundled"\n' }));
      const own = JSON.parse((await invoke(c, 'sdk-py-own', {})).body);
      assert.equal(own.boto3, 'bundled', 'the function\'s own packages come first');
      assert.equal(own.where, '/var/task/boto3/__init__.py');
    });
  });

  it('refuses .NET and the Java versions this host has no JDK for, naming what is missing, and creates nothing', async () => {
    const zip = await makeZip({ 'x.txt': 'x' });
    const cases: Array<[string, string]> = [
      ['dotnet8', "it needs the .NET 8 runtime and SDK (Microsoft's dotnet-sdk-8.0), which neither Debian 12's archive nor the npm registry provides"],
      ['java21', "it needs OpenJDK 21, which Debian 12's archive does not have (it ships OpenJDK 17: use java17)"],
    ];
    for (const [runtime, why] of cases) {
      const name = `refused-${runtime}`;
      await expectRefused(
        c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as never, Role: role, Handler: 'a::b', Code: { ZipFile: zip } })),
        'InvalidParameterValueException',
        `The runtime parameter of ${runtime} is not supported by this Kumo server: ${why}. Supported runtimes: ${supportedRuntimes.join(', ')}.`,
      );
      await assert.rejects(c.send(new GetFunctionCommand({ FunctionName: name })), { name: 'ResourceNotFoundException' });
    }
  });

  describe('Go on provided.al2023 / provided.al2', () => {
    let zip: Buffer;
    before(async () => {
      zip = await makeZip({ bootstrap: buildGo(path.join(projectRoot, 'test', 'fixtures', 'go-runtime', 'main.go')) });
    });

    for (const runtime of ['provided.al2023', 'provided.al2']) {
      it(`answers, logs, keeps its process warm and reports a returned error (${runtime})`, async () => {
        const fn = `go-${runtime.replace('.', '-')}`;
        await deploy(c, fn, runtime, 'bootstrap', zip, { MemorySize: 256 });
        const first = await invoke(c, fn, { name: 'Kumo' });
        assert.equal(first.r.FunctionError, undefined, first.body);
        const out = JSON.parse(first.body);
        assert.equal(out.greeting, 'Hello, Kumo');
        assert.equal(out.function, fn);
        assert.equal(out.memory, '256');
        assert.equal(out.handler, 'bootstrap');
        assert.ok(out.remainingMs > 0 && out.remainingMs <= 3000, `remaining ${out.remainingMs}`);
        assert.equal(out.invocations, 1);
        const rid = first.r.$metadata.requestId!;
        assert.match(first.log, new RegExp(`hello from go, request ${rid}`));
        assert.match(first.log, new RegExp(`END RequestId: ${rid}`));
        assert.equal(JSON.parse((await invoke(c, fn, { name: 'again' })).body).invocations, 2, 'the same process serves the next invoke');

        const failed = await invoke(c, fn, { fail: true });
        assert.equal(failed.r.FunctionError, 'Unhandled');
        assert.deepEqual(JSON.parse(failed.body), { errorMessage: 'go says no', errorType: 'errorString' });
      });
    }

    it('times out as AWS does and serves the next invoke from a fresh EE', async () => {
      await deploy(c, 'go-slow', 'provided.al2023', 'bootstrap', zip, { Timeout: 1 });
      const slow = await invoke(c, 'go-slow', { sleepMs: 5000 });
      assert.equal(slow.r.FunctionError, 'Unhandled');
      const err = JSON.parse(slow.body);
      assert.equal(err.errorType, 'Sandbox.Timedout');
      assert.match(err.errorMessage, /Task timed out after 1\.00 seconds$/);
      assert.match(slow.log, /Task timed out after 1\.00 seconds/);
      const next = await invoke(c, 'go-slow', { name: 'after' });
      assert.equal(next.r.FunctionError, undefined, next.body);
      assert.equal(JSON.parse(next.body).invocations, 1, 'a new process after the timeout');
    });

    it("refuses go1.x with AWS's deprecation error", async () => {
      await expectRefused(
        c.send(new CreateFunctionCommand({ FunctionName: 'go-old', Runtime: 'go1.x' as never, Role: role, Handler: 'main', Code: { ZipFile: zip } })),
        'InvalidParameterValueException',
        'The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.',
      );
    });
  });
});
