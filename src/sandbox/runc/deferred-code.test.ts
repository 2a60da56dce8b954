import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxExit } from '../driver';
import { RuncDriver } from './driver';
import { detectCgroups, SandboxCgroup } from './cgroups';
import { mountsAtOrBelow } from './scratch';
import { missingTools } from '../../../test/tools';

/**
 * Pre-initialised EEs at the driver (contract 7): a container started with
 * empty /var/task and /opt gets its code later, read-only, while its process
 * runs; the memory limit follows; nothing is left mounted afterwards. Real
 * runc and kernel, no mocks.
 */

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (runc, mounts, cgroups)';
  const missing = missingTools(['runc', 'ip', 'iptables-save']);
  if (missing.length) throw new Error(missing.join('; '));
  return undefined;
}
const skip = skipReason();
const tmpRoot = skip ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-deferred-test-'));

function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text, { mode: 0o644 });
  return dir;
}

/** Polls until `f` is true or `ms` pass. */
async function until(f: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (f()) return true;
  return f();
}

describe('RuncDriver: code bound after start', { skip }, () => {
  let driver: RuncDriver;

  before(async () => {
    fs.chmodSync(tmpRoot, 0o755);
    driver = new RuncDriver({ dataDir: path.join(tmpRoot, 'data') });
    await driver.init();
    driver.setRuntimeApiPort(9);
  });

  after(async () => {
    await driver?.shutdown();
    // Nothing of the instance's code mounts stays on the host.
    assert.deepEqual(mountsAtOrBelow(driver.codeMounts.sharedDir), []);
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  });

  test('the running process sees /var/task and /opt appear read-only; the cgroup gets the bound memory limit', async () => {
    assert.equal(driver.deferredCode, true);
    const runtime = tree('runtime', {
      // Waits for the code, then reports what it sees (and whether it can write there).
      'probe.js': `
        const fs = require('fs');
        const before = fs.readdirSync('/var/task');
        console.log('waiting');
        const t = setInterval(() => {
          if (!fs.existsSync('/var/task/handler.txt') || !fs.existsSync('/opt/layer.txt')) return;
          clearInterval(t);
          process.chdir('/var/task');
          let writable = true;
          try { fs.writeFileSync('/var/task/x', 'x'); } catch { writable = false; }
          let optWritable = true;
          try { fs.writeFileSync('/opt/x', 'x'); } catch { optWritable = false; }
          console.log(JSON.stringify({ before, task: fs.readFileSync('handler.txt', 'utf8'), opt: fs.readFileSync('/opt/layer.txt', 'utf8'), writable, optWritable }));
        }, 10);`,
    });
    const code = tree('code', { 'handler.txt': 'code-a' });
    const opt = tree('opt', { 'layer.txt': 'layer-a' });
    let out = '';
    let resolveExit!: (e: SandboxExit) => void;
    const exited = new Promise<SandboxExit>((r) => (resolveExit = r));
    const { sandbox } = await driver.create({
      id: 'deferred-1', deferredCode: true, runtimeDir: runtime, memoryMb: 1024, ephemeralStorageMb: 16, pidsMax: 64, openFilesMax: 1024,
      env: { PATH: '/usr/bin:/bin' }, args: ['/usr/bin/node', '/var/runtime/probe.js'], cwd: '/var/task',
      onOutput: (_s, c) => (out += c.toString()), onExit: resolveExit,
    });
    const cgroup = new SandboxCgroup(detectCgroups(), driver.cgroupPath(sandbox.id));
    assert.equal(cgroup.memoryLimitBytes(), 1024 * 1024 * 1024);
    assert.ok(await until(() => out.startsWith('waiting\n'), 10_000), `the process did not start: ${out}`);
    await sandbox.bindCode!({ codeDir: code, optDir: opt, memoryMb: 256 });
    assert.equal(cgroup.memoryLimitBytes(), 256 * 1024 * 1024);
    assert.ok(await until(() => out.split('\n').length > 2, 5000), `no report: ${out}`);
    const seen = JSON.parse(out.split('\n')[1]!);
    assert.deepEqual(seen, { before: [], task: 'code-a', opt: 'layer-a', writable: false, optWritable: false });
    // A second bind is refused: an EE gets one function's code, once.
    await assert.rejects(sandbox.bindCode!({ codeDir: opt, memoryMb: 256 }), /already has its code/);
    const mountDir = path.join(driver.codeMounts.sharedDir, sandbox.id);
    assert.equal(mountsAtOrBelow(mountDir).length, 2);
    await sandbox.destroy();
    await exited;
    assert.deepEqual(mountsAtOrBelow(mountDir), []);
    assert.equal(fs.existsSync(mountDir), false);
    // The host's trees are untouched.
    assert.deepEqual(fs.readdirSync(code), ['handler.txt']);
  });

  test('a driver start removes the code mounts a dead instance left', async () => {
    // What a kill -9 leaves: a bind under the instance's code-mount tree.
    const dir = path.join(driver.codeMounts.sharedDir, 'leftover', 'task');
    fs.mkdirSync(dir, { recursive: true });
    const code = tree('code-b', { 'handler.txt': 'b' });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mount', ['--bind', code, dir]);
    assert.equal(mountsAtOrBelow(dir).length, 1);
    await driver.shutdown();
    assert.deepEqual(mountsAtOrBelow(driver.codeMounts.sharedDir), []);
    driver = new RuncDriver({ dataDir: path.join(tmpRoot, 'data') });
    await driver.init();
    driver.setRuntimeApiPort(9);
    assert.equal(driver.deferredCode, true);
  });
});
