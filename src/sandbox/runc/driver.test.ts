import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { Sandbox, SandboxExit, SandboxSpec } from '../driver';
import { RuncDriver, type RuncSandbox } from './driver';
import { detectCgroups, SandboxCgroup } from './cgroups';
import { cpuQuota, initCpuQuota } from './bundle';
import { lockDir, scratchBlockBytes, scratchSlackBlocks } from './limits';
import { loopDevicesBackedBy, mountsAtOrBelow } from './scratch';
import { missingTools, tool } from '../../../test/tools';

/**
 * The runc driver against the real runc, kernel and iptables (no mocks).
 * Needs root and runc; skipped with the reason otherwise. Network traffic
 * stays between the host and namespaces these tests create.
 */

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (runc, network namespaces, cgroups)';
  // A missing program is a failure naming it (make deps installs them), not a skip.
  const missing = missingTools(['runc', 'ip', 'iptables-save']);
  if (missing.length) throw new Error(missing.join('; '));
  return undefined;
}

const skip = skipReason();
const tmpRoot = skip ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-runc-test-'));
const node = '/usr/bin/node';

interface Started {
  sandbox: Sandbox;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<SandboxExit>;
  exitCalls: () => number;
  networkMs: number;
  sandboxMs: number;
}

let seq = 0;
function dirs(): { codeDir: string; runtimeDir: string; optDir: string } {
  const base = fs.mkdtempSync(path.join(tmpRoot, 'ee-'));
  const d = { codeDir: path.join(base, 'task'), runtimeDir: path.join(base, 'runtime'), optDir: path.join(base, 'opt') };
  for (const p of Object.values(d)) fs.mkdirSync(p, { mode: 0o755 });
  fs.chmodSync(base, 0o755);
  fs.writeFileSync(path.join(d.codeDir, 'handler.txt'), 'code\n', { mode: 0o644 });
  fs.writeFileSync(path.join(d.runtimeDir, 'marker'), 'runtime\n', { mode: 0o644 });
  fs.writeFileSync(path.join(d.optDir, 'marker'), 'layer\n', { mode: 0o644 });
  return d;
}

async function start(driver: RuncDriver, spec: Partial<SandboxSpec> & Pick<SandboxSpec, 'args'>): Promise<Started> {
  let out = '';
  let err = '';
  let calls = 0;
  let resolveExit!: (e: SandboxExit) => void;
  const exit = new Promise<SandboxExit>((r) => (resolveExit = r));
  const { sandbox, timings } = await driver.create({
    id: `t${process.pid}-${++seq}`,
    ...dirs(),
    memoryMb: 128,
    ephemeralStorageMb: 16,
    pidsMax: 64,
    openFilesMax: 1024,
    env: { PATH: '/usr/bin:/bin' },
    cwd: '/var/task',
    onOutput: (stream, chunk) => {
      if (stream === 'stdout') out += chunk.toString();
      else err += chunk.toString();
    },
    onExit: (e) => {
      calls++;
      resolveExit(e);
    },
    ...spec,
  });
  return { sandbox, stdout: () => out, stderr: () => err, exit, exitCalls: () => calls, ...timings };
}

/** A stand-in for the Runtime API: records the source address of every request. */
async function runtimeApiStub(host: string): Promise<{ server: http.Server; port: number; sources: string[] }> {
  const sources: string[] = [];
  const server = http.createServer((req, res) => {
    sources.push(req.socket.remoteAddress ?? '');
    res.end(JSON.stringify({ seenFrom: req.socket.remoteAddress }));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as AddressInfo).port, sources };
}

function runcList(driver: RuncDriver): string[] {
  return execFileSync(tool('runc'), ['--root', driver.stateDir, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function cgroupDirsOf(relPath: string): string[] {
  const found: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const p = path.join('/sys/fs/cgroup', h, relPath);
    if (fs.existsSync(p)) found.push(p);
  }
  if (fs.existsSync(path.join('/sys/fs/cgroup', relPath))) found.push(path.join('/sys/fs/cgroup', relPath));
  return found;
}

function assertGone(driver: RuncDriver, sandbox: Sandbox, netns: string | undefined, veth: string | undefined): void {
  assert.ok(!runcList(driver).includes(driver.containerId(sandbox.id)), 'container still listed by runc');
  assert.ok(netns && !fs.existsSync(`/run/netns/${netns}`), `netns ${netns} still exists`);
  assert.ok(veth && !fs.existsSync(`/sys/class/net/${veth}`), `veth ${veth} still exists`);
  assert.deepEqual(cgroupDirsOf(driver.cgroupPath(sandbox.id)), [], 'cgroup directories left');
}

describe('RuncDriver', { skip }, () => {
  let driver: RuncDriver;
  let api: Awaited<ReturnType<typeof runtimeApiStub>>;

  before(async () => {
    driver = new RuncDriver({ dataDir: path.join(tmpRoot, 'data-a') });
    await driver.init();
    api = await runtimeApiStub(driver.runtimeApiListenHost());
    driver.setRuntimeApiPort(api.port);
  });

  after(async () => {
    await driver?.shutdown();
    api?.server.close();
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  });

  test('runs spec.args with exactly spec.env, as 993:990 in cwd, and reports output and exit status', async () => {
    const env = { PATH: '/usr/bin:/bin', SPACED: 'a b  c', QUOTED: `it's "q" $HOME`, MULTI: 'line1\nline2' };
    const script = `
      process.stdout.write(JSON.stringify({ env: process.env, uid: process.getuid(), gid: process.getgid(),
        groups: process.getgroups(), cwd: process.cwd(), user: require('os').userInfo().username }));
      process.stderr.write('to-stderr');
      process.exit(7);`;
    const ee = await start(driver, { env, args: [node, '-e', script] });
    const exit = await ee.exit;
    assert.deepEqual(exit, { exitCode: 7, signal: null, oomKilled: false });
    const seen = JSON.parse(ee.stdout());
    assert.deepEqual(seen.env, env);
    assert.equal(seen.uid, 993);
    assert.equal(seen.gid, 990);
    assert.deepEqual(seen.groups, [990]);
    assert.equal(seen.cwd, '/var/task');
    assert.equal(seen.user, 'sbx_user1051');
    assert.equal(ee.stderr(), 'to-stderr');
    assert.ok(ee.sandboxMs > 0 && ee.networkMs >= 0);
    await ee.sandbox.destroy();
    assert.equal(ee.exitCalls(), 1);
  });

  test('reports death by signal', async () => {
    const ee = await start(driver, { args: ['/bin/sh', '-c', 'kill -TERM $$'] });
    assert.deepEqual(await ee.exit, { exitCode: null, signal: 'SIGTERM', oomKilled: false });
  });

  test('reaches the Runtime API from its own address, and nothing else on the host', async () => {
    const other = net.createServer((s) => s.end('other'));
    await new Promise<void>((r) => other.listen(0, driver.runtimeApiListenHost(), r));
    const otherPort = (other.address() as AddressInfo).port;
    try {
      const script = `
        const http = require('http'), net = require('net'), fs = require('fs');
        const v6 = fs.readFileSync('/proc/net/if_inet6', 'utf8').trim().split('\\n').map((l) => l.trim().split(/\\s+/).pop());
        console.log(v6.every((dev) => dev === 'lo') ? 'ipv6:lo-only' : 'ipv6:' + v6.join(','));
        http.get('http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/invocation/next', (res) => {
          let body = ''; res.on('data', (c) => body += c); res.on('end', () => {
            console.log('api:' + body);
            const s = net.connect({ host: process.env.GW, port: Number(process.env.OTHER_PORT) });
            s.setTimeout(400, () => { console.log('other:blocked'); process.exit(0); });
            s.on('data', () => { console.log('other:reachable'); process.exit(0); });
            s.on('error', (e) => { console.log('other:' + e.code); process.exit(0); });
          });
        }).on('error', (e) => { console.log('api-error:' + e.message); process.exit(1); });`;
      const ee = await start(driver, {
        env: { AWS_LAMBDA_RUNTIME_API: driver.runtimeApiAddress(), GW: driver.runtimeApiListenHost(), OTHER_PORT: String(otherPort) },
        args: [node, '-e', script],
      });
      assert.equal((await ee.exit).exitCode, 0, ee.stdout() + ee.stderr());
      assert.match(ee.stdout(), new RegExp(`api:\\{"seenFrom":"${ee.sandbox.ip.replace(/\./g, '\\.')}"\\}`));
      assert.ok(api.sources.includes(ee.sandbox.ip));
      assert.match(ee.stdout(), /other:blocked/);
      assert.match(ee.stdout(), /ipv6:lo-only/);
      // No IPv6 on the bridge either (the IPv4 filter would not cover it).
      const inet6 = fs.readFileSync('/proc/net/if_inet6', 'utf8');
      assert.ok(!inet6.includes(`kb${driver.tag}`), 'the bridge has an IPv6 address');
    } finally {
      other.close();
    }
  });

  test('file system: read-only root and code, capped writable /tmp, no host secrets, no privileges', async () => {
    const script = [
      'touch /newfile 2>/dev/null && echo root:rw || echo root:ro',
      'touch /var/task/newfile 2>/dev/null && echo task:rw || echo task:ro',
      'touch /usr/newfile 2>/dev/null && echo usr:rw || echo usr:ro',
      'cat /var/task/handler.txt /var/runtime/marker /opt/marker',
      'echo hi > /tmp/a && echo tmp:rw',
      'dd if=/dev/zero of=/tmp/big bs=1M count=24 2>/dev/null && echo tmp:uncapped || echo tmp:capped',
      'test -e /etc/shadow && echo shadow:present || echo shadow:absent',
      'test -e /root && echo rootdir:present || echo rootdir:absent',
      'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status',
      'getent hosts localhost >/dev/null && echo hosts:ok',
    ].join('\n');
    const ee = await start(driver, { memoryMb: 256, ephemeralStorageMb: 8, args: ['/bin/sh', '-c', script] });
    assert.equal((await ee.exit).exitCode, 0, ee.stderr());
    const out = ee.stdout();
    for (const want of ['root:ro', 'task:ro', 'usr:ro', 'code\nruntime\nlayer\n', 'tmp:rw', 'tmp:capped', 'shadow:absent', 'rootdir:absent', 'hosts:ok']) {
      assert.ok(out.includes(want), `missing "${want}" in:\n${out}`);
    }
    assert.match(out, /CapEff:\s+0{16}/);
    assert.match(out, /CapBnd:\s+0{16}/);
    assert.match(out, /NoNewPrivs:\s+1/);
  });

  test('/tmp is a disk of its own: ext4, owned by EE root, EphemeralStorage for file data, not charged to memory, empty for the next EE', async () => {
    assert.equal(driver.scratchDisks, true, 'this host has loop devices: /tmp must be a disk');
    const script = [
      'grep " /tmp " /proc/self/mountinfo',
      'stat -c "owner:%u mode:%a" /tmp',
      'ls -A /tmp | wc -l | sed "s/^/entries:/"',
      // 96 MB of file data at 64 MB of memory: a tmpfs would be OOM-killed at ~64 MB.
      'dd if=/dev/zero of=/tmp/big bs=1M count=96 conv=fsync 2>/dev/null && echo fill:ok',
      'dd if=/dev/zero of=/tmp/more bs=1M count=2 2>&1 | grep -q "No space left" && echo past:ENOSPC',
      'echo secret > /tmp/mine',
    ].join('\n');
    const ee = await start(driver, { memoryMb: 64, ephemeralStorageMb: 96, args: ['/bin/sh', '-c', script] });
    const exit = await ee.exit;
    assert.deepEqual(exit, { exitCode: 0, signal: null, oomKilled: false }, ee.stderr());
    const out = ee.stdout();
    assert.match(out, / \/tmp rw,nosuid,nodev,[^ ]* - ext4 \/dev\/loop\d+ /);
    assert.match(out, /owner:0 mode:1777/);
    for (const want of ['entries:0', 'fill:ok', 'past:ENOSPC']) assert.ok(out.includes(want), `missing "${want}" in:\n${out}`);
    assert.ok(scratchSlackBlocks * scratchBlockBytes < 2 * 1024 * 1024, 'the slack is below the 2 MB written past the cap');
    const next = await start(driver, { memoryMb: 64, ephemeralStorageMb: 96, args: ['/bin/sh', '-c', 'ls -A /tmp | wc -l'] });
    await next.exit;
    assert.equal(next.stdout().trim(), '0', 'the next EE sees the first one’s files');
  });

  test('memory limit: the OOM kill is reported, peak memory is near the limit', async () => {
    const script = 'const keep = []; for (;;) keep.push(Buffer.alloc(8 * 1024 * 1024, 1));';
    const ee = await start(driver, { memoryMb: 128, args: [node, '-e', script] });
    const exit = await ee.exit;
    assert.deepEqual(exit, { exitCode: null, signal: 'SIGKILL', oomKilled: true });
    assert.ok(ee.sandbox.memoryPeakBytes() > 100 * 1024 * 1024, `peak ${ee.sandbox.memoryPeakBytes()}`);
    assert.ok(ee.sandbox.memoryPeakBytes() <= 128 * 1024 * 1024);
  });

  test('freeze stops a busy loop, thaw resumes it, destroy works while frozen', async () => {
    const ee = await start(driver, { memoryMb: 1769, args: ['/bin/sh', '-c', 'while :; do :; done'] }); // one vCPU after the first freeze
    const cg = new SandboxCgroup(detectCgroups(), driver.cgroupPath(ee.sandbox.id));
    const cpu = (): number => cg.cpuUsageMicros() ?? 0;
    await sleep(150);
    await ee.sandbox.freeze();
    const frozenAt = cpu();
    await sleep(300);
    assert.ok(cpu() - frozenAt < 5_000, `ran ${cpu() - frozenAt} µs while frozen`);
    await ee.sandbox.thaw();
    const thawedAt = cpu();
    await sleep(300);
    assert.ok(cpu() - thawedAt > 100_000, `ran only ${cpu() - thawedAt} µs after thaw`);
    await ee.sandbox.freeze();
    const r = ee.sandbox as RuncSandbox;
    const [netns, veth] = [r.netnsName, r.hostVethName];
    await ee.sandbox.destroy();
    assert.deepEqual(await ee.exit, { exitCode: null, signal: 'SIGKILL', oomKilled: false });
    assertGone(driver, ee.sandbox, netns, veth);
  });

  test('CPU: at least one vCPU during init, the memory-proportional share after endInit() or the first freeze', async () => {
    const ee = await start(driver, { memoryMb: 128, args: ['/bin/sh', '-c', 'while :; do :; done'] });
    const cg = new SandboxCgroup(detectCgroups(), driver.cgroupPath(ee.sandbox.id));
    assert.deepEqual(cg.cpuQuota(), initCpuQuota(128));
    ee.sandbox.endInit!();
    assert.deepEqual(cg.cpuQuota(), cpuQuota(128));
    const at = cg.cpuUsageMicros() ?? 0;
    await sleep(1000);
    const used = (cg.cpuUsageMicros() ?? 0) - at;
    // 128 MB = 7.2 % of a core: ~72 ms per second (a period may straddle the window).
    assert.ok(used < 150_000, `a busy loop at 128 MB used ${used} µs of CPU in 1 s`);
    await ee.sandbox.destroy();

    const other = await start(driver, { memoryMb: 256, args: ['/bin/sh', '-c', 'sleep 100'] });
    const cg2 = new SandboxCgroup(detectCgroups(), driver.cgroupPath(other.sandbox.id));
    await other.sandbox.freeze();
    assert.deepEqual(cg2.cpuQuota(), cpuQuota(256));
    await other.sandbox.destroy();
  });

  test('cgroup v2 freeze, thaw and kill (exercised on the hybrid host’s cgroup2 tree)', async (t) => {
    const unified = '/sys/fs/cgroup/unified';
    if (detectCgroups().version !== 1 || !fs.existsSync(path.join(unified, 'cgroup.controllers'))) {
      t.skip('needs a hybrid cgroup host (on pure v2 the tests above already use these paths)');
      return;
    }
    const ee = await start(driver, { memoryMb: 1769, args: ['/bin/sh', '-c', 'while :; do :; done'] }); // one vCPU after the first freeze
    const v2 = new SandboxCgroup(
      { version: 2, root: unified, controllers: new Map(), hierarchies: [unified], swapAccounting: true },
      driver.cgroupPath(ee.sandbox.id),
    );
    assert.ok(v2.exists() && v2.pids().length >= 1);
    const cpu = (): number => v2.cpuUsageMicros() ?? 0;
    await sleep(100);
    await v2.freeze();
    const frozenAt = cpu();
    await sleep(250);
    assert.ok(cpu() - frozenAt < 5_000, `ran ${cpu() - frozenAt} µs while frozen`);
    v2.thaw();
    const thawedAt = cpu();
    await sleep(250);
    assert.ok(cpu() - thawedAt > 80_000, `ran only ${cpu() - thawedAt} µs after thaw`);
    await v2.freeze();
    v2.killAll(); // cgroup.kill: kills frozen tasks too
    assert.deepEqual(await ee.exit, { exitCode: null, signal: 'SIGKILL', oomKilled: false });
  });

  test('destroy leaves no container, netns, veth or cgroup, is idempotent and reports once', async () => {
    const ee = await start(driver, { args: ['/bin/sh', '-c', 'sleep 1000'] });
    const r = ee.sandbox as RuncSandbox;
    const [netns, veth] = [r.netnsName, r.hostVethName];
    assert.ok(runcList(driver).includes(driver.containerId(ee.sandbox.id)));
    assert.ok(fs.existsSync(`/run/netns/${netns}`) && fs.existsSync(`/sys/class/net/${veth}`));
    assert.notDeepEqual(cgroupDirsOf(driver.cgroupPath(ee.sandbox.id)), []);
    const t0 = performance.now();
    await Promise.all([ee.sandbox.destroy(), ee.sandbox.destroy()]);
    const destroyMs = performance.now() - t0;
    await ee.sandbox.destroy();
    assert.equal(ee.exitCalls(), 1);
    assertGone(driver, ee.sandbox, netns, veth);
    await ee.sandbox.freeze(); // no-ops once stopped
    await ee.sandbox.thaw();
    console.log(`# create: network ${ee.networkMs.toFixed(1)} ms, sandbox ${ee.sandboxMs.toFixed(1)} ms; destroy ${destroyMs.toFixed(1)} ms`);
  });

  test('a failing start rejects and leaves nothing behind', async () => {
    const netnsBefore = fs.readdirSync('/run/netns').length;
    // A cwd inside the read-only code mount cannot be created: runc itself fails.
    await assert.rejects(start(driver, { cwd: '/var/task/missing', args: ['/bin/true'] }), /runc run .* failed/);
    assert.deepEqual(runcList(driver), []);
    assert.deepEqual(fs.readdirSync(path.dirname(driver.bundleDir('x'))), []);
    assert.ok(fs.readdirSync('/run/netns').length <= netnsBefore);
    // A cwd in the shared root that does not exist is refused before runc could create it there.
    await assert.rejects(start(driver, { cwd: '/does/not/exist', args: ['/bin/true'] }), /does not exist/);
    assert.ok(!fs.existsSync(path.join(driver.rootfsPath(), 'does')));
  });

  test('two instances with different data dirs run side by side', async () => {
    const other = new RuncDriver({ dataDir: path.join(tmpRoot, 'data-b') });
    await other.init();
    const otherApi = await runtimeApiStub(other.runtimeApiListenHost());
    other.setRuntimeApiPort(otherApi.port);
    try {
      assert.notEqual(other.tag, driver.tag);
      assert.notEqual(other.runtimeApiListenHost(), driver.runtimeApiListenHost());
      const script = `require('http').get('http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/', (r) => { r.resume(); r.on('end', () => process.exit(0)); })`;
      const [a, b] = await Promise.all([
        start(driver, { env: { AWS_LAMBDA_RUNTIME_API: driver.runtimeApiAddress() }, args: [node, '-e', script] }),
        start(other, { env: { AWS_LAMBDA_RUNTIME_API: other.runtimeApiAddress() }, args: [node, '-e', script] }),
      ]);
      assert.equal((await a.exit).exitCode, 0);
      assert.equal((await b.exit).exitCode, 0);
      assert.ok(api.sources.includes(a.sandbox.ip));
      assert.ok(otherApi.sources.includes(b.sandbox.ip));
    } finally {
      await other.shutdown();
      otherApi.server.close();
    }
    // The other instance took only its own things with it.
    assert.ok(!fs.existsSync(`/sys/class/net/kb${other.tag}`));
    assert.ok(fs.existsSync(`/sys/class/net/kb${driver.tag}`));
    assert.ok(!fs.readdirSync(lockDir).some((f) => f.endsWith('.lock') && fs.readFileSync(path.join(lockDir, f), 'utf8').includes(other.tag)));
    const ee = await start(driver, { args: ['/bin/true'] });
    assert.equal((await ee.exit).exitCode, 0);
  });

  test('init() after a crash removes the crashed instance’s leftovers', async () => {
    const dataDir = path.join(tmpRoot, 'data-crash');
    const d = dirs();
    // A separate Kumo process creates an EE and is killed without cleanup.
    const program = `
      const { RuncDriver } = require(${JSON.stringify(path.join(__dirname, 'driver.js'))});
      (async () => {
        const driver = new RuncDriver({ dataDir: ${JSON.stringify(dataDir)} });
        await driver.init();
        const { sandbox } = await driver.create({ id: 'leftover', codeDir: ${JSON.stringify(d.codeDir)}, runtimeDir: ${JSON.stringify(d.runtimeDir)},
          memoryMb: 128, ephemeralStorageMb: 16, pidsMax: 16, openFilesMax: 64, env: {}, cwd: '/', args: ['/bin/sleep', '1000'],
          onOutput() {}, onExit() {} });
        console.log(JSON.stringify({ tag: driver.tag, netns: sandbox.netnsName, veth: sandbox.hostVethName }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0]);
      });
      child.on('exit', (code) => reject(new Error(`crash helper exited early (${code})`)));
    });
    const left = JSON.parse(line) as { tag: string; netns: string; veth: string };
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const revived = new RuncDriver({ dataDir });
    assert.equal(revived.tag, left.tag);
    assert.ok(runcList(revived).includes(revived.containerId('leftover')), 'the crash left a running container');
    const leftDisks = mountsAtOrBelow(path.join(fs.realpathSync(dataDir), 'sandbox', 'scratch'));
    assert.ok(leftDisks.length >= 1, 'the crash left /tmp disks mounted');
    await revived.init();
    try {
      assert.deepEqual(runcList(revived), []);
      assert.deepEqual(cgroupDirsOf(revived.cgroupPath('leftover')), []);
      // The dead instance's /tmp disks (in use and prepared) are gone; the new pool's have other names.
      for (const mp of leftDisks) assert.ok(!mountsAtOrBelow(mp).length && !fs.existsSync(`${mp}.img`), `${mp} left`);
      const ee = await start(revived, { args: ['/bin/true'] });
      assert.equal((await ee.exit).exitCode, 0);
    } finally {
      await revived.shutdown();
    }
    assert.ok(!fs.readdirSync('/run/netns').some((n) => n.startsWith(`k${left.tag}-`)));
    assert.ok(!fs.readdirSync('/sys/class/net').some((n) => n.includes(left.tag)));
    assert.ok(!execFileSync(tool('iptables-save'), { encoding: 'utf8' }).includes(left.tag));
    assert.deepEqual(cgroupDirsOf(`/kumo/${left.tag}`), []);
    const scratch = path.join(fs.realpathSync(dataDir), 'sandbox', 'scratch');
    assert.deepEqual(mountsAtOrBelow(scratch), [], 'scratch mounts left');
    assert.deepEqual(loopDevicesBackedBy(scratch), [], 'loop devices left');
    assert.equal(fs.existsSync(scratch), false);
  });
});
