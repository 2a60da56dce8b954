import type { Sandbox } from './driver';

/**
 * One execution environment (EE): a sandbox running a runtime that talks to
 * the Runtime API. An EE serves one invocation at a time.
 *
 * States and the only legal transitions (anything else is a programming error
 * and throws naming both states):
 *
 *   starting ──first /next──▶ idle ──assign──▶ invoking ──response/error──▶ idle
 *      │                       │                  │
 *      └── init error, exit,   └── reap/destroy   └── timeout, exit, oversize
 *          init timeout ──▶ failed ─────────────────────────▶ stopped
 *
 * `idle` EEs may be frozen by the pool; `failed` EEs are never reused.
 */
export type EeState = 'starting' | 'idle' | 'invoking' | 'failed' | 'stopped';

const transitions: Record<EeState, readonly EeState[]> = {
  starting: ['idle', 'failed', 'stopped'],
  idle: ['invoking', 'failed', 'stopped'],
  invoking: ['idle', 'failed', 'stopped'],
  failed: ['stopped'],
  stopped: [],
};

export class IllegalTransition extends Error {
  constructor(from: EeState, to: EeState) {
    super(`illegal EE state transition: ${from} -> ${to}`);
  }
}

/** What the Runtime API hands to the runtime for one invocation. */
export interface Invocation {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: string;
  cognitoIdentity?: string;
  /** Called once, when the runtime receives the invocation (its GET /next answered). */
  onDelivered?(): void;
  /** Settles the caller's promise; called at most once. */
  settle(outcome: InvocationOutcome): void;
}

export type InvocationOutcome =
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; body: Buffer; errorType: string }
  /**
   * The platform ended the invocation (timeout, exit, init failure, oversize).
   * `undelivered`: the runtime never received it (it exited before polling
   * again), so the caller may run it on another EE.
   */
  | { kind: 'platform-error'; errorType: string; errorMessage: string; logLine?: string; undelivered?: boolean };

/** A parked GET /next that waits for work. */
export interface NextWaiter {
  /** Hands the invocation to the runtime; false when its connection is already gone. */
  deliver(inv: Invocation): boolean | void;
}

/**
 * Where an EE's log lines go: its log group and stream, through the batched
 * sink. Platform lines are never dropped; function output may be, past the
 * sink's bound, with a line saying so (observability/logs.ts).
 */
export interface EeLogWriter {
  platform(line: string): void;
  output(line: string): void;
}

/**
 * Every field is private: the EE changes only through its own transitions
 * and methods, whichever folder drives it (placement assigns and freezes,
 * the Runtime API delivers and completes, the invoke path reads the tail).
 */
export class ExecutionEnvironment {
  private _state: EeState = 'starting';
  private sandbox: Sandbox | undefined;
  /** Invocation currently being run (state `invoking`). */
  private current: Invocation | undefined;
  /** Invocation assigned while the runtime has not yet asked for it (it is also `current`). */
  private pending: Invocation | undefined;
  private waiter: NextWaiter | undefined;
  /** The freeze in progress or done, awaited before a thaw; undefined while running. */
  private frozen: Promise<void> | undefined;
  /** Log lines of the current invocation, collected only when the caller asked for the tail. */
  private tail: string[] | undefined;
  private _initError: InvocationOutcome | undefined;
  private _initDurationMs: number | undefined;
  private _lastUsedMs = Date.now();
  private readyResolvers: { resolve(): void; reject(e: Error): void }[] = [];
  private _failure: { errorType: string; errorMessage: string } | undefined;

  constructor(
    readonly id: string,
    readonly logStreamName: string,
    readonly startedAtMs: number,
    private readonly logWriter: EeLogWriter,
  ) {}

  get state(): EeState {
    return this._state;
  }
  /** The error the runtime reported through /runtime/init/error. */
  get initError(): InvocationOutcome | undefined {
    return this._initError;
  }
  /** ms from sandbox start request to the runtime's first /next (the REPORT line's Init Duration). */
  get initDurationMs(): number | undefined {
    return this._initDurationMs;
  }
  get lastUsedMs(): number {
    return this._lastUsedMs;
  }
  get failure(): { errorType: string; errorMessage: string } | undefined {
    return this._failure;
  }
  get isFrozen(): boolean {
    return this.frozen !== undefined;
  }
  /** Source address of the EE's traffic (its Runtime API identity); undefined before the sandbox exists. */
  get ip(): string | undefined {
    return this.sandbox?.ip;
  }

  private to(next: EeState): void {
    if (!transitions[this._state].includes(next)) throw new IllegalTransition(this._state, next);
    this._state = next;
  }

  /** The sandbox the EE runs in, once the driver has started it. */
  attach(sandbox: Sandbox): void {
    if (this.sandbox) throw new Error(`EE ${this.id} already has a sandbox`);
    this.sandbox = sandbox;
  }

  /**
   * One line of the EE's log (function output or a platform line); also kept
   * for the tail when one is being collected, unless `toTail` is false (a line
   * written after its invocation has answered).
   */
  log(line: string, toTail = true): void {
    this.logWriter.platform(line);
    if (toTail) this.tail?.push(line);
  }

  /** One line the function printed (stdout or stderr); also kept for the tail when one is being collected. */
  output(line: string): void {
    this.logWriter.output(line);
    this.tail?.push(line);
  }

  /** Collect this invocation's lines for `LogType: Tail`. */
  startTail(): void {
    this.tail = [];
  }

  /** The collected lines (and stop collecting); undefined when no tail was asked for. */
  takeTail(): string[] | undefined {
    const t = this.tail;
    this.tail = undefined;
    return t;
  }

  get collectingTail(): boolean {
    return this.tail !== undefined;
  }

  /** Peak memory of the EE's cgroup in bytes (REPORT's Max Memory Used). */
  memoryPeakBytes(): number {
    return this.sandbox?.memoryPeakBytes() ?? 0;
  }

  /** Stop the idle EE's processes from running (a thaw awaits it). */
  freeze(): void {
    if (this._state !== 'idle' || this.frozen || !this.sandbox) return;
    this.frozen = this.sandbox.freeze().catch(() => undefined);
  }

  /** Let a frozen EE run again; resolves when it can take work. */
  async thaw(): Promise<void> {
    const f = this.frozen;
    if (!f) return;
    await f;
    this.frozen = undefined;
    await this.sandbox!.thaw();
  }

  /** Kill the sandbox (idempotent); the EE is stopped. */
  async destroy(): Promise<void> {
    this.markStopped();
    await this.sandbox?.destroy().catch(() => undefined);
  }

  /** Runtime API: the runtime reported an init failure; its error is the first invocation's answer. */
  initFailed(errorType: string, body: Buffer): void {
    let message = errorType;
    try {
      const j = JSON.parse(body.toString('utf8')) as { errorMessage?: string };
      if (j.errorMessage) message = j.errorMessage;
    } catch {
      // The runtime's body is passed through as it came.
    }
    this._initError = { kind: 'error', errorType, body };
    this.fail(errorType, message, this._initError);
  }

  /** Resolves when the runtime has finished init (first /next), rejects if the EE failed first. */
  whenReady(): Promise<void> {
    if (this._state === 'idle' || this._state === 'invoking') return Promise.resolve();
    if (this._state !== 'starting') return Promise.reject(this.failureError());
    return new Promise((resolve, reject) => this.readyResolvers.push({ resolve, reject }));
  }

  private failureError(): Error {
    const f = this._failure ?? { errorType: 'Runtime.Unknown', errorMessage: 'execution environment stopped' };
    return Object.assign(new Error(f.errorMessage), { errorType: f.errorType });
  }

  /** Runtime API: GET /next arrived. */
  onNext(waiter: NextWaiter): void {
    if (this._state === 'starting') {
      this._initDurationMs = performance.now() - this.startedAtMs;
      this.to('idle');
      for (const r of this.readyResolvers.splice(0)) r.resolve();
    } else if (this._state === 'invoking' && this.current && !this.pending) {
      // The runtime asked for more work without answering the current request:
      // AWS treats this as the runtime being done with it; we keep waiting for
      // the answer and park the poll.
    }
    if (this.pending) {
      const inv = this.pending;
      if (waiter.deliver(inv) === false) return; // that poll's connection is gone; keep waiting
      this.pending = undefined;
      inv.onDelivered?.();
      return;
    }
    this.waiter = waiter;
  }

  /** Runtime API: a parked GET /next lost its connection before work came (the runtime may poll again). */
  dropWaiter(waiter: NextWaiter): void {
    if (this.waiter === waiter) this.waiter = undefined;
  }

  /** The request id the runtime is working on: assigned and received by it. */
  get runningRequestId(): string | undefined {
    return this.current && !this.pending ? this.current.requestId : undefined;
  }

  /** Hand an invocation to an idle EE. */
  assign(inv: Invocation): void {
    this.to('invoking');
    this.current = inv;
    this._lastUsedMs = Date.now();
    const w = this.waiter;
    this.waiter = undefined;
    if (w && w.deliver(inv) !== false) inv.onDelivered?.();
    else this.pending = inv;
  }

  /** Runtime API: response or error for the current request. Returns false if the id is not current. */
  complete(requestId: string, outcome: InvocationOutcome): boolean {
    const inv = this.current;
    if (this._state !== 'invoking' || !inv || inv.requestId !== requestId) return false;
    this.current = undefined;
    this.to('idle');
    this._lastUsedMs = Date.now();
    inv.settle(outcome);
    return true;
  }

  /** The EE can no longer be used (init error, exit, timeout). Settles any current invocation. */
  fail(errorType: string, errorMessage: string, outcome?: InvocationOutcome): void {
    if (this._state === 'failed' || this._state === 'stopped') return;
    this._failure = { errorType, errorMessage };
    this.to('failed');
    for (const r of this.readyResolvers.splice(0)) r.reject(this.failureError());
    const inv = this.current ?? this.pending;
    // An invocation the runtime never received, ended by the EE dying rather
    // than by a deadline, can run elsewhere: the caller retries it on a fresh EE.
    const undelivered = inv !== undefined && inv === this.pending && !outcome;
    this.current = this.pending = undefined;
    this.waiter = undefined;
    if (inv) inv.settle(outcome ?? { kind: 'platform-error', errorType, errorMessage, ...(undelivered ? { undelivered } : {}) });
  }

  markStopped(): void {
    if (this._state === 'stopped') return;
    if (this._state !== 'failed') this.fail('Runtime.ExitError', 'execution environment stopped');
    this.to('stopped');
  }
}
