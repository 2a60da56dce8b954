import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2, type Runtime } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';
import { kill9WholeServer, removeDataDir, tagOf, tracesOf } from './host-traces';
import { mountsAtOrBelow } from '../../src/sandbox/runc/scratch';

/**
 * Pre-initialised EEs (issue 13, item 5), seen from outside: the function's
 * log (INIT_PHASES shows `Bind:` when a cold start took a pooled EE), what
 * the handler sees (environment, code, /tmp, its EE's address), and the host
 * (the EE's memory cgroup, everything left after stop and kill -9).
 */

const cgroupRoot = '/sys/fs/cgroup';
const v2 = fs.existsSync(path.join(cgroupRoot, 'cgroup.controllers'));
const memoryRoot = v2 ? cgroupRoot : path.join(cgroupRoot, 'memory');

/** EE cgroups of an instance: id → memory limit in bytes. */
function eeMemoryLimits(tag: string): Map<string, number> {
  const dir = path.join(memoryRoot, 'kumo', tag);
  const out = new Map<string, number>();
  for (const id of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    try {
      const text = fs.readFileSync(path.join(dir, id, v2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
      out.set(id, Number(text));
    } catch {
      /* not a cgroup, or removed meanwhile */
    }
  }
  return out;
}

/**
 * Pooled EEs are created with ids starting with `p` (prewarm-pool.ts); one
 * is ready when its runtime holds its one connection to the Runtime API (the
 * parked configuration request), seen in its network namespace's TCP table.
 */
function readyPooled(tag: string): string[] {
  const dir = path.join(memoryRoot, 'kumo', tag);
  return [...eeMemoryLimits(tag).keys()].filter((id) => {
    if (!id.startsWith('p')) return false;
    try {
      const pids = fs.readFileSync(path.join(dir, id, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      return pids.some((pid) => fs.readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1).some((l) => l.trim().split(/\s+/)[3] === '01'));
    } catch {
      return false;
    }
  });
}

/**
 * Waits until `n` EEs with pooled ids hold a Runtime API connection. A bound
 * one does too (its runtime polls /next), so callers count the pooled EEs
 * already bound to a function and still alive in `n`.
 */
async function waitForPooled(tag: string, n: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (readyPooled(tag).length < n) {
    if (Date.now() > deadline) assert.fail(`no pre-initialised EE became ready: ${JSON.stringify([...eeMemoryLimits(tag)])}`);
    await sleep(25);
  }
}

const nodeCode = `
  const fs = require('fs');
  const os = require('os');
  exports.main = async (event, context) => {
    if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
    const marker = '/tmp/written-by-' + process.env.AWS_LAMBDA_FUNCTION_NAME;
    const tmpBefore = fs.readdirSync('/tmp').filter((f) => f.startsWith('written-by-'));
    fs.writeFileSync(marker, 'x');
    return { env: { ...process.env }, cwd: process.cwd(), own: fs.readFileSync('/var/task/app.js', 'utf8').length > 0,
      ip: os.hostname(), pid: process.pid, tmpBefore, title: process.title, remainingMs: context.getRemainingTimeInMillis() };
  };`;

const pythonCode = `
import os, socket
def main(event, context):
    before = sorted(f for f in os.listdir('/tmp') if f.startswith('written-by-'))
    open('/tmp/written-by-' + os.environ['AWS_LAMBDA_FUNCTION_NAME'], 'w').write('x')
    return {'env': dict(os.environ), 'cwd': os.getcwd(), 'ip': socket.gethostname(), 'pid': os.getpid(), 'tmpBefore': before}
`;

interface Seen {
  env: Record<string, string>;
  cwd: string;
  ip: string;
  pid: number;
  tmpBefore: string[];
  title?: string;
  remainingMs?: number;
  own?: boolean;
}

async function deploy(s: RunningServer, name: string, o: { runtime?: Runtime; memoryMb?: number; timeout?: number; env?: Record<string, string> } = {}): Promise<void> {
  const runtime = o.runtime ?? 'nodejs20.x';
  const files: Record<string, string> = runtime === 'nodejs20.x' ? { 'app.js': nodeCode } : { 'app.py': pythonCode };
  await s.client.send(
    new CreateFunctionCommand({
      FunctionName: name, Runtime: runtime, Role: role, Handler: 'app.main', Timeout: o.timeout ?? 10, MemorySize: o.memoryMb ?? 128,
      Code: { ZipFile: await makeZip(files) }, ...(o.env ? { Environment: { Variables: o.env } } : {}),
    }),
  );
  await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

async function invoke(s: RunningServer, name: string, event: object = {}): Promise<{ seen: Seen; log: string; error?: string; payload: string }> {
  const r = await s.client.send(new InvokeCommand({ FunctionName: name, Payload: encode(event), LogType: 'Tail' }));
  const log = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
  const payload = decode(r.Payload);
  return { seen: r.FunctionError ? ({} as Seen) : (JSON.parse(payload) as Seen), log, payload, ...(r.FunctionError ? { error: r.FunctionError } : {}) };
}

const pooledStart = (log: string): boolean => /^INIT_PHASES .*\tBind: [\d.]+ ms/m.test(log);
const coldStart = (log: string): boolean => /^REPORT .*Init Duration: [\d.]+ ms/m.test(log);

/** The variables a function sees, less those that name it, its EE or the invocation (those must differ). */
function sharedPart(env: Record<string, string>, own: string[]): Record<string, string> {
  const perFunction = [
    'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', '_X_AMZN_TRACE_ID',
    // The execution role's session: one per EE (issue 18).
    'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', ...own,
  ];
  return Object.fromEntries(Object.entries(env).filter(([k]) => !perFunction.includes(k)));
}

function assertNothingLeft(tag: string): void {
  assert.deepEqual(tracesOf(tag), []);
  assert.deepEqual(mountsAtOrBelow(`/run/kumo-sandboxes/${tag}`), []);
}

describe('pre-initialised EEs (issue 13, item 5)', () => {
  it('a cold start takes a pooled EE and binds the function to it: its env, code, handler, memory limit and timeout; no EE is shared', async () => {
    const s = await startServer({ env: { KUMO_PREWARM_POOL_MAX: '2' } });
    const tag = tagOf(s.dataDir);
    try {
      // A: the first cold start of its key (nodejs20.x, 256 MB class) finds no pool: the ordinary path, and demand for the pool.
      await deploy(s, 'fn-a', { memoryMb: 256, env: { ONLY_A: 'a' } });
      const a = await invoke(s, 'fn-a');
      assert.ok(coldStart(a.log) && !pooledStart(a.log), a.log);
      await waitForPooled(tag, 1);

      // B: same memory class (200 MB → 256), other settings of its own.
      await deploy(s, 'fn-b', { memoryMb: 200, timeout: 2, env: { ONLY_B: 'b', SHARED_NAME: 'from-b' } });
      const b = await invoke(s, 'fn-b');
      assert.equal(b.error, undefined, b.payload);
      assert.ok(pooledStart(b.log), `B should start on a pooled EE:\n${b.log}`);
      assert.ok(coldStart(b.log), 'a pooled start is still a cold start with an Init Duration');
      assert.match(b.log, /Memory Size: 200 MB/);
      // Exactly the environment an EE started for B shows: Lambda's variables and B's own; nothing of the pool.
      assert.equal(b.seen.env.ONLY_B, 'b');
      assert.equal(b.seen.env.SHARED_NAME, 'from-b');
      assert.equal(b.seen.env.ONLY_A, undefined);
      assert.equal(b.seen.env._KUMO_PREWARMED, undefined);
      assert.equal(b.seen.env.AWS_LAMBDA_FUNCTION_NAME, 'fn-b');
      assert.equal(b.seen.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '200');
      assert.equal(b.seen.env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
      assert.equal(b.seen.env._HANDLER, 'app.main');
      assert.deepEqual(sharedPart(b.seen.env, ['ONLY_B', 'SHARED_NAME']), sharedPart(a.seen.env, ['ONLY_A']));
      assert.equal(b.seen.cwd, '/var/task');
      assert.equal(b.seen.own, true);
      // Its timeout (2 s) governs: the deadline the runtime got, and a timeout when it runs past it.
      assert.ok(b.seen.remainingMs! <= 2000 && b.seen.remainingMs! > 1000, `remaining ${b.seen.remainingMs}`);
      // Its memory limit is in its EE's cgroup (the pooled EE started with its class's 256 MB).
      const limits = [...eeMemoryLimits(tag).values()];
      assert.equal(limits.filter((l) => l === 200 * 1024 * 1024).length, 1, `limits ${limits}`);
      // Not A's EE: another address, another process, a /tmp without A's file.
      assert.notEqual(b.seen.ip, a.seen.ip);
      assert.deepEqual(b.seen.tmpBefore, []);

      // C, same class again: another pooled EE (the pool refilled), never B's (B's bound EE counts as one).
      await waitForPooled(tag, 2);
      await deploy(s, 'fn-c', { memoryMb: 256 });
      const c = await invoke(s, 'fn-c');
      assert.ok(pooledStart(c.log), c.log);
      assert.deepEqual(c.seen.tmpBefore, []);
      assert.ok(![a.seen.ip, b.seen.ip].includes(c.seen.ip));

      // Warm invokes stay on each function's own EE.
      const b2 = await invoke(s, 'fn-b');
      assert.ok(!coldStart(b2.log));
      assert.equal(b2.seen.pid, b.seen.pid);
      assert.deepEqual(b2.seen.tmpBefore, ['written-by-fn-b']);
      const a2 = await invoke(s, 'fn-a');
      assert.deepEqual(a2.seen.tmpBefore, ['written-by-fn-a']);

      const late = await invoke(s, 'fn-b', { sleepMs: 3000 });
      assert.equal(late.error, 'Unhandled');
      assert.match(late.payload, /Task timed out after 2\.00 seconds/);

      assert.equal(await s.stop(), 0);
      assertNothingLeft(tag);
    } finally {
      await s.kill9().catch(() => undefined);
      await removeDataDir(s.dataDir);
    }
  });

  it('a budget full of idle EEs still leaves room for the pool: an unbound pooled EE holds 64 MB of it, and a cold start evicts an idle EE rather than the pooled EE it takes', async () => {
    // Room for two idle 256 MB EEs and one unbound pooled EE (limits.ts prewarmUnboundChargeMb), no more.
    const s = await startServer({ env: { KUMO_EE_MEMORY_BUDGET_MB: String(256 + 256 + 64) } });
    const tag = tagOf(s.dataDir);
    try {
      for (const n of ['full-a', 'full-b', 'full-c']) await deploy(s, n, { memoryMb: 256 });
      const a = await invoke(s, 'full-a');
      assert.ok(coldStart(a.log) && !pooledStart(a.log), a.log);
      await waitForPooled(tag, 1);
      // B's 256 MB fit beside A's and the pooled EE's 64: B binds it (charged its whole class, the pooled EE would be evicted for B's room).
      const b = await invoke(s, 'full-b');
      assert.ok(pooledStart(b.log), `B should start on the pooled EE:\n${b.log}`);
      await waitForPooled(tag, 2); // B's bound EE and a new unbound one
      // The budget is full (A and B idle, one pooled EE): C's room comes from A, the least recently used, not from the pooled EE C takes.
      const c = await invoke(s, 'full-c');
      assert.equal(c.error, undefined, c.payload);
      assert.ok(pooledStart(c.log), `C should start on the pooled EE:\n${c.log}`);
      // A's EE went for C: A starts cold again (on the refilled pooled EE; B, now the least recently used, makes its room), and C stays warm.
      await waitForPooled(tag, 3); // B's and C's bound EEs and a new unbound one
      const a2 = await invoke(s, 'full-a');
      assert.ok(coldStart(a2.log), `A's idle EE should have been evicted for C:\n${a2.log}`);
      assert.ok(pooledStart(a2.log), `A should start on the refilled pooled EE:\n${a2.log}`);
      const c2 = await invoke(s, 'full-c');
      assert.ok(!coldStart(c2.log), `C stays warm:\n${c2.log}`);
      assert.equal(await s.stop(), 0);
      assertNothingLeft(tag);
    } finally {
      await s.kill9().catch(() => undefined);
      await removeDataDir(s.dataDir);
    }
  });

  it('python3.11 starts on a pooled EE too, with the environment it would have had', async () => {
    const s = await startServer();
    const tag = tagOf(s.dataDir);
    try {
      await deploy(s, 'py-a', { runtime: 'python3.11', env: { ONLY_A: 'a' } });
      const a = await invoke(s, 'py-a');
      assert.ok(coldStart(a.log) && !pooledStart(a.log), a.log);
      await waitForPooled(tag, 1);
      await deploy(s, 'py-b', { runtime: 'python3.11', env: { ONLY_B: 'b' } });
      const b = await invoke(s, 'py-b');
      assert.equal(b.error, undefined, b.payload);
      assert.ok(pooledStart(b.log), b.log);
      assert.deepEqual(sharedPart(b.seen.env, ['ONLY_B']), sharedPart(a.seen.env, ['ONLY_A']));
      assert.equal(b.seen.env.ONLY_B, 'b');
      assert.equal(b.seen.cwd, '/var/task');
      assert.deepEqual(b.seen.tmpBefore, []);
      assert.equal(await s.stop(), 0);
      assertNothingLeft(tag);
    } finally {
      await s.kill9().catch(() => undefined);
      await removeDataDir(s.dataDir);
    }
  });

  it('a function setting a variable read at process start (NODE_OPTIONS) starts the ordinary way, and the variable works', async () => {
    const s = await startServer();
    const tag = tagOf(s.dataDir);
    try {
      await deploy(s, 'plain');
      await invoke(s, 'plain');
      await waitForPooled(tag, 1);
      await deploy(s, 'opts', { env: { NODE_OPTIONS: '--title=kumo-opts' } });
      const o = await invoke(s, 'opts');
      assert.ok(coldStart(o.log) && !pooledStart(o.log), o.log);
      assert.equal(o.seen.title, 'kumo-opts');
      assert.equal(await s.stop(), 0);
      assertNothingLeft(tag);
    } finally {
      await s.kill9().catch(() => undefined);
      await removeDataDir(s.dataDir);
    }
  });

  it('with KUMO_PREWARM=0 no EE is pre-initialised and cold starts take the ordinary path', async () => {
    const s = await startServer({ env: { KUMO_PREWARM: '0' } });
    const tag = tagOf(s.dataDir);
    try {
      await deploy(s, 'off-a');
      const a = await invoke(s, 'off-a');
      await sleep(1500); // time a refill would have had
      await deploy(s, 'off-b');
      const b = await invoke(s, 'off-b');
      for (const r of [a, b]) assert.ok(coldStart(r.log) && !pooledStart(r.log), r.log);
      assert.deepEqual([...eeMemoryLimits(tag).keys()].filter((id) => id.startsWith('p')), []);
      assert.equal(await s.stop(), 0);
      assertNothingLeft(tag);
    } finally {
      await s.kill9().catch(() => undefined);
      await removeDataDir(s.dataDir);
    }
  });

  it('kill -9 of a server with pooled and bound EEs: the next server leaves nothing of it on the host', async () => {
    const a = await startServer();
    const tagA = tagOf(a.dataDir);
    let b: RunningServer | undefined;
    try {
      await deploy(a, 'k-a');
      await invoke(a, 'k-a');
      await waitForPooled(tagA, 1);
      await deploy(a, 'k-b');
      assert.ok(pooledStart((await invoke(a, 'k-b')).log));
      await waitForPooled(tagA, 2); // one bound, one waiting in the pool
      assert.ok(mountsAtOrBelow(`/run/kumo-sandboxes/${tagA}`).length > 0, 'the bound EE has its code mounted');
      await kill9WholeServer(a);
      b = await startServer();
      assertNothingLeft(tagA);
      assert.equal(await b.stop(), 0);
      assertNothingLeft(tagOf(b.dataDir));
    } finally {
      await a.kill9().catch(() => undefined);
      await b?.kill9().catch(() => undefined);
      await removeDataDir(a.dataDir);
      if (b) await removeDataDir(b.dataDir);
    }
  });
});
