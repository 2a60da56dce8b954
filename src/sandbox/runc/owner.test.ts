import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, ownRecord, processStartTime, readOwner, withHostLock, writeOwner } from './owner';

test('an owner is alive only while its pid runs with the same start time', () => {
  const me = ownRecord('/data');
  assert.ok(isAlive(me));
  assert.equal(me.dataDir, '/data');
  assert.ok(!isAlive({ ...me, startTime: String(Number(me.startTime) + 1) }), 'a reused pid is another process');
  // A process that has exited (and been reaped) owns nothing.
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const pid = Number(gone.stdout.trim());
  assert.equal(processStartTime(pid), undefined);
  assert.ok(!isAlive({ pid, startTime: '1' }));
  assert.ok(!isAlive(undefined));
  assert.ok(!isAlive({ pid: -1, startTime: '' }));
});

test('a zombie (killed, not yet reaped) owns nothing', async () => {
  // The child of a shell that never waits: after SIGKILL it stays a zombie until the shell exits.
  const sh = spawn('/bin/sh', ['-c', 'sleep 30 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((r) => sh.stdout.once('data', (c: Buffer) => r(c.toString().trim()))));
    const rec = { pid, startTime: processStartTime(pid)! };
    assert.ok(isAlive(rec));
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && isAlive(rec); i++) await sleep(10);
    assert.ok(fs.existsSync(`/proc/${pid}`), 'the zombie is still in /proc');
    assert.ok(!isAlive(rec));
  } finally {
    sh.kill('SIGKILL');
  }
});

test('owner records are written atomically and read back; damaged ones read as absent', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-owner-'));
  try {
    const file = path.join(dir, 'owner.json');
    assert.equal(readOwner(file), undefined);
    writeOwner(file, ownRecord('/d'));
    assert.deepEqual(readOwner(file), ownRecord('/d'));
    assert.deepEqual(fs.readdirSync(dir), ['owner.json'], 'no temp file left');
    fs.writeFileSync(file, '{"pid":');
    assert.equal(readOwner(file), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the host lock excludes a second holder and is taken over from a dead one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-lock-'));
  try {
    const file = path.join(dir, 'instances.lock');
    // Two holders in this process: the second runs only after the first released.
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = withHostLock(file, async () => {
      order.push('first in');
      await new Promise<void>((r) => (releaseFirst = r));
      order.push('first out');
    });
    await sleep(20);
    const second = withHostLock(file, async () => void order.push('second in'));
    await sleep(50);
    assert.deepEqual(order, ['first in']);
    releaseFirst();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first in', 'first out', 'second in']);
    assert.ok(!fs.existsSync(file), 'released');

    // A lock left by a dead process (and a half-written one) is taken over at once.
    for (const stale of [JSON.stringify({ pid: 999_999_999, startTime: '1' }), '{"pi']) {
      fs.writeFileSync(file, stale);
      const t0 = Date.now();
      assert.equal(await withHostLock(file, async () => 'ran'), 'ran');
      assert.ok(Date.now() - t0 < 1000);
      assert.deepEqual(fs.readdirSync(dir), []);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
