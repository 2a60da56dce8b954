import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { cpuQuota, initArgs, initCpuQuota, ociConfig, parseInitStatus, userNamespaceFor } from './bundle';
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

const inputs = {
  spec,
  rootfsPath: '/rootfs',
  hostMounts: [],
  netnsPath: '/run/netns/k1-2',
  cgroupsPath: '/kumo/t/x',
  hostname: '10.0.0.2',
  cgroups: { version: 1 as const, root: '/sys/fs/cgroup', controllers: new Map(), hierarchies: [], swapAccounting: true },
};

test('config: /proc and /sys masked and read-only as runc does by default', () => {
  const c = ociConfig(inputs) as any;
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/sys/firmware']) assert.ok(c.linux.maskedPaths.includes(p), p);
  for (const p of ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus', '/proc/fs']) assert.ok(c.linux.readonlyPaths.includes(p), p);
  const sys = c.mounts.find((m: any) => m.destination === '/sys');
  assert.ok(sys.options.includes('ro'));
  assert.equal(c.mounts.some((m: any) => m.destination.startsWith('/sys/fs/cgroup')), false, 'no cgroup fs inside EEs');
});

test('config: default-deny seccomp filter', () => {
  const c = ociConfig(inputs) as any;
  assert.equal(c.linux.seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(c.linux.seccomp.defaultErrnoRet, 1);
  assert.ok(c.linux.seccomp.syscalls.length > 5);
});

test('CPU: 1,769 MB per vCPU capped at the host’s cores; at least one vCPU during init', () => {
  assert.deepEqual(cpuQuota(128, 2), { quota: 7236, period: 100_000 });
  assert.deepEqual(cpuQuota(1769, 2), { quota: 100_000, period: 100_000 });
  assert.deepEqual(cpuQuota(3538, 2), { quota: 200_000, period: 100_000 });
  assert.deepEqual(cpuQuota(10_240, 2), { quota: 200_000, period: 100_000 }, 'capped at the host’s 2 cores');
  assert.deepEqual(cpuQuota(10_240, 8), { quota: 578_858, period: 100_000 });
  assert.deepEqual(cpuQuota(1, 2), { quota: 1000, period: 100_000 }, 'never below the kernel’s 1 ms');
  assert.deepEqual(initCpuQuota(128, 2), { quota: 100_000, period: 100_000 });
  assert.deepEqual(initCpuQuota(10_240, 2), { quota: 200_000, period: 100_000 });
  assert.deepEqual(initCpuQuota(128, 1), { quota: 100_000, period: 100_000 });
  const c = ociConfig(inputs) as any;
  assert.deepEqual(c.linux.resources.cpu, initCpuQuota(256));
});

test('config: user namespace per EE, empty read-only /sys with it, sysfs without', () => {
  const u = userNamespaceFor('10.213.4.7');
  assert.deepEqual(u, { hostId: 0x60000000 + (4 * 256 + 7) * 1024, size: 1024 });
  assert.notEqual(userNamespaceFor('10.213.4.8').hostId, u.hostId);
  assert.ok(userNamespaceFor('10.213.255.254').hostId + 1024 <= 0x6fffffff, 'stays in systemd’s container id range');
  const c = ociConfig({ ...inputs, userns: u }) as any;
  assert.ok(c.linux.namespaces.some((n: any) => n.type === 'user'));
  assert.deepEqual(c.linux.uidMappings, [{ containerID: 0, hostID: u.hostId, size: 1024 }]);
  assert.deepEqual(c.linux.gidMappings, c.linux.uidMappings);
  assert.equal(c.process.user.uid, 993, 'the process is the sandbox user inside the namespace');
  const sys = c.mounts.find((m: any) => m.destination === '/sys');
  assert.equal(sys.type, 'tmpfs');
  assert.ok(sys.options.includes('ro'));
  const plain = ociConfig(inputs) as any;
  assert.equal(plain.linux.namespaces.some((n: any) => n.type === 'user'), false);
  assert.equal(plain.mounts.find((m: any) => m.destination === '/sys').type, 'sysfs');
});

test('config: /tmp is the scratch disk when there is one (exec allowed, as in Lambda), else a tmpfs of EphemeralStorage', () => {
  const tmpOf = (c: any) => c.mounts.find((m: any) => m.destination === '/tmp');
  assert.deepEqual(tmpOf(ociConfig({ ...inputs, tmpDir: '/data/sandbox/scratch/x-1' })), {
    destination: '/tmp', type: 'bind', source: '/data/sandbox/scratch/x-1', options: ['bind', 'rw', 'nosuid', 'nodev'],
  });
  assert.deepEqual(tmpOf(ociConfig(inputs)), {
    destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=512m'],
  });
});
