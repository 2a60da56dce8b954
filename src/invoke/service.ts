import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { limits } from '../config';
import { DomainError, notFound, conflict } from '../domain/errors';
import type { AliasRecord, VersionRecord } from '../domain/records';
import type { MetadataStore } from '../store/types';
import type { FunctionService } from '../control/functions';
import { InitFailure, type AcquiredEe, type PlacementPort } from '../placement/placement';
import { StreamEnded, type ExecutionEnvironment, type Invocation, type InvocationOutcome } from '../sandbox/execution-environment';
import type { LogSink } from '../observability/logs';
import { ConcurrencyLimiter } from './concurrency';
import { platformJson, platformLog, systemLevelAllows, type ReportStatus } from '../observability/platform-log';
import { streamLimits, type StreamLimits } from './limits';
import type { InvokeMetrics } from '../metrics/lambda-metrics';
import { ResponseGovernor } from './response-stream';
import { newTraceHeader } from '../tracing/trace-header';
import { untracedHeader, type InvokeTracer, type InvocationTrace } from '../tracing/tracer';
import { buffered, completionOf, streamTooLarge, type StreamCompletion, type StreamedInvokeResult } from './streamed';

export type { StreamCompletion, StreamedInvokeResult } from './streamed';

export interface InvokeInput {
  name: string;
  qualifier: string | undefined;
  payload: Buffer;
  /** Tail: collect this invocation's log lines for X-Amz-Log-Result. */
  tail: boolean;
  /** Decoded X-Amz-Client-Context JSON text. */
  clientContext?: string;
  traceId?: string;
  /** Set by the async poller so the event keeps its request id. */
  requestId?: string;
  /**
   * Set by the async poller: REPORT is pushed before the result returns (not
   * on the next turn), so that the poller's log barrier covers it.
   */
  reportBeforeReturn?: boolean;
  /**
   * Set by the callers that answer a client (Invoke, function URLs, HTTP
   * APIs): without Tail, the result returns as soon as the runtime answers;
   * END, REPORT and the drain of the function's last output follow, and the
   * EE goes back to placement after them (placement knows it is finishing, so
   * the next request waits for it rather than cold-start another). For
   * `invoke()` only: `invokeStream()` hands its answer over before the end anyway.
   */
  answerFirst?: boolean;
}

export interface InvokeResult {
  payload: Buffer;
  functionError?: 'Unhandled';
  /** Base64 of the last 4 KB of the invocation's log. */
  logResult?: string;
  executedVersion: string;
  requestId: string;
  /** True when the platform (not the function) ended the invocation: timeout, crash, init failure. */
  platformError?: string;
}

/** What a request resolved to: the version to run, and the ARN the caller invoked. */
export interface Target {
  rec: VersionRecord;
  invokedArn: string;
}

/** A request whose EE died before its runtime received it runs again on a fresh EE, this many times at most. */
const undeliveredRetriesMax = 1;

/**
 * The synchronous invoke path every caller uses (Invoke API, async poller,
 * later event sources), top-down in `invoke()`:
 *   1. resolve: the version ($LATEST, a number, or an alias's weighted pick);
 *   2. lease: a concurrency slot from the ConcurrencyLimiter: the function's
 *      reserved pool or the account's unreserved one (or a throttle);
 *   3. assign: an EE from placement (warm, or a cold start within the
 *      function's scaling rate, else a throttle);
 *   4. run: the EE delivers the request to its runtime; the function's
 *      timeout ends it; a request the runtime never received (its EE died
 *      first) runs once more on a fresh EE;
 *   5. release: lease and EE, in `finally`, so nothing leaks on error.
 * Platform lines (platform-log.ts) go through the EE to the batched sink.
 * No disk I/O, process spawn or store access happens here on a warm invoke:
 * versions are cached in memory.
 */
export class InvokeService {
  /** Per function: $LATEST, published versions and aliases by qualifier, kept current by change events. */
  private readonly cache = new Map<string, Map<string, VersionRecord | AliasRecord>>();
  /**
   * Per function: how many changes were seen. A load that started before a
   * change may return the record from before it; it is then not cached (a
   * cached stale $LATEST would serve the old configuration until the next
   * change). Grows by one entry per function ever changed, like the cache.
   */
  private readonly generation = new Map<string, number>();
  /** Answered invocations whose END/REPORT are still being written (answerFirst), and the promise `finished` gave while there were some. */
  private finishingCount = 0;
  private noneFinishing: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly placement: PlacementPort,
    private readonly logs: LogSink,
    /** The account's concurrency pools (shared with ReservedConcurrencyService, which keeps the reservations current). */
    private readonly concurrency: ConcurrencyLimiter = new ConcurrencyLimiter(limits.accountConcurrencyDefault),
    /** Streamed responses' size limit and bandwidth rule (see streamLimitsFromEnv). */
    private readonly streaming: StreamLimits = streamLimits,
    /** Lambda's CloudWatch metrics (src/metrics/): a few additions where the outcome is known, nothing else on this path. */
    private readonly metrics?: InvokeMetrics,
    /** Spans over OTLP (src/tracing/): undefined when no collector is configured — then nothing of it runs here. */
    private readonly tracer?: InvokeTracer,
  ) {
    functions.onChange((name, latest, detail) => {
      this.cache.delete(name);
      // A deleted function's reservation went with it (the store deleted it in the same transaction).
      if (!latest) concurrency.setReserved(name, undefined);
      this.generation.set(name, (this.generation.get(name) ?? 0) + 1);
      if (!latest) placement.retire(name);
      else if (detail?.version) placement.retire(name, detail.version);
      else if (!detail) placement.retire(name, '$LATEST', latest.revisionId);
    });
  }

  /**
   * The version a request targets: $LATEST, a published version, or an
   * alias (choosing between its two versions by weight); AWS's errors for a
   * missing one or one that is not ready.
   */
  async resolve(name: string, qualifier: string | undefined): Promise<Target> {
    const q = qualifier ?? '$LATEST';
    let entry = this.cache.get(name)?.get(q) ?? (await this.load(name, q));
    let version = q;
    if (isAlias(entry)) {
      version = pickVersion(entry);
      entry = this.cache.get(name)?.get(version) ?? (await this.load(name, version));
    }
    let rec = entry as VersionRecord;
    if (rec.state === 'Pending' || rec.lastUpdateStatus === 'InProgress') {
      // Activation only unpacks already-validated code; wait for it rather than fail the caller.
      await this.functions.whenSettled(name);
      this.cache.delete(name);
      rec = (await this.load(name, version)) as VersionRecord;
    }
    if (rec.state !== 'Active') {
      throw conflict(
        `The operation cannot be performed at this time. The function is currently in the following state: ${rec.state}`,
      );
    }
    return { rec, invokedArn: this.functions.arn(name, qualifier) };
  }

  private async load(name: string, qualifier: string): Promise<VersionRecord | AliasRecord> {
    let found: VersionRecord | AliasRecord | undefined;
    const gen = this.generation.get(name) ?? 0;
    if (qualifier === '$LATEST') found = (await this.store.getFunction(name))?.latest;
    else if (/^[0-9]+$/.test(qualifier)) found = await this.store.getVersion(name, qualifier);
    else found = await this.store.getAlias(name, qualifier);
    // AWS names the version it looked for, `$LATEST` included (recorded: test_function_name_and_qualifier_validation[…-invoke]).
    if (!found) throw notFound(`Function not found: ${this.functions.arn(name, qualifier)}`);
    if ((this.generation.get(name) ?? 0) !== gen) return found;
    let m = this.cache.get(name);
    if (!m) this.cache.set(name, (m = new Map()));
    m.set(qualifier, found);
    return found;
  }

  async invoke(input: InvokeInput, target?: Target): Promise<InvokeResult> {
    target ??= await this.resolve(input.name, input.qualifier);
    const rec = target.rec;
    if (input.payload.length > limits.syncPayloadBytesMax) {
      throw new DomainError(
        'PayloadTooLarge', `Request must be smaller than ${limits.syncPayloadBytesMax} bytes for the InvokeFunction operation`,
      );
    }
    // AWS answers every concurrency throttle "Rate Exceeded." with the pool's reason (recorded: test_lambda_concurrency_block).
    const lease = this.concurrency.acquire(rec.functionName);
    if (typeof lease === 'string') {
      this.metrics?.throttled(rec.functionName, input.qualifier);
      throw new DomainError('Throttled', 'Rate Exceeded.', { reason: lease });
    }
    this.metrics?.concurrency(this.concurrency.current, this.concurrency.unreservedInFlight);
    const requestId = input.requestId ?? randomUUID();
    const trace = this.tracer?.begin(rec.config.tracingMode, input.traceId);
    const traceHeader = trace ? trace.header : traceHeaderOf(rec, input.traceId);
    let ee;
    try {
      for (let attempt = 0; ; attempt++) {
        let cold;
        try {
          const got = await this.placement.acquire(rec);
          ({ ee, cold } = got);
          if (got.provisioned) this.metrics?.provisionedInvocation(rec.functionName, got.provisioned.resource, got.provisioned.busy, got.provisioned.allocated);
          else if (got.spilledFrom) this.metrics?.spilloverInvocation(rec.functionName, got.spilledFrom.resource);
        } catch (e) {
          if (e instanceof InitFailure) {
            this.metrics?.invoked(rec.functionName, input.qualifier, rec.version, 0, true, undefined, rec.config);
            const failed = this.initFailed(rec, requestId, e.outcome);
            if (trace) this.traced(trace, rec, target, failed, undefined, undefined, undefined);
            return failed;
          }
          throw e;
        }
        if (input.tail) ee.startTail();
        if (cold) this.logInit(rec, ee, cold);
        const t0 = performance.now();
        let outcome = await this.run(ee, rec, target, input, requestId, traceHeader);
        // Invoke answers in one body: a streamed response is read whole, within Invoke's limit.
        if (outcome.kind === 'stream') outcome = await collectStream(ee, outcome, requestId);
        if (outcome.kind === 'platform-error' && outcome.undelivered && attempt < undeliveredRetriesMax) {
          // The runtime died before it received the request: run it on a fresh EE.
          this.placement.release(ee);
          ee = undefined;
          continue;
        }
        const durationMs = performance.now() - t0;
        this.metrics?.invoked(rec.functionName, input.qualifier, rec.version, durationMs, outcome.kind !== 'response', cold?.initDurationMs, rec.config);
        if (input.answerFirst && !input.tail) {
          // The caller has its answer now; the EE is released when its logs are done (not in `finally`).
          const finishing = ee;
          ee = undefined;
          this.placement.finishing(finishing);
          this.finishingCount++;
          this.finish(finishing, rec, requestId, outcome, durationMs, cold?.initDurationMs, true)
            .catch(() => undefined)
            .finally(() => {
              this.placement.release(finishing);
              if (--this.finishingCount === 0 && this.noneFinishing) {
                this.noneFinishing.resolve();
                this.noneFinishing = undefined;
              }
            });
          const result = toResult(outcome, rec.version, requestId, undefined);
          if (trace) this.traced(trace, rec, target, result, cold, t0, t0 + durationMs);
          return result;
        }
        const result = await this.finish(ee, rec, requestId, outcome, durationMs, cold?.initDurationMs, input.reportBeforeReturn);
        if (trace) this.traced(trace, rec, target, result, cold, t0, t0 + durationMs);
        return result;
      }
    } finally {
      this.concurrency.release(lease);
      if (ee) this.placement.release(ee);
    }
  }

  /**
   * The invoke path of `invoke()` (resolve, lease, assign, run, release),
   * handing the response over as the function writes it: resolves as soon as
   * the runtime starts its streamed response (or answers buffered), not when
   * the function ends. Errors before that (throttle, not found) throw as for
   * `invoke()`. The stream keeps the function's timeout; its bytes pass
   * through a ResponseGovernor (AWS's 200 MB limit, 2 MBps after 6 MB).
   */
  async invokeStream(input: InvokeInput, target?: Target): Promise<StreamedInvokeResult> {
    target ??= await this.resolve(input.name, input.qualifier);
    const rec = target.rec;
    if (input.payload.length > limits.syncPayloadBytesMax) {
      throw new DomainError(
        'PayloadTooLarge', `Request must be smaller than ${limits.syncPayloadBytesMax} bytes for the InvokeWithResponseStream operation`,
      );
    }
    const lease = this.concurrency.acquire(rec.functionName);
    if (typeof lease === 'string') {
      this.metrics?.throttled(rec.functionName, input.qualifier);
      throw new DomainError('Throttled', 'Rate Exceeded.', { reason: lease });
    }
    this.metrics?.concurrency(this.concurrency.current, this.concurrency.unreservedInFlight);
    const requestId = input.requestId ?? randomUUID();
    const trace = this.tracer?.begin(rec.config.tracingMode, input.traceId);
    const traceHeader = trace ? trace.header : traceHeaderOf(rec, input.traceId);
    let ee: ExecutionEnvironment | undefined;
    /** Once the stream is handed over, its end releases lease and EE (not this function's `finally`). */
    let handedOver = false;
    try {
      for (let attempt = 0; ; attempt++) {
        let cold;
        try {
          const got = await this.placement.acquire(rec);
          ({ ee, cold } = got);
          if (got.provisioned) this.metrics?.provisionedInvocation(rec.functionName, got.provisioned.resource, got.provisioned.busy, got.provisioned.allocated);
          else if (got.spilledFrom) this.metrics?.spilloverInvocation(rec.functionName, got.spilledFrom.resource);
        } catch (e) {
          if (e instanceof InitFailure) {
            this.metrics?.invoked(rec.functionName, input.qualifier, rec.version, 0, true, undefined, rec.config);
            const failed = this.initFailed(rec, requestId, e.outcome);
            if (trace) this.traced(trace, rec, target, failed, undefined, undefined, undefined);
            return buffered(failed, undefined);
          }
          throw e;
        }
        if (input.tail) ee.startTail();
        if (cold) this.logInit(rec, ee, cold);
        const t0 = performance.now();
        const outcome = await this.run(ee, rec, target, input, requestId, traceHeader);
        if (outcome.kind === 'platform-error' && outcome.undelivered && attempt < undeliveredRetriesMax) {
          this.placement.release(ee);
          ee = undefined;
          continue;
        }
        if (outcome.kind !== 'stream') {
          const t1 = performance.now();
          const durationMs = t1 - t0;
          this.metrics?.invoked(rec.functionName, input.qualifier, rec.version, durationMs, outcome.kind !== 'response', cold?.initDurationMs, rec.config);
          const r = await this.finish(ee, rec, requestId, outcome, durationMs, cold?.initDurationMs, input.reportBeforeReturn);
          if (trace) this.traced(trace, rec, target, r, cold, t0, t1);
          return buffered(r, outcome.kind === 'response' ? 'application/json' : undefined);
        }
        handedOver = true;
        const acquired = ee;
        const release = () => {
          this.concurrency.release(lease);
          this.placement.release(acquired);
        };
        const onEnd = trace ? (r: InvokeResult, t1: number) => this.traced(trace, rec, target!, r, cold, t0, t1) : undefined;
        return this.streamOut(acquired, rec, input.qualifier, requestId, outcome, t0, cold?.initDurationMs, release, onEnd);
      }
    } finally {
      if (!handedOver) {
        this.concurrency.release(lease);
        if (ee) this.placement.release(ee);
      }
    }
  }

  /** Pipes a runtime's streamed body to the caller through the governor; its end (or failure) finishes the invocation. */
  private streamOut(
    ee: ExecutionEnvironment,
    rec: VersionRecord,
    qualifier: string | undefined,
    requestId: string,
    o: InvocationOutcome & { kind: 'stream' },
    t0: number,
    initDurationMs: number | undefined,
    release: () => void,
    /** The tracer's end of this invocation (only when traced). */
    onEnd?: (r: InvokeResult, outcomeMs: number) => void,
  ): StreamedInvokeResult {
    const source = o.body;
    const tooLarge = streamTooLarge(this.streaming.responseBytesMax);
    const governor = new ResponseGovernor(this.streaming, () => {
      // The runtime's POST is cut: the EE is not reused (its runtime is mid-write).
      ee.fail('Function.ResponseSizeTooLarge', 'response stream over the streaming limit', tooLarge);
    });
    source.pipe(governor);
    // The caller went away: let the function run on (AWS does), discarding what it writes.
    governor.once('close', () => {
      if (governor.writableFinished && governor.readableEnded) return;
      source.unpipe(governor);
      source.resume();
    });
    const completion = new Promise<StreamCompletion>((resolve) => {
      let ended = false;
      const end = (outcome: InvocationOutcome) => {
        if (ended) return;
        ended = true;
        // What the caller has so far is all it gets; the outcome says why it stopped.
        if (!governor.destroyed) governor.end();
        // A streamed invocation counts (and is billed) when its stream ends.
        const t1 = performance.now();
        const durationMs = t1 - t0;
        this.metrics?.invoked(rec.functionName, qualifier, rec.version, durationMs, outcome.kind !== 'response', initDurationMs, rec.config);
        this.finish(ee, rec, requestId, outcome, durationMs, initDurationMs, false)
          .then((r) => {
            onEnd?.(r, t1);
            resolve(completionOf(r, governor.bytesPassed));
          })
          .catch((e: unknown) => resolve({ error: { errorType: 'ServiceException', errorMessage: String(e), body: Buffer.alloc(0), platform: true }, bytes: governor.bytesPassed }))
          .finally(release);
      };
      source.once('end', () => {
        const err = o.errorAfterEnd();
        end(err ? { kind: 'error', errorType: err.errorType, body: err.body } : { kind: 'response', body: Buffer.alloc(0) });
      });
      source.once('error', (e) =>
        end(
          e instanceof StreamEnded
            ? e.outcome
            : { kind: 'platform-error', errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: the runtime's response stream ended before it was complete` },
        ),
      );
    });
    return { requestId, executedVersion: rec.version, contentType: o.contentType, streamed: true, body: governor, completion };
  }

  /**
   * Resolves when no answered invocation is still writing its END and REPORT
   * (a stop waits for this before the EEs go, so those lines are stored).
   */
  finished(): Promise<void> {
    if (this.finishingCount === 0) return Promise.resolve();
    if (!this.noneFinishing) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.noneFinishing = { promise, resolve };
    }
    return this.noneFinishing.promise;
  }

  /** A function's reserved concurrency (undefined: none), read from memory; see ReservedConcurrencyService.reservedOf. */
  reservedConcurrency(functionName: string): number | undefined {
    return this.concurrency.reservedOf(functionName);
  }

  /** The traced invocation's spans (src/tracing/tracer.ts); called only when `begin` sampled it. */
  private traced(
    trace: InvocationTrace, rec: VersionRecord, target: Target, r: InvokeResult,
    cold: AcquiredEe['cold'], runStartMs: number | undefined, outcomeMs: number | undefined,
  ): void {
    // Tracing never fails an invocation: a span that cannot be made is lost, the answer is not.
    try {
      this.tracer!.end(trace, {
        functionName: rec.functionName,
        version: rec.version,
        invokedArn: target.invokedArn,
        requestId: r.requestId,
        memoryMb: rec.config.memoryMb,
        cold,
        runStartMs,
        outcomeMs,
        error: r.functionError ? (r.platformError ?? r.functionError) : undefined,
      });
    } catch {
      /* dropped */
    }
  }

  /** AWS logs INIT_START on a cold start; INIT_PHASES is Kumo's breakdown of the cold start. */
  private logInit(rec: VersionRecord, ee: ExecutionEnvironment, cold: NonNullable<AcquiredEe['cold']>): void {
    const c = rec.config;
    if (c.logFormat === 'JSON') {
      // JSON format: platform records as AWS writes them, filtered by SystemLogLevel.
      if (systemLevelAllows(c.systemLogLevel, 'INFO')) ee.log(platformJson.initStart(rec.functionName, rec.version, c.runtime, 'on-demand'));
      if (systemLevelAllows(c.systemLogLevel, 'DEBUG')) ee.log(platformJson.initPhases(cold));
      return;
    }
    ee.log(platformLog.initStart(c.runtime));
    ee.log(platformLog.initPhases(cold));
  }

  /** Hands the request to the EE and waits for its outcome or the function's timeout. START is logged when the runtime receives it. */
  private run(ee: ExecutionEnvironment, rec: VersionRecord, target: Target, input: InvokeInput, requestId: string, traceHeader: string): Promise<InvocationOutcome> {
    const timeoutMs = rec.config.timeoutSeconds * 1000;
    return new Promise<InvocationOutcome>((settle) => {
      const timer = setTimeout(() => {
        const msg = `Task timed out after ${rec.config.timeoutSeconds.toFixed(2)} seconds`;
        // JSON format: the timeout is the platform.report's status (no text line in a JSON log).
        if (rec.config.logFormat !== 'JSON') ee.log(platformLog.timedOut(requestId, rec.config.timeoutSeconds));
        ee.fail('Sandbox.Timedout', msg, {
          kind: 'platform-error',
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: ${msg}`,
        });
      }, timeoutMs);
      const inv: Invocation = {
        requestId,
        payload: input.payload,
        deadlineMs: Date.now() + timeoutMs,
        invokedFunctionArn: target.invokedArn,
        traceId: traceHeader,
        clientContext: input.clientContext,
        onDelivered: () => {
          if (rec.config.logFormat !== 'JSON') ee.log(platformLog.start(requestId, rec.version));
          else if (systemLevelAllows(rec.config.systemLogLevel, 'INFO')) ee.log(platformJson.start(requestId, rec.version));
        },
        settle: (o) => {
          // A streamed body is still under the function's timeout until it ends.
          if (o.kind === 'stream') o.body.once('close', () => clearTimeout(timer));
          else clearTimeout(timer);
          settle(o);
        },
      };
      ee.assign(inv);
    });
  }

  /** END and REPORT, the log tail, and the caller's result. */
  private async finish(
    ee: ExecutionEnvironment,
    rec: VersionRecord,
    requestId: string,
    outcome: InvocationOutcome,
    durationMs: number,
    initDurationMs: number | undefined,
    reportBeforeReturn: boolean | undefined,
  ): Promise<InvokeResult> {
    // Output the runtime wrote before answering may still sit in the pipe (or,
    // supervised, on its way from the supervisor): let it drain first.
    await ee.drainOutput();
    await nextTurn();
    const json = rec.config.logFormat === 'JSON';
    const end = json ? reportStatus(outcome) : undefined;
    // JSON format: a successful invocation's report is INFO, a failed one's WARN (ARCHITECTURE.md "Choices").
    const reported = !json || systemLevelAllows(rec.config.systemLogLevel, end!.status === 'success' ? 'INFO' : 'WARN');
    const report = () => {
      const r = {
        requestId,
        durationMs,
        memoryMb: rec.config.memoryMb,
        maxMemoryUsedMb: Math.max(1, Math.round(ee.memoryPeakBytes() / (1024 * 1024))),
        initDurationMs,
      };
      return json ? platformJson.report(r, end!) : platformLog.report(r);
    };
    if (!json) ee.log(platformLog.end(requestId));
    let logResult: string | undefined;
    if (!reported) {
      if (ee.collectingTail) logResult = tailBase64(ee.takeTail()!);
    } else if (ee.collectingTail) {
      ee.log(report());
      logResult = tailBase64(ee.takeTail()!);
    } else if (reportBeforeReturn) {
      ee.log(report(), false);
    } else {
      // REPORT reads the cgroup; keep that off the response path.
      setImmediate(() => ee.log(report(), false));
    }
    return toResult(outcome, rec.version, requestId, logResult);
  }

  private initFailed(rec: VersionRecord, requestId: string, outcome: InvocationOutcome): InvokeResult {
    const stream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[${rec.version}]init-failure`;
    const msg =
      outcome.kind === 'platform-error' ? `${outcome.errorType}: ${outcome.errorMessage}` : outcome.kind === 'error' ? outcome.errorType : 'Unknown';
    if (rec.config.logFormat !== 'JSON') this.logs.push(rec.config.logGroup, stream, platformLog.initReportError(msg));
    else if (systemLevelAllows(rec.config.systemLogLevel, 'WARN')) this.logs.push(rec.config.logGroup, stream, platformJson.initReportError(msg));
    if (outcome.kind === 'platform-error' && !outcome.errorMessage.startsWith('RequestId:')) {
      outcome = { ...outcome, errorMessage: `RequestId: ${requestId} Error: ${outcome.errorMessage}` };
    }
    return toResult(outcome, rec.version, requestId, undefined);
  }
}

/** The answer AWS gives a response over Invoke's limit (6,291,556 bytes). */
function responseTooLarge(): InvocationOutcome {
  const errorMessage = `Response payload size exceeded maximum allowed payload size (${limits.syncResponseBytesMax} bytes).`;
  return { kind: 'error', errorType: 'Function.ResponseSizeTooLarge', body: Buffer.from(JSON.stringify({ errorMessage, errorType: 'Function.ResponseSizeTooLarge' })) };
}

/**
 * Reads a streamed response into one body for Invoke. Past Invoke's limit the
 * EE fails (its runtime's POST is cut) and the caller gets AWS's size error;
 * an error in the runtime's trailers is the function's error; the platform
 * ending the invocation mid-stream (timeout, exit) is its outcome.
 */
function collectStream(ee: ExecutionEnvironment, o: InvocationOutcome & { kind: 'stream' }, requestId: string): Promise<InvocationOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    o.body.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limits.syncResponseBytesMax) chunks.push(c);
      else {
        const tooLarge = responseTooLarge();
        ee.fail('Function.ResponseSizeTooLarge', 'response stream over the Invoke limit', tooLarge);
        resolve(tooLarge);
      }
    });
    o.body.once('end', () => {
      const err = o.errorAfterEnd();
      resolve(err ? { kind: 'error', errorType: err.errorType, body: err.body } : { kind: 'response', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    });
    o.body.once('error', (e) =>
      resolve(
        e instanceof StreamEnded
          ? e.outcome
          : { kind: 'platform-error', errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: the runtime's response stream ended before it was complete` },
      ),
    );
  });
}

function isAlias(e: VersionRecord | AliasRecord): e is AliasRecord {
  return 'additionalVersionWeights' in e;
}

/** Weighted routing: the extra version gets its weight's share of requests, the main version the rest. */
function pickVersion(a: AliasRecord): string {
  let r = Math.random();
  for (const [v, w] of Object.entries(a.additionalVersionWeights)) {
    if (r < w) return v;
    r -= w;
  }
  return a.functionVersion;
}

function toResult(o: InvocationOutcome, version: string, requestId: string, logResult: string | undefined): InvokeResult {
  switch (o.kind) {
    case 'response':
      return { payload: o.body, executedVersion: version, requestId, logResult };
    case 'error':
      return { payload: o.body, functionError: 'Unhandled', executedVersion: version, requestId, logResult };
    case 'platform-error':
      return {
        payload: Buffer.from(JSON.stringify({ errorType: o.errorType, errorMessage: o.errorMessage })),
        functionError: 'Unhandled',
        executedVersion: version,
        requestId,
        logResult,
        platformError: o.errorType,
      };
    case 'stream':
      throw new Error('a streamed response must be read (collectStream) before it is returned');
  }
}

/** The last 4 KB of the log lines, base64 (AWS's X-Amz-Log-Result). */
function tailBase64(lines: string[]): string {
  const buf = Buffer.from(lines.join('\n') + '\n');
  return (buf.length > limits.logTailBytesMax ? buf.subarray(buf.length - limits.logTailBytesMax) : buf).toString('base64');
}

/**
 * The trace header a function gets when nobody exports its spans: the
 * caller's, or a new one (Sampled=0); an Active function's has Sampled=1 and
 * a Parent of Lambda's (trace-header.ts, tracer.ts untracedHeader).
 */
export function traceHeaderOf(rec: Pick<VersionRecord, 'config'>, incoming: string | undefined): string {
  return rec.config.tracingMode === 'PassThrough' ? (incoming ?? newTraceId()) : untracedHeader('Active', incoming, newTraceId);
}

function newTraceId(): string {
  return newTraceHeader(false);
}

/** platform.report's status of an outcome (the Telemetry API's: success, error, timeout, failure). */
function reportStatus(o: InvocationOutcome): ReportStatus {
  if (o.kind === 'response' || o.kind === 'stream') return { status: 'success' };
  if (o.kind === 'error') return { status: 'error', errorType: o.errorType };
  if (o.kind === 'platform-error') return { status: o.errorType === 'Sandbox.Timedout' ? 'timeout' : 'failure', errorType: o.errorType };
  return { status: 'failure', errorType: 'Unknown' };
}
