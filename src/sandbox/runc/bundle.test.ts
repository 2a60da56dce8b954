import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { initArgs, ociConfig, parseInitStatus } from './bundle';
import type { SandboxSpec } from '../driver';

const spec: SandboxSpec = {
  id: 'x',
  codeDir: '/code',
  runtimeDir: '/rt',
  memoryMb: 256,
  ephemeralStorageMb: 512,
  pidsMax: 1024,
  openFilesMax: 1024,
  env: { SECRET: 'value' },
  args: ['/var/runtime/bootstrap', '--flag'],
  cwd: '/var/task',
  onOutput() {},
  onExit() {},
};

test('init strips what runc and the shell add, and keeps env values out of argv', () => {
  const args = initArgs(spec);
  assert.deepEqual(args.slice(0, 4), ['/bin/sh', '-c', '"$@" 3>&-; echo "$?" >&3', 'kumo-init']);
  assert.deepEqual(args.slice(-3), ['--', '/var/runtime/bootstrap', '--flag']);
  assert.ok(args.includes('HOME') && args.includes('PWD'));
  assert.ok(!args.join(' ').includes('value'));
  assert.ok(!initArgs({ ...spec, env: { HOME: '/h' } }).includes('HOME'));
});

test('exit status line', () => {
  const sig = os.constants.signals as unknown as Record<string, number>;
  assert.deepEqual(parseInitStatus('0\n', sig), { exitCode: 0, signal: null });
  assert.deepEqual(parseInitStatus('7\n', sig), { exitCode: 7, signal: null });
  assert.deepEqual(parseInitStatus('137\n', sig), { exitCode: null, signal: 'SIGKILL' });
  assert.deepEqual(parseInitStatus('143\n', sig), { exitCode: null, signal: 'SIGTERM' });
  assert.equal(parseInitStatus('', sig), undefined);
});

test('config: unprivileged, read-only, limited', () => {
  const c = ociConfig({
    spec,
    rootfsPath: '/rootfs',
    hostMounts: [],
    netnsPath: '/run/netns/k1-2',
    cgroupsPath: '/kumo/t/x',
    hostname: '10.0.0.2',
    cgroups: { version: 1, root: '/sys/fs/cgroup', controllers: new Map(), hierarchies: [], swapAccounting: true },
  }) as any;
  assert.deepEqual(c.process.user, { uid: 993, gid: 990, additionalGids: [] });
  assert.equal(c.process.noNewPrivileges, true);
  for (const set of Object.values(c.process.capabilities)) assert.deepEqual(set, []);
  assert.deepEqual(c.root, { path: '/rootfs', readonly: true });
  assert.deepEqual(c.linux.resources.memory, { limit: 256 * 1024 * 1024, swap: 256 * 1024 * 1024, disableOOMKiller: false });
  assert.equal(c.linux.resources.pids.limit, 1024);
  const byDest = Object.fromEntries(c.mounts.map((m: any) => [m.destination, m]));
  assert.ok(byDest['/var/task'].options.includes('ro'));
  assert.ok(byDest['/var/runtime'].options.includes('ro'));
  assert.equal(byDest['/opt'], undefined);
  assert.ok(byDest['/tmp'].options.includes('size=512m'));
  assert.deepEqual(c.linux.namespaces.find((n: any) => n.type === 'network'), { type: 'network', path: '/run/netns/k1-2' });
  assert.deepEqual(c.process.env, ['SECRET=value']);
});
