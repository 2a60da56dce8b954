/**
 * Every language beside Node.js and Python, through the real server and the
 * AWS SDK (issue 19): a hello-world in each deploys, answers, logs, reports a
 * thrown error in AWS's shape and times out as AWS does. Go runs as a custom
 * runtime (provided.al2023 / provided.al2, a `bootstrap` compiled here);
 * go1.x and the .NET runtimes are refused with AWS's / Kumo's errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, projectRoot, role, startServer, type RunningServer } from './harness';
import { buildGo } from '../runtimes/build';

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
