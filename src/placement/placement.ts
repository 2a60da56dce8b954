import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { limits, type KumoConfig } from '../config';
import type { SandboxDriver, SandboxExit } from '../sandbox/driver';
import { ExecutionEnvironment, type InvocationOutcome } from '../sandbox/execution-environment';
import type { RuntimeApiServer } from '../runtime-api/server';
import type { VersionRecord } from '../domain/records';
import type { CodeCache } from '../blobs/code-cache';
import { LineSplitter, LogSink, logStreamName } from '../observability/logs';
import { platformLog } from '../observability/platform-log';
import { runtimesDir } from '../paths';
import { debugCommand, emulatedEeMemoryOverheadMb, emulationEnv, hostArchitecture, runtimeArgv, runtimeSpec, type Architecture, type RuntimeSpec } from '../runtimes/registry';
import type { DebugSessions } from './debug';
import { DomainError } from '../domain/errors';
import { ScalingRate } from './scaling-rate';
import { MemoryBudget } from './memory-budget';
import { ProvisionedSet, type ProvisionedStatus } from './provisioned';
import { eeCredentialsMarginMs, eeRetireAtMs, prewarmKeepMs } from './limits';
import type { SessionCredentials } from '../identity/types';
import { memoryClassMb, prewarmEligible, PrewarmPool, type PooledEe, type PoolKey, type PrewarmStats } from './prewarm-pool';

/** Concurrent cold starts per CPU core, and the floor: beyond them, requests wait for a slot or a warm EE. */
const coldStartsPerCore = 2;
const coldStartsMin = 2;
/** How often idle EEs are checked for reaping. */
const reapIntervalMsMax = 30_000;

/** What starting an EE needs besides the version record. */
export interface EeContext {
  /** Decrypted environment of the version (only ever decrypted here, when an EE starts). */
  env(rec: VersionRecord): Record<string, string>;
  /** The merged /opt tree of the version's layers, if it has any. */
  optDir(rec: VersionRecord): Promise<string | undefined>;
  /**
   * Credentials of a new session of the version's execution role (issue 18),
   * minted once per EE when it starts (never on the warm path); undefined:
   * EEs get none (no identity service composed).
   */
  roleSession?(rec: VersionRecord, durationMs: number): SessionCredentials;
  /** Kumo's API as EEs reach it (`AWS_ENDPOINT_URL`); undefined while the API does not listen for EEs. */
  apiEndpoint?(): string | undefined;
}

/**
 * One account's view of placement (issue 18, several accounts): its EEs'
 * environment, layers, role sessions and log sink. Pools, provisioned
 * concurrency configs and retirement are namespaced by the account, while
 * the host's memory budget, cold-start slots and pre-initialised EEs stay
 * shared: they are the machine's, not an account's.
 */
export interface AccountScope {
  readonly accountId: string;
  readonly logs: LogSink;
  readonly ctx: EeContext;
}

/** What the invoke path and the provisioned-concurrency control plane use of placement (an account's view). */
export type PlacementPort = Pick<Placement, 'acquire' | 'finishing' | 'release' | 'retire' | 'provision' | 'deprovision' | 'provisionedStatus' | 'provisionedIds'>;

export interface AcquiredEe {
  ee: ExecutionEnvironment;
  /** Set when this call cold-started the EE. */
  cold?: { initDurationMs: number; networkMs: number; sandboxMs: number; scratchMs?: number; bindMs?: number; totalMs: number };
  /** The EE is one of this provisioned concurrency config's (its `busy` counts this invocation). */
  provisioned?: ProvisionedSet;
  /** An on-demand EE although the version has provisioned concurrency: all of it was in use (a spillover invocation). */
  spilledFrom?: ProvisionedSet;
}

/** An init that failed gives the caller this outcome (AWS returns the runtime's init error as the invoke's error). */
export class InitFailure extends Error {
  constructor(readonly outcome: InvocationOutcome) {
    super('init failed');
  }
}

/** What the memory budget may evict: an idle on-demand EE, or a pre-initialised one not bound yet. */
type Evictee =
  | { ee: ExecutionEnvironment; memoryMb: number; lastUsedMs: number }
  | { pooled: PooledEe; memoryMb: number; lastUsedMs: number };

interface EeEntry {
  pool: VersionPool;
  teardown(): Promise<void>;
  /** What the EE was promised from the host's memory budget (its MemorySize). */
  memoryMb: number;
  /** Set for an EE of provisioned concurrency. */
  provisioned?: ProvisionedSet;
  /** Epoch ms after which the EE takes no invocation: its credentials must outlive its last one (limits.ts `eeRetireAtMs`). */
  retireAtMs: number;
  /** A debugged EE (`kumo dev --debug`): never frozen (its inspector must answer) nor reaped for idleness. */
  debug?: true;
  /** Its invocation has answered and its logs are being finished (`finishing`): it is released next. */
  finishing?: true;
}

/** A request waiting for an EE: it takes whichever comes first, a warm EE of its pool or a cold-start slot. */
interface Waiter {
  pool: VersionPool;
  settled: boolean;
  resolve(got: { ee?: ExecutionEnvironment; retry?: true }): void;
  /** Waits for a debugged function's one EE (`waitForDebugged`): woken to start over when that EE goes. */
  debugged?: true;
  /** Waits for an EE that answered and is finishing its logs (`waitForFinishing`): woken to start over when an EE of the pool goes. */
  finish?: true;
}

/** Warm EEs of one function version (keyed by its revision: a change of code or configuration starts a new pool). */
class VersionPool {
  readonly idle: ExecutionEnvironment[] = [];
  /** Idle provisioned EEs: handed out before `idle` (AWS serves a version's requests from its provisioned concurrency first). */
  readonly provIdle: ExecutionEnvironment[] = [];
  readonly all = new Set<ExecutionEnvironment>();
  readonly waiters: Waiter[] = [];
  retired = false;
  /** The provisioned concurrency config running EEs of this version, if any. */
  provSet: ProvisionedSet | undefined;
  /** EEs whose invocation answered and whose logs are being finished (`Placement.finishing`), and the requests waiting for them. */
  finishing = 0;
  finishWaiters = 0;
  constructor(readonly key: string, readonly scope: AccountScope) {}
}

/**
 * Hands out execution environments: a warm idle one of the same version when
 * there is one (most recently used first), else a cold start. Freezes idle
 * EEs, reaps them after `eeIdleMs`, and destroys failed ones. Never shares an
 * EE between versions or functions.
 */
export class Placement {
  private readonly pools = new Map<string, VersionPool>();
  private readonly byEe = new Map<ExecutionEnvironment, EeEntry>();
  /** Provisioned concurrency by config (function + qualifier). */
  private readonly provisioned = new Map<string, ProvisionedSet>();
  private readonly memory: MemoryBudget;
  private readonly reaper: NodeJS.Timeout;
  private eeSeq = 0;
  /** Cold starts under way, and the requests waiting for a slot (FIFO). */
  private coldActive = 0;
  private readonly coldQueue: Waiter[] = [];
  private readonly coldStartsMax: number;
  /** shutdown() was called: no EE is handed out or started any more. */
  private closed = false;
  /** Pre-initialised EEs (prewarm-pool.ts); undefined when off (KUMO_PREWARM) or the driver cannot bind code late. */
  private readonly prewarm: PrewarmPool | undefined;
  /** The server's own account (the scope of the methods called on Placement itself). */
  private readonly home: AccountScope;
  /** Debugged functions (debug.ts) of the server's own account; set by the server when KUMO_DEBUG_FUNCTIONS is on. */
  debug: DebugSessions | undefined;

  constructor(
    private readonly cfg: KumoConfig,
    private readonly driver: SandboxDriver,
    private readonly runtimeApi: RuntimeApiServer,
    private readonly code: CodeCache,
    private readonly logs: LogSink,
    private readonly ctx: EeContext,
    /** New EEs per function are limited to this rate (AWS's concurrency scaling rate). */
    private readonly scaling: ScalingRate = new ScalingRate(cfg.scalingRateEes, cfg.scalingRateWindowMs),
  ) {
    this.home = { accountId: cfg.accountId, logs, ctx };
    // The reaper also retires idle EEs whose credentials near expiry: its period stays within that margin.
    this.reaper = setInterval(
      () => this.reap(),
      Math.min(reapIntervalMsMax, Math.max(1000, cfg.eeIdleMs / 2), Math.max(1000, eeCredentialsMarginMs(cfg.eeCredentialsMs))),
    );
    this.reaper.unref();
    this.memory = new MemoryBudget(cfg.eeMemoryBudgetMb);
    this.coldStartsMax = Math.max(coldStartsMin, Math.min(limits.coldStartsMax, os.availableParallelism() * coldStartsPerCore));
    this.prewarm =
      cfg.prewarm && driver.deferredCode
        ? new PrewarmPool(
            {
              driver,
              runtimeApi,
              // A pooled EE never evicts anything for its memory: the pool is the lowest priority.
              takeMemory: (mb) => this.memory.take(mb, () => [], () => undefined),
              giveMemory: (mb) => this.memory.give(mb),
              baseEnv: (runtime) => this.baseEnv(runtime),
              busy: () => this.coldActive > 0 || this.coldQueue.length > 0,
            },
            cfg.prewarmPoolMax,
            Math.min(prewarmKeepMs, cfg.eeIdleMs),
          )
        : undefined;
  }

  /** Pre-initialised EEs: how many served cold starts, and how many wait now (undefined when off). */
  get prewarmStats(): PrewarmStats | undefined {
    return this.prewarm?.stats();
  }

  /**
   * Another account's view: the same placement, its pools and provisioned
   * configs namespaced by `scope.accountId` (a function name means nothing
   * across accounts).
   */
  forAccount(scope: AccountScope): PlacementPort {
    if (scope.accountId === this.home.accountId) return this;
    return {
      acquire: (rec) => this.acquireIn(scope, rec),
      finishing: (ee) => this.finishing(ee),
      release: (ee) => this.release(ee),
      retire: (name, version, keep) => this.retireIn(scope.accountId, name, version, keep),
      provision: (id, rec, requested, retry) => this.provisionIn(scope, id, rec, requested, retry),
      deprovision: (id) => this.deprovisionKey(`${scope.accountId}\0${id}`),
      provisionedStatus: (id) => this.provisioned.get(`${scope.accountId}\0${id}`)?.status(),
      provisionedIds: () => this.idsIn(scope.accountId),
    };
  }

  private poolKey(accountId: string, rec: VersionRecord): string {
    return `${accountId}\0${rec.functionName}\0${rec.version}\0${rec.revisionId}`;
  }

  /** Gets an EE ready to take one invocation. */
  acquire(rec: VersionRecord): Promise<AcquiredEe> {
    return this.acquireIn(this.home, rec);
  }

  private async acquireIn(scope: AccountScope, rec: VersionRecord): Promise<AcquiredEe> {
    if (this.closed) throw new Error('the server is stopping');
    const key = this.poolKey(scope.accountId, rec);
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = new VersionPool(key, scope)));
    let warm = pool.provIdle.pop() ?? pool.idle.pop();
    // An EE whose runtime has died is never handed out (its teardown may still be running).
    while (warm && warm.state !== 'idle') {
      void this.byEe.get(warm)?.teardown();
      warm = pool.provIdle.pop() ?? pool.idle.pop();
    }
    if (warm) {
      await this.unfreeze(warm);
      return this.handOut(warm, pool);
    }
    // A debugged function has one EE: while it is starting or busy (perhaps paused in the debugger) a request waits for it.
    const debugged = scope === this.home ? this.debug?.get(rec.functionName) : undefined;
    // Its one EE idle in another version's pool (the debugger's EE of $LATEST, an invoke of an alias): it makes room.
    if (debugged && debugged.live > 0) this.retireIdleDebugged(rec.functionName);
    if (debugged && debugged.live > 0) return this.waitForDebugged(pool, rec);
    // An EE of this version has answered and is finishing its logs (a millisecond or so): waiting for it beats any cold start.
    if (pool.finishing > pool.finishWaiters) return this.waitForFinishing(pool, rec);
    if (this.coldActive < this.coldStartsMax) {
      // Only a cold start spends memory and the function's scaling rate; the warm path above never looks at them.
      if (!this.tryTakeMemory(rec)) return this.waitForBusy(pool, rec);
      if (!this.scaling.take(rec.functionName)) {
        this.memory.give(eeMemoryMb(rec.config));
        throw scalingRateExceeded();
      }
      this.coldActive++;
      return this.coldStartInSlot(pool, rec);
    }
    // Too many cold starts at once would share the CPU until all of them miss
    // the init deadline: wait for a slot, or for a warm EE of this version.
    const got = await new Promise<{ ee?: ExecutionEnvironment }>((resolve) => {
      const w: Waiter = { pool: pool!, settled: false, resolve };
      pool!.waiters.push(w);
      this.coldQueue.push(w);
    });
    if (this.closed) throw new Error('the server is stopping');
    if (got.ee) {
      await this.unfreeze(got.ee);
      return this.handOut(got.ee, pool);
    }
    if (!this.tryTakeMemory(rec)) {
      this.handOnColdSlot();
      return this.waitForBusy(pool, rec);
    }
    if (!this.scaling.take(rec.functionName)) {
      this.memory.give(eeMemoryMb(rec.config));
      this.handOnColdSlot();
      throw scalingRateExceeded();
    }
    return this.coldStartInSlot(pool, rec);
  }

  /**
   * Promises the version's memory for a new EE, evicting idle on-demand EEs
   * (least recently used first) when the host's budget is full; a throttle
   * when even that cannot make room.
   */
  private tryTakeMemory(rec: VersionRecord): boolean {
    const cfg = rec.config;
    // A pooled EE this cold start may bind is not evicted to make its room (prewarm-pool.ts `evictable`).
    const sparing = this.prewarm && cfg.architectures[0] === hostArchitecture() ? poolKeyOf(cfg) : undefined;
    return this.memory.take(eeMemoryMb(cfg), () => this.evictable(sparing), (c) => this.evict(c));
  }

  /**
   * The host's budget has no room for another EE of this version: when the
   * version has EEs busy (or starting), the request waits for one of them
   * (the closed-loop case: 32 callers, room for 10 EEs), at most the
   * function's timeout, within which a busy EE's invocation must end. With
   * none that could free up, or past the wait, it is throttled (AWS's 429).
   */
  private async waitForBusy(pool: VersionPool, rec: VersionRecord): Promise<AcquiredEe> {
    if (pool.all.size <= pool.idle.length + pool.provIdle.length) throw memoryExhausted();
    const got = await this.waitInPool(pool, rec.config.timeoutSeconds * 1000, false);
    if (this.closed) throw new Error('the server is stopping');
    if (!got.ee) throw memoryExhausted();
    await this.unfreeze(got.ee);
    return this.handOut(got.ee, pool);
  }

  /** Waits in `pool`'s queue for an EE handed over (or, for a debugged function, a start-over), at most `timeoutMs` (then `{}`). */
  private waitInPool(pool: VersionPool, timeoutMs: number, debugged: boolean): Promise<{ ee?: ExecutionEnvironment; retry?: true }> {
    return new Promise((resolve) => {
      const w: Waiter = { pool, settled: false, resolve, ...(debugged ? { debugged: true } : {}) };
      const timer = setTimeout(() => {
        if (w.settled) return;
        w.settled = true;
        resolve({});
      }, timeoutMs);
      w.resolve = (g) => {
        clearTimeout(timer);
        resolve(g);
      };
      pool.waiters.push(w);
    });
  }

  /**
   * A debugged function's one EE is starting or busy: the request waits for
   * it (at most the function's timeout, then the throttle of reserved
   * concurrency 1); when that EE goes instead (a redeploy retired it) the
   * request starts over and may start the next.
   */
  private async waitForDebugged(pool: VersionPool, rec: VersionRecord): Promise<AcquiredEe> {
    const got = await this.waitInPool(pool, rec.config.timeoutSeconds * 1000, true);
    if (this.closed) throw new Error('the server is stopping');
    if (got.retry) return this.acquire(rec);
    if (!got.ee) throw debugBusy();
    await this.unfreeze(got.ee);
    return this.handOut(got.ee, pool);
  }

  /**
   * Waits for one of the pool's EEs that answered and are finishing (no
   * timer: it is released within its drain), or, when an EE of the pool is
   * torn down instead, starts over.
   */
  private async waitForFinishing(pool: VersionPool, rec: VersionRecord): Promise<AcquiredEe> {
    pool.finishWaiters++;
    let got: { ee?: ExecutionEnvironment; retry?: true };
    try {
      got = await new Promise((resolve) => pool.waiters.push({ pool, settled: false, resolve, finish: true }));
    } finally {
      pool.finishWaiters--;
    }
    if (this.closed) throw new Error('the server is stopping');
    if (!got.ee) return this.acquireIn(pool.scope, rec);
    await this.unfreeze(got.ee);
    return this.handOut(got.ee, pool);
  }

  /** An EE of `pool` went: the first request waiting for a finishing EE starts over (it may wait for another, or cold-start). */
  private wakeFinishWaiter(pool: VersionPool): void {
    if (!pool.finishWaiters) return;
    const i = pool.waiters.findIndex((w) => w.finish && !w.settled);
    if (i < 0) return;
    const w = pool.waiters.splice(i, 1)[0]!;
    w.settled = true;
    w.resolve({ retry: true });
  }

  /** Tears down the debugged function's idle EEs (of any version: the caller's own pool had none idle). */
  private retireIdleDebugged(functionName: string): void {
    const prefix = `${this.home.accountId}\0${functionName}\0`;
    for (const [key, pool] of this.pools) {
      if (!key.startsWith(prefix)) continue;
      for (const ee of [...pool.idle]) if (this.byEe.get(ee)?.debug) void this.byEe.get(ee)?.teardown();
    }
  }

  /** A debugged EE went: requests waiting for the function's one EE start over. */
  private wakeDebugWaiters(functionName: string): void {
    const prefix = `${this.home.accountId}\0${functionName}\0`;
    for (const [key, pool] of this.pools) {
      if (!key.startsWith(prefix)) continue;
      const woken = pool.waiters.filter((w) => w.debugged);
      if (!woken.length) continue;
      pool.waiters.splice(0, pool.waiters.length, ...pool.waiters.filter((w) => !w.debugged));
      for (const w of woken) {
        if (w.settled) continue;
        w.settled = true;
        w.resolve({ retry: true });
      }
    }
  }

  /** A warm EE handed to a request: a provisioned one counts as busy in its set; an on-demand one of a provisioned version is a spillover. */
  private handOut(ee: ExecutionEnvironment, pool: VersionPool): AcquiredEe {
    const set = this.byEe.get(ee)?.provisioned;
    if (set) {
      set.busy++;
      return { ee, provisioned: set, spilledFrom: undefined };
    }
    return { ee, provisioned: undefined, spilledFrom: pool.provSet?.running ? pool.provSet : undefined };
  }

  /**
   * Idle on-demand EEs (provisioned ones are never evicted for a new EE),
   * and pre-initialised ones not bound yet, which go first (their
   * `lastUsedMs` is older than any EE's).
   */
  private evictable(sparing?: PoolKey): Evictee[] {
    const out: Evictee[] = [];
    for (const pool of this.pools.values()) {
      for (const ee of pool.idle) {
        const entry = this.byEe.get(ee);
        if (entry && ee.state === 'idle') out.push({ ee, memoryMb: entry.memoryMb, lastUsedMs: ee.lastUsedMs });
      }
    }
    for (const c of this.prewarm?.evictable(sparing) ?? []) out.push(c);
    return out;
  }

  /** Evicts an EE for the budget: its teardown gives its memory back at once. */
  private evict(c: Evictee): void {
    if ('pooled' in c) this.prewarm?.evict(c.pooled);
    else void this.byEe.get(c.ee)?.teardown();
  }

  /** Runs a cold start in a slot already counted in `coldActive`, then hands the slot on. */
  private async coldStartInSlot(pool: VersionPool, rec: VersionRecord): Promise<AcquiredEe> {
    try {
      const got = await this.coldStart(pool, rec);
      if (pool.provSet?.running) got.spilledFrom = pool.provSet;
      return got;
    } finally {
      this.handOnColdSlot();
    }
  }

  /** Gives up a slot counted in `coldActive`: the first request still waiting for one gets it. */
  private handOnColdSlot(): void {
    this.coldActive--;
    for (let w = this.coldQueue.shift(); w; w = this.coldQueue.shift()) {
      if (w.settled) continue;
      w.settled = true;
      this.coldActive++;
      w.resolve({});
      break;
    }
    // The last cold start is done: the pools of pre-initialised EEs may refill now.
    if (this.coldActive === 0 && this.prewarm) setImmediate(() => this.prewarm?.refill());
  }

  /**
   * The EE's invocation has answered; it is released once its logs are
   * finished. Until then a request of its version waits for it rather than
   * cold-start another EE.
   */
  finishing(ee: ExecutionEnvironment): void {
    const entry = this.byEe.get(ee);
    if (!entry || entry.finishing) return;
    entry.finishing = true;
    entry.pool.finishing++;
  }

  /** Returns an EE after an invocation; failed EEs are destroyed, never reused. */
  release(ee: ExecutionEnvironment): void {
    const entry = this.byEe.get(ee);
    if (!entry) return;
    if (entry.finishing) {
      entry.finishing = undefined;
      entry.pool.finishing--;
    }
    if (entry.provisioned && entry.provisioned.busy > 0) entry.provisioned.busy--;
    // Past its retirement (credentials about to expire) it goes too; a provisioned one is replaced by its set.
    if (ee.state !== 'idle' || entry.pool.retired || ee.lastUsedMs >= entry.retireAtMs || (entry.provisioned && !entry.provisioned.wants(ee))) {
      void entry.teardown();
      return;
    }
    for (let w = entry.pool.waiters.shift(); w; w = entry.pool.waiters.shift()) {
      if (w.settled) continue;
      w.settled = true;
      w.resolve({ ee });
      return;
    }
    (entry.provisioned ? entry.pool.provIdle : entry.pool.idle).push(ee);
    if (!entry.debug) this.scheduleFreeze(ee);
  }

  /**
   * A function changed or was deleted: warm EEs of that function (of one
   * version when `version` is given), except those of `keepRevision`, are drained.
   */
  retire(functionName: string, version?: string, keepRevision?: string): void {
    this.retireIn(this.home.accountId, functionName, version, keepRevision);
  }

  private retireIn(accountId: string, functionName: string, version?: string, keepRevision?: string): void {
    for (const [key, pool] of this.pools) {
      const [account, name, ver, rev] = key.split('\0');
      if (account !== accountId || name !== functionName || (version !== undefined && ver !== version) || rev === keepRevision) continue;
      pool.retired = true;
      this.pools.delete(key);
      // Provisioned concurrency on a retired version ends with it (the control plane provisions the new target, if any).
      for (const [id, set] of this.provisioned) {
        if (set.poolKey !== key) continue;
        this.provisioned.delete(id);
        set.stop();
      }
      for (const ee of [...pool.idle.splice(0), ...pool.provIdle.splice(0)]) void this.byEe.get(ee)?.teardown();
    }
  }

  /**
   * Provisioned concurrency for config `id` (function + qualifier): `requested`
   * EEs of `rec` started ahead with AWS_LAMBDA_INITIALIZATION_TYPE
   * provisioned-concurrency. A config that now targets another version (an
   * alias moved) starts over on it; the old EEs go.
   */
  provision(id: string, rec: VersionRecord, requested: number, retry = true): void {
    this.provisionIn(this.home, id, rec, requested, retry);
  }

  private provisionIn(scope: AccountScope, configId: string, rec: VersionRecord, requested: number, retry = true): void {
    if (this.closed) return;
    // Configs are keyed by account too (`<account>\0<function>\0<qualifier>`).
    const id = `${scope.accountId}\0${configId}`;
    const key = this.poolKey(scope.accountId, rec);
    const cur = this.provisioned.get(id);
    if (cur?.poolKey === key) {
      // The same version again after some other change of the function: nothing to do (a FAILED config stays failed until put again).
      if (!retry && cur.amount === requested) return;
      const pool = this.pools.get(key);
      cur.resize(requested, pool ? pool.provIdle.filter((ee) => cur.owns(ee)) : []);
      return;
    }
    if (cur) this.deprovisionKey(id);
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = new VersionPool(key, scope)));
    const p = pool;
    const set: ProvisionedSet = new ProvisionedSet(key, requested, {
      startsMax: this.coldStartsMax,
      start: async () => {
        if (this.closed) throw new Error('the server is stopping');
        if (!this.memory.take(eeMemoryMb(rec.config), () => this.evictable(), (c) => this.evict(c))) {
          throw new Error(provisionedNoMemoryReason);
        }
        try {
          return (await this.coldStart(p, rec, set)).ee;
        } catch (e) {
          // The function's own init failure is AWS's reason; anything else is the platform's, logged here and not shown to the caller.
          if (e instanceof InitFailure) throw new Error(provisionedInitFailedReason);
          console.error(`kumo: a provisioned EE of ${rec.functionName}:${rec.version} could not start:`, e);
          throw new Error(provisionedStartFailedReason);
        }
      },
      ready: (ee) => {
        if (p.retired || this.closed || ee.state !== 'idle') return false;
        // A request already waiting for an EE of this version takes it at once.
        for (let w = p.waiters.shift(); w; w = p.waiters.shift()) {
          if (w.settled) continue;
          w.settled = true;
          w.resolve({ ee });
          return true;
        }
        p.provIdle.push(ee);
        this.scheduleFreeze(ee);
        return true;
      },
      stop: (ee) => void this.byEe.get(ee)?.teardown(),
    }, rec.functionName, configId.replace('\0', ':'));
    p.provSet = set;
    this.provisioned.set(id, set);
    set.fill();
  }

  /** Ends config `id`'s provisioned concurrency: its idle EEs go now, busy ones when their invocation ends. */
  deprovision(id: string): void {
    this.deprovisionKey(`${this.home.accountId}\0${id}`);
  }

  private deprovisionKey(id: string): void {
    const set = this.provisioned.get(id);
    if (!set) return;
    this.provisioned.delete(id);
    this.stopSet(set);
  }

  private stopSet(set: ProvisionedSet): void {
    set.stop();
    const pool = this.pools.get(set.poolKey);
    if (pool?.provSet === set) pool.provSet = undefined;
    for (const ee of pool ? pool.provIdle.filter((e) => set.owns(e)) : []) void this.byEe.get(ee)?.teardown();
  }

  /** The allocation of config `id`, or undefined when placement runs none for it. */
  provisionedStatus(id: string): ProvisionedStatus | undefined {
    return this.provisioned.get(`${this.home.accountId}\0${id}`)?.status();
  }

  /** The configs placement runs EEs for. */
  provisionedIds(): string[] {
    return this.idsIn(this.home.accountId);
  }

  /** An account's config ids (stored behind `<account>\0`). */
  private idsIn(accountId: string): string[] {
    const out: string[] = [];
    const prefix = `${accountId}\0`;
    for (const id of this.provisioned.keys()) if (id.startsWith(prefix)) out.push(id.slice(prefix.length));
    return out;
  }

  /** Memory promised to this host's EEs now, and the budget (KUMO_EE_MEMORY_BUDGET_MB). */
  get memoryPromisedMb(): number {
    return this.memory.promisedMb;
  }

  get liveCount(): number {
    return this.byEe.size;
  }

  /** Destroys every EE; requests still waiting for one, and later ones, fail (the server is stopping). */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    const pooled = this.prewarm?.shutdown();
    for (const set of this.provisioned.values()) set.stop();
    this.provisioned.clear();
    for (const w of [...this.coldQueue.splice(0), ...[...this.pools.values()].flatMap((p) => p.waiters.splice(0))]) {
      if (w.settled) continue;
      w.settled = true;
      w.resolve({});
    }
    await Promise.all([...this.byEe.values()].map((e) => e.teardown()));
    await pooled;
  }

  private reap(): void {
    const now = Date.now();
    const cutoff = now - this.cfg.eeIdleMs;
    for (const pool of this.pools.values()) {
      for (let i = pool.idle.length - 1; i >= 0; i--) {
        const ee = pool.idle[i]!;
        if ((ee.lastUsedMs < cutoff && !this.byEe.get(ee)?.debug) || this.retiring(ee, now)) {
          pool.idle.splice(i, 1);
          void this.byEe.get(ee)?.teardown();
        }
      }
      // Provisioned EEs are never reaped for idleness, but are retired before their credentials expire (their set starts a new one).
      for (let i = pool.provIdle.length - 1; i >= 0; i--) {
        const ee = pool.provIdle[i]!;
        if (this.retiring(ee, now)) {
          pool.provIdle.splice(i, 1);
          void this.byEe.get(ee)?.teardown();
        }
      }
      if (!pool.all.size && pool.retired) this.pools.delete(pool.key);
    }
    this.prewarm?.refill(); // shrinks the pools of keys without recent cold starts
  }

  private retiring(ee: ExecutionEnvironment, now: number): boolean {
    const at = this.byEe.get(ee)?.retireAtMs;
    return at !== undefined && now >= at;
  }

  private scheduleFreeze(ee: ExecutionEnvironment): void {
    const at = ee.lastUsedMs;
    const t = setTimeout(() => {
      if (ee.lastUsedMs === at) ee.freeze();
    }, this.cfg.eeFreezeAfterMs);
    t.unref();
  }

  private unfreeze(ee: ExecutionEnvironment): Promise<void> {
    return ee.thaw();
  }

  /**
   * Starts an EE whose memory the caller has already taken from the budget
   * (given back here if the start fails before the EE exists, else by its teardown).
   */
  private async coldStart(pool: VersionPool, rec: VersionRecord, set?: ProvisionedSet): Promise<AcquiredEe> {
    const cfg = rec.config;
    const t0 = performance.now();
    const idHex = randomBytes(16).toString('hex');
    const stream = logStreamName(rec.version, idHex);
    const group = cfg.logGroup;
    const scope = pool.scope;
    // A debugged function (`kumo dev --debug`, the server's own account only) has one EE at a time, so its debugger port maps to one process.
    const debug = set || scope !== this.home ? undefined : this.debug?.get(rec.functionName);
    if (debug && debug.live > 0) {
      this.memory.give(eeMemoryMb(cfg));
      throw debugBusy();
    }
    let counted = false;
    const uncount = () => {
      if (counted) debug!.live--;
      counted = false;
    };
    if (debug) {
      debug.live++;
      counted = true;
    }
    const functionEnv = scope.ctx.env(rec);
    // A pre-initialised EE of the runtime's pool, when there is one (on-demand starts only; provisioned EEs start the ordinary way).
    const pooled =
      !set && !debug && this.prewarm && cfg.architectures[0] === hostArchitecture() && prewarmEligible(cfg.runtime, Object.keys(functionEnv))
        ? this.prewarm.take(poolKeyOf(cfg))
        : undefined;
    const ee = new ExecutionEnvironment(pooled?.id ?? `e${(++this.eeSeq).toString(36)}${idHex.slice(0, 8)}`, stream, t0, {
      platform: (line) => scope.logs.push(group, stream, line),
      output: (line) => scope.logs.pushOutput(group, stream, line),
    });
    let codeDir: string;
    let optDir: string | undefined;
    let args: string[] | undefined;
    try {
      codeDir = await this.code.ensure(rec.codeKey);
      optDir = await scope.ctx.optDir(rec);
      const spec = runtimeSpec(cfg.runtime);
      // A runtime without a debugger Kumo opens starts as usual (enabling the session refused it; a later change of Runtime lands here).
      // Debugging is native only: an emulated (arm64) EE starts its ordinary command.
      const native = cfg.architectures[0] === hostArchitecture();
      args = (debug && native && spec && debugCommand(spec, debug.brk)) || runtimeArgs(spec, cfg.architectures[0] as Architecture, codeDir, optDir);
    } catch (e) {
      uncount();
      this.memory.give(eeMemoryMb(cfg));
      void pooled?.destroy();
      throw e;
    }
    if (!args) {
      uncount();
      this.memory.give(eeMemoryMb(cfg));
      void pooled?.destroy();
      throw new InitFailure({
        kind: 'platform-error',
        errorType: 'Runtime.InvalidEntrypoint',
        errorMessage: `Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]`,
      });
    }

    const onLine = (line: string) => ee.output(line);
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    let exited: SandboxExit | undefined;
    let tornDown: Promise<void> | undefined;
    const teardown = (): Promise<void> => {
      if (tornDown) return tornDown;
      tornDown = (async () => {
        ee.markStopped();
        const i = pool.idle.indexOf(ee);
        if (i >= 0) pool.idle.splice(i, 1);
        const j = pool.provIdle.indexOf(ee);
        if (j >= 0) pool.provIdle.splice(j, 1);
        pool.all.delete(ee);
        const gone = this.byEe.get(ee);
        if (gone?.finishing) {
          gone.finishing = undefined;
          pool.finishing--;
        }
        this.byEe.delete(ee);
        this.wakeFinishWaiter(pool);
        this.memory.give(eeMemoryMb(cfg));
        // A provisioned EE that failed is replaced (the set starts another while it still wants its amount).
        set?.lost(ee);
        if (debug) {
          uncount();
          this.debug?.eeGone(rec.functionName, ee.ip);
          this.wakeDebugWaiters(rec.functionName);
        }
        if (ee.ip !== undefined) this.runtimeApi.unregister(ee.ip, ee);
        await ee.destroy();
      })();
      return tornDown;
    };
    // The execution role's session for this EE: minted here, once (the EE's environment cannot change, so it retires before expiry).
    let session: SessionCredentials | undefined;
    try {
      session = scope.ctx.roleSession?.(rec, this.cfg.eeCredentialsMs);
    } catch (e) {
      uncount();
      this.memory.give(eeMemoryMb(cfg));
      void pooled?.destroy();
      throw e;
    }
    const retireAtMs = session ? eeRetireAtMs(Date.now(), session.expiresAtMs, cfg.timeoutSeconds * 1000) : Number.POSITIVE_INFINITY;
    pool.all.add(ee);
    this.byEe.set(ee, { pool, teardown, memoryMb: eeMemoryMb(cfg), retireAtMs, ...(set ? { provisioned: set } : {}), ...(debug ? { debug: true as const } : {}) });

    const env = this.eeEnv(rec, functionEnv, stream, set ? 'provisioned-concurrency' : 'on-demand', session);
    const onOutput = (s: 'stdout' | 'stderr', chunk: Buffer): void => (s === 'stdout' ? out : err).write(chunk);
    const onExit = (info: SandboxExit): void => {
      exited = info;
      out.end();
      err.end();
      const running = ee.runningRequestId;
      const what = exitText(info);
      const rid = running ? `RequestId: ${running} ` : '';
      const message = `${rid}Error: Runtime exited with error: ${what}`;
      if (ee.state !== 'failed' && ee.state !== 'stopped') for (const l of platformLog.runtimeExited(message)) ee.log(l);
      ee.fail('Runtime.ExitError', message);
      void teardown();
    };
    let timings: { networkMs: number; sandboxMs: number; scratchMs?: number; bindMs?: number } | undefined;
    try {
      // The pooled EE becomes this version's: code, layers and memory bound, then the runtime gets its environment.
      const bindMs = await pooled?.bind(
        { codeDir, ...(optDir ? { optDir } : {}), memoryMb: cfg.memoryMb },
        { env, cwd: '/var/task' },
        { onOutput, onExit },
        (sandbox) => {
          ee.attach(sandbox);
          this.runtimeApi.register(sandbox.ip, ee);
        },
        this.runtimeApi,
      );
      if (bindMs !== undefined) timings = { networkMs: 0, sandboxMs: 0, bindMs };
      else {
        // No pooled EE, or one that never came up (nothing of this function reached it): the ordinary start.
        const created = await this.driver.create({
          id: pooled ? `e${(++this.eeSeq).toString(36)}${idHex.slice(0, 8)}` : ee.id,
          codeDir,
          optDir,
          runtimeDir: runtimesDir,
          memoryMb: eeMemoryMb(cfg),
          ephemeralStorageMb: cfg.ephemeralStorageMb,
          pidsMax: limits.eePidsMax,
          openFilesMax: limits.eeOpenFilesMax,
          env,
          args,
          cwd: '/var/task',
          onOutput,
          onExit,
        });
        ee.attach(created.sandbox);
        this.runtimeApi.register(created.sandbox.ip, ee);
        timings = created.timings;
        // Its inspector listens from the process's start: the forward may connect (also while `--inspect-brk` holds init).
        if (debug) this.debug?.eeStarted(rec.functionName, created.sandbox.ip);
      }
    } catch (e) {
      await teardown();
      throw e;
    }
    if (exited) {
      void teardown();
    }

    // A debugged EE's init may stop at a breakpoint: it gets the function's (stretched) timeout instead of AWS's 10 s.
    const initTimeoutMs = debug ? Math.max(limits.initTimeoutMs, cfg.timeoutSeconds * 1000) : limits.initTimeoutMs;
    const initTimer = setTimeout(() => {
      ee.fail('Sandbox.Timedout', `Init timed out after ${(initTimeoutMs / 1000).toFixed(2)} seconds`);
      void teardown();
    }, initTimeoutMs);
    try {
      await ee.whenReady();
    } catch (e) {
      void teardown();
      throw new InitFailure(
        ee.initError ?? {
          kind: 'platform-error',
          errorType: ee.failure?.errorType ?? 'Runtime.Unknown',
          errorMessage: ee.failure?.errorMessage ?? String(e),
        },
      );
    } finally {
      clearTimeout(initTimer);
    }
    // AWS's Init Duration is the runtime's own start and init; the sandbox and
    // network phases before it are reported apart (INIT_PHASES).
    const totalMs = ee.initDurationMs ?? performance.now() - t0;
    const { networkMs, sandboxMs, scratchMs, bindMs } = timings;
    return {
      ee,
      cold: {
        initDurationMs: Math.max(0, totalMs - networkMs - (scratchMs ?? 0) - sandboxMs - (bindMs ?? 0)),
        networkMs, sandboxMs, ...(scratchMs !== undefined ? { scratchMs } : {}), ...(bindMs !== undefined ? { bindMs } : {}), totalMs,
      },
    };
  }

  /**
   * What every EE of `runtime` shares, whichever function it runs: the part
   * of Lambda's environment a pre-initialised EE is started with.
   */
  private baseEnv(runtime: string): Record<string, string> {
    const env: Record<string, string> = {
      AWS_LAMBDA_RUNTIME_API: this.driver.runtimeApiAddress(),
      AWS_REGION: this.cfg.region,
      AWS_DEFAULT_REGION: this.cfg.region,
      LAMBDA_TASK_ROOT: '/var/task',
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
      LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
    };
    const spec = runtimeSpec(runtime);
    if (spec?.executionEnv) env.AWS_EXECUTION_ENV = spec.executionEnv;
    Object.assign(env, spec?.env);
    return env;
  }

  /** Lambda's standard environment plus the function's own (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime). */
  private eeEnv(
    rec: VersionRecord,
    functionEnv: Record<string, string>,
    stream: string,
    initializationType: 'on-demand' | 'provisioned-concurrency',
    session: SessionCredentials | undefined,
  ): Record<string, string> {
    const cfg = rec.config;
    const env: Record<string, string> = {
      // X-Ray (Active tracing): what Lambda sets; not reserved, so the function's own values win
      // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
      // The daemon is Kumo's receiver (src/tracing/xray-daemon.ts): UDP on the Runtime API's address and port number.
      ...(cfg.tracingMode === 'Active' ? { AWS_XRAY_DAEMON_ADDRESS: this.driver.runtimeApiAddress(), AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' } : {}),
      ...functionEnv,
      AWS_LAMBDA_FUNCTION_NAME: rec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: rec.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(cfg.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: cfg.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: stream,
      AWS_LAMBDA_INITIALIZATION_TYPE: initializationType,
      _HANDLER: cfg.handler,
      // Lambda's own variables win over the function's (and are what a pre-initialised EE started with).
      ...this.baseEnv(cfg.runtime),
      // An emulated architecture (arm64 on x86_64 through qemu-user): the sysroot for arm64 children a binfmt handler starts.
      ...(cfg.architectures[0] !== hostArchitecture() ? emulationEnv : {}),
    };
    // The execution role's credentials, as Lambda sets them (the function's own values of these names are overridden, as in AWS).
    // Kumo's API through the path the EE network allows (the SDKs read AWS_ENDPOINT_URL; nothing else does).
    // Not a name AWS reserves: a function's own value wins.
    const endpoint = this.ctx.apiEndpoint?.();
    if (endpoint && functionEnv.AWS_ENDPOINT_URL === undefined) env.AWS_ENDPOINT_URL = endpoint;
    if (session) {
      env.AWS_ACCESS_KEY_ID = session.accessKeyId;
      env.AWS_SECRET_ACCESS_KEY = session.secretAccessKey;
      env.AWS_SESSION_TOKEN = session.sessionToken;
    }
    // LoggingConfig reaches the runtime as AWS passes it (the runtimes honour both).
    if (cfg.logFormat === 'JSON') {
      env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
      env.AWS_LAMBDA_LOG_LEVEL = cfg.applicationLogLevel ?? 'INFO';
    }
    return env;
  }
}

/** StatusReason of a config whose EE failed to initialise (AWS's code for a function's init failure). */
const provisionedInitFailedReason = 'FUNCTION_ERROR_INIT_FAILURE';
/** StatusReason when the platform could not start an EE (Kumo's text; the cause goes to the server's log). */
const provisionedStartFailedReason = 'An execution environment could not be started for provisioned concurrency';
/** StatusReason when the host's EE memory budget has no room for a provisioned EE (Kumo's: AWS has no such host limit). */
const provisionedNoMemoryReason = 'Not enough memory on this host for provisioned concurrency (KUMO_EE_MEMORY_BUDGET_MB)';

/**
 * The throttle when the host's EE memory budget has no room even after
 * evicting every idle on-demand EE. AWS has no host to run out of; the
 * nearest of its reasons is the account's concurrency (the host runs no more
 * at once), with the text AWS gives every throttle it recorded.
 */
function memoryExhausted(): DomainError {
  return new DomainError('Throttled', 'Rate Exceeded.', { reason: 'ConcurrentInvocationLimitExceeded' });
}

/**
 * A debugged function's second EE: the throttle of a function with reserved
 * concurrency 1 (its one EE is busy, or a debugger paused it).
 */
function debugBusy(): DomainError {
  return new DomainError('Throttled', 'Rate Exceeded.', { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
}

/** AWS's throttle when a function adds EEs faster than its scaling rate (the message AWS gives every throttle reason it recorded). */
function scalingRateExceeded(): DomainError {
  return new DomainError('Throttled', 'Rate Exceeded.', { reason: 'FunctionInvocationRateLimitExceeded' });
}

/**
 * The memory an EE of this configuration takes from the host's budget and
 * gets as its cgroup limit: MemorySize, plus the emulator's own allowance
 * when its architecture is emulated (registry.ts `emulatedEeMemoryOverheadMb`).
 */
function eeMemoryMb(cfg: { memoryMb: number; architectures: readonly string[] }): number {
  return cfg.architectures[0] === hostArchitecture() ? cfg.memoryMb : cfg.memoryMb + emulatedEeMemoryOverheadMb;
}

/** The pool of pre-initialised EEs a cold start of this configuration may take from (prewarm-pool.ts). */
function poolKeyOf(cfg: VersionRecord['config']): PoolKey {
  return { runtime: cfg.runtime, memoryClassMb: memoryClassMb(cfg.memoryMb), ephemeralStorageMb: cfg.ephemeralStorageMb };
}

/** argv of the runtime process; undefined for a custom runtime without a bootstrap (or a runtime Kumo does not run). */
function runtimeArgs(spec: RuntimeSpec | undefined, arch: Architecture, codeDir: string, optDir: string | undefined): string[] | undefined {
  if (!spec) return undefined;
  if (spec.command) return runtimeArgv(spec, arch);
  // Custom runtimes: the first bootstrap found in the spec's order (/var/task, then /opt from a layer), as AWS looks for them.
  const onHost: Record<string, string | undefined> = { '/var/task': codeDir, '/opt': optDir };
  for (const p of spec.bootstrapPaths ?? []) {
    const dir = onHost[path.dirname(p)];
    if (dir && fs.existsSync(path.join(dir, path.basename(p)))) return runtimeArgv(spec, arch, p);
  }
  return undefined;
}

const signalNames: Record<string, string> = {
  SIGKILL: 'killed', SIGTERM: 'terminated', SIGSEGV: 'segmentation fault', SIGABRT: 'aborted',
  SIGINT: 'interrupt', SIGBUS: 'bus error', SIGFPE: 'floating point exception', SIGILL: 'illegal instruction',
};

/** Go's wording, which AWS's messages use: "exit status 1", "signal: killed". */
function exitText(x: SandboxExit): string {
  if (x.oomKilled) return 'signal: killed';
  if (x.signal) return `signal: ${signalNames[x.signal] ?? x.signal.toLowerCase()}`;
  return `exit status ${x.exitCode ?? 'unknown'}`;
}
