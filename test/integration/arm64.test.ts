/**
 * `Architectures: [arm64]` (issue 20, item 8) through the real server and the
 * AWS SDK: on an x86_64 host an arm64 function's code runs under qemu-user
 * (Debian's qemu-user-static with the arm64 cross libraries as sysroot,
 * installed by `make setup`), with arm64 Node.js from npm for the Node.js
 * runtimes and the function's own arm64 `bootstrap` for provided.*. The
 * function sees an arm64 machine; its timeout and memory limit hold; what
 * Kumo cannot run on arm64 (Python, Java, Ruby) is refused naming what the
 * host has. The first invoke of each function prints its cold start (no
 * timed assertion; README "Architectures" writes the numbers down).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  CreateFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, LambdaClient,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { decode, makeZip, projectRoot, role, startServer, type RunningServer } from './harness';
import { emulatedEeMemoryOverheadMb, emulationChildren, hostArchitecture } from '../../src/runtimes/registry';
import { missingTools } from '../tools';
import { buildGo } from '../runtimes/build';

/** What a Node.js function answers about where it runs: itself, a host program it starts, and an arm64 program it starts. */
const nodeArchHandler = `
const os = require('os');
const { execFileSync } = require('child_process');
exports.handler = async (e) => {
  if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs));
  if (e.allocMb) { const a = []; for (let i = 0; i < e.allocMb; i++) a.push(Buffer.alloc(1024 * 1024, 1)); return { allocatedMb: a.length }; }
  let child;
  try { child = execFileSync(process.execPath, ['-p', 'process.arch'], { encoding: 'utf8', stdio: 'pipe' }).trim(); } catch (err) { child = 'error ' + (err.code ?? 'exit ' + err.status) + ': ' + String(err.stderr).trim(); }
  return {
    arch: process.arch, machine: os.machine(), version: process.version,
    hostProgram: execFileSync('/usr/bin/uname', ['-m'], { encoding: 'utf8' }).trim(),
    armChild: child,
  };
};`;

async function deploy(c: LambdaClient, name: string, runtime: string, handler: string, zip: Buffer, extra: Record<string, unknown> = {}) {
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as never, Role: role, Handler: handler, Code: { ZipFile: zip }, Architectures: ['arm64'], ...extra }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

async function invoke(c: LambdaClient, name: string, payload: unknown = {}) {
  const t0 = performance.now();
  const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }));
  return { r, body: decode(r.Payload), ms: performance.now() - t0, log: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8') };
}

describe('Architectures [arm64] (AWS SDK v3 against the real server)', () => {
  let s: RunningServer;
  let c: LambdaClient;
  let nodeZip: Buffer;
  const emulated = hostArchitecture() === 'x86_64';
  before(async () => {
    if (emulated) {
      const missing = missingTools(['qemu-aarch64-static', 'ld-linux-aarch64', 'libstdc++-arm64', 'libgcc_s-arm64']);
      assert.deepEqual(missing, [], 'make setup installs the arm64 emulator and sysroot');
    }
    s = await startServer();
    c = s.client;
    nodeZip = await makeZip({ 'index.js': nodeArchHandler });
  });
  after(async () => {
    await s?.stop();
  });

  for (const [runtime, major] of [['nodejs20.x', 20], ['nodejs22.x', 22]] as const) {
    it(`runs ${runtime} on arm64 Node.js at Lambda's default 128 MB: the configuration says arm64, the function sees arm64 / aarch64`, async (t) => {
      const fn = `arm-${runtime.replace('.', '-')}`;
      const created = await c.send(new CreateFunctionCommand({ FunctionName: fn, Runtime: runtime, Role: role, Handler: 'index.handler', Code: { ZipFile: nodeZip }, Architectures: ['arm64'] }));
      assert.deepEqual(created.Architectures, ['arm64']);
      await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: fn });
      assert.deepEqual((await c.send(new GetFunctionConfigurationCommand({ FunctionName: fn }))).Architectures, ['arm64']);
      const cold = await invoke(c, fn);
      assert.equal(cold.r.FunctionError, undefined, cold.body);
      const out = JSON.parse(cold.body);
      assert.equal(out.arch, 'arm64');
      assert.equal(out.machine, 'aarch64');
      assert.match(out.version, new RegExp(`^v${major}\\.`));
      if (emulated) {
        // The host's kernel execs what the function starts: host programs run natively…
        assert.equal(out.hostProgram, 'x86_64');
        // …and an arm64 program only through a binfmt_misc handler the host's administrator registered;
        // without one the kernel answers ENOEXEC and libuv's execvp hands the file to /bin/sh, which gives up (126).
        if (emulationChildren() === 'binfmt') assert.equal(out.armChild, 'arm64');
        else assert.match(out.armChild, /^error exit 126: .*cannot execute binary file$/);
      }
      const warm = await invoke(c, fn);
      assert.equal(JSON.parse(warm.body).arch, 'arm64');
      t.diagnostic(`${runtime} arm64: cold invoke ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms (${/Init Duration: [\d.]+ ms/.exec(cold.log)?.[0] ?? 'no Init Duration'})`);
    });
  }

  it('runs an arm64 Go bootstrap on provided.al2023', async (t) => {
    const zip = await makeZip({ bootstrap: buildGo(path.join(projectRoot, 'test', 'fixtures', 'go-arch', 'main.go'), 'arm64') });
    await deploy(c, 'arm-go', 'provided.al2023', 'bootstrap', zip);
    const cold = await invoke(c, 'arm-go');
    assert.equal(cold.r.FunctionError, undefined, cold.body);
    assert.deepEqual(JSON.parse(cold.body), { goarch: 'arm64', machine: 'aarch64' });
    assert.match(cold.log, /go on arm64/);
    const warm = await invoke(c, 'arm-go');
    t.diagnostic(`provided.al2023 arm64 (Go): cold invoke ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms`);
    // UpdateFunctionCode with Architectures moves it: an x86_64 build on x86_64, served by a new EE.
    if (emulated) {
      const x86 = await makeZip({ bootstrap: buildGo(path.join(projectRoot, 'test', 'fixtures', 'go-arch', 'main.go'), 'amd64') });
      const updated = await c.send(new UpdateFunctionCodeCommand({ FunctionName: 'arm-go', ZipFile: x86, Architectures: ['x86_64'] }));
      assert.deepEqual(updated.Architectures, ['x86_64']);
      await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'arm-go' });
      const moved = await invoke(c, 'arm-go');
      assert.equal(moved.r.FunctionError, undefined, moved.body);
      assert.deepEqual(JSON.parse(moved.body), { goarch: 'amd64', machine: 'x86_64' });
      // An x86_64 bootstrap deployed as arm64 does not start: qemu refuses the foreign ELF and exits 255.
      await c.send(new UpdateFunctionCodeCommand({ FunctionName: 'arm-go', ZipFile: x86, Architectures: ['arm64'] }));
      await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'arm-go' });
      const wrong = await invoke(c, 'arm-go');
      assert.equal(wrong.r.FunctionError, 'Unhandled');
      const err = JSON.parse(wrong.body);
      assert.equal(err.errorType, 'Runtime.ExitError');
      assert.match(err.errorMessage, /Runtime exited with error: exit status 255$/);
    }
  });

  it('keeps the timeout and the memory limit of an emulated EE', async () => {
    await deploy(c, 'arm-limits', 'nodejs20.x', 'index.handler', nodeZip, { Timeout: 2, MemorySize: 128 });
    const slow = await invoke(c, 'arm-limits', { sleepMs: 5000 });
    assert.equal(slow.r.FunctionError, 'Unhandled');
    const timedOut = JSON.parse(slow.body);
    assert.equal(timedOut.errorType, 'Sandbox.Timedout');
    assert.match(timedOut.errorMessage, /Task timed out after 2\.00 seconds/);
    // The cgroup limit is MemorySize plus the emulator's allowance (registry.ts emulatedEeMemoryOverheadMb): within MemorySize is fine…
    const fits = await invoke(c, 'arm-limits', { allocMb: 64 });
    assert.equal(fits.r.FunctionError, undefined, fits.body);
    assert.deepEqual(JSON.parse(fits.body), { allocatedMb: 64 });
    // …and past both the EE is killed, as a native one past MemorySize.
    const oom = await invoke(c, 'arm-limits', { allocMb: 128 + emulatedEeMemoryOverheadMb + 64 });
    assert.equal(oom.r.FunctionError, 'Unhandled');
    const killed = JSON.parse(oom.body);
    assert.equal(killed.errorType, 'Runtime.ExitError');
    assert.match(killed.errorMessage, /Runtime exited with error: signal: killed/);
    const after = await invoke(c, 'arm-limits');
    assert.equal(after.r.FunctionError, undefined, after.body);
    assert.equal(JSON.parse(after.body).arch, 'arm64');
  });

  it('refuses arm64 for a runtime without an arm64 interpreter here, naming what the host runs, and creates nothing', { skip: !emulated && 'arm64 is native on this host' }, async () => {
    const zip = await makeZip({ 'index.py': 'def handler(e, c):\n    return 1\n' });
    await assert.rejects(
      c.send(new CreateFunctionCommand({ FunctionName: 'arm-py', Runtime: 'python3.11', Role: role, Handler: 'index.handler', Code: { ZipFile: zip }, Architectures: ['arm64'] })),
      (e: Error & { name: string; $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InvalidParameterValueException');
        assert.equal(e.$metadata.httpStatusCode, 400);
        assert.match(e.message, /^Architectures arm64 is not supported by this Kumo server for python3\.11: it runs functions on its host's architecture \(x86_64\); arm64 runs through qemu-user emulation for nodejs20\.x, nodejs22\.x, nodejs24\.x, provided\.al2023, provided\.al2 only \(this host has no arm64 build of python3\.11's interpreter\)\.$/);
        return true;
      },
    );
    await assert.rejects(c.send(new GetFunctionCommand({ FunctionName: 'arm-py' })), { name: 'ResourceNotFoundException' });
    // UpdateFunctionCode's Architectures is judged the same way, and leaves the function as it was.
    await c.send(new CreateFunctionCommand({ FunctionName: 'x86-py', Runtime: 'python3.11', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'x86-py' });
    await assert.rejects(
      c.send(new UpdateFunctionCodeCommand({ FunctionName: 'x86-py', ZipFile: zip, Architectures: ['arm64'] })),
      { name: 'InvalidParameterValueException', message: /^Architectures arm64 is not supported by this Kumo server for python3\.11: / },
    );
    assert.deepEqual((await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'x86-py' }))).Architectures, ['x86_64']);
    // An arm64 function keeps its architecture: moving it to a runtime without arm64 is refused too.
    await deploy(c, 'arm-move', 'nodejs20.x', 'index.handler', nodeZip);
    await assert.rejects(
      c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'arm-move', Runtime: 'python3.11', Handler: 'index.handler' })),
      { name: 'InvalidParameterValueException', message: /^Architectures arm64 is not supported by this Kumo server for python3\.11: / },
    );
    const cfg = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'arm-move' }));
    assert.equal(cfg.Runtime, 'nodejs20.x');
    // …while a runtime that has arm64 is accepted, and the function stays arm64.
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'arm-move', Runtime: 'nodejs24.x' }));
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'arm-move' });
    const moved = await invoke(c, 'arm-move');
    assert.equal(moved.r.FunctionError, undefined, moved.body);
    const out = JSON.parse(moved.body);
    assert.equal(out.arch, 'arm64');
    assert.match(out.version, /^v24\./);
  });
});
