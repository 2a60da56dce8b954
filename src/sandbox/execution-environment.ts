import type { Readable } from 'node:stream';
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
  /**
   * A streamed response (the runtime posted with `Lambda-Runtime-Function-Response-Mode:
   * streaming`): the body arrives as it is written. `errorAfterEnd` tells, once the
   * body has ended, whether the runtime reported an error in its trailers
   * (`Lambda-Runtime-Function-Error-Type` / `-Error-Body`). If the platform ends the
   * invocation mid-stream (timeout, exit), the body is destroyed with a
   * `StreamEnded` error carrying the platform's outcome.
   */
  | { kind: 'stream'; body: Readable; contentType: string | undefined; errorAfterEnd(): { errorType: string; body: Buffer } | undefined }
  | { kind: 'error'; body: Buffer; errorType: string }
  /**
   * The platform ended the invocation (timeout, exit, init failure, oversize).
   * `undelivered`: the runtime never received it (it exited before polling
   * again), so the caller may run it on another EE.
   */
  | { kind: 'platform-error'; errorType: string; errorMessage: string; logLine?: string; undelivered?: boolean };

/** The error a streamed body is destroyed with when the platform ends the invocation mid-stream. */
export class StreamEnded extends Error {
  constructor(readonly outcome: InvocationOutcome & { kind: 'platform-error' | 'error' }) {
    super(outcome.kind === 'platform-error' ? outcome.errorMessage : outcome.errorType);
  }
}

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
  /** The body of a streamed response under way: the EE stays `invoking` until it ends. */
  private streaming: Readable | undefined;
  /** The freeze in progress or done, awaited before a thaw; undefined while running. */
  private frozen: Promise<void> | undefined;
  /** Log lines of the current invocation, collected only when the caller asked for the tail. */
  private tail: string[] | undefined;
  private _initError: InvocationOutcome | undefined;
  private _initDurationMs: number | undefined;
  private _lastUsedMs = Date.now();
  private readyResolvers: { resolve(): void; reject(e: Error): void }[] = [];
  private _failure: { errorType: string; errorMessage: string } | undefined;
  /** The output drain started when the runtime answered (see drainOutput). */
  private drained: Promise<void> | undefined;

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

  /**
   * Everything the runtime wrote so far has been delivered to `line()` (the
   * sandbox's `drainOutput`, when it has one). After `complete()` this is the
   * drain started there: the runtime wrote its output before it posted its
   * answer, so that drain covers it, and its round trip overlaps the rest of
   * the answer's handling.
   */
  async drainOutput(): Promise<void> {
    const started = this.drained;
    this.drained = undefined;
    await (started ?? this.sandbox?.drainOutput?.());
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
    this.drained = undefined; // a drain from before this invocation covers none of its output
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
    this.drained = this.sandbox?.drainOutput?.();
    inv.settle(outcome);
    return true;
  }

  /**
   * Runtime API: a streamed response began. The caller gets the body at once;
   * the EE stays busy until `endStream` (the runtime polls /next only after its
   * POST has ended). Returns false if the id is not the current invocation.
   */
  streamResponse(requestId: string, body: Readable, contentType: string | undefined, errorAfterEnd: () => { errorType: string; body: Buffer } | undefined): boolean {
    const inv = this.current;
    if (this._state !== 'invoking' || !inv || inv.requestId !== requestId || this.pending || this.streaming) return false;
    this.streaming = body;
    inv.settle({ kind: 'stream', body, contentType, errorAfterEnd });
    return true;
  }

  /** Runtime API: the streamed body of the current invocation has ended; the EE is idle again. */
  endStream(requestId: string): boolean {
    const inv = this.current;
    if (this._state !== 'invoking' || !this.streaming || !inv || inv.requestId !== requestId) return false;
    this.streaming = undefined;
    this.current = undefined;
    this.to('idle');
    this._lastUsedMs = Date.now();
    return true;
  }

  /** The EE can no longer be used (init error, exit, timeout). Settles any current invocation (a stream under way is destroyed with the outcome). */
  fail(errorType: string, errorMessage: string, outcome?: InvocationOutcome): void {
    if (this._state === 'failed' || this._state === 'stopped') return;
    this._failure = { errorType, errorMessage };
    this.to('failed');
    for (const r of this.readyResolvers.splice(0)) r.reject(this.failureError());
    const inv = this.current ?? this.pending;
    // An invocation the runtime never received, ended by the EE dying rather
    // than by a deadline, can run elsewhere: the caller retries it on a fresh EE.
    const undelivered = inv !== undefined && inv === this.pending && !outcome;
    const streaming = this.streaming;
    this.current = this.pending = this.streaming = undefined;
    this.waiter = undefined;
    const ended: InvocationOutcome = outcome ?? { kind: 'platform-error', errorType, errorMessage, ...(undelivered ? { undelivered } : {}) };
    if (streaming) {
      // The caller already has the body: end it with the platform's outcome.
      streaming.destroy(new StreamEnded(ended.kind === 'error' || ended.kind === 'platform-error' ? ended : { kind: 'platform-error', errorType, errorMessage }));
    } else if (inv) inv.settle(ended);
  }

  markStopped(): void {
    if (this._state === 'stopped') return;
    if (this._state !== 'failed') this.fail('Runtime.ExitError', 'execution environment stopped');
    this.to('stopped');
  }
}
