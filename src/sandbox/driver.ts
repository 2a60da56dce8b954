/**
 * The sandbox driver contract. Only `src/sandbox/` runs runc, touches cgroups,
 * namespaces or the network plumbing; everything else sees this interface.
 *
 * Contract (every driver implementation must hold it; see driver.contract.ts):
 *  1. `init()` removes leftovers of an earlier crash (containers, cgroups,
 *     mounts, network links named with this driver's prefix) before anything
 *     is created, then prepares shared plumbing (bridge, NAT).
 *  2. `create(spec)` resolves once the EE's process has been started. The
 *     process runs with `spec.env` only (no host environment), as a non-root
 *     user, with `/var/task`, `/var/runtime` and `/opt` read-only, a writable
 *     `/tmp` of `spec.ephemeralStorageMb`, memory limited to `spec.memoryMb`
 *     without swap, a pids limit of `spec.pidsMax`, and CPU in proportion to
 *     memory once init (and, in the runc driver, the first invocation) has
 *     ended (1,769 MB = one vCPU, capped at the host's
 *     cores), behind a default-deny seccomp filter.
 *  3. The EE's process reaches `runtimeApiAddress()` (host:port) over TCP from
 *     its own network namespace, and its requests arrive there with source
 *     address `sandbox.ip`, which is unique among live sandboxes.
 *  4. Everything the process writes to stdout/stderr reaches `spec.onOutput`
 *     in order, per stream.
 *  5. `spec.onExit` is called exactly once, after the process (and the whole
 *     container) is gone, with `oomKilled` true when the memory limit killed it.
 *  6. `destroy()` is idempotent; after it resolves no process, cgroup, mount or
 *     network link of that sandbox remains. `shutdown()` destroys all.
 *  7. With `spec.deferredCode` (drivers with `deferredCode`), /var/task and
 *     /opt start empty and `bindCode()` fills them, read-only, once: the
 *     runtime process is already running and waiting (pre-initialised EEs).
 */
export interface SandboxSpec {
  /** Unique id, `[a-z0-9-]{1,48}`; names the container, cgroup and links. */
  id: string;
  /** Host directory mounted read-only at `/var/task`; absent with `deferredCode`. */
  codeDir?: string;
  /**
   * /var/task and /opt stay empty until `Sandbox.bindCode()` (a
   * pre-initialised EE: its runtime starts before it has a function).
   */
  deferredCode?: boolean;
  /** Host directory mounted read-only at `/var/runtime` (the bootstrap programs). */
  runtimeDir: string;
  /** Host directory mounted read-only at `/opt` (unpacked layers), if any. */
  optDir?: string;
  memoryMb: number;
  ephemeralStorageMb: number;
  pidsMax: number;
  openFilesMax: number;
  /** Full environment of the process; nothing of the host's is added. */
  env: Record<string, string>;
  /** argv of the process, e.g. `['/var/runtime/nodejs/bootstrap']`. */
  args: string[];
  /** Working directory inside the EE (Lambda uses /var/task). */
  cwd: string;
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  onExit(info: SandboxExit): void;
}

export interface SandboxExit {
  exitCode: number | null;
  signal: string | null;
  oomKilled: boolean;
}

export interface Sandbox {
  readonly id: string;
  /** Source address of this EE's traffic as seen by the Runtime API server. */
  readonly ip: string;
  /**
   * The runtime finished init (its first `GET /next`): CPU drops from the
   * init allowance (at least one vCPU) to the function's share (memory /
   * 1,769 MB). Drivers without the distinction may omit it; the runc driver
   * does it on the first `freeze()` unless called before.
   */
  endInit?(): void;
  /** Stop all processes of the EE from being scheduled (cgroup freezer). */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Peak memory use of the EE's cgroup in bytes (what REPORT's Max Memory Used shows). */
  memoryPeakBytes(): number;
  /**
   * Resolves once everything the process wrote before the call has reached
   * `spec.onOutput` (after one more turn of the caller's event loop). Drivers
   * whose output pipes are read in the caller's own process may omit it (a
   * turn of the loop drains them); the supervised driver's output crosses a
   * process boundary first.
   */
  drainOutput?(): Promise<void>;
  /**
   * A `deferredCode` sandbox gets its function: the code (and layers) appear
   * read-only at /var/task (and /opt), and the memory limit (and the init CPU
   * allowance, and the share after init) become `memoryMb`'s. At most once;
   * resolves when all of it is in place.
   */
  bindCode?(b: CodeBinding): Promise<void>;
  /** Kill every process and remove container, cgroup, mounts and links. Idempotent. */
  destroy(): Promise<void>;
}

export interface CodeBinding {
  codeDir: string;
  optDir?: string;
  memoryMb: number;
}

export interface CreateTimings {
  /** ms spent preparing the network namespace. */
  networkMs: number;
  /** ms spent writing the bundle and starting the container. */
  sandboxMs: number;
  /** ms spent getting the EE's /tmp disk (runc driver: ~0 from its pool, a mkfs and mount when made on demand); absent when /tmp needs no set-up. */
  scratchMs?: number;
}

/** Kumo's AWS API as EEs reach it (see `SandboxDriver.setApiPath`). */
export interface ApiPath {
  port: number;
  redirected: string[];
}

export interface SandboxDriver {
  readonly name: string;
  init(): Promise<void>;
  /** `host:port` the EE uses as AWS_LAMBDA_RUNTIME_API. Valid after `init()` and `setRuntimeApiPort()`. */
  runtimeApiAddress(): string;
  /** The address the Runtime API server must listen on (valid after `init()`). */
  runtimeApiListenHost(): string;
  setRuntimeApiPort(port: number): void;
  /**
   * Opens Kumo's AWS API to EEs (issue 18): `path.port` on the Runtime API's
   * host address (the API listens there too) becomes reachable from EEs, and
   * inside each EE TCP to `path.redirected`:port reaches it (so the URLs the
   * host side uses, `http://127.0.0.1:<port>/…`, work in an EE). Call before
   * any EE starts; EEs then reach only the Runtime API and this port.
   * Optional: a driver without it gives EEs no path to the API.
   */
  setApiPath?(path: ApiPath): void;
  /** Whether `spec.deferredCode` works here (valid after `init()`). */
  readonly deferredCode?: boolean;
  create(spec: SandboxSpec): Promise<{ sandbox: Sandbox; timings: CreateTimings }>;
  shutdown(): Promise<void>;
}
