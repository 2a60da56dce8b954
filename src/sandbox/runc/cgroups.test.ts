import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxCgroup } from './cgroups';

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
