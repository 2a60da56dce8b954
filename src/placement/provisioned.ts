import type { ExecutionEnvironment } from '../sandbox/execution-environment';

/** What GetProvisionedConcurrencyConfig reports of a config's EEs. */
export interface ProvisionedStatus {
  allocated: number;
  available: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  reason?: string;
}

/** What a set needs from placement. */
export interface ProvisionedHooks {
  /** Starts and initialises one EE of the set's version (rejects with the reason the set reports as StatusReason). */
  start(): Promise<ExecutionEnvironment>;
  /** An initialised EE joins the version's provisioned idle list; false when it cannot (the version was retired, the server stops). */
  ready(ee: ExecutionEnvironment): boolean;
  /** Tears an EE down. */
  stop(ee: ExecutionEnvironment): void;
  /** At most this many starts at once (placement's cold-start cap: more would miss the init deadline together). */
  startsMax: number;
}

/**
 * The EEs of one provisioned concurrency config: started ahead, kept while
 * the config lives (the idle reaper never sees them), replaced when one is
 * lost. READY once `requested` are initialised; FAILED with the reason of the
 * first start that failed (no further starts until the config is put again).
 */
export class ProvisionedSet {
  private readonly ready = new Set<ExecutionEnvironment>();
  private starting = 0;
  private failure: string | undefined;
  private active = true;

  /** Its EEs running an invocation now (ProvisionedConcurrentExecutions). */
  busy = 0;
  /** `resource`: the config's `function:qualifier` (the metrics' Resource dimension). */
  constructor(
    readonly poolKey: string, private requested: number, private readonly hooks: ProvisionedHooks,
    readonly functionName = '', readonly resource = '',
  ) {}

  get amount(): number {
    return this.requested;
  }

  /** EEs initialised and kept (ProvisionedConcurrencyUtilization's denominator: the concurrency allocated). */
  get allocated(): number {
    return Math.min(this.ready.size, this.requested);
  }

  get running(): boolean {
    return this.active;
  }

  /** A put of the same version: the new amount, a fresh try after a failure; idle EEs beyond it are stopped at once. */
  resize(requested: number, idle: readonly ExecutionEnvironment[]): void {
    this.requested = requested;
    this.failure = undefined;
    for (const ee of idle) {
      if (this.ready.size <= requested) break;
      if (this.ready.delete(ee)) this.hooks.stop(ee);
    }
    this.fill();
  }

  /** Asked when one of its EEs finished an invocation: keep it, or let it go (the set shrank or stopped). */
  wants(ee: ExecutionEnvironment): boolean {
    if (!this.active) return false;
    if (this.ready.size > this.requested && this.ready.delete(ee)) return false;
    return this.ready.has(ee);
  }

  /** One of its EEs is gone (failed, or torn down): start a replacement while the set still wants its amount. */
  lost(ee: ExecutionEnvironment): void {
    if (this.ready.delete(ee)) this.fill();
  }

  /** The config was deleted (or its version retired): no more starts; placement stops its idle EEs, busy ones at release. */
  stop(): void {
    this.active = false;
  }

  owns(ee: ExecutionEnvironment): boolean {
    return this.ready.has(ee);
  }

  status(): ProvisionedStatus {
    const n = Math.min(this.ready.size, this.requested);
    if (this.failure !== undefined) return { allocated: n, available: n, status: 'FAILED', reason: this.failure };
    return { allocated: n, available: n, status: n >= this.requested ? 'READY' : 'IN_PROGRESS' };
  }

  /** Starts EEs until the requested amount is running or starting (a few at a time). */
  fill(): void {
    while (this.active && this.failure === undefined && this.ready.size + this.starting < this.requested && this.starting < this.hooks.startsMax) {
      this.starting++;
      this.hooks.start().then(
        (ee) => {
          this.starting--;
          if (!this.active || this.ready.size >= this.requested || !this.hooks.ready(ee)) {
            this.hooks.stop(ee);
            return;
          }
          this.ready.add(ee);
          this.fill();
        },
        (e: unknown) => {
          this.starting--;
          if (this.active) this.failure = e instanceof Error ? e.message : String(e);
        },
      );
    }
  }
}
