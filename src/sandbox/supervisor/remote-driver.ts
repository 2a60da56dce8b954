import type { ChildProcess } from 'node:child_process';
import type { ApiPath, CodeBinding, CreateTimings, Sandbox, SandboxDriver, SandboxExit, SandboxSpec } from '../driver';
import { detectCgroups, SandboxCgroup, type CgroupLayout } from '../runc/cgroups';
import type { CreateResult, InitResult, Reply, Request, SupervisorEvent } from './protocol';

/** Distributes Omit over the union, so each request keeps its own fields. */
type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

/** Why calls fail once the supervisor is gone. */
export const supervisorLostMessage = 'the sandbox supervisor is gone; execution environments were lost (restart kumo server)';

/**
 * The API process's sandbox driver: every privileged step is a request to the
 * root supervisor over the fork IPC channel (protocol.ts). Freeze, thaw and
 * peak memory stay in this process as file operations on the EE's cgroup (the
 * supervisor delegates the freezer file to this user): they are on every warm
 * invoke, and a round trip there would add to each one.
 *
 * When the channel closes (the supervisor died), every live EE gets its
 * `onExit` (so invocations in flight end with Runtime.ExitError instead of
 * hanging), and every later request fails with `supervisorLostMessage`.
 */
export class RemoteSandboxDriver implements SandboxDriver {
  readonly name = 'runc (supervised)';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly live = new Map<string, RemoteSandbox>();
  private listenHost: string | undefined;
  private port: number | undefined;
  private apiPath: ApiPath | undefined;
  private _deferredCode = false;
  private layout: CgroupLayout | undefined;
  private lost = false;
  private shuttingDown = false;

  private child: ChildProcess;
  private exited: Promise<void>;
  /** Set while the standby takes over; creates wait for it. */
  private recovering: Promise<void> | undefined;

  /**
   * `standby`: a second root supervisor forked at start that only waits. When
   * the active one dies, the standby's `init` removes everything the dead one
   * left (its owner record now names a dead process: the same clean-up as any
   * start after a crash) and becomes the active supervisor. The API process
   * cannot fork another root process, so there is one recovery per server run.
   */
  constructor(child: ChildProcess, private standby?: ChildProcess) {
    this.child = child;
    this.exited = this.watch(child);
    standby?.once('exit', () => {
      if (this.standby !== standby) return; // it took over: watch() reports its end
      this.standby = undefined;
      if (!this.shuttingDown) console.error('kumo: the standby sandbox supervisor exited; the supervisor has no replacement now');
    });
  }

  private watch(child: ChildProcess): Promise<void> {
    child.on('message', (m: Reply | SupervisorEvent) => {
      if (child === this.child) this.onMessage(m);
    });
    return new Promise((resolve) => {
      const gone = (): void => {
        if (child === this.child) this.onLost();
        resolve();
      };
      child.once('exit', gone);
      child.once('disconnect', gone);
    });
  }

  async init(): Promise<void> {
    const r = (await this.call({ op: 'init' })) as InitResult;
    this.listenHost = r.listenHost;
    this._deferredCode = r.deferredCode === true;
    this.layout = detectCgroups();
  }

  get deferredCode(): boolean {
    return this._deferredCode;
  }

  runtimeApiListenHost(): string {
    if (this.listenHost === undefined) throw new Error('init() has not run');
    return this.listenHost;
  }

  runtimeApiAddress(): string {
    if (this.port === undefined) throw new Error('setRuntimeApiPort() has not been called');
    return `${this.runtimeApiListenHost()}:${this.port}`;
  }

  setRuntimeApiPort(port: number): void {
    this.port = port;
    // The supervisor opens the port to EEs in its rules; a failure there shows up as EEs that cannot reach it.
    this.call({ op: 'setRuntimeApiPort', port }).catch((e: Error) => console.error(`kumo: supervisor refused the Runtime API port: ${e.message}`));
  }

  setApiPath(path: ApiPath): void {
    this.apiPath = path;
    this.call({ op: 'setApiPath', path }).catch((e: Error) => console.error(`kumo: supervisor refused the API path: ${e.message}`));
  }

  async create(spec: SandboxSpec): Promise<{ sandbox: Sandbox; timings: CreateTimings }> {
    if (!this.layout) throw new Error('init() has not run');
    if (this.recovering) await this.recovering;
    const { onOutput, onExit, ...data } = spec;
    const sandbox = new RemoteSandbox(this, spec.id, onOutput, onExit, this.layout);
    this.live.set(spec.id, sandbox);
    try {
      const r = (await this.call({ op: 'create', spec: data })) as CreateResult;
      sandbox.started(r);
      return { sandbox, timings: r.timings };
    } catch (e) {
      this.live.delete(spec.id);
      throw e;
    }
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.recovering;
    if (!this.lost) await this.call({ op: 'shutdown' }).catch(() => undefined);
    if (this.child.connected) this.child.disconnect();
    if (this.standby?.connected) this.standby.disconnect();
    await this.exited;
  }

  /** Lets both supervisors go before init (the start was given up): they exit, touching nothing. */
  abandon(): void {
    this.shuttingDown = true;
    if (this.child.connected) this.child.disconnect();
    if (this.standby?.connected) this.standby.disconnect();
  }

  /** Last resort of a stop that took too long: the supervisor kills every EE, and would anyway once we exit. */
  killAllNow(): void {
    if (this.child.connected) this.child.send({ id: 0, op: 'killAllNow' });
  }

  /** @internal */
  call(body: RequestBody): Promise<unknown> {
    if (this.lost || !this.child.connected) return Promise.reject(new Error(supervisorLostMessage));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...body, id } as Request, (e) => {
        if (e && this.pending.delete(id)) reject(new Error(supervisorLostMessage));
      });
    });
  }

  /** Drain requests sent and not answered yet. */
  private drainsInFlight = 0;
  /** A drain not sent yet: every sandbox asking before it goes shares it. */
  private drainQueued: Promise<void> | undefined;

  /**
   * @internal A `drain` round trip: sent at once when none is under way;
   * else one request, sent from this turn's check phase, serves every
   * sandbox that asks meanwhile. The supervisor answers a drain after a turn
   * of its own loop, having forwarded what every EE wrote before the request
   * reached it, so one request covers the output of all of them.
   */
  drain(sandbox: string): Promise<void> {
    if (this.drainsInFlight === 0 && !this.drainQueued) return this.sendDrain(sandbox);
    this.drainQueued ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        this.drainQueued = undefined;
        void this.sendDrain(sandbox).then(resolve);
      });
    });
    return this.drainQueued;
  }

  private sendDrain(sandbox: string): Promise<void> {
    this.drainsInFlight++;
    return this.call({ op: 'drain', sandbox }).then(
      () => void this.drainsInFlight--,
      () => void this.drainsInFlight--,
    );
  }

  /** @internal */
  forget(id: string): void {
    this.live.delete(id);
  }

  private onMessage(m: Reply | SupervisorEvent): void {
    if ('event' in m) {
      const s = this.live.get(m.sandbox);
      if (!s) return;
      if (m.event === 'output') s.output(m.stream, Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
      else s.exit(m.info);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  }

  private onLost(): void {
    if (this.lost) return;
    this.lost = true;
    if (!this.shuttingDown) console.error(`kumo: ${supervisorLostMessage} (${this.live.size} running)`);
    for (const p of this.pending.values()) p.reject(new Error(supervisorLostMessage));
    this.pending.clear();
    // Their processes are beyond our reach now; for the invoke path they are gone.
    for (const s of [...this.live.values()]) s.exit({ exitCode: null, signal: 'SIGKILL', oomKilled: false });
    this.live.clear();
    const standby = this.standby;
    this.standby = undefined;
    if (standby?.connected && this.listenHost !== undefined) this.recovering = this.takeOver(standby).finally(() => (this.recovering = undefined));
  }

  /** The standby cleans up after the dead supervisor and serves from now on, if it can keep the Runtime API's address. */
  private async takeOver(standby: ChildProcess): Promise<void> {
    const wantedHost = this.listenHost;
    this.child = standby;
    this.exited = this.watch(standby);
    this.lost = false;
    try {
      const r = (await this.call({ op: 'init' })) as InitResult;
      if (r.listenHost !== wantedHost) throw new Error(`its bridge address ${r.listenHost} differs from ${wantedHost}`);
      if (this.port !== undefined) await this.call({ op: 'setRuntimeApiPort', port: this.port });
      if (this.apiPath !== undefined) await this.call({ op: 'setApiPath', path: this.apiPath });
      if (!this.shuttingDown) console.error('kumo: the standby sandbox supervisor took over; new execution environments can start');
    } catch (e) {
      // Still root's to clean: ask it to remove what it set up, then stay without a supervisor.
      if (!this.lost) await this.call({ op: 'shutdown' }).catch(() => undefined);
      this.lost = true;
      if (standby.connected) standby.disconnect();
      console.error(`kumo: the standby sandbox supervisor could not take over: ${(e as Error).message}`);
    }
  }
}

class RemoteSandbox implements Sandbox {
  private _ip: string | undefined;
  private cgroup: SandboxCgroup | undefined;
  private initEnded = false;
  private done = false;
  private destroying: Promise<void> | undefined;

  constructor(
    private readonly driver: RemoteSandboxDriver,
    readonly id: string,
    private readonly onOutput: SandboxSpec['onOutput'],
    private readonly onExit: SandboxSpec['onExit'],
    private readonly layout: CgroupLayout,
  ) {}

  get ip(): string {
    if (this._ip === undefined) throw new Error(`sandbox ${this.id} has no address yet`);
    return this._ip;
  }

  started(r: CreateResult): void {
    this._ip = r.ip;
    this.cgroup = new SandboxCgroup(this.layout, r.cgroupPath);
  }

  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (!this.done) this.onOutput(stream, chunk);
  }

  exit(info: SandboxExit): void {
    if (this.done) return;
    this.done = true;
    this.cgroup?.closeFiles();
    this.driver.forget(this.id);
    this.onExit(info);
  }

  endInit(): void {
    if (this.initEnded || this.done) return;
    this.initEnded = true;
    this.driver.call({ op: 'endInit', sandbox: this.id }).catch(() => undefined);
  }

  async freeze(): Promise<void> {
    if (this.done || !this.cgroup) return;
    this.endInit();
    try {
      await this.cgroup.freeze(() => !this.done);
    } catch (e) {
      if (!this.done) throw e; // a teardown under way removes the cgroup: not an error
    }
  }

  async thaw(): Promise<void> {
    if (this.done || !this.cgroup) return;
    try {
      this.cgroup.thaw();
    } catch (e) {
      if (!this.done) throw e;
    }
  }

  /** One round trip: the supervisor mounts the code and sets the cgroup (protocol.ts checkBind). */
  async bindCode(b: CodeBinding): Promise<void> {
    if (this.done) throw new Error(`sandbox ${this.id} has exited`);
    await this.driver.call({ op: 'bindCode', sandbox: this.id, binding: b });
  }

  private peak = 0;
  memoryPeakBytes(): number {
    const v = this.cgroup?.memoryPeakBytes(!this.done);
    if (v !== undefined) this.peak = Math.max(this.peak, v);
    return this.peak;
  }

  /** One round trip (shared with the other EEs draining in this turn): the supervisor answers after forwarding what the EE wrote before (the channel keeps order). */
  async drainOutput(): Promise<void> {
    if (this.done) return;
    await this.driver.drain(this.id);
  }

  destroy(): Promise<void> {
    this.destroying ??= this.driver.call({ op: 'destroy', sandbox: this.id }).then(
      () => undefined,
      () => undefined, // supervisor gone: onLost reported the exit already
    );
    return this.destroying;
  }
}
