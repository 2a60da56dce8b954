import fs from 'node:fs';
import path from 'node:path';
import { RuncDriver } from '../runc/driver';
import { detectCgroups, type CgroupLayout } from '../runc/cgroups';
import type { Sandbox } from '../driver';
import { runtimesDir } from '../../paths';
import { debugFunctionsFromEnv } from '../../config';
import { checkApiPath, checkBind, checkCreate, checkPort, checkSandboxId, type CreateResult, type InitResult, type Policy, type Reply, type SupervisorEvent } from './protocol';

/**
 * The root half of `kumo server` (see remote-driver.ts for the other half).
 * It owns the RuncDriver and answers only the requests of protocol.ts, each
 * checked before anything runs. It parses no HTTP, SigV4, JSON body or zip.
 *
 * At create it hands the API user one file of the EE's cgroup, the freezer's
 * control file (v2 `cgroup.freeze`, v1 `freezer.state`), so freeze and thaw
 * on the warm invoke path stay a direct file write in the API process; that
 * is the whole delegation (cgroup v2's documented model delegates a file by
 * chown). With it the API user can pause or resume its own EEs, nothing more.
 *
 * When the channel to the API process closes (it exited or was killed) every
 * EE is killed at once and the supervisor exits; what stays (names, links,
 * mounts) belongs to an instance whose owner record names a dead process, and
 * the next server to start on the host removes it, as after any crash.
 */
/**
 * EE output written to the channel but not yet taken by the API process,
 * bytes. Past it output is dropped (and counted) instead of queueing in
 * root's memory without end while the API process falls behind; a note in
 * the EE's stderr (so in its log) says how much was lost.
 */
export const outputQueueBytesMax = 8 * 1024 * 1024;

export class Supervisor {
  private queuedBytes = 0;
  private readonly droppedBytes = new Map<string, number>();
  private readonly driver: RuncDriver;
  private readonly live = new Map<string, Sandbox>();
  private layout: CgroupLayout | undefined;
  /**
   * init() succeeded and shutdown() has not run: the instance's cgroups are
   * ours. Until then they may be another live server's (init refuses a data
   * dir in use), so no kill may reach them.
   */
  private owns = false;

  constructor(
    private readonly policy: Policy,
    private readonly apiUser: { uid: number; gid: number },
    private readonly send: (m: Reply | SupervisorEvent, written?: () => void) => void,
  ) {
    // The debugger port of EEs opens to the API user's processes only (its forward), not root's nor any other user's.
    this.driver = new RuncDriver({ dataDir: policy.dataDir, debug: policy.debug === true, debugClientUid: apiUser.uid });
  }

  async handle(msg: unknown): Promise<void> {
    const id = typeof msg === 'object' && msg !== null && Number.isInteger((msg as { id?: unknown }).id) ? (msg as { id: number }).id : -1;
    try {
      const value = await this.dispatch(msg as Record<string, unknown>);
      this.send({ id, ok: true, ...(value !== undefined ? { value } : {}) });
    } catch (e) {
      this.send({ id, ok: false, error: (e as Error).message });
    }
  }

  private async dispatch(m: Record<string, unknown>): Promise<unknown> {
    switch (m.op) {
      case 'init': {
        await this.driver.init();
        this.layout = detectCgroups();
        this.owns = true;
        return { listenHost: this.driver.runtimeApiListenHost(), deferredCode: this.driver.deferredCode } satisfies InitResult;
      }
      case 'setRuntimeApiPort':
        this.driver.setRuntimeApiPort(checkPort(m.port));
        return undefined;
      case 'setApiPath':
        this.driver.setApiPath(checkApiPath(m.path));
        return undefined;
      case 'create':
        return this.create(m.spec);
      case 'endInit':
        this.live.get(checkSandboxId(m.sandbox))?.endInit?.();
        return undefined;
      case 'bindCode': {
        const id = checkSandboxId(m.sandbox);
        const sandbox = this.live.get(id);
        if (!sandbox?.bindCode) throw new Error(`sandbox ${id} is not running`);
        await sandbox.bindCode(checkBind(id, m.binding, this.policy));
        return undefined;
      }
      case 'drain':
        checkSandboxId(m.sandbox);
        // Its pipes are read in this turn's poll phase; their chunks are sent before this reply.
        await new Promise((r) => setImmediate(r));
        return undefined;
      case 'destroy':
        await this.live.get(checkSandboxId(m.sandbox))?.destroy();
        return undefined;
      case 'shutdown':
        this.owns = false;
        await this.driver.shutdown();
        return undefined;
      case 'killAllNow':
        if (this.owns) this.driver.killAllNow();
        return undefined;
      default:
        throw new Error('unknown request');
    }
  }

  private async create(raw: unknown): Promise<CreateResult> {
    if (!this.layout) throw new Error('init has not run');
    const spec = checkCreate(raw, this.policy);
    const id = spec.id;
    const { sandbox, timings } = await this.driver.create({
      ...spec,
      onOutput: (stream, chunk) => this.output(id, stream, chunk),
      onExit: (info) => {
        this.live.delete(id);
        this.reportDropped(id);
        this.send({ event: 'exit', sandbox: id, info });
      },
    });
    this.live.set(id, sandbox);
    const cgroupPath = this.driver.cgroupPath(id);
    try {
      fs.chownSync(freezerFile(this.layout, cgroupPath), this.apiUser.uid, this.apiUser.gid);
    } catch (e) {
      await sandbox.destroy();
      throw new Error(`sandbox ${id}: cannot delegate its freezer: ${(e as Error).message}`);
    }
    return { ip: sandbox.ip, timings, cgroupPath };
  }

  private output(id: string, stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.queuedBytes + chunk.length > outputQueueBytesMax) {
      this.droppedBytes.set(id, (this.droppedBytes.get(id) ?? 0) + chunk.length);
      return;
    }
    this.reportDropped(id);
    this.queuedBytes += chunk.length;
    this.send({ event: 'output', sandbox: id, stream, chunk }, () => (this.queuedBytes -= chunk.length));
  }

  private reportDropped(id: string): void {
    const n = this.droppedBytes.get(id);
    if (!n) return;
    this.droppedBytes.delete(id);
    const note = Buffer.from(`[kumo: ${n} bytes of this execution environment's output were dropped: the API process fell behind]\n`);
    this.send({ event: 'output', sandbox: id, stream: 'stderr', chunk: note });
  }

  /** The API process is gone: no EE may outlive it (file writes only, then exit). */
  orphaned(): void {
    if (this.owns) this.driver.killAllNow();
  }
}

/** The one cgroup file of an EE the API user may write. */
export function freezerFile(layout: CgroupLayout, cgroupPath: string): string {
  if (layout.version === 2) return path.join(layout.root, cgroupPath, 'cgroup.freeze');
  return path.join(layout.controllers.get('freezer') ?? path.join(layout.root, 'freezer'), cgroupPath, 'freezer.state');
}

/** Entry point of the forked supervisor: argv is `<dataDir> <apiUid> <apiGid>`, given by the root parent before it dropped root. */
export function runSupervisorProcess(argv: string[]): void {
  const [dataDir, uid, gid] = argv;
  if (!dataDir || !process.send) {
    process.stderr.write('kumo supervisor: must be forked by kumo server\n');
    process.exit(2);
  }
  const send = (m: Reply | SupervisorEvent, written?: () => void): void => {
    if (process.connected) process.send!(m, undefined, {}, () => written?.());
    else written?.();
  };
  let sup: Supervisor | undefined;
  let broken: string | undefined;
  try {
    sup = new Supervisor(
      { dataDir: fs.realpathSync(dataDir), runtimesDir: fs.realpathSync(runtimesDir), debug: debugFunctionsFromEnv(process.env) },
      { uid: Number(uid), gid: Number(gid) },
      send,
    );
  } catch (e) {
    // A bad setting (an invalid KUMO_EGRESS_* CIDR…): every request gets the reason, so `kumo server` says it and stops.
    broken = (e as Error).message;
  }
  // Requests are handled concurrently (creates overlap); each reply carries its request's id.
  process.on('message', (m) => {
    if (sup) void sup.handle(m);
    else send({ id: (m as { id?: number })?.id ?? -1, ok: false, error: broken! });
  });
  process.on('disconnect', () => {
    sup?.orphaned();
    process.exit(0);
  });
  // The API process handles the signals of the terminal's process group; a
  // stop reaches the supervisor as a `shutdown` request.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
}
