import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateFunctionCommand, InvokeCommand, UpdateFunctionConfigurationCommand, LambdaClient,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, projectRoot, role, startServer, storedLogLines, type RunningServer } from './harness';

async function deploy(c: LambdaClient, name: string, runtime: string, handler: string, files: Record<string, string | Buffer>, extra: Record<string, unknown> = {}) {
  await c.send(
    new CreateFunctionCommand({
      FunctionName: name, Runtime: runtime as never, Role: role, Handler: handler, Code: { ZipFile: await makeZip(files) }, ...extra,
    }),
  );
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

const invoke = (c: LambdaClient, name: string, payload: unknown = {}, extra: Record<string, unknown> = {}) =>
  c.send(new InvokeCommand({ FunctionName: name, Payload: encode(payload), ...extra }));

describe('invoke in runc sandboxes (AWS SDK v3 against the real server)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  before(async () => {
    s = await startServer({ env: { KUMO_ASYNC_RETRY_DELAYS_MS: '300,600' } });
    c = s.client;
  });
  after(async () => {
    await s?.stop();
  });

  it('runs a Node.js handler with event, context and Lambda environment', async () => {
    await deploy(c, 'node-echo', 'nodejs20.x', 'index.handler', {
      'index.js': `
        let calls = 0;
        exports.handler = async (event, context) => ({
          event, calls: ++calls,
          fn: context.functionName, version: context.functionVersion, arn: context.invokedFunctionArn,
          mem: context.memoryLimitInMB, rid: context.awsRequestId, remaining: context.getRemainingTimeInMillis(),
          group: context.logGroupName, cc: context.clientContext,
          env: { region: process.env.AWS_REGION, task: process.env.LAMBDA_TASK_ROOT, api: !!process.env.AWS_LAMBDA_RUNTIME_API,
                 home: process.env.HOME, extra: process.env.NODE_EXTRA_CA_CERTS, secret: process.env.SECRET },
          uid: process.getuid(),
        });`,
    }, { Environment: { Variables: { SECRET: 's3cr3t' } } });
    const r = await invoke(c, 'node-echo', { hello: 'world' }, {
      ClientContext: Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64'),
    });
    assert.equal(r.StatusCode, 200);
    assert.equal(r.ExecutedVersion, '$LATEST');
    assert.equal(r.FunctionError, undefined);
    const out = JSON.parse(decode(r.Payload));
    assert.deepEqual(out.event, { hello: 'world' });
    assert.equal(out.fn, 'node-echo');
    assert.equal(out.version, '$LATEST');
    assert.equal(out.arn, 'arn:aws:lambda:us-east-1:000000000000:function:node-echo');
    assert.equal(out.mem, '128');
    assert.match(out.rid, /^[0-9a-f-]{36}$/);
    assert.ok(out.remaining > 0 && out.remaining <= 3000, `remaining ${out.remaining}`);
    assert.equal(out.group, '/aws/lambda/node-echo');
    assert.deepEqual(out.cc.custom, { a: 1 });
    assert.equal(out.env.region, 'us-east-1');
    assert.equal(out.env.task, '/var/task');
    assert.equal(out.env.api, true);
    assert.equal(out.env.extra, undefined, 'host environment leaked into the EE');
    assert.equal(out.env.secret, 's3cr3t');
    assert.notEqual(out.uid, 0, 'EE runs as root');
    // Warm: same EE, module state kept.
    const r2 = JSON.parse(decode((await invoke(c, 'node-echo')).Payload));
    assert.equal(r2.calls, 2);
  });

  it('returns the tail of the invocation log with START/END/REPORT', async () => {
    await deploy(c, 'node-log', 'nodejs20.x', 'index.handler', {
      'index.js': `exports.handler = async (e) => { console.log('hello from', e.who); return 'ok'; };`,
    });
    const r = await invoke(c, 'node-log', { who: 'tail-test' }, { LogType: 'Tail' });
    const log = Buffer.from(r.LogResult!, 'base64').toString('utf8');
    const rid = r.$metadata.requestId!;
    assert.match(log, new RegExp(`START RequestId: ${rid} Version: \\$LATEST`));
    assert.match(log, new RegExp(`\\t${rid}\\tINFO\\thello from tail-test`));
    assert.match(log, new RegExp(`END RequestId: ${rid}`));
    assert.match(log, new RegExp(`REPORT RequestId: ${rid}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: [\\d.]+ ms`));
    // The cold start's phases come before START.
    assert.match(log, /INIT_START Runtime Version: nodejs20\.x\nINIT_PHASES Network: [\d.]+ ms\t(?:Scratch: [\d.]+ ms\t)?Sandbox: [\d.]+ ms\t(?:Bind: [\d.]+ ms\t)?Runtime Init: [\d.]+ ms\tTotal: [\d.]+ ms\nSTART/);
    const warm = Buffer.from((await invoke(c, 'node-log', { who: 'warm' }, { LogType: 'Tail' })).LogResult!, 'base64').toString();
    assert.doesNotMatch(warm, /INIT_PHASES/);
    assert.doesNotMatch(warm, /Init Duration/);
    assert.doesNotMatch(warm, /tail-test/, 'tail holds another invocation\'s lines');
  });

  it('answers before END and REPORT: back-to-back invokes reuse one EE and each one\'s log is whole and in order', async () => {
    await deploy(c, 'node-seq', 'nodejs20.x', 'index.handler', {
      'index.js': `let n = 0; exports.handler = async () => { n++; console.log('last line of call', n); return n; };`,
    });
    const n = 30;
    const ids: string[] = [];
    for (let i = 1; i <= n; i++) {
      const r = await invoke(c, 'node-seq');
      // The next request arrives while the EE still finishes the last one's log: it waits for that EE, never cold-starts another.
      assert.equal(JSON.parse(decode(r.Payload)), i, `call ${i} ran on another EE`);
      ids.push(r.$metadata.requestId!);
    }
    const last = ids[n - 1]!;
    const deadline = Date.now() + 20_000;
    let lines = await storedLogLines(s.dataDir, 'node-seq');
    while (!lines.some((l) => l.startsWith(`REPORT RequestId: ${last}\t`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      lines = await storedLogLines(s.dataDir, 'node-seq');
    }
    assert.equal(lines.filter((l) => l.startsWith('INIT_START')).length, 1, 'more than one cold start');
    ids.forEach((id, i) => {
      const at = (p: string) => lines.findIndex((l) => l.startsWith(p));
      const start = at(`START RequestId: ${id} `);
      const out = lines.findIndex((l) => l.includes(`\t${id}\tINFO\tlast line of call ${i + 1}`));
      const end = at(`END RequestId: ${id}`);
      const report = at(`REPORT RequestId: ${id}\t`);
      assert.ok(start >= 0 && start < out && out < end && end < report, `call ${i + 1}: START ${start}, output ${out}, END ${end}, REPORT ${report}`);
      if (i > 0) assert.ok(at(`REPORT RequestId: ${ids[i - 1]}\t`) < start, `call ${i + 1} started before call ${i}'s REPORT`);
    });
  });

  it('reports a thrown error as AWS does: 200, X-Amz-Function-Error: Unhandled', async () => {
    await deploy(c, 'node-throw', 'nodejs20.x', 'index.handler', {
      'index.js': `exports.handler = async () => { const e = new TypeError('bad thing'); throw e; };`,
    });
    const r = await invoke(c, 'node-throw');
    assert.equal(r.StatusCode, 200);
    assert.equal(r.FunctionError, 'Unhandled');
    const err = JSON.parse(decode(r.Payload));
    assert.equal(err.errorType, 'TypeError');
    assert.equal(err.errorMessage, 'bad thing');
    assert.ok(Array.isArray(err.trace));
  });

  it('runs a Python handler', async () => {
    await deploy(c, 'py-echo', 'python3.11', 'app.handler', {
      'app.py': [
        'import os',
        'def handler(event, context):',
        '    print("py log", event.get("x"))',
        '    return {"x": event["x"] * 2, "fn": context.function_name, "rid": context.aws_request_id,',
        '            "rem": context.get_remaining_time_in_millis(), "task": os.environ["LAMBDA_TASK_ROOT"]}',
        '',
      ].join('\n'),
    });
    const r = await invoke(c, 'py-echo', { x: 21 }, { LogType: 'Tail' });
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    const out = JSON.parse(decode(r.Payload));
    assert.equal(out.x, 42);
    assert.equal(out.fn, 'py-echo');
    assert.equal(out.rid, r.$metadata.requestId);
    assert.equal(out.task, '/var/task');
    assert.match(Buffer.from(r.LogResult!, 'base64').toString(), /py log 21/);
  });

  it('reports a Python exception with stackTrace', async () => {
    await deploy(c, 'py-throw', 'python3.11', 'app.handler', {
      'app.py': 'def handler(event, context):\n    raise ValueError("nope")\n',
    });
    const r = await invoke(c, 'py-throw');
    assert.equal(r.FunctionError, 'Unhandled');
    const err = JSON.parse(decode(r.Payload));
    assert.equal(err.errorType, 'ValueError');
    assert.equal(err.errorMessage, 'nope');
    assert.ok(Array.isArray(err.stackTrace));
  });

  it("runs AWS's bash custom-runtime tutorial function unchanged (provided.al2023)", async () => {
    const dir = path.join(projectRoot, 'test', 'fixtures', 'bash-tutorial');
    await deploy(c, 'bash-tutorial', 'provided.al2023', 'function.handler', {
      bootstrap: fs.readFileSync(path.join(dir, 'bootstrap')),
      'function.sh': fs.readFileSync(path.join(dir, 'function.sh')),
    });
    const r = await invoke(c, 'bash-tutorial', { text: 'Hello' });
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    assert.equal(decode(r.Payload), `Echoing request: '{"text":"Hello"}'`);
  });

  it('reports a missing bootstrap as an init error', async () => {
    await deploy(c, 'no-bootstrap', 'provided.al2', 'x.y', { 'readme.txt': 'no bootstrap here' });
    const r = await invoke(c, 'no-bootstrap');
    assert.equal(r.FunctionError, 'Unhandled');
    const err = JSON.parse(decode(r.Payload));
    assert.equal(err.errorType, 'Runtime.InvalidEntrypoint');
    assert.match(err.errorMessage, /Couldn't find valid bootstrap\(s\): \[\/var\/task\/bootstrap \/opt\/bootstrap\]/);
  });

  it('reports a handler import error as an init error', async () => {
    await deploy(c, 'node-missing', 'nodejs20.x', 'nothere.handler', { 'index.js': 'exports.handler = async () => 1;' });
    const r = await invoke(c, 'node-missing');
    assert.equal(r.FunctionError, 'Unhandled');
    assert.equal(JSON.parse(decode(r.Payload)).errorType, 'Runtime.ImportModuleError');
  });

  it('times out with AWS\'s message and serves the next request from a fresh EE', async () => {
    await deploy(c, 'node-slow', 'nodejs20.x', 'index.handler', {
      'index.js': `let n = 0; exports.handler = async (e) => { n++; if (e.sleep) await new Promise(r => setTimeout(r, 5000)); return n; };`,
    }, { Timeout: 1 });
    const r = await invoke(c, 'node-slow', { sleep: true });
    assert.equal(r.FunctionError, 'Unhandled');
    const err = JSON.parse(decode(r.Payload));
    assert.equal(err.errorType, 'Sandbox.Timedout');
    assert.match(err.errorMessage, /Task timed out after 1\.00 seconds/);
    const next = await invoke(c, 'node-slow', {});
    assert.equal(decode(next.Payload), '1', 'the timed-out EE was reused');
  });

  it('kills an EE at its memory limit with Runtime.ExitError, and recovers', async () => {
    await deploy(c, 'node-oom', 'nodejs20.x', 'index.handler', {
      'index.js': `exports.handler = async (e) => { if (e.boom) { const a = []; for (;;) a.push(Buffer.alloc(8 * 1024 * 1024, 1)); } return 'fine'; };`,
    });
    const r = await invoke(c, 'node-oom', { boom: true });
    assert.equal(r.FunctionError, 'Unhandled');
    const err = JSON.parse(decode(r.Payload));
    assert.equal(err.errorType, 'Runtime.ExitError');
    assert.match(err.errorMessage, /Runtime exited with error: signal: killed/);
    assert.equal(decode((await invoke(c, 'node-oom', {})).Payload), '"fine"');
  });

  it('serves concurrent requests from separate EEs', async () => {
    await deploy(c, 'node-conc', 'nodejs20.x', 'index.handler', {
      'index.js': `const id = Math.random(); exports.handler = async () => { await new Promise(r => setTimeout(r, 300)); return id; };`,
    });
    const rs = await Promise.all([0, 1, 2].map(() => invoke(c, 'node-conc')));
    const ids = new Set(rs.map((r) => decode(r.Payload)));
    assert.equal(ids.size, 3, 'one EE served two requests at once');
  });

  it('validates invoke input: DryRun, payload limits, non-JSON, unknown function', async () => {
    const d = await c.send(new InvokeCommand({ FunctionName: 'node-echo', InvocationType: 'DryRun' }));
    assert.equal(d.StatusCode, 204);
    await assert.rejects(invoke(c, 'no-such-fn'), (e: Error) => e.name === 'ResourceNotFoundException');
    await assert.rejects(
      c.send(new InvokeCommand({ FunctionName: 'node-echo', Payload: Buffer.alloc(6 * 1024 * 1024 + 10, 0x20) })),
      (e: Error) => e.name === 'RequestTooLargeException',
    );
    await assert.rejects(
      c.send(new InvokeCommand({ FunctionName: 'node-echo', InvocationType: 'Event', Payload: encode({ s: 'x'.repeat(1024 * 1024) }) })),
      (e: Error) => e.name === 'RequestTooLargeException' && /Request must be smaller than 1048576 bytes/.test(e.message),
    );
    // 300 KiB was over AWS's former 256 KB async limit; 1 MB is the limit now.
    const ok = await c.send(new InvokeCommand({ FunctionName: 'node-echo', InvocationType: 'Event', Payload: encode({ s: 'x'.repeat(300 * 1024) }) }));
    assert.equal(ok.StatusCode, 202);
    await assert.rejects(
      c.send(new InvokeCommand({ FunctionName: 'node-echo', Payload: Buffer.from('not json') })),
      (e: Error) => e.name === 'InvalidRequestContentException',
    );
  });

  it('runs Event invocations durably with retries after a function error', async () => {
    await deploy(c, 'node-async', 'nodejs20.x', 'index.handler', {
      'index.js': `exports.handler = async (e) => { console.log('ASYNC-RUN', e.tag); if (e.fail) throw new Error('fail ' + e.tag); return 1; };`,
    });
    const ok = await c.send(new InvokeCommand({ FunctionName: 'node-async', InvocationType: 'Event', Payload: encode({ tag: 'ok1' }) }));
    assert.equal(ok.StatusCode, 202);
    const bad = await c.send(new InvokeCommand({ FunctionName: 'node-async', InvocationType: 'Event', Payload: encode({ tag: 'bad1', fail: true }) }));
    assert.equal(bad.StatusCode, 202);
    // 1 + 2 retries with 300 ms / 600 ms delays (configured for this test).
    const deadline = Date.now() + 20_000;
    let runs = { ok: 0, bad: 0 };
    while (Date.now() < deadline) {
      const logs = await readLogs(s, 'node-async');
      runs = { ok: count(logs, 'ASYNC-RUN ok1'), bad: count(logs, 'ASYNC-RUN bad1') };
      if (runs.ok >= 1 && runs.bad >= 3) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(runs.ok, 1);
    assert.equal(runs.bad, 3, 'expected 1 attempt + 2 retries');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(count(await readLogs(s, 'node-async'), 'ASYNC-RUN bad1'), 3, 'retried more than twice');
  });

  it('uses a new EE after the configuration changes', async () => {
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'node-echo', Environment: { Variables: { SECRET: 'rotated' } } }));
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'node-echo' });
    const out = JSON.parse(decode((await invoke(c, 'node-echo')).Payload));
    assert.equal(out.env.secret, 'rotated');
    assert.equal(out.calls, 1);
  });
});

async function readLogs(s: RunningServer, fn: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  return execFileSync(path.join(projectRoot, 'bin', 'kumo'), ['logs', fn, '--data-dir', s.dataDir], { encoding: 'utf8' });
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('a stop right after an answer (answered first) still stores END and REPORT', () => {
  it('the invocation\'s last output, END and REPORT are in the log after the server stopped', async () => {
    const s = await startServer();
    let stopped = false;
    try {
      await deploy(s.client, 'node-stop', 'nodejs20.x', 'index.handler', {
        // A burst of output just before the answer: its drain (and so END and REPORT) is still under way when the stop begins.
        'index.js': `exports.handler = async () => {
          process.stdout.write(Array.from({ length: 50000 }, (_, i) => 'BURST ' + i).join('\\n') + '\\n');
          console.log('printed before the answer');
          return 'ok';
        };`,
      }, { MemorySize: 512 });
      const r = await invoke(s.client, 'node-stop');
      assert.equal(r.FunctionError, undefined);
      const id = r.$metadata.requestId!;
      await s.stop();
      stopped = true;
      const lines = await storedLogLines(s.dataDir, 'node-stop');
      assert.ok(lines.includes('BURST 49999') && lines.some((l) => l.includes(`\t${id}\tINFO\tprinted before the answer`)), 'the function\'s output was lost');
      assert.ok(lines.includes(`END RequestId: ${id}`), 'END was lost');
      assert.ok(lines.some((l) => l.startsWith(`REPORT RequestId: ${id}\t`)), 'REPORT was lost');
    } finally {
      if (!stopped) await s.stop();
    }
  });
});
