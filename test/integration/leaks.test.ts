import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, projectRoot, role, startServer, testCreds, type RunningServer } from './harness';
import { alive, deploySleeper, eeFreezerStates, invokeEe, kill9WholeServer, processesOf, removeDataDir, tagOf, tracesOf } from './host-traces';

/**
 * Issue 9, item 2: EEs must not outlive their server. Every check looks at
 * the host itself (cgroup directories, /proc, `ip netns list`, `ip link`,
 * `iptables-save`, /run), never at what the server says about itself.
 */


/** Three concurrent invokes of a sleeping function: three EEs; then waits until the server has frozen all of them. */
async function warmThreeFrozen(s: RunningServer, name: string): Promise<string[]> {
  await deploySleeper(s.client, name);
  const ees = await Promise.all([1, 2, 3].map(() => invokeEe(s.client, name, 1500)));
  assert.equal(new Set(ees).size, 3, 'three concurrent invokes should run in three EEs');
  const tag = tagOf(s.dataDir);
  const deadline = Date.now() + 5000;
  for (;;) {
    const states = [...eeFreezerStates(tag).values()];
    if (states.length === 3 && states.every((st) => st === 'FROZEN')) break;
    if (Date.now() > deadline) assert.fail(`EEs did not freeze: ${JSON.stringify([...eeFreezerStates(tag)])}`);
    await sleep(20);
  }
  return ees;
}

/** Holds an idle keep-alive connection to the server (a request answered, the socket kept open). */
async function holdKeepAlive(endpoint: string): Promise<http.Agent> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await new Promise<void>((resolve, reject) => {
    http
      .get(`${endpoint}/2015-03-31/functions/`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
  assert.equal(Object.values(agent.freeSockets).flat().length, 1, 'the keep-alive socket should stay open');
  return agent;
}

/** A client that sent half a request and went quiet (not idle for the HTTP server). */
async function holdHalfRequest(port: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  sock.on('error', () => {});
  sock.write('GET /2015-03-31/functions/ HTTP/1.1\r\nHost: x\r\n');
  return sock;
}

/**
 * These tests compare the processes, freezer states and traces of each
 * instance on the host before and after: a pre-initialised EE (started by
 * demand in the background, never frozen) would be an extra one. Stop and
 * kill -9 with the pool on are checked the same way in prewarm.test.ts (and
 * here by the crash test of two servers starting at once, which keeps it on).
 */
const noPool = { env: { KUMO_PREWARM: '0' } };

/** The instance's traces (processes aside) once they have not changed for `quietMs` (at most `waitMs`). */
async function settledTraces(tag: string, quietMs = 1_500, waitMs = 20_000): Promise<string[]> {
  const read = () => tracesOf(tag).filter((t) => !t.startsWith('process')).sort();
  let last = read();
  let since = Date.now();
  const start = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > waitMs) throw new Error(`traces of ${tag} did not settle within ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
    const now = read();
    if (JSON.stringify(now) !== JSON.stringify(last)) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

describe('EEs do not outlive their server (issue 9)', () => {
  it('a server started on another data dir removes every trace of a kill -9’d server, frozen EEs included', async () => {
    const a = await startServer(noPool);
    const tagA = tagOf(a.dataDir);
    let b: RunningServer | undefined;
    try {
      await warmThreeFrozen(a, 'sleeper');
      const pids = processesOf(tagA);
      assert.ok(pids.length >= 3, `expected the EEs' processes, found ${pids}`);
      await kill9WholeServer(a);
      // The defect's precondition: the frozen EEs outlive the killed server.
      assert.ok(pids.every(alive), 'frozen EEs should still be there right after kill -9');
      assert.ok(tracesOf(tagA).length > 0);

      b = await startServer(noPool);
      assert.notEqual(tagOf(b.dataDir), tagA);
      // By the time B listens, A is gone from the host.
      assert.deepEqual(tracesOf(tagA), []);
      assert.deepEqual(pids.filter(alive), [], 'processes of the dead server survived');
      await deploySleeper(b.client, 'b-fn');
      await invokeEe(b.client, 'b-fn', 0);
      assert.equal(await b.stop(), 0);
      assert.deepEqual(tracesOf(tagOf(b.dataDir)), []);
    } finally {
      await a.kill9().catch(() => undefined);
      await b?.kill9().catch(() => undefined);
      await removeDataDir(a.dataDir);
      if (b) await removeDataDir(b.dataDir);
    }
  });

  it('starting and stopping (or killing) other servers does not disturb a live server’s EEs', async () => {
    const c = await startServer(noPool);
    const tagC = tagOf(c.dataDir);
    const others: RunningServer[] = [];
    try {
      await deploySleeper(c.client, 'keep');
      const ee = await invokeEe(c.client, 'keep', 0);
      // C's own background work first comes to rest: its pool of /tmp disks refills one disk at a time after the cold start took one.
      const tracesBefore = await settledTraces(tagC);
      const pidsBefore = processesOf(tagC).sort();

      // B starts, runs an EE and stops cleanly; D starts and is killed; E starts (cleaning D) and stops.
      const b = await startServer(noPool);
      others.push(b);
      await deploySleeper(b.client, 'b-fn');
      await invokeEe(b.client, 'b-fn', 0);
      assert.equal(await b.stop(), 0);
      const d = await startServer(noPool);
      others.push(d);
      await deploySleeper(d.client, 'd-fn');
      await invokeEe(d.client, 'd-fn', 0);
      await d.kill9();
      const e = await startServer(noPool);
      others.push(e);
      assert.deepEqual(tracesOf(tagOf(d.dataDir)), [], 'the killed server D was not cleaned up');
      assert.equal(await e.stop(), 0);

      // C's EE is the same process, answers warm, and C's plumbing is untouched.
      assert.deepEqual(processesOf(tagC).sort(), pidsBefore);
      assert.deepEqual(tracesOf(tagC).filter((t) => !t.startsWith('process')).sort(), tracesBefore);
      assert.equal(await invokeEe(c.client, 'keep', 0), ee);
      assert.equal(await c.stop(), 0);
      assert.deepEqual(tracesOf(tagC), []);
    } finally {
      await c.kill9().catch(() => undefined);
      for (const o of others) {
        await o.kill9().catch(() => undefined);
        await removeDataDir(o.dataDir);
      }
      await removeDataDir(c.dataDir);
    }
  });

  it('two servers starting at once after a crash both start, and the crashed one is gone', async () => {
    const a = await startServer();
    const tagA = tagOf(a.dataDir);
    const started: RunningServer[] = [];
    try {
      await deploySleeper(a.client, 'a-fn');
      await invokeEe(a.client, 'a-fn', 0);
      const pids = processesOf(tagA);
      await a.kill9();
      const [b, c] = await Promise.all([startServer(), startServer()]);
      started.push(b, c);
      assert.deepEqual(tracesOf(tagA), []);
      assert.deepEqual(pids.filter(alive), []);
      for (const s of [b, c]) {
        await deploySleeper(s.client, 'fn');
        const ee = await invokeEe(s.client, 'fn', 0);
        assert.equal(await invokeEe(s.client, 'fn', 0), ee, 'warm invokes reuse the EE');
      }
      for (const s of [b, c]) {
        assert.equal(await s.stop(), 0);
        assert.deepEqual(tracesOf(tagOf(s.dataDir)), []);
      }
    } finally {
      await a.kill9().catch(() => undefined);
      await removeDataDir(a.dataDir);
      for (const s of started) {
        await s.kill9().catch(() => undefined);
        await removeDataDir(s.dataDir);
      }
    }
  });

  it('a second server on the same data dir is refused and leaves the first one’s EEs alone', async () => {
    const s = await startServer(noPool);
    try {
      await deploySleeper(s.client, 'one');
      const ee = await invokeEe(s.client, 'one', 0);
      const pids = processesOf(tagOf(s.dataDir)).sort();
      await assert.rejects(startServer({ dataDir: s.dataDir, ...noPool }), /already used by a running Kumo server \(pid \d+\)/);
      assert.deepEqual(processesOf(tagOf(s.dataDir)).sort(), pids);
      assert.equal(await invokeEe(s.client, 'one', 0), ee);
    } finally {
      await s.stop();
      await removeDataDir(s.dataDir);
    }
  });

  it('SIGTERM with frozen EEs and clients holding connections exits within 5 s and leaves nothing', async () => {
    const s = await startServer(noPool);
    const tag = tagOf(s.dataDir);
    const agent = await holdKeepAlive(s.endpoint);
    const half = await holdHalfRequest(s.port);
    try {
      await warmThreeFrozen(s, 'frozen');
      const pids = processesOf(tag);
      // And two invocations still running when the signal comes, a synchronous and a queued (Event) one.
      const running = invokeEe(s.client, 'frozen', 20_000).then(
        () => 'answered',
        () => 'failed',
      );
      const queued = await s.client.send(new InvokeCommand({ FunctionName: 'frozen', InvocationType: 'Event', Payload: encode({ ms: 20_000 }) }));
      assert.equal(queued.StatusCode, 202);
      const deadline = Date.now() + 5000;
      while ([...eeFreezerStates(tag).values()].filter((st) => st === 'THAWED').length < 2) {
        if (Date.now() > deadline) assert.fail('the two invocations did not start');
        await sleep(20);
      }
      const t0 = Date.now();
      const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
      s.proc.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(5000).then(() => 'timeout' as const)]);
      assert.notEqual(code, 'timeout', `SIGTERM: still running after 5 s\n${s.output()}`);
      assert.equal(code, 0);
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(await running, 'failed');
      assert.deepEqual(tracesOf(tag), []);
      assert.deepEqual(pids.filter(alive), []);
    } finally {
      agent.destroy();
      half.destroy();
      await s.kill9().catch(() => undefined);
      await removeDataDir(s.dataDir);
    }
  });

  it('SIGTERM while the server is still starting stops it cleanly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-it-'));
    const tag = tagOf(dataDir);
    const proc = spawn(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli', 'main.js'), 'server', '--port', '0', '--data-dir', dataDir], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KUMO_ACCESS_KEY_ID: testCreds.accessKeyId, KUMO_SECRET_ACCESS_KEY: testCreds.secretAccessKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    try {
      // The driver is past its clean-up and building the sandbox plumbing: runc's state dir exists, the API does not listen yet.
      const marker = `/run/kumo-sandboxes/${tag}/runc-state`;
      const deadline = Date.now() + 20_000;
      while (!fs.existsSync(marker)) {
        if (Date.now() > deadline) assert.fail(`the server never got to ${marker}:\n${out}`);
        await sleep(2);
      }
      assert.doesNotMatch(out, /listening on/);
      proc.kill('SIGTERM');
      const end = await Promise.race([exited, sleep(10_000).then(() => undefined)]);
      assert.ok(end, `still running 10 s after SIGTERM:\n${out}`);
      assert.deepEqual(end, { code: 0, signal: null }, out);
      assert.deepEqual(tracesOf(tag), []);
    } finally {
      proc.kill('SIGKILL');
      await removeDataDir(dataDir);
    }
  });

  it('a second SIGTERM ends the grace for work in flight', async () => {
    const s = await startServer(noPool);
    const tag = tagOf(s.dataDir);
    try {
      await deploySleeper(s.client, 'slow');
      await invokeEe(s.client, 'slow', 0);
      const running = invokeEe(s.client, 'slow', 20_000).catch(() => 'failed');
      await sleep(300);
      const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
      const t0 = Date.now();
      s.proc.kill('SIGTERM');
      await sleep(100);
      s.proc.kill('SIGTERM');
      assert.equal(await exited, 0);
      // Without the second signal the stop alone waits the 2 s grace (server.ts stopGraceMs).
      assert.ok(Date.now() - t0 < 1900, `exited after ${Date.now() - t0} ms`);
      assert.match(s.output(), /SIGTERM again, not waiting for work in flight/);
      assert.equal(await running, 'failed');
      assert.deepEqual(tracesOf(tag), []);
    } finally {
      await s.kill9().catch(() => undefined);
      await removeDataDir(s.dataDir);
    }
  });
});
