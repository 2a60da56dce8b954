import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneNamespaceFlags, deniedSyscalls, ENOSYS, EPERM, seccompArchitectures, seccompProfile, unconditionallyAllowed } from './seccomp';

const profile = seccompProfile('x64');
const allowed = unconditionallyAllowed(profile);
const rulesFor = (name: string) => profile.syscalls.filter((r) => r.names.includes(name));

test('default deny with EPERM, native ABI only', () => {
  assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(profile.defaultErrnoRet, EPERM);
  assert.deepEqual(seccompArchitectures('x64'), ['SCMP_ARCH_X86_64']);
  assert.deepEqual(seccompArchitectures('arm64'), ['SCMP_ARCH_AARCH64']);
  assert.throws(() => seccompArchitectures('ia32'), /no seccomp profile/);
});

test('no denied call is allowed, with or without conditions', () => {
  for (const name of deniedSyscalls) assert.deepEqual(rulesFor(name), [], `${name} has a rule`);
  for (const name of ['ptrace', 'process_vm_readv', 'process_vm_writev', 'unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'bpf',
    'perf_event_open', 'keyctl', 'add_key', 'request_key', 'userfaultfd', 'open_by_handle_at', 'init_module', 'finit_module',
    'delete_module', 'kexec_load', 'kexec_file_load', 'reboot']) {
    assert.ok(deniedSyscalls.includes(name), `${name} is not listed as denied`);
  }
});

test('every call is named once per rule and the allow-list has what runtimes need', () => {
  const seen = new Set<string>();
  for (const n of profile.syscalls.find((r) => !r.args && r.action === 'SCMP_ACT_ALLOW')!.names) {
    assert.ok(!seen.has(n), `${n} listed twice`);
    seen.add(n);
  }
  for (const n of ['read', 'write', 'openat', 'mmap', 'futex', 'epoll_pwait', 'execve', 'exit_group', 'rt_sigreturn', 'clock_gettime', 'getrandom', 'connect', 'rseq', 'statx']) {
    assert.ok(allowed.has(n), n);
  }
});

test('clone without namespace flags only; clone3 → ENOSYS', () => {
  const clone = rulesFor('clone');
  assert.equal(clone.length, 1);
  assert.deepEqual(clone[0].args, [{ index: 0, value: cloneNamespaceFlags, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.equal(cloneNamespaceFlags, 0x7e020000);
  assert.deepEqual(rulesFor('clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS }]);
});

test('socket: Unix, IPv4/IPv6 stream and datagram, NETLINK_ROUTE; nothing raw', () => {
  const socket = rulesFor('socket');
  assert.ok(socket.every((r) => r.action === 'SCMP_ACT_ALLOW' && r.args && r.args.length > 0), 'an unconditional socket rule');
  const families = new Set(socket.map((r) => r.args!.find((a) => a.index === 0)!.value));
  assert.deepEqual([...families].sort((a, b) => a - b), [1, 2, 10, 16]);
  for (const r of socket.filter((r) => [2, 10].includes(r.args![0].value))) {
    const type = r.args!.find((a) => a.index === 1)!;
    assert.equal(type.op, 'SCMP_CMP_MASKED_EQ');
    assert.ok([1, 2].includes(type.valueTwo!), `type ${type.valueTwo}`);
  }
  const netlink = socket.find((r) => r.args![0].value === 16)!;
  assert.deepEqual(netlink.args![1], { index: 2, value: 0, op: 'SCMP_CMP_EQ' });
  // Conditions of one rule are on distinct arguments (runc ANDs those; it would OR repeated ones).
  for (const r of profile.syscalls) if (r.args) assert.equal(new Set(r.args.map((a) => a.index)).size, r.args.length);
});

test('personality: only values that keep ASLR', () => {
  const values = rulesFor('personality').map((r) => r.args![0].value);
  assert.deepEqual(values, [0, 8, 0x20000, 0x20008, 0xffffffff]);
  assert.ok(!values.includes(0x0040000));
});
