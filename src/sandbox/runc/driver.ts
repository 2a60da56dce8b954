import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiPath, CodeBinding, CreateTimings, Sandbox, SandboxDriver, SandboxExit, SandboxSpec } from '../driver';
import { cpuQuota, initCpuQuota, ociConfig, parseInitStatus, userNamespaceFor } from './bundle';
import { CodeMounts } from './code-mounts';
import { detectCgroups, killAndThawTree, removeCgroupTree, SandboxCgroup, type CgroupLayout } from './cgroups';
import { cleanDeadInstances, cleanInstance, instanceDir, ownerFile, registerInstanceCleanup, removeUnlessMounted } from './instances';
import { isAlive, ownRecord, readOwner, withHostLock, writeOwner } from './owner';
import { run } from './exec';
import {
  hostLockFileName,
  instanceTagChars,
  interfaceNameCharsMax,
  killWaitMsMax,
  lockDir,
  mtuDefaultBytes,
  runcErrorDrainMs,
  runcStartTimeoutMs,
  scratchDefaultSizeMb,
  sandboxIdPattern,
  startOutputBufferBytesMax,
  volatileRoot,
} from './limits';
import { bridgeName, SandboxNetwork, type PreparedNetns } from './network';
import { buildRootfs, sandboxResolvConf, type OciMount } from './rootfs';
import { debugFunctionsFromEnv } from '../../config';
import { eeInspectorPort } from '../../runtimes/registry';
import { egressPolicyFromEnv, ipv4Resolvers, type EgressPolicy } from './egress';
import { claimSubnet, defaultRouteInterface, type SubnetClaim } from './subnet';
import { cleanupScratch, openScratchPool, type ScratchDisk, type ScratchPool } from './scratch';

export { mountedBelow } from './instances';

/** The instance tag of a data dir: a short hash of its real path, part of every name the instance creates. */
function tagOf(realDataDir: string): string {
  return createHash('sha256').update(realDataDir).digest('hex').slice(0, instanceTagChars);
}

// A dead instance's /tmp disks are mounted under its own data dir, which only
// its owner record names: unmount and detach them with the rest of it.
registerInstanceCleanup(async (tag) => {
  const dataDir = readOwner(ownerFile(tag))?.dataDir;
  if (dataDir && tagOf(dataDir) === tag) await cleanupScratch(path.join(dataDir, 'sandbox', 'scratch'));
});
// Late-bound code (code-mounts.ts) is mounted under the instance's state directory.
registerInstanceCleanup((tag) => CodeMounts.cleanup(instanceDir(tag)));

/**
 * The production sandbox driver: one runc container per EE.
 *
 * Layout under `<dataDir>/sandbox/`:
 *   (the shared read-only root, see rootfs.ts, is /run/kumo-sandboxes/<tag>.rootfs: with
 *   user namespaces, EE root is an unprivileged host user that must be able
 *   to reach it, and a data dir is usually 0700)
 *   runc-state  ->   /run/kumo-sandboxes/<tag>/runc-state: `runc --root`, this instance's containers only
 *   bundles     ->   /run/kumo-sandboxes/<tag>/bundles: config.json of each live EE
 *   scratch/         the EEs' /tmp disks: sparse ext4 images and their mounts (scratch.ts)
 * runc's state and the bundles hold each EE's decrypted environment, so they
 * live on tmpfs (/run), never on disk; the data dir only links to them.
 *
 * Names on the machine all carry the instance tag (hash of the data dir's
 * real path), so several Kumo servers coexist: containers `k<tag>-<id>`,
 * cgroups `/kumo/<tag>/<id>`, netns `k<tag>-<slot>`, veths `kv<tag>-<slot>`,
 * bridge `kb<tag>`, iptables chains `KUMO-<tag>-*`, a subnet claimed in
 * /run/kumo, and the owner record /run/kumo-sandboxes/<tag>/owner.json (pid +
 * start time of the server). A starting server removes everything of every
 * instance whose owner is dead, whichever data dir it used, and never touches
 * a live one (instances.ts, `init()`).
 *
 * Life of an EE (no host process stays behind per EE):
 *   1. take a prepared network namespace (address = `sandbox.ip`) and a
 *      prepared /tmp disk of the EE's EphemeralStorage (scratch.ts);
 *   2. write config.json; `runc run -d --preserve-fds 1` with our stdout,
 *      stderr and a status pipe (fd 3): the container inherits them and runc
 *      exits as soon as the container runs;
 *   3. pid 1 is a shell that runs `spec.args` and writes its exit status to
 *      fd 3 (bundle.ts); EOF on all three pipes = the container is gone;
 *   4. teardown (on exit or destroy): kill the cgroup's tasks and wait until
 *      none is left, read OOM kills and peak memory, report `onExit`, then
 *      `runc delete --force` and remove the namespace side by side, and only
 *      then free the address (so it stays unique until the report is done);
 *      the /tmp disk is unmounted and deleted in the background.
 *
 * Freeze, thaw and peak memory write/read cgroup files directly: they are on
 * the warm invoke path and spawn nothing.
 */
export class RuncDriver implements SandboxDriver {
  readonly name = 'runc';
  /** Short hash of the data dir's real path; part of every name this instance creates. */
  readonly tag: string;
  private readonly dataDir: string;
  private readonly subnet: string | undefined;
  private readonly egress: EgressPolicy;
  private readonly debug: boolean;
  /** The host user whose processes may connect to EEs' debugger port (the API process's; root's supervisor passes the API user). */
  private readonly debugClientUid: number;
  /** Each EE in a user namespace of its own (bundle.ts, `userNamespaceFor`). */
  readonly userNamespaces: boolean;
  readonly stateDir: string;
  private readonly bundlesDir: string;
  /** `<dataDir>/sandbox/runc-state`, a symlink to the tmpfs state dir (for operators: `runc --root <it> list`). */
  private readonly stateLink: string;
  private readonly rootfsDir: string;
  private cgroups: CgroupLayout | undefined;
  private network: SandboxNetwork | undefined;
  private claim: SubnetClaim | undefined;
  private hostMounts: OciMount[] = [];
  private port: number | undefined;
  private apiPath: ApiPath | undefined;
  /** `<dataDir>/sandbox/scratch`: the EEs' /tmp disks. */
  private readonly scratchDir: string;
  private readonly scratchWanted: boolean;
  private scratch: ScratchPool | undefined;
  /** @internal Mount points of EEs whose code is bound after start (code-mounts.ts). */
  readonly codeMounts: CodeMounts;
  private readonly live = new Map<string, RuncSandbox>();
  /** Our owner record is written (init() passed step 4), so shutdown() may remove the instance's state. */
  private owned = false;

  /**
   * `egress`: extra CIDRs EEs may or may not reach (egress.ts). When absent it
   * is read from KUMO_EGRESS_DENY / KUMO_EGRESS_ALLOW (invalid values throw here,
   * so a typo stops the server instead of opening or closing the wrong range).
   */
  /**
   * `scratchDisks: false` keeps /tmp a tmpfs even where disks could be made
   * (benchmarks compare the two); by default disks are used when the host allows.
   */
  /**
   * `debug` (KUMO_DEBUG_FUNCTIONS when absent): processes of host user
   * `debugClientUid` (default: this process's) may open TCP connections to
   * every EE's `eeInspectorPort` (a debugged EE's debugger; Kumo's forward
   * on 127.0.0.1 in the API process is the one client, placement/debug.ts).
   */
  constructor(opts: { dataDir: string; subnet?: string; egress?: EgressPolicy; userNamespaces?: boolean; scratchDisks?: boolean; debug?: boolean; debugClientUid?: number }) {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    this.debug = opts.debug ?? debugFunctionsFromEnv(process.env);
    this.debugClientUid = opts.debugClientUid ?? process.getuid?.() ?? 0;
    this.dataDir = fs.realpathSync(opts.dataDir);
    this.subnet = opts.subnet;
    this.egress = opts.egress ?? egressPolicyFromEnv(process.env);
    this.userNamespaces = opts.userNamespaces ?? kernelAllowsUserNamespaces();
    this.tag = tagOf(this.dataDir);
    const base = path.join(this.dataDir, 'sandbox');
    const volatile = path.join(volatileRoot, this.tag);
    this.stateDir = path.join(volatile, 'runc-state');
    this.bundlesDir = path.join(volatile, 'bundles');
    this.stateLink = path.join(base, 'runc-state');
    this.rootfsDir = path.join(volatileRoot, `${this.tag}.rootfs`);
    this.scratchDir = path.join(base, 'scratch');
    this.scratchWanted = opts.scratchDisks ?? true;
    this.codeMounts = new CodeMounts(volatile);
    // kv<tag>-<slot> must fit IFNAMSIZ; slots have at most 5 digits even for a /16.
    if (`kv${this.tag}-65534`.length > interfaceNameCharsMax) throw new Error('instance tag too long for interface names');
  }

  /** runc container id of a sandbox. */
  containerId(sandboxId: string): string {
    return `k${this.tag}-${sandboxId}`;
  }

  /** cgroup path (below each hierarchy root) of a sandbox. */
  cgroupPath(sandboxId: string): string {
    return `/kumo/${this.tag}/${sandboxId}`;
  }

  /**
   * Host clean-up, then the shared plumbing. Steps 1–4 run under the host
   * lock (`/run/kumo/instances.lock`), so two servers starting at once are
   * serialised: each sees the other either not started or with its owner
   * record written.
   *   1. Refuse a data dir whose owner record names another live process:
   *      two servers on one data dir would kill each other's EEs.
   *   2. Every *dead* instance on the host, whichever data dir it used, is
   *      removed (instances.ts `cleanDeadInstances`): a kill -9'd server's
   *      frozen EEs would otherwise stay in D state, holding memory, until
   *      a server started again on that very data dir. Live instances are
   *      never touched.
   *   3. This instance's own leftovers (our previous run crashed).
   *   4. Our owner record: from now on we are alive for everyone else.
   */
  async init(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('the runc sandbox driver must run as root');
    const missing = requiredTools.filter((t) => !onPath(t));
    if (missing.length) throw new Error(`the runc sandbox driver needs ${missing.join(', ')} on PATH (${toolPath})`);
    const cgroups = detectCgroups();
    this.cgroups = cgroups;

    fs.mkdirSync(volatileRoot, { recursive: true, mode: 0o755 });
    fs.chmodSync(volatileRoot, 0o755); // traversable; each instance's state below it stays 0700
    await withHostLock(path.join(lockDir, hostLockFileName), async () => {
      // 1. One server per data dir.
      const owner = readOwner(ownerFile(this.tag));
      if (owner && owner.pid !== process.pid && isAlive(owner)) {
        throw new Error(`data dir ${this.dataDir} is already used by a running Kumo server (pid ${owner.pid})`);
      }
      // 2. Dead instances of any data dir.
      const cleaned = await cleanDeadInstances(cgroups, this.tag);
      if (cleaned.length) console.error(`kumo: removed the leftovers of ${cleaned.length} stopped Kumo instance(s): ${cleaned.join(', ')}`);
      // 3. Our own (runc state, bundles, cgroups, network, claims); the directory stays for step 4.
      await cleanInstance(this.tag, cgroups, { keepStateDir: true });
      //    and our /tmp disks (mounts, loop devices, images under the data dir).
      await cleanupScratch(this.scratchDir);
      // 4. Owner record.
      fs.mkdirSync(instanceDir(this.tag), { recursive: true, mode: 0o700 });
      writeOwner(ownerFile(this.tag), ownRecord(this.dataDir));
      this.owned = true;
    });

    // 5. The shared root file system (on /run, reachable by EE root of a user namespace).
    fs.mkdirSync(path.dirname(this.stateLink), { recursive: true, mode: 0o700 });
    this.hostMounts = buildRootfs(this.rootfsDir);
    fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.bundlesDir, { recursive: true, mode: 0o700 });
    // Older data dirs kept runc's state on disk: replace it by the link to tmpfs.
    fs.rmSync(this.stateLink, { recursive: true, force: true });
    fs.rmSync(path.join(path.dirname(this.stateLink), 'bundles'), { recursive: true, force: true });
    fs.symlinkSync(this.stateDir, this.stateLink);

    // 6. This instance's subnet, bridge and rules; start filling the pool.
    this.claim = claimSubnet({ tag: this.tag, dataDir: this.dataDir, explicit: this.subnet, ownBridge: bridgeName(this.tag) });
    try {
      this.network = new SandboxNetwork(this.tag, this.claim.cidr, hostMtuBytes(), this.egress, ipv4Resolvers(sandboxResolvConf()), this.debug ? { port: eeInspectorPort, clientUid: this.debugClientUid } : undefined);
      await this.network.setUp();
      if (this.port !== undefined) this.network.setRuntimeApiPort(this.port);
      if (this.apiPath !== undefined) this.network.setApiPath(this.apiPath);
      this.network.refill();
    } catch (e) {
      await SandboxNetwork.cleanup(this.tag).catch(() => undefined);
      this.claim?.release();
      this.claim = undefined;
      this.network = undefined;
      throw e;
    }

    // 7. /tmp disks, or the tmpfs where the host cannot make them (said once, here).
    if (this.scratchWanted) {
      const pool = await openScratchPool(this.scratchDir, scratchDefaultSizeMb);
      if ('unavailable' in pool) console.error(`kumo: /tmp of EEs is a tmpfs (counts against their memory): ${pool.unavailable}`);
      else this.scratch = pool;
    }

    // 8. Mount points for code bound after start (pre-initialised EEs); without them every EE gets its code at create.
    try {
      await this.codeMounts.init();
    } catch (e) {
      console.error(`kumo: pre-initialised EEs are off (their code mounts could not be set up): ${(e as Error).message}`);
    }
  }

  /** Whether `spec.deferredCode` works (init() set up the shared mount). */
  get deferredCode(): boolean {
    return this.codeMounts.available;
  }

  /** Whether EEs get a disk-backed /tmp (false: tmpfs, see `init`). */
  get scratchDisks(): boolean {
    return this.scratch !== undefined;
  }

  runtimeApiListenHost(): string {
    return this.requireNetwork().gateway;
  }

  runtimeApiAddress(): string {
    if (this.port === undefined) throw new Error('setRuntimeApiPort() has not been called');
    return `${this.requireNetwork().gateway}:${this.port}`;
  }

  setRuntimeApiPort(port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid Runtime API port ${port}`);
    this.port = port;
    this.network?.setRuntimeApiPort(port);
  }

  setApiPath(path: ApiPath): void {
    if (!Number.isInteger(path.port) || path.port < 1 || path.port > 65535) throw new Error(`invalid API port ${path.port}`);
    this.apiPath = { port: path.port, redirected: [...path.redirected] };
    this.network?.setApiPath(this.apiPath);
  }

  async create(spec: SandboxSpec): Promise<{ sandbox: Sandbox; timings: CreateTimings }> {
    const network = this.requireNetwork();
    validateSpec(spec);
    checkCwd(spec, this.rootfsDir);
    if (this.live.has(spec.id)) throw new Error(`sandbox ${spec.id} already exists`);
    const sandbox = new RuncSandbox(this, spec, this.cgroups!, network);
    this.live.set(spec.id, sandbox);
    try {
      const timings = await sandbox.start();
      return { sandbox, timings };
    } catch (e) {
      this.live.delete(spec.id);
      throw e;
    }
  }

  /**
   * Destroys every EE, then the instance's plumbing, then its owner record
   * (last: a crash in between leaves a dead owner, so the next server to
   * start removes the rest). Safe after a failed or partial `init()`.
   */
  async shutdown(): Promise<void> {
    await Promise.all([...this.live.values()].map((s) => s.destroy()));
    await this.scratch?.shutdown();
    this.scratch = undefined;
    await this.network?.tearDown();
    this.network = undefined;
    this.claim?.release();
    this.claim = undefined;
    if (!this.owned || !this.cgroups) return; // init() did not get as far as owning anything
    // Whatever a teardown could not remove (a runc or ip that failed) goes now.
    await cleanInstance(this.tag, this.cgroups, { keepStateDir: true });
    fs.rmSync(this.stateLink, { force: true });
    // The shared root skeleton and the state dir: removed only when nothing
    // is mounted at or below them in this mount namespace (the host's /usr is
    // bind-mounted there only inside containers; a recursive delete must
    // never reach a mount).
    removeUnlessMounted(this.rootfsDir);
    if (readOwner(ownerFile(this.tag))?.pid === process.pid) removeUnlessMounted(instanceDir(this.tag));
    this.owned = false;
  }

  /**
   * Last resort of a server that must exit now (its stop took too long):
   * SIGKILLs every EE task and thaws every EE cgroup with file writes only,
   * so no EE process outlives the server, frozen or not. Names, links and
   * directories stay; the owner record names a dead process once we exit,
   * so the next server to start removes them.
   */
  killAllNow(): void {
    if (this.cgroups) killAndThawTree(this.cgroups, `/kumo/${this.tag}`);
  }

  /** @internal used by RuncSandbox */
  bundleDir(id: string): string {
    return path.join(this.bundlesDir, id);
  }

  /** @internal */
  rootfsPath(): string {
    return this.rootfsDir;
  }

  /** @internal */
  sharedMounts(): OciMount[] {
    return this.hostMounts;
  }

  /** @internal A /tmp disk for an EE whose root is host id `rootId` (undefined: tmpfs). */
  async takeScratch(sizeMb: number, rootId: number): Promise<{ disk?: ScratchDisk; ms: number }> {
    if (!this.scratch) return { ms: 0 };
    const { disk, ms } = await this.scratch.take(sizeMb, { uid: rootId, gid: rootId });
    return { disk, ms };
  }

  /** @internal */
  refillScratch(): void {
    this.scratch?.refill();
  }

  /** @internal */
  releaseScratch(disk: ScratchDisk): void {
    if (this.scratch) this.scratch.release(disk);
  }

  /** @internal */
  forget(id: string, sandbox: RuncSandbox): void {
    if (this.live.get(id) === sandbox) this.live.delete(id);
  }

  private requireNetwork(): SandboxNetwork {
    if (!this.network) throw new Error('RuncDriver.init() has not completed');
    return this.network;
  }
}

type SandboxState = 'starting' | 'running' | 'stopping' | 'stopped';

export class RuncSandbox implements Sandbox {
  readonly id: string;
  private state: SandboxState = 'starting';
  private netns: PreparedNetns | undefined;
  private scratchDisk: ScratchDisk | undefined;
  private readonly cgroup: SandboxCgroup;
  private readonly containerId: string;
  private statusText = '';
  private openStreams = 0;
  private streamsClosed!: Promise<void>;
  private teardownPromise: Promise<void> | undefined;
  private startPromise: Promise<CreateTimings> | undefined;
  private peakBytes = 0;
  private initEnded = false;
  /** MemorySize whose CPU share and limit apply: the spec's, or the bound function's (`bindCode`). */
  private memoryMb: number;
  private codeBound = false;

  constructor(
    private readonly driver: RuncDriver,
    private readonly spec: SandboxSpec,
    private readonly cgroups: CgroupLayout,
    private readonly network: SandboxNetwork,
  ) {
    this.id = spec.id;
    this.containerId = driver.containerId(spec.id);
    this.cgroup = new SandboxCgroup(cgroups, driver.cgroupPath(spec.id));
    this.memoryMb = spec.memoryMb;
  }

  get ip(): string {
    if (!this.netns) throw new Error(`sandbox ${this.id} has no address yet`);
    return this.netns.ip;
  }

  /** Host-side names of this EE's links (diagnostics and tests). */
  get netnsName(): string | undefined {
    return this.netns?.name;
  }

  get hostVethName(): string | undefined {
    return this.netns?.hostVeth;
  }

  start(): Promise<CreateTimings> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  /** Network phase, then bundle + `runc run -d`. Rejects (with everything undone) if runc fails. */
  private async doStart(): Promise<CreateTimings> {
    const { netns, ms: networkMs } = await this.network.take();
    this.netns = netns;
    const userns = this.driver.userNamespaces ? userNamespaceFor(netns.ip) : undefined;
    const bundle = this.driver.bundleDir(this.id);
    let scratchMs = 0;
    let t0 = performance.now();
    try {
      const scratch = await this.driver.takeScratch(this.spec.ephemeralStorageMb, userns?.hostId ?? 0);
      this.scratchDisk = scratch.disk;
      scratchMs = scratch.ms;
      t0 = performance.now();
      fs.mkdirSync(bundle, { recursive: true, mode: 0o700 });
      const config = ociConfig({
        spec: this.spec,
        rootfsPath: this.driver.rootfsPath(),
        hostMounts: this.driver.sharedMounts(),
        netnsPath: netns.path,
        cgroupsPath: this.driver.cgroupPath(this.id),
        // Lambda's hostname is the EE's address as well (e.g. 169.254.x.y).
        hostname: netns.ip,
        cgroups: this.cgroups,
        ...(userns ? { userns } : {}),
        ...(this.scratchDisk ? { tmpDir: this.scratchDisk.mountPoint } : {}),
        ...(this.spec.deferredCode ? { codeMountPoints: this.driver.codeMounts.prepare(this.id) } : {}),
      });
      // Holds the function's environment (secrets): readable by root only.
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config), { mode: 0o600 });
      await this.runContainer(bundle);
    } catch (e) {
      await this.undoFailedStart(bundle);
      throw e;
    } finally {
      this.driver.refillScratch(); // now that runc has started the container (see ScratchPool.take)
    }
    return { networkMs, sandboxMs: performance.now() - t0, ...(this.scratchDisk ? { scratchMs } : {}) };
  }

  /**
   * `runc run -d`: stdio 1, 2 and 3 are pipes that the container inherits
   * (runc's detached pass-through mode). stderr is held back until runc has
   * exited, because runc prints its own errors there too.
   */
  private runContainer(bundle: string): Promise<void> {
    const logFile = path.join(bundle, 'runc.log');
    const args = ['--root', this.driver.stateDir, '--log', logFile, '--log-format', 'json'];
    args.push('run', '--detach', '--preserve-fds', '1', '--bundle', bundle, this.containerId);
    const child: ChildProcess = spawn('runc', args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { PATH: toolPath },
    });
    const stdout = child.stdio[1] as Readable;
    const stderr = child.stdio[2] as Readable;
    const status = child.stdio[3] as Readable;
    // stderr is held back until runc has exited: runc prints its own errors there.
    let held: Buffer[] | undefined = [];
    let heldBytes = 0;
    let failed = false;
    const releaseHeld = (): void => {
      const chunks = held ?? [];
      held = undefined;
      for (const c of chunks) this.output('stderr', c);
    };
    stdout.on('data', (c: Buffer) => this.output('stdout', c));
    stderr.on('data', (c: Buffer) => {
      if (!held) return this.output('stderr', c);
      if (heldBytes > startOutputBufferBytesMax) {
        if (!failed) releaseHeld(); // a chatty start: stop holding back
        return;
      }
      held.push(c);
      heldBytes += c.length;
    });
    status.on('data', (c: Buffer) => {
      if (this.statusText.length < 64) this.statusText += c.toString();
    });
    let closed!: () => void;
    this.streamsClosed = new Promise((r) => (closed = r));
    this.openStreams = 3;
    let stderrClosed!: () => void;
    const stderrDone = new Promise<void>((r) => (stderrClosed = r));
    for (const s of [stdout, stderr, status]) {
      s.on('error', () => {}); // EPIPE/ECONNRESET end the stream like EOF does
      s.on('close', () => {
        if (s === stderr) stderrClosed();
        if (--this.openStreams === 0) {
          closed();
          if (this.state === 'running') void this.teardown();
        }
      });
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), runcStartTimeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        failed = true;
        reject(e);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) {
          this.state = 'running';
          releaseHeld();
          // The container may already be gone (a process that exits at once).
          if (this.openStreams === 0) setImmediate(() => void this.teardown());
          resolve();
          return;
        }
        // Failed: nothing of this goes to the EE's output. runc was the only
        // writer, so its stderr ends soon; wait for it (bounded) to report all.
        failed = true;
        const why = signal ? `killed by ${signal} after ${runcStartTimeoutMs} ms` : `exit status ${code}`;
        void Promise.race([stderrDone, sleep(runcErrorDrainMs, undefined, { ref: false })]).then(() => {
          const text = Buffer.concat(held ?? []).toString().trim() || runcLogErrors(logFile);
          reject(new Error(`runc run ${this.containerId} failed (${why}): ${text.slice(0, 4000)}`));
        });
      });
    });
  }

  private output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    try {
      this.spec.onOutput(stream, chunk);
    } catch {
      /* a consumer's error must not stop the output of the EE */
    }
  }

  private async undoFailedStart(bundle: string): Promise<void> {
    this.state = 'stopped';
    try {
      this.cgroup.killAll();
    } catch {
      /* no cgroup was created */
    }
    await run('runc', ['--root', this.driver.stateDir, 'delete', '--force', this.containerId], { allowFailure: true }).catch(() => undefined);
    await removeCgroupTree(this.cgroups, this.driver.cgroupPath(this.id)).catch(() => undefined);
    fs.rmSync(bundle, { recursive: true, force: true });
    this.releaseScratch();
    if (this.spec.deferredCode) await this.driver.codeMounts.release(this.id).catch(() => undefined);
    if (this.netns) await this.network.release(this.netns).catch(() => undefined);
  }

  private releaseScratch(): void {
    const disk = this.scratchDisk;
    this.scratchDisk = undefined;
    if (disk) this.driver.releaseScratch(disk);
  }

  /**
   * Init is over: from now on the EE gets only its proportional CPU share
   * (bundle.ts, `cpuQuota`). Done on the first freeze (after the EE's first
   * invocation); an owner may call it earlier, when the runtime first asks
   * for an invocation. One file write.
   */
  endInit(): void {
    if (this.initEnded || this.state !== 'running') return;
    this.initEnded = true;
    const { quota, period } = cpuQuota(this.memoryMb);
    try {
      this.cgroup.setCpuQuota(quota, period);
    } catch {
      /* the EE is being torn down */
    }
  }

  /**
   * The function's code, layers and memory for a `deferredCode` EE (driver.ts
   * contract 7): the code's read-only binds propagate into the running
   * container, then the cgroup gets the function's memory limit and init CPU.
   */
  async bindCode(b: CodeBinding): Promise<void> {
    if (!this.spec.deferredCode) throw new Error(`sandbox ${this.id} was created with its code`);
    if (this.codeBound) throw new Error(`sandbox ${this.id} already has its code`);
    if (this.state !== 'running') throw new Error(`sandbox ${this.id} is not running`);
    this.codeBound = true;
    await this.driver.codeMounts.bind(this.id, b.codeDir, b.optDir);
    this.cgroup.setMemoryLimitBytes(b.memoryMb * 1024 * 1024);
    this.memoryMb = b.memoryMb;
    if (!this.initEnded) {
      const { quota, period } = initCpuQuota(b.memoryMb);
      this.cgroup.setCpuQuota(quota, period);
    }
  }

  async freeze(): Promise<void> {
    if (this.state !== 'running') return;
    this.endInit();
    // A teardown that starts meanwhile wins: the freezer stops retrying.
    await this.cgroup.freeze(() => this.state === 'running');
  }

  async thaw(): Promise<void> {
    if (this.state !== 'running') return;
    this.cgroup.thaw();
  }

  memoryPeakBytes(): number {
    if (this.state === 'running' || this.state === 'stopping') {
      const v = this.cgroup.memoryPeakBytes(this.state === 'running');
      if (v !== undefined) this.peakBytes = Math.max(this.peakBytes, v);
    }
    return this.peakBytes;
  }

  destroy(): Promise<void> {
    // Still starting (only reachable through shutdown()): let the start settle first.
    if (this.state === 'starting') return (this.startPromise ?? Promise.resolve()).then(() => this.destroy(), () => undefined);
    if (this.state === 'stopped' && !this.teardownPromise) return Promise.resolve(); // failed start, already undone
    return this.teardown();
  }

  /** The one way an EE ends, whether it exited or was destroyed; runs once. */
  private teardown(): Promise<void> {
    this.teardownPromise ??= (async () => {
      this.state = 'stopping';
      // 1. Kill every task (frozen ones included) and wait until all are gone:
      //    EOF on the pipes and an empty cgroup.
      try {
        this.cgroup.killAll();
      } catch {
        /* cgroup already gone */
      }
      await Promise.race([this.streamsClosed, sleep(killWaitMsMax, undefined, { ref: false })]);
      await this.cgroup.waitEmpty().catch(() => false);
      // 2. Read what only the cgroup knows, before it is removed.
      const oomKilled = this.cgroup.oomKills() > 0;
      this.memoryPeakBytes();
      this.cgroup.closeFiles();
      // 3. Report: every process of the container has ended. The address
      //    stays this EE's until step 5 (the Runtime API maps EEs by address).
      const ended = parseInitStatus(this.statusText, os.constants.signals) ?? { exitCode: null, signal: 'SIGKILL' };
      const exit: SandboxExit = { ...ended, oomKilled };
      try {
        this.spec.onExit(exit);
      } catch {
        /* a consumer's error must not stop the cleanup */
      }
      // 4. Container state and cgroup, and (no process is left in it) the
      //    network namespace with its veth, side by side.
      const removeContainer = async (): Promise<void> => {
        await run('runc', ['--root', this.driver.stateDir, 'delete', '--force', this.containerId], { allowFailure: true }).catch(() => undefined);
        if (this.cgroup.exists()) await removeCgroupTree(this.cgroups, this.driver.cgroupPath(this.id)).catch(() => undefined);
      };
      const netns = this.netns;
      await Promise.all([removeContainer(), netns && this.network.removeLinks(netns).catch(() => undefined)]);
      if (this.spec.deferredCode) await this.driver.codeMounts.release(this.id).catch(() => undefined);
      // The container (and its mount namespace) is gone: its /tmp disk can go.
      this.releaseScratch();
      fs.rmSync(this.driver.bundleDir(this.id), { recursive: true, force: true });
      this.state = 'stopped';
      this.driver.forget(this.id, this);
      // 5. Only now may another EE get this address.
      if (netns) this.network.freeAddress(netns);
    })();
    return this.teardownPromise;
  }
}

function validateSpec(spec: SandboxSpec): void {
  if (!sandboxIdPattern.test(spec.id)) throw new Error(`invalid sandbox id "${spec.id}" (want ${sandboxIdPattern})`);
  for (const [name, v] of [
    ['memoryMb', spec.memoryMb],
    ['ephemeralStorageMb', spec.ephemeralStorageMb],
    ['pidsMax', spec.pidsMax],
    ['openFilesMax', spec.openFilesMax],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`sandbox ${spec.id}: ${name} must be a positive integer, got ${v}`);
  }
  if (spec.args.length === 0) throw new Error(`sandbox ${spec.id}: args must not be empty`);
  for (const [k, v] of Object.entries(spec.env)) {
    if (!k || k.includes('=') || k.includes('\0') || v.includes('\0')) throw new Error(`sandbox ${spec.id}: invalid environment variable ${JSON.stringify(k)}`);
  }
  if (!path.isAbsolute(spec.cwd)) throw new Error(`sandbox ${spec.id}: cwd must be absolute`);
  if (spec.deferredCode ? spec.codeDir !== undefined || spec.optDir !== undefined : spec.codeDir === undefined) {
    throw new Error(`sandbox ${spec.id}: give codeDir, or deferredCode without codeDir and optDir`);
  }
  for (const dir of [...(spec.codeDir ? [spec.codeDir] : []), spec.runtimeDir, ...(spec.optDir ? [spec.optDir] : [])]) {
    if (!path.isAbsolute(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`sandbox ${spec.id}: ${dir} is not a directory`);
  }
}

/**
 * runc creates a missing working directory before it makes the root
 * read-only, which for a path in the shared rootfs would create it on the
 * host for every later EE too. So the cwd must lie inside a mount of its own
 * (where creating fails or stays inside the EE) or already exist.
 */
function checkCwd(spec: SandboxSpec, rootfsDir: string): void {
  const cwd = path.posix.normalize(spec.cwd);
  const mounted = ['/var/task', '/var/runtime', '/tmp', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/dev', '/sys'];
  if (spec.optDir || spec.deferredCode) mounted.push('/opt');
  if (mounted.some((m) => cwd === m || cwd.startsWith(m + '/'))) return;
  const inRootfs = fs.statSync(path.join(rootfsDir, cwd), { throwIfNoEntry: false });
  if (!inRootfs?.isDirectory()) throw new Error(`sandbox ${spec.id}: working directory ${spec.cwd} does not exist in the sandbox`);
}

/** MTU of the uplink, so EE packets are not fragmented or black-holed on a smaller-MTU host network. */
function hostMtuBytes(): number {
  const iface = defaultRouteInterface();
  if (!iface) return mtuDefaultBytes;
  try {
    const mtu = Number(fs.readFileSync(`/sys/class/net/${iface}/mtu`, 'utf8').trim());
    return mtu >= 576 && mtu <= 65535 ? mtu : mtuDefaultBytes;
  } catch {
    return mtuDefaultBytes;
  }
}

/** PATH for runc and the network tools (Kumo's own PATH is not trusted for privileged programs). */
const toolPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const requiredTools = ['runc', 'ip', 'iptables-save', 'iptables-restore'];

function onPath(tool: string): boolean {
  return toolPath.split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The error messages of a runc JSON log (used when runc printed nothing on stderr). */
function runcLogErrors(logFile: string): string {
  try {
    return fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level?: string; msg?: string })
      .filter((e) => e.level === 'error' || e.level === 'fatal')
      .map((e) => e.msg)
      .join('; ');
  } catch {
    return '';
  }
}

/** User namespaces are available unless the kernel lacks them or an administrator set their count to 0. */
function kernelAllowsUserNamespaces(): boolean {
  try {
    return Number(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim()) > 0;
  } catch {
    return false;
  }
}
