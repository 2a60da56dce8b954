import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runtimesDir } from '../../paths';
import { debugCommand, debugpyDir, emulatedEeMemoryOverheadMb, emulation, hostArchitecture, runtimeArgv, runtimeSpec } from '../../runtimes/registry';
import { checkApiPath, checkBind, checkCreate, checkPort, checkSandboxId, eeEnvBytesMax, type Policy, type Reply } from './protocol';
import { Supervisor } from './supervisor';

/** What a compromised API process might ask the root supervisor for: each must be refused before anything runs. */

const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-proto-')));
const codeDir = path.join(dataDir, 'code', 'abc');
const optDir = path.join(dataDir, 'opt', 'def');
fs.mkdirSync(codeDir, { recursive: true });
fs.mkdirSync(optDir, { recursive: true });
fs.symlinkSync('/etc', path.join(dataDir, 'code', 'evil'));
const policy: Policy = { dataDir, runtimesDir: fs.realpathSync(runtimesDir) };
const nodeCommand = runtimeSpec('nodejs20.x')!.command!;

const valid = {
  id: 'ee-1', codeDir, optDir, runtimeDir: runtimesDir, memoryMb: 128, ephemeralStorageMb: 512, pidsMax: 1024, openFilesMax: 1024,
  env: { AWS_LAMBDA_FUNCTION_NAME: 'f', _HANDLER: 'index.handler' }, args: [...nodeCommand], cwd: '/var/task',
};

test.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test('a well-formed spec passes, with real paths', () => {
  assert.deepEqual(checkCreate(valid, policy), { ...valid, runtimeDir: policy.runtimesDir });
  assert.equal(checkCreate({ ...valid, args: ['/var/task/bootstrap'] }, policy).args[0], '/var/task/bootstrap');
  assert.equal(checkCreate({ ...valid, args: ['/opt/bootstrap'] }, policy).args[0], '/opt/bootstrap');
  if (hostArchitecture() === 'x86_64') {
    // arm64 on x86_64: a runtime's arm64 command or a bootstrap under the emulator, with its memory allowance.
    const arm = runtimeArgv(runtimeSpec('nodejs20.x')!, 'arm64')!;
    assert.deepEqual(checkCreate({ ...valid, args: arm, memoryMb: 10240 + emulatedEeMemoryOverheadMb }, policy).args, arm);
    const boot = [emulation.qemu, '-L', emulation.sysroot, '/var/task/bootstrap'];
    assert.deepEqual(checkCreate({ ...valid, args: boot }, policy).args, boot);
  }
  const { optDir: _o, ...noOpt } = valid;
  assert.equal(checkCreate(noOpt, policy).optDir, undefined);
});

const refused: [string, unknown, RegExp][] = [
  ['not an object', 'spec', /must be an object/],
  ['null', null, /must be an object/],
  ['id with a path', { ...valid, id: '../x' }, /invalid sandbox id/],
  ['id upper case', { ...valid, id: 'EE' }, /invalid sandbox id/],
  ['id too long', { ...valid, id: 'a'.repeat(49) }, /invalid sandbox id/],
  ['id not a string', { ...valid, id: 7 }, /invalid sandbox id/],
  ['code from /etc', { ...valid, codeDir: '/etc' }, /codeDir must be a directory below/],
  ['code: the code tree itself', { ...valid, codeDir: path.join(dataDir, 'code') }, /codeDir must be/],
  ['code: .. out of the tree', { ...valid, codeDir: path.join(dataDir, 'code', '..', '..') }, /codeDir must be/],
  ['code: a symlink in the tree to /etc', { ...valid, codeDir: path.join(dataDir, 'code', 'evil') }, /codeDir must be/],
  ['code: relative', { ...valid, codeDir: 'code/abc' }, /codeDir must be/],
  ['code: the opt tree', { ...valid, codeDir: optDir }, /codeDir must be/],
  ['code: missing', { ...valid, codeDir: undefined }, /codeDir must be/],
  ['opt from the code tree', { ...valid, optDir: codeDir }, /optDir must be/],
  ['opt from /', { ...valid, optDir: '/' }, /optDir must be/],
  ['runtime dir elsewhere', { ...valid, runtimeDir: '/usr' }, /runtimeDir must be/],
  ['runtime dir below runtimes', { ...valid, runtimeDir: path.join(runtimesDir, 'nodejs') }, /runtimeDir must be/],
  ['memory 0', { ...valid, memoryMb: 0 }, /memoryMb out of range/],
  ['memory over AWS max', { ...valid, memoryMb: 10241 }, /memoryMb out of range/],
  ['memory fractional', { ...valid, memoryMb: 128.5 }, /memoryMb out of range/],
  ['memory as a string', { ...valid, memoryMb: '128' }, /memoryMb out of range/],
  ['/tmp over AWS max', { ...valid, ephemeralStorageMb: 10241 }, /ephemeralStorageMb out of range/],
  ['/tmp under AWS min', { ...valid, ephemeralStorageMb: 1 }, /ephemeralStorageMb out of range/],
  ['pids unlimited', { ...valid, pidsMax: 1_000_000 }, /pidsMax out of range/],
  ['pids 0', { ...valid, pidsMax: 0 }, /pidsMax out of range/],
  ['open files over limit', { ...valid, openFilesMax: 1025 }, /openFilesMax out of range/],
  ['a shell', { ...valid, args: ['/bin/sh', '-c', 'id'] }, /neither a runtime's command/],
  ['the emulator running a shell', { ...valid, args: [emulation.qemu, '-L', emulation.sysroot, '/bin/sh'] }, /neither a runtime's command/],
  ['the emulator with its own options', { ...valid, args: [emulation.qemu, '-strace', '-L', emulation.sysroot, '/var/task/bootstrap'] }, /neither a runtime's command/],
  ['native memory with the emulator\'s allowance', { ...valid, memoryMb: 10240 + emulatedEeMemoryOverheadMb }, /memoryMb out of range/],
  ['emulated memory past the allowance', { ...valid, memoryMb: 10241 + emulatedEeMemoryOverheadMb, args: [emulation.qemu, '-L', emulation.sysroot, '/var/task/bootstrap'] }, /memoryMb out of range/],
  ['the runtime command plus an argument', { ...valid, args: [...nodeCommand, '--inspect'] }, /neither a runtime's command/],
  ['bootstrap plus an argument', { ...valid, args: ['/var/task/bootstrap', 'x'] }, /neither a runtime's command/],
  ['a host binary', { ...valid, args: ['/usr/bin/node'] }, /neither a runtime's command/],
  ['/opt/bootstrap without layers', { ...valid, optDir: undefined, args: ['/opt/bootstrap'] }, /without an optDir/],
  ['no args', { ...valid, args: [] }, /args must be/],
  ['args not strings', { ...valid, args: [1] }, /args must be/],
  ['too many args', { ...valid, args: Array(9).fill('/var/task/bootstrap') }, /args must be/],
  ['relative cwd', { ...valid, cwd: 'var/task' }, /cwd must be an absolute path/],
  ['cwd with NUL', { ...valid, cwd: '/var/task\0' }, /cwd must be an absolute path/],
  ['env key with =', { ...valid, env: { 'A=B': 'x' } }, /invalid environment variable/],
  ['env key empty', { ...valid, env: { '': 'x' } }, /invalid environment variable/],
  ['env value with NUL', { ...valid, env: { A: 'x\0y' } }, /invalid environment variable/],
  ['env value not a string', { ...valid, env: { A: 1 } }, /invalid environment variable/],
  ['env an array', { ...valid, env: ['A=1'] }, /env must be an object/],
  ['env too big', { ...valid, env: { A: 'x'.repeat(eeEnvBytesMax) } }, /exceeds 65536/],
];

for (const [what, spec, error] of refused) {
  test(`refused: ${what}`, () => assert.throws(() => checkCreate(spec, policy), error));
}

test('a debugged EE\'s command (its inspector in its netns) passes only when the server debugs functions (KUMO_DEBUG_FUNCTIONS)', () => {
  const spec = runtimeSpec('nodejs20.x')!;
  const inspect = debugCommand(spec, false)!;
  const brk = debugCommand(spec, true)!;
  assert.deepEqual(inspect, ['/usr/bin/node', '--inspect=0.0.0.0:9229', '/var/runtime/nodejs/bootstrap.mjs']);
  assert.deepEqual(brk, ['/usr/bin/node', '--inspect-brk=0.0.0.0:9229', '/var/runtime/nodejs/bootstrap.mjs']);
  for (const args of [inspect, brk]) {
    assert.throws(() => checkCreate({ ...valid, args }, policy), /neither a runtime's command/);
    assert.deepEqual(checkCreate({ ...valid, args }, { ...policy, debug: true }).args, args);
  }
  // Any other flag, port or address stays refused, also with debugging on.
  for (const args of [
    ['/usr/bin/node', '--inspect=0.0.0.0:9230', '/var/runtime/nodejs/bootstrap.mjs'],
    ['/usr/bin/node', '--eval=1', '/var/runtime/nodejs/bootstrap.mjs'],
    ['/usr/bin/node', '--inspect=0.0.0.0:9229', '/var/task/x.js'],
  ]) {
    assert.throws(() => checkCreate({ ...valid, args }, { ...policy, debug: true }), /neither a runtime's command/);
  }
  // Python: debugpy (Debian's python3-debugpy), when installed.
  const py = debugCommand(runtimeSpec('python3.11')!, true);
  if (fs.existsSync(debugpyDir)) {
    assert.deepEqual(py, ['/usr/bin/python3', '-Xfrozen_modules=off', '-m', 'debugpy', '--listen', '0.0.0.0:9229', '--wait-for-client', '/var/runtime/python/bootstrap.py']);
    assert.deepEqual(checkCreate({ ...valid, args: py }, { ...policy, debug: true }).args, py);
    assert.throws(() => checkCreate({ ...valid, args: py }, policy), /neither a runtime's command/);
  } else {
    assert.equal(py, undefined);
  }
  assert.equal(debugCommand(runtimeSpec('provided.al2023')!, false), undefined);
});

test('ports and ids of the other requests are checked', () => {
  for (const p of [80, 0, 65536, 8080.5, '8080', undefined]) assert.throws(() => checkPort(p), /Runtime API port/);
  assert.equal(checkPort(9001), 9001);
  for (const id of ['../../kumo', '', 'A', 3, null]) assert.throws(() => checkSandboxId(id), /invalid sandbox id/);
});

test('the API path: a port of the Runtime API range and 1–4 IPv4 unicast addresses, nothing that could reach an iptables rule otherwise', () => {
  assert.deepEqual(checkApiPath({ port: 9001, redirected: ['127.0.0.1'] }), { port: 9001, redirected: ['127.0.0.1'] });
  assert.deepEqual(checkApiPath({ port: 9001, redirected: ['127.0.0.1', '192.168.1.5'] }).redirected, ['127.0.0.1', '192.168.1.5']);
  for (const bad of [
    undefined, null, 9001, { port: 80, redirected: ['127.0.0.1'] }, { port: '9001', redirected: ['127.0.0.1'] },
    { port: 9001, redirected: [] }, { port: 9001, redirected: '127.0.0.1' }, { port: 9001, redirected: ['127.0.0.1', '1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] },
    { port: 9001, redirected: ['0.0.0.0'] }, { port: 9001, redirected: ['255.255.255.255'] }, { port: 9001, redirected: ['::1'] },
    { port: 9001, redirected: ['127.0.0.1 -j ACCEPT'] }, { port: 9001, redirected: ['localhost'] }, { port: 9001, redirected: [7] },
  ]) assert.throws(() => checkApiPath(bad), /API p|address/, JSON.stringify(bad));
});

test('the supervisor answers an unknown request, or a create before init, with an error and does nothing', async () => {
  const replies: Reply[] = [];
  const sup = new Supervisor(policy, { uid: 65534, gid: 65534 }, (m) => replies.push(m as Reply));
  await sup.handle({ id: 1, op: 'exec', command: ['/bin/sh'] });
  await sup.handle({ id: 2, op: 'create', spec: valid });
  await sup.handle({ id: 3, op: 'destroy', sandbox: '../x' });
  await sup.handle('garbage');
  assert.deepEqual(replies, [
    { id: 1, ok: false, error: 'unknown request' },
    { id: 2, ok: false, error: 'init has not run' },
    { id: 3, ok: false, error: `invalid sandbox id (want ${/^[a-z0-9-]{1,48}$/})` },
    { id: -1, ok: false, error: 'unknown request' },
  ]);
  assert.equal(fs.existsSync(path.join(dataDir, 'sandbox', 'runc-state')), false);
});

test('a pre-initialised EE (deferredCode) is created without code, runs only a managed runtime, and gets its code through checkBind', () => {
  const { codeDir: _c, optDir: _o, ...noCode } = valid;
  const deferred = { ...noCode, deferredCode: true };
  assert.deepEqual(checkCreate(deferred, policy), { ...deferred, runtimeDir: policy.runtimesDir });
  assert.throws(() => checkCreate({ ...deferred, codeDir }, policy), /deferredCode takes no codeDir or optDir/);
  assert.throws(() => checkCreate({ ...deferred, optDir }, policy), /deferredCode takes no codeDir or optDir/);
  assert.throws(() => checkCreate({ ...deferred, deferredCode: 'yes' }, policy), /deferredCode must be true or absent/);
  assert.throws(() => checkCreate({ ...deferred, args: ['/var/task/bootstrap'] }, policy), /custom runtime's bootstrap needs its code at create/);
  // The bind: the same trees a create may mount, Lambda's memory range.
  assert.deepEqual(checkBind('ee-1', { codeDir, optDir, memoryMb: 200 }, policy), { codeDir, optDir, memoryMb: 200 });
  assert.deepEqual(checkBind('ee-1', { codeDir, memoryMb: 128 }, policy), { codeDir, memoryMb: 128 });
  for (const [what, b, why] of [
    ['code from /etc', { codeDir: '/etc', memoryMb: 128 }, /codeDir must be a directory below/],
    ['code: a symlink to /etc', { codeDir: path.join(dataDir, 'code', 'evil'), memoryMb: 128 }, /codeDir must be/],
    ['layers from the code tree', { codeDir, optDir: codeDir, memoryMb: 128 }, /optDir must be a directory below/],
    ['memory below 128', { codeDir, memoryMb: 64 }, /memoryMb out of range/],
    ['memory above 10,240', { codeDir, memoryMb: 10241 }, /memoryMb out of range/],
    ['memory not an integer', { codeDir, memoryMb: 128.5 }, /memoryMb out of range/],
    ['not an object', 'x', /binding must be an object/],
  ] as [string, unknown, RegExp][]) {
    assert.throws(() => checkBind('ee-1', b, policy), why, what);
  }
});
