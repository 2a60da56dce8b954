import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateFunctionCommand, DeleteFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, projectRoot, role, startServer, type RunningServer } from '../integration/harness';
import { missingTools, tool } from '../tools';

/**
 * The escape suite: functions deployed through the real server and SDK try
 * to break out of their EE, and each case asserts the attack failed inside
 * the EE while the server kept serving. Attacks live in a few functions and
 * are chosen by the event's `attack` field, so the suite pays few cold
 * starts.
 *
 * "Another host" is a network namespace this test creates (veth to the host,
 * addresses from TEST-NET-2 and a private and a link-local address routed to
 * it); no traffic leaves the machine.
 */

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the server runs runc EEs)';
  // A missing program is a failure naming it (make deps installs them), not a skip.
  const missing = missingTools(['runc', 'ip', 'python3']);
  if (missing.length) throw new Error(missing.join('; '));
  return undefined;
}
const skip = skipReason();
/** The driver gives each EE a user namespace wherever the kernel allows it. */
const usernsExpected = (() => {
  try {
    return Number(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) > 0;
  } catch {
    return false;
  }
})();

// Addresses of this run's "other host": a /29 of TEST-NET-2 chosen by pid, so concurrent runs do not collide.
const slot = process.pid % 30;
const net29 = `198.51.100.${slot * 8}`;
const hostSide = `198.51.100.${slot * 8 + 1}`;
const remote = `198.51.100.${slot * 8 + 2}`;
const remoteDenied = `198.51.100.${slot * 8 + 3}`;
const remotePrivate = `10.254.${slot}.2`;
const remoteLinkLocal = `169.254.77.${slot + 10}`;
const nsName = `ksec${process.pid % 100000}`;
const vethHost = `ksh${process.pid % 100000}`;
const vethNs = `ksn${process.pid % 100000}`;

/** A TCP/UDP server on the other host: answers `port:<n>` on TCP 80, 443, 25 and echoes UDP 5353. */
const remoteServer = `
  const net = require('net'), dgram = require('dgram');
  let up = 0;
  for (const port of [80, 443, 25]) net.createServer((s) => s.end('port:' + port)).listen(port, '0.0.0.0', () => ++up === 4 && console.log('ready'));
  const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send('echo:' + m, r.port, r.address));
  u.bind(5353, '0.0.0.0', () => ++up === 4 && console.log('ready'));`;

function ip(...args: string[]): void {
  execFileSync(tool('ip'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function setUpRemote(): ChildProcess {
  ip('netns', 'add', nsName);
  ip('link', 'add', vethHost, 'type', 'veth', 'peer', 'name', vethNs, 'netns', nsName);
  ip('addr', 'add', `${hostSide}/29`, 'dev', vethHost);
  ip('link', 'set', vethHost, 'up');
  for (const a of [`${remote}/29`, `${remoteDenied}/32`, `${remotePrivate}/32`, `${remoteLinkLocal}/32`]) ip('-n', nsName, 'addr', 'add', a, 'dev', vethNs);
  ip('-n', nsName, 'link', 'set', 'lo', 'up');
  ip('-n', nsName, 'link', 'set', vethNs, 'up');
  ip('-n', nsName, 'route', 'add', 'default', 'via', hostSide);
  ip('route', 'replace', `${remotePrivate}/32`, 'via', remote);
  ip('route', 'replace', `${remoteLinkLocal}/32`, 'via', remote);
  return spawn(tool('ip'), ['netns', 'exec', nsName, process.execPath, '-e', remoteServer], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function tearDownRemote(server: ChildProcess | undefined): void {
  if (server?.pid && server.exitCode === null) server.kill('SIGKILL');
  for (const args of [['route', 'del', `${remotePrivate}/32`], ['route', 'del', `${remoteLinkLocal}/32`], ['link', 'del', vethHost], ['netns', 'del', nsName]]) {
    try {
      ip(...args);
    } catch {
      /* already gone */
    }
  }
}

/** Node.js function for the network and process attacks. */
const netFunction = `
const net = require('net'), dgram = require('dgram'), os = require('os'), cp = require('child_process');
const token = require('crypto').randomBytes(8).toString('hex');
let listener;
function tcp(host, port, ms) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (r) => { clearTimeout(t); s.destroy(); resolve(r); };
    const t = setTimeout(() => done('timeout'), ms);
    s.on('data', (d) => done('data:' + d.toString().slice(0, 40)));
    s.on('connect', () => setTimeout(() => done('connected'), 300));
    s.on('error', (e) => done(e.code));
  });
}
function udp(host, port, ms) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (r) => { clearTimeout(t); s.close(); resolve(r); };
    const t = setTimeout(() => done('timeout'), ms);
    s.on('message', (m) => done('data:' + m.toString()));
    s.on('error', (e) => done(e.code));
    s.send('ping', port, host);
  });
}
function ownIp() { return os.networkInterfaces().eth0.find((a) => a.family === 'IPv4').address; }
exports.handler = async (e) => {
  switch (e.attack) {
    case 'connect': {
      const out = {};
      await Promise.all(e.targets.map(async (t) => {
        out[(t.proto || 'tcp') + ':' + t.host + ':' + t.port] = t.proto === 'udp' ? await udp(t.host, t.port, e.timeoutMs) : await tcp(t.host, t.port, e.timeoutMs);
      }));
      return out;
    }
    case 'listen': {
      listener ??= await new Promise((r) => { const s = net.createServer((c) => c.end('ee-listener')); s.listen(8080, '0.0.0.0', () => r(s)); });
      return { ip: ownIp(), self: await tcp(ownIp(), 8080, 1000) };
    }
    case 'runtimeApi': {
      const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
      return { ip: ownIp(), api: await tcp(host, Number(port), 1000), host, port: Number(port) };
    }
    case 'http': {
      const out = {};
      await Promise.all(e.urls.map((u) => new Promise((resolve) => {
        const req = require('http').get(u, { timeout: e.timeoutMs }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => { out[u] = { status: res.statusCode, requestId: res.headers['x-amzn-requestid'] ?? null, body: body.slice(0, 300) }; resolve(); });
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (err) => { out[u] = { error: err.code || err.message }; resolve(); });
      })));
      return { out, endpoint: process.env.AWS_ENDPOINT_URL ?? null };
    }
    case 'daemon': {
      const c = cp.spawn('/bin/sh', ['-c', 'trap "" HUP TERM; exec sleep ' + e.seconds], { detached: true, stdio: 'ignore' });
      c.unref();
      return { pid: c.pid };
    }
    case 'ping': return { token };
    default: throw new Error('unknown attack ' + e.attack);
  }
};`;

/** Function B of the tenancy case: its secret is in its code, its environment and its /tmp. */
const secretFunction = (secret: string) => `
const fs = require('fs');
const inCode = '${secret}';
exports.handler = async () => { fs.writeFileSync('/tmp/secret-b', process.env.SECRET_B + inCode); return 'stored'; };`;

async function deploy(c: LambdaClient, name: string, runtime: string, handler: string, files: Record<string, string>, extra: Record<string, unknown> = {}): Promise<void> {
  await c.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as never, Role: role, Handler: handler, Code: { ZipFile: await makeZip(files) }, ...extra }));
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

async function invokeRaw(c: LambdaClient, name: string, payload: unknown): Promise<{ error?: string; body: any }> {
  const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: encode(payload) }));
  const text = decode(r.Payload);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { error: r.FunctionError, body };
}

async function attack(c: LambdaClient, name: string, payload: Record<string, unknown>): Promise<any> {
  const r = await invokeRaw(c, name, payload);
  assert.equal(r.error, undefined, `${name} ${JSON.stringify(payload)} failed: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Every IPv4 address of this host (loopback, uplink, every bridge and veth). */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4')
    .map((a) => a!.address);
}

function connectFromHost(host: string, port: number, ms = 700): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (r: string): void => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done('timeout'), ms);
    s.on('connect', () => done('connected'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
  });
}

function connectFromRemote(host: string, port: number): string {
  const script = `const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port} });
    const t = setTimeout(() => { console.log('timeout'); process.exit(0); }, 700);
    s.on('connect', () => { console.log('connected'); process.exit(0); });
    s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
  return execFileSync(tool('ip'), ['netns', 'exec', nsName, process.execPath, '-e', script], { encoding: 'utf8' }).trim();
}

function hostProcessesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker)) pids.push(Number(p));
    } catch {
      /* exited */
    }
  }
  return pids;
}

const notOk = (v: unknown): boolean => v !== 'ok' && v !== 'READ';

describe('escape attempts from inside an EE (real server, AWS SDK)', { skip }, () => {
  let s: RunningServer;
  let c: LambdaClient;
  let remoteProc: ChildProcess | undefined;
  const attacksPy = skip ? '' : fs.readFileSync(path.join(projectRoot, 'test', 'security', 'fixtures', 'attacks.py'), 'utf8');
  const secret = `kumo-secret-${randomBytes(12).toString('hex')}`;

  before(async () => {
    tearDownRemote(undefined); // a crashed earlier run with our pid
    remoteProc = setUpRemote();
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('remote test server did not start')), 10_000);
      remoteProc!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(t), resolve()));
    });
    s = await startServer({
      env: { KUMO_HOST: '0.0.0.0', KUMO_EGRESS_ALLOW: `${net29}/29`, KUMO_EGRESS_DENY: `${remoteDenied}/32` },
    });
    c = s.client;
    const py = { 'attacks.py': attacksPy };
    await Promise.all([
      deploy(c, 'attacker', 'python3.11', 'attacks.handler', py, { MemorySize: 1024, Timeout: 60 }),
      deploy(c, 'membomb', 'python3.11', 'attacks.handler', py, { MemorySize: 128, Timeout: 30 }),
      deploy(c, 'netfn', 'nodejs20.x', 'index.handler', { 'index.js': netFunction }, { MemorySize: 512, Timeout: 30 }),
      deploy(c, 'listener', 'nodejs20.x', 'index.handler', { 'index.js': netFunction }, { MemorySize: 256, Timeout: 30 }),
      deploy(c, 'daemon', 'nodejs20.x', 'index.handler', { 'index.js': netFunction }, { Timeout: 30 }),
      deploy(c, 'secret-b', 'nodejs20.x', 'index.handler', { 'index.js': secretFunction(secret) }, { Environment: { Variables: { SECRET_B: secret } } }),
    ]);
  });

  after(async () => {
    const code = await s?.stop();
    tearDownRemote(remoteProc);
    if (s) fs.rmSync(s.dataDir, { recursive: true, force: true });
    assert.equal(code, 0, 'server did not stop cleanly');
  });

  it('system calls: ptrace, process_vm_*, mount family, namespaces, kernel-level calls are denied', async () => {
    const r = await attack(c, 'attacker', { attack: 'syscalls' });
    const denied = [
      'ptrace_attach', 'ptrace_seize', 'process_vm_readv', 'process_vm_writev', 'mount_tmpfs', 'mount_proc', 'umount2_proc',
      'pivot_root', 'chroot', 'unshare_user', 'unshare_net', 'unshare_ns', 'setns', 'clone_newuser', 'clone_newpid', 'bpf',
      'perf_event_open', 'keyctl', 'add_key', 'request_key', 'userfaultfd', 'open_by_handle_at', 'init_module', 'finit_module',
      'kexec_file_load', 'delete_module', 'kexec_load', 'reboot', 'io_uring_setup', 'personality_no_aslr',
    ];
    for (const k of denied) assert.equal(r[k], 'EPERM', `${k}: ${r[k]}`);
    assert.equal(r.clone3, 'ENOSYS', 'clone3 must fail with ENOSYS so libc falls back to clone');
    if (r.x32_unshare !== undefined) assert.notEqual(r.x32_unshare, 'ok', 'x32 system call got through');
    assert.ok(notOk(r.proc_mem_read), `/proc/<pid>/mem of a sibling: ${r.proc_mem_read}`);
    // Controls: ordinary process calls still work.
    assert.equal(r.fork_works, 'ok');
    assert.equal(r.pidfd_kill_sibling_works, 'ok');
    assert.equal(r.personality_query, 'ok');
  });

  it('sockets: raw and packet sockets, non-route netlink, and route changes fail; TCP/UDP/Unix work', async () => {
    const r = await attack(c, 'attacker', { attack: 'sockets' });
    for (const k of ['raw_icmp', 'raw_tcp', 'raw6', 'packet', 'packet_dgram', 'netlink_audit', 'netlink_uevent', 'alg', 'vsock']) {
      assert.equal(r[k], 'EPERM', `${k}: ${r[k]}`);
    }
    assert.equal(r.netlink_route_add, 'EPERM', `RTM_NEWROUTE: ${r.netlink_route_add}`);
    for (const k of ['tcp_works', 'udp6_works', 'unix_works', 'getaddrinfo_works']) assert.equal(r[k], 'ok', `${k}: ${r[k]}`);
  });

  it('file system and privileges: /proc/sys, sysrq, cgroup fs, /, /var/task read-only; host secrets invisible; every task seccomp-filtered', async () => {
    const hostPaths = [s.dataDir, path.join(s.dataDir, 'master.key'), ...fs.readdirSync(s.dataDir).map((f) => path.join(s.dataDir, f))];
    const r = await attack(c, 'attacker', { attack: 'filesystem', hostPaths });
    for (const k of ['proc_sys_hostname', 'proc_sys_core_pattern', 'sysrq_trigger', 'sys_kernel_write', 'root_write', 'task_write', 'runtime_write', 'usr_write', 'etc_write', 'dev_mknod', 'cgroup_mkdir', 'proc_kcore']) {
      assert.ok(notOk(r[k]), `${k} succeeded`);
    }
    for (const [p, v] of Object.entries(r.cgroup_writes)) assert.ok(notOk(v), `cgroup write ${p} succeeded`);
    assert.equal(r.tmp_write_works, 'ok');
    assert.ok(Object.keys(r.host_reads).length >= 4);
    for (const [p, v] of Object.entries(r.host_reads)) assert.ok(notOk(v) && v !== 'ok', `read ${p}: ${v}`);
    assert.deepEqual(r.proc1_root_is_own, ['attacks.py'], '/proc/1/root must be the EE’s own root');
    // A user namespace of its own: EE ids 0…1023 are unprivileged host ids, not host root (nor host uid 993).
    for (const map of usernsExpected ? [r.uid_map, r.gid_map] : []) {
      const [inside, outside, count] = (map as string[]).map(Number);
      assert.equal(inside, 0);
      assert.ok(outside >= 0x80000 && count === 1024, `id map ${map}`);
    }
    const tasks = Object.entries(r.tasks as Record<string, Record<string, string>>);
    assert.ok(tasks.length >= 2, 'expected the init shell and the runtime');
    for (const [file, t] of tasks) {
      assert.equal(t.Seccomp, '2', `${file} ${t.Name}: Seccomp ${t.Seccomp}`);
      assert.equal(t.NoNewPrivs, '1', `${file} ${t.Name}`);
      for (const cap of ['CapEff', 'CapPrm', 'CapBnd']) assert.match(t[cap], /^0+$/, `${file} ${t.Name} ${cap}`);
      assert.ok(!t.Uid.split(/\s+/).includes('0'), `${file} ${t.Name} runs as root`);
    }
  });

  it('limits: 1,025th open file fails, /tmp stops at EphemeralStorage, host disk untouched', async () => {
    const before = fs.statfsSync('/');
    const r = await attack(c, 'attacker', { attack: 'limits' });
    const afterFs = fs.statfsSync('/');
    assert.equal(r.nofile, 'EMFILE');
    assert.equal(r.nofile_highest_fd, 1023, 'RLIMIT_NOFILE is 1,024: fds 0…1023');
    assert.equal(r.tmp_fill, 'ENOSPC');
    assert.equal(r.tmp_free_mb, 512);
    assert.ok(r.tmp_written_mb <= 512 && r.tmp_written_mb >= 500, `wrote ${r.tmp_written_mb} MB`);
    const lostMb = ((before.bavail - afterFs.bavail) * before.bsize) / 2 ** 20;
    // /tmp is on the host's disk now, but a file deleted there gives its space back (discard).
    assert.ok(lostMb < 256, `host disk lost ${lostMb.toFixed(0)} MB after /tmp was filled and emptied`);
  });

  it('network: the own Runtime API and Kumo’s API port on the gateway (and on the EE’s 127.0.0.1) are reachable; every other host service, and the API on any other host address, is not', async () => {
    const addrs = hostAddresses();
    assert.ok(addrs.includes(hostSide));
    const api = await attack(c, 'netfn', { attack: 'runtimeApi' });
    assert.equal(api.api, 'connected', `own Runtime API: ${api.api}`);
    const gw: string = api.host;
    assert.ok(addrs.includes(gw), `the Runtime API's host ${gw} is a host address`);
    // A listener of this test on another host port, on every address: no EE reaches it (the control below shows it is up).
    const other = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.end('other-host-service');
    });
    await new Promise<void>((r) => other.listen(0, '0.0.0.0', r));
    const otherPort = (other.address() as net.AddressInfo).port;
    try {
      assert.equal(await connectFromHost('127.0.0.1', otherPort), 'connected', 'control: the other host service answers on the host');
      const targets = [...addrs, '127.0.0.1'].flatMap((host) => [{ host, port: s.port }, { host, port: 22 }, { host, port: otherPort }]);
      const r = await attack(c, 'netfn', { attack: 'connect', targets, timeoutMs: 800 });
      const reachable = Object.entries(r).filter(([, v]) => v === 'connected' || String(v).startsWith('data:')).map(([k]) => k).sort();
      // Exactly Kumo's API port: on the gateway address, and on the EE's own loopback (redirected to it inside the EE's netns).
      assert.deepEqual(reachable, [`tcp:127.0.0.1:${s.port}`, `tcp:${gw}:${s.port}`].sort());
    } finally {
      other.close();
    }
    // What answers there is Kumo's API (an AWS error with a request id), and AWS_ENDPOINT_URL names it.
    const h = await attack(c, 'netfn', { attack: 'http', urls: [`http://127.0.0.1:${s.port}/`, `http://localhost:${s.port}/`, `http://${gw}:${s.port}/`], timeoutMs: 2000 });
    assert.equal(h.endpoint, `http://127.0.0.1:${s.port}`);
    for (const [u, v] of Object.entries(h.out as Record<string, { status?: number; requestId?: string; error?: string }>)) {
      assert.ok(v.status !== undefined && v.status >= 400 && v.requestId, `${u}: ${JSON.stringify(v)}`);
    }
    // Another machine routing to the gateway address reaches neither the API there nor the Runtime API.
    assert.notEqual(connectFromRemote(gw, s.port), 'connected', 'other host → API on the gateway address');
    assert.notEqual(connectFromRemote(gw, api.port), 'connected', 'other host → Runtime API');
    // The server kept serving through all of it.
    assert.equal((await connectFromHost('127.0.0.1', s.port)), 'connected');
  });

  it('network: outbound TCP 80/443 and UDP reach another host; port 25, operator-denied, private and link-local addresses do not', async () => {
    const targets = [
      { host: remote, port: 80 },
      { host: remote, port: 443 },
      { host: remote, port: 5353, proto: 'udp' },
      { host: remote, port: 25 },
      { host: remoteDenied, port: 80 },
      { host: remotePrivate, port: 80 },
      { host: remoteLinkLocal, port: 80 },
    ];
    const r = await attack(c, 'netfn', { attack: 'connect', targets, timeoutMs: 1000 });
    assert.equal(r[`tcp:${remote}:80`], 'data:port:80');
    assert.equal(r[`tcp:${remote}:443`], 'data:port:443');
    assert.equal(r[`udp:${remote}:5353`], 'data:echo:ping');
    for (const k of [`tcp:${remote}:25`, `tcp:${remoteDenied}:80`, `tcp:${remotePrivate}:80`, `tcp:${remoteLinkLocal}:80`]) {
      assert.ok(!String(r[k]).startsWith('data:') && r[k] !== 'connected', `${k}: ${r[k]}`);
    }
    // Controls: the other host does serve on those addresses and ports (only the EE's egress is filtered).
    assert.equal(await connectFromHost(remote, 25), 'connected');
    assert.equal(await connectFromHost(remoteDenied, 80), 'connected');
  });

  it('network: a listener inside an EE is unreachable from the host, from another host and from another EE', async () => {
    const l = await attack(c, 'listener', { attack: 'listen' });
    assert.equal(l.self, 'data:ee-listener', 'control: the listener answers inside its own EE');
    assert.notEqual(await connectFromHost(l.ip, 8080), 'connected', 'host → EE');
    assert.notEqual(connectFromRemote(l.ip, 8080), 'connected', 'other host → EE');
    const r = await attack(c, 'netfn', { attack: 'connect', targets: [{ host: l.ip, port: 8080 }], timeoutMs: 800 });
    const v = r[`tcp:${l.ip}:8080`];
    assert.ok(v !== 'connected' && !String(v).startsWith('data:'), `EE → EE: ${v}`);
  });

  it('fork bomb: stopped at the pids limit, other functions keep their latency', async () => {
    await attack(c, 'netfn', { attack: 'ping' }); // warm
    const bomb = attack(c, 'attacker', { attack: 'forkbomb', holdSeconds: 4 });
    await sleep(1500);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await attack(c, 'netfn', { attack: 'ping' });
      latencies.push(performance.now() - t0);
    }
    const r = await bomb;
    assert.match(r.threads, /can't start new thread/);
    assert.ok(r.started > 900 && r.started < 1024, `started ${r.started} tasks (limit 1,024 incl. the runtime's)`);
    assert.equal(r.fork, 'EAGAIN');
    assert.equal(r.spawn, 'EAGAIN');
    const worst = Math.max(...latencies);
    assert.ok(worst < 1000, `warm invokes of another function took up to ${worst.toFixed(0)} ms during the bomb`);
  });

  it('CPU: a busy EE gets its memory-proportional share, other functions keep their latency', async () => {
    await attack(c, 'netfn', { attack: 'ping' }); // warm
    const busy = attack(c, 'attacker', { attack: 'spin', seconds: 3, workers: 4 });
    await sleep(1000);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await attack(c, 'netfn', { attack: 'ping' });
      latencies.push(performance.now() - t0);
    }
    const r = await busy;
    // 1,024 MB = 0.58 vCPU, whatever the number of busy processes (a period may straddle the ends).
    const share = Math.min(1024 / 1769, os.availableParallelism());
    assert.ok(r.cpu_per_wall <= share * 1.2 && r.cpu_per_wall > share * 0.3, `got ${r.cpu_per_wall} CPU-s per s (share ${share.toFixed(2)})`);
    const worst = Math.max(...latencies);
    assert.ok(worst < 1000, `warm invokes of another function took up to ${worst.toFixed(0)} ms while it spun`);
  });

  it('memory bomb: killed with Runtime.ExitError, the next invoke gets a fresh EE (five times)', async () => {
    let prev = (await attack(c, 'membomb', { attack: 'whoami' })).token;
    for (let i = 0; i < 5; i++) {
      const r = await invokeRaw(c, 'membomb', { attack: 'membomb' });
      assert.equal(r.error, 'Unhandled');
      assert.equal(r.body.errorType, 'Runtime.ExitError');
      assert.match(r.body.errorMessage, /signal: killed/);
      const next = (await attack(c, 'membomb', { attack: 'whoami' })).token;
      assert.notEqual(next, prev, 'the OOM-killed EE was reused');
      prev = next;
    }
  });

  it('tenancy: function A cannot find function B’s code, environment or /tmp', async () => {
    assert.equal(await attack(c, 'secret-b', {}), 'stored');
    const r = await attack(c, 'attacker', { attack: 'search', needle: secret });
    assert.ok(r.scanned > 20, `searched only ${r.scanned} files`);
    assert.deepEqual(r.found, []);
    assert.equal(r.env, false);
  });

  it('a daemonised child is killed when its EE is torn down', async () => {
    const seconds = `${86_000 + Math.floor(Math.random() * 400)}.${process.pid}`;
    const r = await attack(c, 'daemon', { attack: 'daemon', seconds });
    assert.ok(r.pid > 0);
    await sleep(200);
    const daemons = hostProcessesWith(seconds);
    assert.ok(daemons.length > 0, 'control: the daemon runs');
    // Seen from the host, the EE's user (993 inside) is an unprivileged id of the EE's own user namespace.
    for (const pid of usernsExpected ? daemons : []) {
      const hostUid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      assert.ok(hostUid >= 0x60000000, `daemon runs as host uid ${hostUid}`);
    }
    await c.send(new DeleteFunctionCommand({ FunctionName: 'daemon' })); // drains the function's EEs
    const deadline = Date.now() + 10_000;
    while (hostProcessesWith(seconds).length > 0 && Date.now() < deadline) await sleep(100);
    assert.deepEqual(hostProcessesWith(seconds), [], 'the daemon outlived its EE');
  });
});
