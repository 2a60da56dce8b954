import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAndThawTree, SandboxCgroup } from './cgroups';

// The file formats of both layouts, on plain files (the real v1 files are exercised by driver.test.ts).
test('CPU quota: cgroup v2 cpu.max and v1 cfs_quota_us', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-cg-'));
  try {
    fs.mkdirSync(path.join(root, 'kumo/t/x'), { recursive: true });
    fs.writeFileSync(path.join(root, 'kumo/t/x/cpu.max'), 'max 100000\n');
    const v2 = new SandboxCgroup({ version: 2, root, controllers: new Map(), hierarchies: [root], swapAccounting: true }, '/kumo/t/x');
    assert.deepEqual(v2.cpuQuota(), { quota: -1, period: 100000 });
    v2.setCpuQuota(7236, 100000);
    assert.equal(fs.readFileSync(path.join(root, 'kumo/t/x/cpu.max'), 'utf8'), '7236 100000');
    assert.deepEqual(v2.cpuQuota(), { quota: 7236, period: 100000 });

    const cpuDir = path.join(root, 'cpu,cpuacct');
    fs.mkdirSync(path.join(cpuDir, 'kumo/t/x'), { recursive: true });
    fs.writeFileSync(path.join(cpuDir, 'kumo/t/x/cpu.cfs_quota_us'), '100000\n');
    fs.writeFileSync(path.join(cpuDir, 'kumo/t/x/cpu.cfs_period_us'), '100000\n');
    const v1 = new SandboxCgroup({ version: 1, root, controllers: new Map([['cpu', cpuDir]]), hierarchies: [cpuDir], swapAccounting: true }, '/kumo/t/x');
    v1.setCpuQuota(7236, 100000);
    assert.deepEqual(v1.cpuQuota(), { quota: 7236, period: 100000 });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

// killAndThawTree on plain files: which files each layout writes (no task is listed, so nothing is signalled).
function fakeTree(root: string, rel: string, files: Record<string, string>): string[] {
  const dirs = [path.join(root, rel), path.join(root, rel, 'a'), path.join(root, rel, 'a', 'b')];
  for (const d of dirs) {
    fs.mkdirSync(d, { recursive: true });
    for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(d, f), v);
  }
  return dirs;
}

test('killAndThawTree, cgroup v2 with cgroup.kill: one kill at the subtree root, every level thawed', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-cg-'));
  try {
    const dirs = fakeTree(root, 'kumo/t', { 'cgroup.procs': '', 'cgroup.freeze': '1\n', 'cgroup.kill': '' });
    const found = killAndThawTree({ version: 2, root, controllers: new Map(), hierarchies: [root], swapAccounting: true }, '/kumo/t');
    assert.deepEqual(found, dirs);
    assert.equal(fs.readFileSync(path.join(dirs[0], 'cgroup.kill'), 'utf8'), '1');
    assert.equal(fs.readFileSync(path.join(dirs[1], 'cgroup.kill'), 'utf8'), '', 'the root kill covers the descendants');
    for (const d of dirs) assert.equal(fs.readFileSync(path.join(d, 'cgroup.freeze'), 'utf8'), '0');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('killAndThawTree, cgroup v2 without cgroup.kill (kernel < 5.14) and v1: every level thawed, only in the freezer hierarchy', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-cg-'));
  try {
    const v2dirs = fakeTree(path.join(root, 'v2'), 'kumo/t', { 'cgroup.procs': '', 'cgroup.freeze': '1\n' });
    const v2root = path.join(root, 'v2');
    killAndThawTree({ version: 2, root: v2root, controllers: new Map(), hierarchies: [v2root], swapAccounting: true }, '/kumo/t');
    for (const d of v2dirs) assert.equal(fs.readFileSync(path.join(d, 'cgroup.freeze'), 'utf8'), '0');

    const freezer = path.join(root, 'freezer');
    const memory = path.join(root, 'memory');
    const fdirs = fakeTree(freezer, 'kumo/t', { 'cgroup.procs': '', 'freezer.state': 'FROZEN\n' });
    const mdirs = fakeTree(memory, 'kumo/t', { 'cgroup.procs': '', 'freezer.state': 'untouched' });
    const layout = { version: 1 as const, root, controllers: new Map([['freezer', freezer], ['memory', memory]]), hierarchies: [freezer, memory], swapAccounting: true };
    assert.equal(killAndThawTree(layout, '/kumo/t').length, 6);
    for (const d of fdirs) assert.equal(fs.readFileSync(path.join(d, 'freezer.state'), 'utf8'), 'THAWED');
    for (const d of mdirs) assert.equal(fs.readFileSync(path.join(d, 'freezer.state'), 'utf8'), 'untouched');
    assert.deepEqual(killAndThawTree(layout, '/kumo/absent'), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
