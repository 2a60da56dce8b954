import net from 'node:net';
import { eeInspectorPort } from '../runtimes/registry';
import { DomainError } from '../domain/errors';

/**
 * Debugging sessions (`kumo dev --debug`, issue 16): for each debugged
 * function, a TCP forward on the host's loopback to the debugger of its one
 * EE (Node.js's inspector; for Python, debugpy, whose Debug Adapter Protocol
 * passes the same way: the forward never looks at the bytes).
 *
 * - The EE's runtime starts with its inspector listening on
 *   `eeInspectorPort` inside the EE's own network namespace
 *   (`debugCommand`); the sandbox lets the host connect to that port only on
 *   a server started with KUMO_DEBUG_FUNCTIONS (runc/network.ts, chain OUT).
 * - Here a `net.Server` on 127.0.0.1:<host port> (never another address:
 *   an inspector runs any code in the EE) pipes each connection to the EE's
 *   address, port `eeInspectorPort`. The bytes pass unchanged, so the
 *   inspector's HTTP (`/json/list`, whose `webSocketDebuggerUrl` names the
 *   Host the client sent, 127.0.0.1:<host port>) and its WebSocket work
 *   through it, and the inspector's Host check accepts an IP address.
 * - A connection while the function has no EE starts one (`start`, an EE
 *   of $LATEST that takes no invocation), so attaching a debugger before the
 *   first invoke lets breakpoints be set before the handler runs.
 * - Placement keeps a debugged function to one EE at a time (`live`), never
 *   freezes or reaps it, and tells the session its address
 *   (`eeStarted` / `eeGone`); an EE that goes away (a redeploy retires it)
 *   closes its connections, and the debugger's reconnect starts the next.
 *
 * Sessions live in this process's memory only: a server restart ends them
 * (`kumo dev --debug` opens them again when it deploys). Nothing here runs
 * on the invoke path of a function that is not debugged (one Map lookup on
 * a cold start).
 */

/** Host ports tried after the requested one when it is taken (9229, 9230, …). */
export const debugHostPortsTriedMax = 100;
/** Debugged functions at once, per server (each holds a host port and one EE). */
export const debugSessionsMax = 32;
/** How long a debugger's connection waits for its function's EE to start and its inspector to listen. */
export const debugConnectWaitMs = 30_000;
/** Between attempts to reach an EE's inspector that is not listening yet. */
const connectRetryMs = 50;

export type DebugProtocol = 'inspector' | 'dap';

export interface DebugSession {
  readonly functionName: string;
  /** The host port on 127.0.0.1. */
  readonly port: number;
  /** The runtime waits at its first line for a debugger (`--inspect-brk`; debugpy's `--wait-for-client`). */
  readonly brk: boolean;
  /** What the forwarded port speaks: Node.js's inspector (HTTP /json/list, then WebSocket) or debugpy's Debug Adapter Protocol. */
  readonly protocol: DebugProtocol;
  /** The version or alias whose EE a debugger's connection starts (undefined: $LATEST). */
  readonly qualifier: string | undefined;
  /** EEs of the function starting or running (placement keeps it at most 1). */
  live: number;
}

interface SessionState extends DebugSession {
  server: net.Server;
  /** Address of the function's EE once its runtime process started. */
  ip: string | undefined;
  sockets: Set<net.Socket>;
  /** Connections waiting for an EE's address. */
  waiters: Set<() => void>;
  starting: Promise<void> | undefined;
}

export class DebugSessions {
  private readonly sessions = new Map<string, SessionState>();
  private closed = false;

  constructor(
    /** Starts an EE of the function (of `qualifier`, else $LATEST) that waits for invocations (a debugger connected while it had none). */
    private readonly start: (functionName: string, qualifier: string | undefined) => Promise<void>,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  get(functionName: string): DebugSession | undefined {
    return this.sessions.get(functionName);
  }

  list(): DebugSession[] {
    return [...this.sessions.values()];
  }

  /**
   * Opens the function's forward on 127.0.0.1, on `port` or the next free one
   * (up to `debugHostPortsTriedMax` further); an open session is kept (same
   * port) unless `brk` changes. Resolves with the session.
   */
  async enable(
    functionName: string,
    port: number,
    brk: boolean,
    protocol: DebugProtocol = 'inspector',
    qualifier?: string,
  ): Promise<{ session: DebugSession; created: boolean }> {
    if (this.closed) throw new Error('the server is stopping');
    const open = this.sessions.get(functionName);
    if (open && open.brk === brk && open.protocol === protocol && open.qualifier === qualifier) return { session: open, created: false };
    if (open) await this.disable(functionName);
    if (this.sessions.size >= debugSessionsMax) throw new DomainError('InvalidParameter', `at most ${debugSessionsMax} functions are debugged at once on this server`);
    const taken = new Set([...this.sessions.values()].map((s) => s.port));
    for (let p = port; p <= Math.min(65535, port + debugHostPortsTriedMax); p++) {
      if (taken.has(p)) continue;
      const s: SessionState = { functionName, port: p, brk, protocol, qualifier, live: 0, server: net.createServer(), ip: undefined, sockets: new Set(), waiters: new Set(), starting: undefined };
      s.server.on('connection', (c) => this.forward(s, c));
      const ok = await new Promise<boolean>((resolve) => {
        s.server.once('error', () => resolve(false));
        s.server.listen({ host: '127.0.0.1', port: p, exclusive: true }, () => resolve(true));
      });
      if (!ok) continue;
      s.server.on('error', (e) => this.log(`kumo: debugger forward of ${functionName}: ${e.message}`));
      if (this.sessions.has(functionName) || this.closed) {
        // A concurrent enable won, or the server began stopping: this listener is not needed.
        s.server.close();
        const won = this.sessions.get(functionName);
        if (won) return { session: won, created: false };
        throw new Error('the server is stopping');
      }
      this.sessions.set(functionName, s);
      return { session: s, created: true };
    }
    throw new DomainError('InvalidParameter', `no free port on 127.0.0.1 from ${port} to ${Math.min(65535, port + debugHostPortsTriedMax)}`);
  }

  /** Closes the function's forward and its connections; false when it had none. */
  async disable(functionName: string): Promise<boolean> {
    const s = this.sessions.get(functionName);
    if (!s) return false;
    this.sessions.delete(functionName);
    for (const w of s.waiters) w();
    for (const c of s.sockets) c.destroy();
    await new Promise<void>((r) => s.server.close(() => r()));
    return true;
  }

  /** A debugged EE's runtime process started (its inspector listens, or will in a moment). */
  eeStarted(functionName: string, ip: string): void {
    const s = this.sessions.get(functionName);
    if (!s) return;
    s.ip = ip;
    for (const w of [...s.waiters]) w();
  }

  /** A debugged EE is gone: its connections end with it. */
  eeGone(functionName: string, ip: string | undefined): void {
    const s = this.sessions.get(functionName);
    if (!s || ip === undefined || s.ip !== ip) return;
    s.ip = undefined;
    for (const c of s.sockets) if ((c as TaggedSocket).eeIp === ip) c.destroy();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.keys()].map((f) => this.disable(f)));
  }

  private forward(s: SessionState, client: net.Socket): void {
    client.pause();
    s.sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => s.sockets.delete(client));
    const deadline = Date.now() + debugConnectWaitMs;
    void (async () => {
      try {
        const upstream = await this.connectEe(s, client, deadline);
        if (!upstream) {
          client.destroy();
          return;
        }
        s.sockets.add(upstream);
        upstream.on('close', () => {
          s.sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      } catch (e) {
        this.log(`kumo: debugger of ${s.functionName}: ${(e as Error).message}`);
        client.destroy();
      }
    })();
  }

  /** A socket to the function's EE inspector: waits for an EE (starting one) and for its inspector to listen. */
  private async connectEe(s: SessionState, client: net.Socket, deadline: number): Promise<net.Socket | undefined> {
    while (Date.now() < deadline && !client.destroyed && this.sessions.get(s.functionName) === s) {
      const ip = s.ip;
      if (ip === undefined) {
        if (s.live === 0 && !s.starting) {
          s.starting = this.start(s.functionName, s.qualifier)
            .catch((e: Error) => this.log(`kumo: debugger of ${s.functionName}: its execution environment did not start: ${e.message}`))
            .finally(() => (s.starting = undefined));
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            s.waiters.delete(done);
            resolve();
          };
          const t = setTimeout(done, Math.max(0, Math.min(deadline - Date.now(), 1000)));
          s.waiters.add(done);
        });
        continue;
      }
      const sock = await new Promise<net.Socket | undefined>((resolve) => {
        const c = net.connect({ host: ip, port: eeInspectorPort });
        c.once('connect', () => resolve(c));
        c.once('error', () => {
          c.destroy();
          resolve(undefined);
        });
      });
      if (sock) {
        (sock as TaggedSocket).eeIp = ip;
        (client as TaggedSocket).eeIp = ip;
        sock.on('error', () => undefined);
        return sock;
      }
      await new Promise((r) => setTimeout(r, connectRetryMs));
    }
    return undefined;
  }
}

type TaggedSocket = net.Socket & { eeIp?: string };

/** The default host port of the first debugged function (Node.js's own default). */
export const debugHostPortDefault = 9229;

/** What `kumo dev --debug`'s Kumo-only calls do (services/lambda/debug-api.ts). */
export class FunctionDebugging {
  constructor(
    /** undefined: KUMO_DEBUG_FUNCTIONS is off, every call is refused. */
    private readonly sessions: DebugSessions | undefined,
    private readonly deps: {
      /** The function's name and runtime (of `qualifier`, else $LATEST; NotFound when it does not exist). */
      resolve(functionName: string, qualifier?: string): Promise<{ functionName: string; runtime: string }>;
      /** The protocol of the runtime's debugger Kumo opens (`debugCommand`), or why it opens none. */
      debuggerOf(runtime: string): { protocol: DebugProtocol } | { refused: string };
      /** Drains the function's EEs: the next one starts with (or without) its inspector. */
      retire(functionName: string): void;
    },
  ) {}

  get enabled(): boolean {
    return this.sessions !== undefined;
  }

  list(): DebugSession[] {
    return this.sessions?.list() ?? [];
  }

  async open(name: string, port: number, brk: boolean, qualifier?: string): Promise<DebugSession> {
    const sessions = this.refuseOff();
    const fn = await this.deps.resolve(name, qualifier);
    const dbg = this.deps.debuggerOf(fn.runtime);
    if ('refused' in dbg) throw new DomainError('InvalidParameter', `${fn.functionName} runs ${fn.runtime}: ${dbg.refused}`);
    const { session, created } = await sessions.enable(fn.functionName, port, brk, dbg.protocol, qualifier);
    // EEs started before the session have no inspector: they go (a busy one after its invocation).
    if (created) this.deps.retire(fn.functionName);
    return session;
  }

  async close(name: string): Promise<void> {
    const sessions = this.refuseOff();
    const fn = await this.deps.resolve(name).catch(() => undefined);
    const fnName = fn?.functionName ?? name;
    if (await sessions.disable(fnName)) this.deps.retire(fnName);
  }

  private refuseOff(): DebugSessions {
    if (!this.sessions) {
      throw new DomainError(
        'AccessDenied',
        'Debugging is off on this server: start kumo server with KUMO_DEBUG_FUNCTIONS=1 to let kumo dev --debug open a debugger (it runs any code in the function; for a machine you alone use)',
      );
    }
    return this.sessions;
  }
}
