import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CreateAliasCommand, CreateFunctionCommand, GetFunctionCommand, InvokeCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';
import { kumoRoute } from '../../src/cli/kumo-route';
import type { CliConfig } from '../../src/cli/client';
import { kumoBin, tmpDir, userEnv, writeTree } from '../cli/helpers';

/**
 * `kumo dev --debug` (issue 16): a function's Node.js inspector, in its EE,
 * reached through the server's forward on 127.0.0.1, by a real inspector
 * client (HTTP /json/list, then the WebSocket it names, as Chrome DevTools
 * and VS Code attach do).
 */

/** A host port base unlikely to be taken on a shared machine (the server moves to the next free one anyway). */
const basePort = 41000 + (process.pid % 2000) * 4;

const cliCfg = (s: RunningServer): CliConfig => ({
  endpoint: s.endpoint, region: 'us-east-1', accountId: '000000000000', dataDir: s.dataDir, local: true, credentialSource: 'test', credentials: testCreds,
});
const route = (s: RunningServer, method: 'GET' | 'PUT' | 'DELETE', p: string, body?: unknown) => kumoRoute(cliCfg(s), testCreds, method, p, body);

/** The inspector's targets, through the forward. */
async function jsonList(port: number): Promise<{ webSocketDebuggerUrl: string; url: string }[]> {
  const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(30_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as { webSocketDebuggerUrl: string; url: string }[];
}

/** Whether host:port accepts a TCP connection within `ms` (a dropped SYN is a timeout). */
function reachable(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host, port });
    const t = setTimeout(() => {
      c.destroy();
      resolve(false);
    }, ms);
    c.once('connect', () => {
      clearTimeout(t);
      c.destroy();
      resolve(true);
    });
    c.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** Whether anything accepts TCP on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * A minimal WebSocket client (RFC 6455: the upgrade, masked client text
 * frames, unmasked server frames) speaking the Chrome DevTools Protocol:
 * `send` resolves with the result of a method, `events` collects the rest.
 */
class Cdp {
  private buf = Buffer.alloc(0);
  private seq = 0;
  private readonly pending = new Map<number, (m: { result?: unknown; error?: unknown }) => void>();
  private readonly eventWaiters: { method: string; resolve(p: unknown): void }[] = [];
  readonly events: { method: string; params: unknown }[] = [];
  private constructor(private readonly sock: net.Socket) {}

  static async connect(wsUrl: string): Promise<Cdp> {
    const u = new URL(wsUrl);
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    const key = randomBytes(16).toString('base64');
    sock.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (c: Buffer) => {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        const status = head.subarray(0, end).toString().split('\r\n')[0]!;
        if (!/^HTTP\/1\.1 101/.test(status)) reject(new Error(`upgrade refused: ${status}`));
        else resolve(head.subarray(end + 4));
      };
      sock.on('data', onData);
      sock.once('error', reject);
    });
    const cdp = new Cdp(sock);
    sock.on('data', (c: Buffer) => cdp.onData(c));
    sock.on('error', () => undefined);
    if (rest.length) cdp.onData(rest);
    return cdp;
  }

  private onData(c: Buffer): void {
    this.buf = Buffer.concat([this.buf, c]);
    for (;;) {
      if (this.buf.length < 2) return;
      let len = this.buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.buf.length < off + len) return;
      const opcode = this.buf[0]! & 0x0f;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      if (opcode !== 1) continue;
      const m = JSON.parse(payload.toString('utf8')) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: unknown };
      if (m.id !== undefined) this.pending.get(m.id)?.(m);
      else if (m.method) {
        this.events.push({ method: m.method, params: m.params });
        for (const w of this.eventWaiters.filter((x) => x.method === m.method)) {
          this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1);
          w.resolve(m.params);
        }
      }
    }
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<{ result?: unknown; error?: unknown }> {
    const id = ++this.seq;
    const data = Buffer.from(JSON.stringify({ id, method, params }));
    const mask = randomBytes(4);
    const header =
      data.length < 126
        ? Buffer.from([0x81, 0x80 | data.length])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 126]), Buffer.from([data.length >> 8, data.length & 0xff])]);
    const masked = Buffer.from(data.map((b, i) => b ^ mask[i % 4]!));
    this.sock.write(Buffer.concat([header, mask, masked]));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${method}: no answer`)), 30_000);
      this.pending.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }

  event(method: string, ms = 30_000): Promise<unknown> {
    const seen = this.events.find((e) => e.method === method);
    if (seen) {
      this.events.splice(this.events.indexOf(seen), 1);
      return Promise.resolve(seen.params);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${method} event`)), ms);
      this.eventWaiters.push({ method, resolve: (p) => (clearTimeout(t), resolve(p)) });
    });
  }

  async evaluate(expression: string): Promise<unknown> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as { result?: { result?: { value?: unknown } } };
    return r.result?.result?.value;
  }

  close(): void {
    this.sock.destroy();
  }
}

/**
 * A minimal Debug Adapter Protocol client (debugpy's): `Content-Length`
 * framed JSON; `request` resolves with the response, `event` with an event.
 */
class Dap {
  private buf = Buffer.alloc(0);
  private seq = 0;
  private readonly pending = new Map<number, (m: { success: boolean; body?: unknown; message?: string }) => void>();
  private readonly events: { event: string; body: unknown }[] = [];
  private readonly waiters: { event: string; resolve(b: unknown): void }[] = [];
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => this.onData(c));
    sock.on('error', () => undefined);
  }

  static async connect(port: number): Promise<Dap> {
    const sock = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    return new Dap(sock);
  }

  private onData(c: Buffer): void {
    this.buf = Buffer.concat([this.buf, c]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, end).toString())?.[1]);
      if (this.buf.length < end + 4 + len) return;
      const m = JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString('utf8')) as { type: string; request_seq?: number; event?: string; body?: unknown; success?: boolean; message?: string };
      this.buf = this.buf.subarray(end + 4 + len);
      if (m.type === 'response') this.pending.get(m.request_seq!)?.({ success: m.success === true, body: m.body, message: m.message });
      else if (m.type === 'event') {
        const w = this.waiters.find((x) => x.event === m.event);
        if (w) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m.body);
        } else this.events.push({ event: m.event!, body: m.body });
      }
    }
  }

  request(command: string, args: Record<string, unknown> = {}): Promise<{ success: boolean; body?: unknown; message?: string }> {
    const seq = ++this.seq;
    const data = Buffer.from(JSON.stringify({ seq, type: 'request', command, arguments: args }));
    this.sock.write(Buffer.concat([Buffer.from(`Content-Length: ${data.length}\r\n\r\n`), data]));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${command}: no answer`)), 30_000);
      this.pending.set(seq, (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }

  event(name: string, ms = 30_000): Promise<unknown> {
    const seen = this.events.find((e) => e.event === name);
    if (seen) {
      this.events.splice(this.events.indexOf(seen), 1);
      return Promise.resolve(seen.body);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${name} event`)), ms);
      this.waiters.push({ event: name, resolve: (b) => (clearTimeout(t), resolve(b)) });
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

const pyHandler = ['import os', '', 'def handler(event, context):', '    seen = event["x"]', '    return {"seen": seen, "pid": os.getpid()}', ''].join('\n');

const handler = [
  'exports.handler = async (event) => {',
  '  const seen = event.x;',
  '  if (event.stop) debugger;',
  '  return { seen, pid: process.pid };',
  '};',
].join('\n');

/** Processes on this host whose command line opens a debugger in an EE (`--inspect=0.0.0.0:9229`, debugpy and its adapter). */
function inspectorProcesses(): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').some((a) => a.startsWith('--inspect') || a.startsWith('debugpy'))) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function waitUntil(what: string, f: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('debugging functions (KUMO_DEBUG_FUNCTIONS on)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer({ env: { KUMO_DEBUG_FUNCTIONS: '1' } });
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'dbg', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 60, Code: { ZipFile: await makeZip({ 'index.js': handler }) },
    }));
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'dbg-py', Runtime: 'python3.11', Role: role, Handler: 'app.handler', Timeout: 60, Code: { ZipFile: await makeZip({ 'app.py': pyHandler }) },
    }));
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'dbg-sh', Runtime: 'provided.al2023', Role: role, Handler: 'x', Code: { ZipFile: await makeZip({ bootstrap: '#!/bin/sh\nexit 1\n' }, { bootstrap: 0o755 }) },
    }));
  });
  after(async () => {
    await s?.stop();
  });

  it('forwards 127.0.0.1:<port> to the EE inspector: /json/list, its WebSocket, the function\'s own process', async () => {
    assert.match(s.output(), /KUMO_DEBUG_FUNCTIONS is on/);
    const put = await route(s, 'PUT', '/kumo/functions/dbg/debug', { Port: basePort });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.FunctionName, 'dbg');
    assert.equal(put.json.Address, '127.0.0.1');
    const port = Number(put.json.Port);
    assert.ok(port >= basePort && port <= basePort + 100, `port ${port}`);
    // Again: the same session, the same port.
    assert.equal((await route(s, 'PUT', '/kumo/functions/dbg/debug', { Port: basePort })).json.Port, port);
    const listed = await route(s, 'GET', '/kumo/debug');
    assert.deepEqual(listed.json, { Enabled: true, Sessions: [{ FunctionName: 'dbg', Address: '127.0.0.1', Port: port, Break: false, Protocol: 'inspector' }] });

    // Attaching before any invoke starts the function's EE; the URL names the forward, not the EE.
    const targets = await jsonList(port);
    assert.equal(targets.length, 1);
    assert.match(targets[0]!.webSocketDebuggerUrl, new RegExp(`^ws://127\\.0\\.0\\.1:${port}/[0-9a-f-]{36}$`));
    const cdp = await Cdp.connect(targets[0]!.webSocketDebuggerUrl);
    try {
      assert.equal(await cdp.evaluate('process.env.AWS_LAMBDA_FUNCTION_NAME'), 'dbg');
      assert.equal(await cdp.evaluate('process.env.AWS_LAMBDA_RUNTIME_API.split(":")[0] !== "127.0.0.1"'), true);
      const eePid = await cdp.evaluate('process.pid');
      // The EE's own address: no host process but the API user's (the forward) connects to its debugger port directly.
      const eeIp = String(await cdp.evaluate('process.getBuiltinModule("node:os").networkInterfaces().eth0[0].address'));
      assert.match(eeIp, /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(await reachable(eeIp, 9229, 1500), false, 'root (not the API user) reached the EE inspector directly');

      // The breakpoint is set before the invoke runs: the handler stops there, and its locals are readable.
      await cdp.send('Debugger.enable');
      const invoke = s.client.send(new InvokeCommand({ FunctionName: 'dbg', Payload: encode({ x: 'hello', stop: true }) }));
      const paused = (await cdp.event('Debugger.paused')) as { callFrames: { callFrameId: string }[] };
      const local = (await cdp.send('Debugger.evaluateOnCallFrame', { callFrameId: paused.callFrames[0]!.callFrameId, expression: 'seen', returnByValue: true })) as {
        result?: { result?: { value?: unknown } };
      };
      assert.equal(local.result?.result?.value, 'hello');
      // While it is paused a second invoke gets no second EE (one EE per debugged function, so the port is one process): it waits.
      let secondDone = false;
      const second = s.client.send(new InvokeCommand({ FunctionName: 'dbg', Payload: encode({ x: 'other' }) })).finally(() => (secondDone = true));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(secondDone, false, 'the second invoke waits while the first is paused');
      await cdp.send('Debugger.resume');
      const out = JSON.parse(decode((await invoke).Payload)) as { seen: string; pid: number };
      assert.deepEqual(out, { seen: 'hello', pid: eePid });
      assert.deepEqual(JSON.parse(decode((await second).Payload)), { seen: 'other', pid: eePid });
    } finally {
      cdp.close();
    }
    // Past the freeze grace the EE still answers its debugger (debugged EEs are never frozen).
    await new Promise((r) => setTimeout(r, 300));
    const again = await Cdp.connect((await jsonList(port))[0]!.webSocketDebuggerUrl);
    try {
      assert.equal(await again.evaluate('process.env.AWS_LAMBDA_FUNCTION_NAME'), 'dbg');
    } finally {
      again.close();
    }

    // Closed: no listener, no inspector process; the function runs as usual again.
    const del = await route(s, 'DELETE', '/kumo/functions/dbg/debug');
    assert.equal(del.status, 204);
    assert.equal(await listening(port), false);
    await waitUntil('the debugged EE to go', () => inspectorProcesses().length === 0);
    const plain = await s.client.send(new InvokeCommand({ FunctionName: 'dbg', Payload: encode({ x: 'plain' }) }));
    assert.equal((JSON.parse(decode(plain.Payload)) as { seen: string }).seen, 'plain');
    assert.deepEqual(inspectorProcesses(), []);
    assert.deepEqual((await route(s, 'GET', '/kumo/debug')).json, { Enabled: true, Sessions: [] });
  });

  it('Qualifier: the debugger\'s EE is of the alias\'s version; an invoke of another version takes over the one EE', async () => {
    const v = await s.client.send(new PublishVersionCommand({ FunctionName: 'dbg' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'dbg', Name: 'live', FunctionVersion: v.Version! }));
    const put = await route(s, 'PUT', '/kumo/functions/dbg/debug', { Port: basePort + 40, Qualifier: 'live' });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.Qualifier, 'live');
    const port = Number(put.json.Port);
    const cdp = await Cdp.connect((await jsonList(port))[0]!.webSocketDebuggerUrl);
    try {
      assert.equal(await cdp.evaluate('process.env.AWS_LAMBDA_FUNCTION_VERSION'), v.Version);
      await cdp.send('Debugger.enable');
      const invoke = s.client.send(new InvokeCommand({ FunctionName: 'dbg', Qualifier: 'live', Payload: encode({ x: 'via-alias', stop: true }) }));
      await cdp.event('Debugger.paused');
      const pid = await cdp.evaluate('process.pid');
      await cdp.send('Debugger.resume');
      assert.deepEqual(JSON.parse(decode((await invoke).Payload)), { seen: 'via-alias', pid });
    } finally {
      cdp.close();
    }
    // $LATEST now: the alias's idle EE makes room (no wait for an EE that would never serve it).
    const t0 = Date.now();
    const latest = JSON.parse(decode((await s.client.send(new InvokeCommand({ FunctionName: 'dbg', Payload: encode({ x: 'latest' }) }))).Payload)) as { seen: string };
    assert.equal(latest.seen, 'latest');
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
    const bad = await route(s, 'PUT', '/kumo/functions/dbg/debug', { Qualifier: 'no/such' });
    assert.equal(bad.status, 400);
    assert.equal((await route(s, 'DELETE', '/kumo/functions/dbg/debug')).status, 204);
    await waitUntil('the debugged EE to go', () => inspectorProcesses().length === 0);
  });

  it('Break: the runtime waits at its first line for the debugger; invokes wait for it; the port moves on when taken', async () => {
    // A host port already taken (by someone else) is skipped.
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(basePort + 20, '127.0.0.1', () => r()));
    try {
      const put = await route(s, 'PUT', '/kumo/functions/dbg/debug', { Port: basePort + 20, Break: true });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      assert.equal(put.json.Break, true);
      const port = Number(put.json.Port);
      assert.equal(port, basePort + 21);
      const cdp = await Cdp.connect((await jsonList(port))[0]!.webSocketDebuggerUrl);
      try {
        await cdp.send('Debugger.enable');
        await cdp.send('Runtime.runIfWaitingForDebugger');
        const paused = (await cdp.event('Debugger.paused')) as { callFrames: { location: { scriptId: string } }[] };
        const script = cdp.events.find((e) => e.method === 'Debugger.scriptParsed' && (e.params as { scriptId: string }).scriptId === paused.callFrames[0]!.location.scriptId);
        assert.match((script?.params as { url?: string } | undefined)?.url ?? '', /^file:\/\/\/var\/runtime\/nodejs\/[a-z-]+\.mjs$/, "paused in the runtime before any of its code ran");
        // Init is held: an invoke now waits for this EE (no second one starts), and runs once the debugger continues.
        let done = false;
        const invoke = s.client.send(new InvokeCommand({ FunctionName: 'dbg', Payload: encode({ x: 'after-brk' }) })).finally(() => (done = true));
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(done, false);
        const pid = await cdp.evaluate('process.pid');
        await cdp.send('Debugger.resume');
        assert.deepEqual(JSON.parse(decode((await invoke).Payload)), { seen: 'after-brk', pid });
      } finally {
        cdp.close();
      }
      assert.equal((await route(s, 'DELETE', '/kumo/functions/dbg/debug')).status, 204);
      assert.equal(await listening(port), false);
    } finally {
      squatter.close();
    }
  });

  it('Python: debugpy in the EE, through the forward: a breakpoint set before the invoke stops the handler', async () => {
    const put = await route(s, 'PUT', '/kumo/functions/dbg-py/debug', { Port: basePort + 30 });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.Protocol, 'dap');
    const port = Number(put.json.Port);
    // Connecting starts the EE (debugpy listening in its netns); attach, set the breakpoint, then invoke.
    const dap = await Dap.connect(port);
    try {
      const init = await dap.request('initialize', { clientID: 'kumo-test', adapterID: 'debugpy', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      assert.equal(init.success, true, init.message);
      const attached = dap.request('attach', { justMyCode: false });
      await dap.event('initialized');
      const bp = await dap.request('setBreakpoints', { source: { path: '/var/task/app.py' }, breakpoints: [{ line: 5 }] });
      assert.equal(bp.success, true, bp.message);
      assert.equal((await dap.request('configurationDone')).success, true);
      assert.equal((await attached).success, true);
      const invoke = s.client.send(new InvokeCommand({ FunctionName: 'dbg-py', Payload: encode({ x: 'py-hello' }) }));
      const stopped = (await dap.event('stopped')) as { threadId: number; reason: string };
      assert.equal(stopped.reason, 'breakpoint');
      const trace = (await dap.request('stackTrace', { threadId: stopped.threadId })).body as { stackFrames: { id: number; line: number; source?: { path?: string } }[] };
      const top = trace.stackFrames[0]!;
      assert.equal(top.line, 5);
      assert.equal(top.source?.path, '/var/task/app.py');
      const ev = async (expression: string) => ((await dap.request('evaluate', { expression, frameId: top.id, context: 'repl' })).body as { result: string }).result;
      assert.equal(await ev('seen'), "'py-hello'");
      assert.equal(await ev('os.environ["AWS_LAMBDA_FUNCTION_NAME"]'), "'dbg-py'");
      const pid = Number(await ev('os.getpid()'));
      assert.equal((await dap.request('continue', { threadId: stopped.threadId })).success, true);
      assert.deepEqual(JSON.parse(decode((await invoke).Payload)), { seen: 'py-hello', pid });
      await dap.request('disconnect', { terminateDebuggee: false }).catch(() => undefined);
    } finally {
      dap.close();
    }
    assert.equal((await route(s, 'DELETE', '/kumo/functions/dbg-py/debug')).status, 204);
    assert.equal(await listening(port), false);
    assert.equal((JSON.parse(decode((await s.client.send(new InvokeCommand({ FunctionName: 'dbg-py', Payload: encode({ x: 'plain' }) }))).Payload)) as { seen: string }).seen, 'plain');
  });

  it('refuses a runtime without a debugger Kumo opens, a bad port, a missing function; nothing is left open', async () => {
    const sh = await route(s, 'PUT', '/kumo/functions/dbg-sh/debug', { Port: basePort });
    assert.equal(sh.status, 400);
    assert.match(String(sh.json.message ?? sh.json.Message), /dbg-sh runs provided\.al2023: Kumo opens the debugger of Node\.js \(the inspector\) and Python \(debugpy\) functions only/);
    // An emulated (arm64 under qemu-user) EE starts its ordinary command: refused, not a port that never answers.
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'dbg-arm', Runtime: 'nodejs20.x', Architectures: ['arm64'], Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => 1;' }) },
    }));
    const arm = await route(s, 'PUT', '/kumo/functions/dbg-arm/debug', { Port: basePort });
    assert.equal(arm.status, 400);
    assert.match(String(arm.json.message ?? arm.json.Message), /dbg-arm runs on arm64 under emulation: Kumo opens the debugger of functions of the host's architecture \(x86_64\) only/);
    assert.equal(await listening(basePort), false);
    const bad = await route(s, 'PUT', '/kumo/functions/dbg/debug', { Port: 80 });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.message ?? bad.json.Message), /Port must be between 1024 and 65535/);
    const typed = await route(s, 'PUT', '/kumo/functions/dbg/debug', { Port: 'x' });
    assert.equal(typed.status, 400);
    const missing = await route(s, 'PUT', '/kumo/functions/nope/debug', {});
    assert.equal(missing.status, 404);
    assert.deepEqual((await route(s, 'GET', '/kumo/debug')).json, { Enabled: true, Sessions: [] });
    assert.equal(await listening(basePort), false);
  });

  it('kumo dev --debug prints each function\'s debugger, it reaches the EE, and Ctrl-C leaves no listener or process', async () => {
    const dir = path.join(tmpDir('dev-debug'), 'dbgapp');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: nodejs20.x\n    Handler: app.handler\n    Timeout: 5\nResources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: a/\n  B:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: b/\n`,
      'a/app.js': 'exports.handler = async () => "a";\n',
      'b/app.js': 'exports.handler = async () => "b";\n',
      'c/app.py': 'def handler(event, context):\n    return "c"\n',
    });
    fs.appendFileSync(path.join(dir, 'template.yaml'), '  C:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: c/\n      Runtime: python3.11\n');
    const p = spawn(kumoBin, ['dev', '--debug', '--debug-port', String(basePort + 10)], { env: userEnv(s), cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise((r) => p.on('exit', r));
    const ports: number[] = [];
    try {
      await waitUntil('kumo dev to be ready', () => /watching for changes/.test(out), 60_000);
      assert.match(out, /--debug: every function's Timeout is 900 s, one execution environment at a time/);
      assert.equal((await s.client.send(new GetFunctionCommand({ FunctionName: 'dbgapp-A' }))).Configuration!.Timeout, 900);
      for (const fn of ['dbgapp-A', 'dbgapp-B']) {
        const m = new RegExp(`debugger for ${fn}: (ws://127\\.0\\.0\\.1:(\\d+)/[0-9a-f-]{36}) \\(VS Code: attach to 127\\.0\\.0\\.1:\\2`).exec(out);
        assert.ok(m, out);
        ports.push(Number(m[2]));
        const cdp = await Cdp.connect(m[1]!);
        try {
          assert.equal(await cdp.evaluate('process.env.AWS_LAMBDA_FUNCTION_NAME'), fn);
        } finally {
          cdp.close();
        }
      }
      // The Python function: debugpy (no URL to print: the debugger's connection starts the EE).
      const py = /debugger for dbgapp-C: debugpy on 127\.0\.0\.1:(\d+) \(VS Code: "type": "debugpy", "request": "attach"/.exec(out);
      assert.ok(py, out);
      ports.push(Number(py[1]));
      const dap = await Dap.connect(Number(py[1]));
      try {
        const init = await dap.request('initialize', { clientID: 'kumo-test', adapterID: 'debugpy' });
        assert.equal(init.success, true, init.message);
      } finally {
        dap.close();
      }
      assert.equal(ports[0], basePort + 10);
      assert.equal(new Set(ports).size, 3, 'one host port per function');
      assert.equal(decode((await s.client.send(new InvokeCommand({ FunctionName: 'dbgapp-B' }))).Payload), '"b"');

      // A code change: the function's new EE gets a new inspector (a new target id) on the same port.
      const oldUrl = new RegExp(`debugger for dbgapp-A: (ws://\\S+)`).exec(out)![1]!;
      const mark = out.length;
      fs.writeFileSync(path.join(dir, 'a/app.js'), 'exports.handler = async () => "a2";\n');
      await waitUntil('the redeploy', () => /kumo dev: ready in/.test(out.slice(mark)), 60_000);
      const m2 = /debugger for dbgapp-A: (ws:\/\/127\.0\.0\.1:(\d+)\/[0-9a-f-]{36})/.exec(out.slice(mark));
      assert.ok(m2, out.slice(mark));
      assert.equal(Number(m2[2]), ports[0]);
      assert.notEqual(m2[1], oldUrl);
      assert.doesNotMatch(out.slice(mark), /debugger for dbgapp-B/, 'B was not redeployed');
      const cdp = await Cdp.connect(m2[1]!);
      try {
        assert.equal(await cdp.evaluate('process.getBuiltinModule("node:fs").readFileSync("/var/task/app.js", "utf8").includes("a2")'), true);
      } finally {
        cdp.close();
      }
      assert.equal(decode((await s.client.send(new InvokeCommand({ FunctionName: 'dbgapp-A' }))).Payload), '"a2"');
    } finally {
      p.kill('SIGINT');
      await exited;
    }
    assert.match(out, /kumo dev: stopped/);
    for (const port of ports) assert.equal(await listening(port), false, `port ${port} still open`);
    assert.deepEqual((await route(s, 'GET', '/kumo/debug')).json, { Enabled: true, Sessions: [] });
    await waitUntil('the debugged EEs to go', () => inspectorProcesses().length === 0);
  });
});

describe('debugging functions (KUMO_DEBUG_FUNCTIONS off, the default)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
    await s.client.send(new CreateFunctionCommand({
      FunctionName: 'nodbg', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': handler }) },
    }));
  });
  after(async () => {
    await s?.stop();
  });

  it('refuses to open a debugger, opens no port, and starts EEs without an inspector', async () => {
    const put = await route(s, 'PUT', '/kumo/functions/nodbg/debug', { Port: basePort + 50 });
    assert.equal(put.status, 403);
    assert.match(String(put.json.Message ?? put.json.message), /Debugging is off on this server: start kumo server with KUMO_DEBUG_FUNCTIONS=1/);
    assert.deepEqual((await route(s, 'GET', '/kumo/debug')).json, { Enabled: false, Sessions: [] });
    assert.equal((JSON.parse(decode((await s.client.send(new InvokeCommand({ FunctionName: 'nodbg', Payload: encode({ x: 1 }) }))).Payload)) as { seen: number }).seen, 1);
    assert.equal(await listening(basePort + 50), false);
    assert.deepEqual(inspectorProcesses(), []);
    assert.doesNotMatch(s.output(), /KUMO_DEBUG_FUNCTIONS is on/);
    // kumo dev --debug says why and deploys nothing.
    const dir = path.join(tmpDir('dev-nodebug'), 'nodbgapp');
    writeTree(dir, {
      'template.yaml': 'Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: app.handler\n      CodeUri: a/\n',
      'a/app.js': 'exports.handler = async () => "a";\n',
    });
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(kumoBin, ['dev', '--debug'], { env: userEnv(s), cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let o = '';
      p.stdout.on('data', (c: Buffer) => (o += c.toString()));
      p.stderr.on('data', (c: Buffer) => (o += c.toString()));
      p.on('exit', (code) => resolve({ code, out: o }));
    });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /kumo dev: --debug: the server at http:\/\/127\.0\.0\.1:\d+ opens no debuggers: start it with KUMO_DEBUG_FUNCTIONS=1/);
    assert.ok(!fs.existsSync(path.join(dir, '.kumo-stack.json')), 'nothing deployed');
  });
});
