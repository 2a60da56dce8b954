import { randomBytes } from 'node:crypto';
import { limits } from '../config';
import type { CodeBinding, Sandbox, SandboxDriver, SandboxExit } from '../sandbox/driver';
import type { PooledEndpoint, RuntimeApiServer } from '../runtime-api/server';
import { runtimeSpec } from '../runtimes/registry';
import { runtimesDir } from '../paths';
import { prewarmDemandWindowMs, prewarmKeepMs, prewarmMemoryClassesMb, prewarmStartupVariables, prewarmUnboundChargeMb } from './limits';

/**
 * Pre-initialised EEs (issue 13, item 5): per (runtime, memory class,
 * EphemeralStorage) a small pool of EEs whose container, network, /tmp and
 * runtime process are up, waiting for a function. A cold start takes one and
 * binds its function to it (`PooledEe.bind`: code and layers mounted
 * read-only, memory limit set, then the runtime gets the function's
 * environment over the Runtime API and loads the handler); the EE is then
 * that function version's, as if it had been started for it, until it is
 * destroyed. An EE is bound once, never handed to a second function, never
 * returned to the pool.
 *
 * Size follows demand: a key's target is the number of its cold starts in
 * the last `prewarmDemandWindowMs` (at least one while it had one within
 * `prewarmKeepMs` or KUMO_EE_IDLE_MS if shorter, none after), all keys together at most `poolMax`
 * (KUMO_PREWARM_POOL_MAX). Refills start one EE at a time and only while no
 * cold start is under way, so they never compete with a request for the CPU;
 * they never evict anything for their memory (no room: no refill; an
 * unbound one holds `prewarmUnboundChargeMb` of the budget), and pooled EEs
 * are the first the memory budget evicts, except those of the key the cold
 * start making room may bind.
 *
 * Eligible: the managed runtimes (nodejs, python: Kumo's bootstraps know how
 * to wait), on-demand starts, and functions none of whose variables the
 * runtime reads only when its process starts (NODE_OPTIONS, PYTHON*…; see
 * `prewarmStartupVariables`): those would not take effect in a process that
 * is already running, so they keep the ordinary path. Custom runtimes
 * (`provided.*`) keep the ordinary path too (their bootstrap is the
 * function's own code).
 */

/** The key of a pool: what a pooled EE is created with before it has a function. */
export interface PoolKey {
  runtime: string;
  memoryClassMb: number;
  ephemeralStorageMb: number;
}

export interface PoolHost {
  driver: SandboxDriver;
  runtimeApi: RuntimeApiServer;
  /** Promises memory for a pooled EE without evicting anything; false when the budget has no room. */
  takeMemory(mb: number): boolean;
  giveMemory(mb: number): void;
  /** The environment every function of `runtime` shares (placement.ts `baseEnv`). */
  baseEnv(runtime: string): Record<string, string>;
  /** A cold start is under way or waiting: refills hold back. */
  busy(): boolean;
}

/** Where a bound EE's output and exit go. */
export interface BoundHandlers {
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  onExit(info: SandboxExit): void;
}

/** The budget's share of an unbound pooled EE of `k` (limits.ts `prewarmUnboundChargeMb`). */
const unboundChargeMb = (k: PoolKey): number => Math.min(k.memoryClassMb, prewarmUnboundChargeMb);
const keyString = (k: PoolKey): string => `${k.runtime}\0${k.memoryClassMb}\0${k.ephemeralStorageMb}`;

/** The memory class of a MemorySize: the smallest class that holds it. */
export function memoryClassMb(memoryMb: number): number {
  return prewarmMemoryClassesMb.find((c) => c >= memoryMb) ?? limits.memoryMbMax;
}

/** Whether a function of `runtime` with variables `names` may start from a pooled EE (see the class comment). */
export function prewarmEligible(runtime: string, names: Iterable<string>): boolean {
  const spec = runtimeSpec(runtime);
  if (!spec?.command || (spec.family !== 'nodejs' && spec.family !== 'python')) return false;
  const startup = prewarmStartupVariables[spec.family];
  for (const n of names) if (startup.test(n)) return false;
  return true;
}

/** One pre-initialised EE: started, its runtime waiting on the configuration route, not yet any function's. */
export class PooledEe {
  /** Answers the runtime's parked configuration request (set once it waits). */
  private parked: ((configuration: object) => boolean) | undefined;
  private handlers: BoundHandlers | undefined;
  private bound = false;
  private gone = false;
  /** Settled once the runtime asked for its configuration (it is up and waiting). */
  readonly ready: Promise<boolean>;
  private setReady!: (ok: boolean) => void;
  sandbox: Sandbox | undefined;
  readonly route: PooledEndpoint;
  /**
   * Names of the variables the platform started the runtime with. Anything
   * else in its environment at bind time the runtime's own start added
   * (CPython's locale coercion sets LC_CTYPE, PEP 538) and stays, as it
   * would in an EE started for the function.
   */
  startedWith: string[] = [];

  constructor(
    readonly id: string,
    readonly key: PoolKey,
    private readonly onGone: (p: PooledEe) => void,
  ) {
    this.ready = new Promise((r) => (this.setReady = r));
    this.route = {
      waiting: (answer) => {
        if (this.parked || this.bound || this.gone) return;
        this.parked = answer;
        this.setReady(true);
      },
      // A pooled runtime that drops its wait is broken: it is destroyed, never bound.
      gone: () => {
        this.parked = undefined;
        if (!this.bound) void this.destroy();
      },
    };
  }

  get ip(): string {
    return this.sandbox!.ip;
  }

  /** Output before binding (there should be none) is dropped; after it, it is the function's. */
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.handlers?.onOutput(stream, chunk);
  }

  exit(info: SandboxExit): void {
    this.setReady(false);
    if (this.handlers) return this.handlers.onExit(info);
    this.drop();
  }

  /** Its start failed before it had a sandbox. */
  abort(): void {
    this.setReady(false);
    this.drop();
  }

  /**
   * Makes this EE the function's. A pooled EE still starting is waited for
   * (it is further along than a new one, which would share the CPU with it);
   * one that fails to come up resolves `undefined`, nothing of the function
   * having touched it, and the caller starts an EE the ordinary way. Then
   * the code is bound, `attach` wires the EE object (its output and exit go
   * to `handlers` from then on) and the runtime gets its environment.
   * Resolves with the bind's duration (ms); rejects (the EE destroyed) when
   * the bind itself fails.
   */
  async bind(
    binding: CodeBinding,
    config: { env: Record<string, string>; cwd: string },
    handlers: BoundHandlers,
    attach: (s: Sandbox) => void,
    runtimeApi: RuntimeApiServer,
  ): Promise<number | undefined> {
    if (this.bound || this.gone) return undefined;
    const ready = await Promise.race([this.ready, new Promise<boolean>((r) => setTimeout(r, limits.initTimeoutMs, false).unref())]);
    if (!ready || this.gone || !this.sandbox || !this.parked) {
      void this.destroy();
      return undefined;
    }
    this.bound = true;
    runtimeApi.unregisterPooled(this.sandbox.ip, this.route);
    this.handlers = handlers;
    const t0 = performance.now();
    try {
      await this.sandbox.bindCode!(binding);
    } catch (e) {
      await this.sandbox.destroy();
      throw e;
    }
    const ms = performance.now() - t0;
    attach(this.sandbox);
    const answer = this.parked;
    this.parked = undefined;
    // Gone meanwhile: its exit reaches the function's EE, which fails the init.
    answer({ ...config, startedWith: this.startedWith });
    return ms;
  }

  /** Unbound: destroyed (evicted, shrunk, stopping). */
  async destroy(): Promise<void> {
    this.drop();
    await this.sandbox?.destroy();
  }

  get isBound(): boolean {
    return this.bound;
  }

  get isGone(): boolean {
    return this.gone;
  }

  private drop(): void {
    if (this.gone || this.bound) return;
    this.gone = true;
    this.setReady(false);
    this.parked = undefined; // its connection ends with the EE
    this.onGone(this);
  }
}

interface Demand {
  key: PoolKey;
  /** Times (ms) of this key's recent eligible cold starts. */
  recent: number[];
  lastMs: number;
}

export interface PrewarmStats {
  /** Cold starts served by a pooled EE. */
  hits: number;
  /** Eligible cold starts that found none. */
  misses: number;
  /** Pooled EEs started so far. */
  started: number;
  /** Waiting now, and starting now. */
  ready: number;
  starting: number;
}

export class PrewarmPool {
  private readonly ready = new Map<string, PooledEe[]>();
  private readonly startingByKey = new Map<string, number>();
  private readonly demand = new Map<string, Demand>();
  /** Every unbound pooled EE (starting or ready) with the memory it holds. */
  private readonly unbound = new Map<PooledEe, number>();
  private starting = 0;
  /** Pooled EEs whose start is under way and that no cold start has taken. */
  private readonly startingEes = new Set<PooledEe>();
  private seq = 0;
  private closed = false;
  private readonly counts = { hits: 0, misses: 0, started: 0 };

  constructor(
    private readonly host: PoolHost,
    /** All keys together (KUMO_PREWARM_POOL_MAX). */
    private readonly poolMax: number,
    /** A key without cold starts for this long loses its pool (never longer than an idle EE is kept: KUMO_EE_IDLE_MS). */
    private readonly keepMs: number = prewarmKeepMs,
  ) {}

  stats(): PrewarmStats {
    let ready = 0;
    for (const l of this.ready.values()) ready += l.length;
    return { ...this.counts, ready, starting: this.starting };
  }

  /**
   * A pooled EE for a cold start of `key`, ready or (else) still starting
   * (undefined: start one the ordinary way); the demand is counted either way.
   */
  take(key: PoolKey): PooledEe | undefined {
    const k = keyString(key);
    const now = Date.now();
    const d = this.demand.get(k) ?? { key, recent: [], lastMs: now };
    d.recent = d.recent.filter((t) => t > now - prewarmDemandWindowMs);
    d.recent.push(now);
    d.lastMs = now;
    this.demand.set(k, d);
    const got = this.ready.get(k)?.pop() ?? [...this.startingEes].find((p) => p.key.runtime === key.runtime && keyString(p.key) === k && this.unbound.has(p));
    if (got) {
      this.unbound.delete(got);
      this.startingEes.delete(got);
      // Its charge goes back to the budget: the cold start holds its function's MemorySize.
      this.host.giveMemory(unboundChargeMb(got.key));
      this.counts.hits++;
    } else this.counts.misses++;
    return got;
  }

  /** Unbound pooled EEs, for the memory budget to evict first (oldest possible `lastUsedMs`), except those of `sparing`. */
  evictable(sparing?: PoolKey): { pooled: PooledEe; memoryMb: number; lastUsedMs: number }[] {
    const out: { pooled: PooledEe; memoryMb: number; lastUsedMs: number }[] = [];
    // The cold start making room may take one of `sparing`'s: those are not offered (evicting them would slow the start they serve).
    const spared = sparing && keyString(sparing);
    for (const [k, list] of this.ready) if (k !== spared) for (const p of list) out.push({ pooled: p, memoryMb: unboundChargeMb(p.key), lastUsedMs: 0 });
    return out;
  }

  /** Evicts a pooled EE: its memory is given back at once. */
  evict(p: PooledEe): void {
    void p.destroy();
  }

  /**
   * Brings the pools toward their targets: destroys EEs of keys without
   * recent demand, and starts one EE (at most one at a time, only when no
   * cold start is under way) for the key furthest below its target.
   */
  refill(): void {
    if (this.closed) return;
    const now = Date.now();
    let want: { key: PoolKey; deficit: number; lastMs: number } | undefined;
    let total = this.starting;
    for (const [k, d] of this.demand) {
      const keep = d.lastMs > now - this.keepMs;
      const target = keep ? Math.min(this.poolMax, Math.max(1, d.recent.filter((t) => t > now - prewarmDemandWindowMs).length)) : 0;
      const list = this.ready.get(k) ?? [];
      while (list.length > target) void list.shift()!.destroy();
      if (!keep && !list.length && !this.startingByKey.get(k)) {
        this.demand.delete(k);
        this.ready.delete(k);
        continue;
      }
      total += list.length;
      const deficit = target - list.length - (this.startingByKey.get(k) ?? 0);
      if (deficit > 0 && (!want || deficit > want.deficit || (deficit === want.deficit && d.lastMs > want.lastMs))) want = { key: d.key, deficit, lastMs: d.lastMs };
    }
    if (!want || this.starting > 0 || total >= this.poolMax || this.host.busy()) return;
    if (!this.host.takeMemory(unboundChargeMb(want.key))) return;
    void this.start(want.key);
  }

  private async start(key: PoolKey): Promise<void> {
    const k = keyString(key);
    const spec = runtimeSpec(key.runtime)!;
    const id = `p${(++this.seq).toString(36)}${randomBytes(4).toString('hex')}`;
    const p = new PooledEe(id, key, (gone) => this.forget(gone));
    this.unbound.set(p, unboundChargeMb(key));
    this.startingEes.add(p);
    this.starting++;
    this.startingByKey.set(k, (this.startingByKey.get(k) ?? 0) + 1);
    this.counts.started++;
    let ok = false;
    const env = { ...this.host.baseEnv(key.runtime), _KUMO_PREWARMED: '1' };
    p.startedWith = Object.keys(env);
    try {
      const { sandbox } = await this.host.driver.create({
        id,
        deferredCode: true,
        runtimeDir: runtimesDir,
        memoryMb: key.memoryClassMb,
        ephemeralStorageMb: key.ephemeralStorageMb,
        pidsMax: limits.eePidsMax,
        openFilesMax: limits.eeOpenFilesMax,
        env,
        args: [...spec.command!],
        cwd: '/var/task',
        onOutput: (s, c) => p.output(s, c),
        onExit: (info) => p.exit(info),
      });
      p.sandbox = sandbox;
      if (p.isGone) {
        await sandbox.destroy(); // destroyed while it started (the server is stopping)
        return;
      }
      this.host.runtimeApi.registerPooled(sandbox.ip, p.route);
      ok = await Promise.race([p.ready, new Promise<boolean>((r) => setTimeout(r, limits.initTimeoutMs, false).unref())]);
      if (!ok && !p.isBound) await p.destroy();
    } catch (e) {
      if (!this.closed) console.error(`kumo: a pre-initialised ${key.runtime} EE could not start:`, (e as Error).message);
      p.abort();
    } finally {
      this.startingEes.delete(p);
      this.starting--;
      this.startingByKey.set(k, (this.startingByKey.get(k) ?? 1) - 1);
    }
    if (ok && this.unbound.has(p)) {
      if (this.closed) await p.destroy();
      else {
        const list = this.ready.get(k) ?? [];
        list.push(p);
        this.ready.set(k, list);
      }
    }
    // A start that failed for the platform's reasons is not retried at once (the next cold start asks again).
    if (ok) this.refill();
  }

  /** An unbound pooled EE is gone (destroyed or exited): its memory and address go back. */
  private forget(p: PooledEe): void {
    if (p.sandbox) this.host.runtimeApi.unregisterPooled(p.sandbox.ip, p.route);
    const mb = this.unbound.get(p);
    if (mb === undefined) return; // a cold start took it (and gave its charge back)
    this.unbound.delete(p);
    this.host.giveMemory(mb);
    const list = this.ready.get(keyString(p.key));
    const i = list?.indexOf(p) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** Destroys every unbound pooled EE (the server is stopping). */
  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.unbound.keys()].map((p) => p.destroy()));
  }
}
