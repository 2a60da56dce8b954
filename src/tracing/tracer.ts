import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { formatTraceHeader, newRoot, newSpanId, otelTraceId, parseTraceHeader, sampledFor } from './trace-header';
import { exportBatchSpansMax, exportDelayMs, exportQueueSpansMax, exportTimeoutMs, resourcesCachedMax } from './limits';

/**
 * Spans of Lambda invocations, exported over OTLP/HTTP (JSON) — issue 17
 * item 2. The structure follows X-Ray's Lambda segments
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html):
 *
 *   Invoke                 service "Lambda": the request, from the call to the answer
 *   └─ <function name>     service <function name>: the function
 *      ├─ Initialization   cold start only
 *      │  ├─ Sandbox       Kumo's phases before the runtime: network, /tmp, container (or binding a pre-initialised EE)
 *      │  └─ Runtime init  the runtime's start and the function's init code (AWS's Init Duration)
 *      ├─ Invocation       the handler: from delivery to the runtime's answer
 *      │  └─ …             the function's own X-Ray subsegments (xray-daemon.ts), parent = this span
 *      └─ Overhead         after the answer: END/REPORT, the log drain, the release
 *
 * The trace id is the header's Root (trace-header.ts); the request span's
 * parent is the caller's Parent, when it sent one. The Invocation span's id
 * is the Parent in the header the function receives, so the X-Ray SDK's
 * subsegments land under it.
 *
 * Spans are built as finished `ReadableSpan`s and handed to a
 * BatchSpanProcessor, not made through the OTel Tracer API: their ids must
 * be known before they start (the function's header carries the Invocation
 * span's id; a segment from the X-Ray SDK brings its own ids) and their
 * times are measured by the invoke path anyway.
 */

export interface TracingSettings {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  /** Export every invocation, whatever its Sampled decision (KUMO_TRACING_SAMPLE_ALL=1). */
  sampleAll: boolean;
}

/**
 * OTel's exporter variables (https://opentelemetry.io/docs/specs/otel/protocol/exporter/):
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the URL as it is;
 * OTEL_EXPORTER_OTLP_ENDPOINT is a base to which `/v1/traces` is added.
 * Neither set, or OTEL_TRACES_EXPORTER=none: tracing is off.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv): TracingSettings | undefined {
  if (env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const sampleAll = env.KUMO_TRACING_SAMPLE_ALL === '1';
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = traces ? traces : base ? base.replace(/\/+$/, '') + '/v1/traces' : undefined;
  if (!url) return undefined;
  if (!/^https?:\/\//.test(url)) throw new Error(`OTLP traces endpoint must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  return { url, sampleAll };
}

/** One traced invocation: made by `begin`, closed by `end`. */
export interface InvocationTrace {
  /** The header the function receives (Parent = the Invocation span). */
  readonly header: string;
  readonly traceId: string;
  readonly callerParent: string | undefined;
  readonly requestSpanId: string;
  readonly functionSpanId: string;
  readonly invocationSpanId: string;
  /** performance.now() at begin. */
  readonly startMs: number;
}

/** What the invoke path measured (performance.now() times). */
export interface InvocationTimes {
  functionName: string;
  version: string;
  invokedArn: string;
  requestId: string;
  memoryMb: number;
  /** Cold start phases (placement's AcquiredEe.cold); undefined on a warm invoke. */
  cold?: { initDurationMs: number; networkMs: number; sandboxMs: number; scratchMs?: number; bindMs?: number; totalMs: number };
  /** When the request went to the EE (the Invocation span starts). undefined: it never ran (init failure). */
  runStartMs?: number;
  /** When the runtime's outcome came (the Invocation span ends, Overhead starts). */
  outcomeMs?: number;
  /** The function's or the platform's error type, if it failed. */
  error?: string;
}

/** Header of an invocation nobody traces: the caller's as it is, AWS's rules for Active (Sampled=1, a new Parent). */
export function untracedHeader(mode: 'Active' | 'PassThrough', incoming: string | undefined, newHeader: () => string): string {
  if (mode === 'PassThrough') return incoming ?? newHeader();
  const h = parseTraceHeader(incoming);
  return formatTraceHeader({ root: h?.root ?? newRoot(), parent: newSpanId(), sampled: true, lineage: h?.lineage });
}

const scope = { name: 'kumo' };
const requestResource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'Lambda', 'cloud.provider': 'aws' });

export class InvokeTracer {
  private readonly processor: SpanProcessor;
  private readonly resources = new Map<string, Resource>();

  constructor(
    readonly settings: TracingSettings,
    /** The server's region (cloud.region). */
    private readonly region: string,
    exporter: SpanExporter = new OTLPTraceExporter({ url: settings.url, timeoutMillis: exportTimeoutMs }),
  ) {
    this.processor = new BatchSpanProcessor(exporter, {
      maxQueueSize: exportQueueSpansMax,
      maxExportBatchSize: exportBatchSpansMax,
      scheduledDelayMillis: exportDelayMs,
      exportTimeoutMillis: exportTimeoutMs,
    });
  }

  /**
   * The sampling decision (trace-header.ts `sampledFor`, or every request
   * with sampleAll); undefined when this invocation is not exported.
   */
  begin(mode: 'Active' | 'PassThrough', incoming: string | undefined): InvocationTrace | undefined {
    const h = parseTraceHeader(incoming);
    if (!this.settings.sampleAll && !sampledFor(mode, h?.sampled)) return undefined;
    const root = h?.root ?? newRoot();
    const invocationSpanId = newSpanId();
    return {
      header: formatTraceHeader({ root, parent: invocationSpanId, sampled: true, lineage: h?.lineage }),
      traceId: otelTraceId(root),
      callerParent: h?.parent,
      requestSpanId: newSpanId(),
      functionSpanId: newSpanId(),
      invocationSpanId,
      startMs: performance.now(),
    };
  }

  /** Emits the invocation's spans (called once the caller's answer is ready). */
  end(t: InvocationTrace, m: InvocationTimes): void {
    const endMs = performance.now();
    const fnResource = this.resourceOf(m.functionName);
    const cold = m.cold;
    const initStartMs = cold && m.runStartMs !== undefined ? m.runStartMs - cold.totalMs : undefined;
    const fnStartMs = initStartMs ?? m.runStartMs ?? t.startMs;
    const status = m.error ? { code: SpanStatusCode.ERROR, message: m.error } : { code: SpanStatusCode.UNSET };
    const common: Attributes = {
      'faas.invocation.id': m.requestId,
      'faas.name': m.functionName,
      'faas.version': m.version,
      'cloud.resource_id': m.invokedArn,
      'cloud.region': this.region,
    };
    this.emit(t.traceId, t.requestSpanId, t.callerParent, 'Invoke', SpanKind.SERVER, requestResource, t.startMs, endMs, status, {
      ...common,
      'rpc.system': 'aws-api',
      'rpc.service': 'Lambda',
      'rpc.method': 'Invoke',
      'aws.lambda.invoked_arn': m.invokedArn,
    });
    this.emit(t.traceId, t.functionSpanId, t.requestSpanId, m.functionName, SpanKind.INTERNAL, fnResource, fnStartMs, endMs, status, {
      ...common,
      'faas.coldstart': cold !== undefined,
      'faas.max_memory': m.memoryMb * 1024 * 1024,
    });
    if (cold && initStartMs !== undefined && m.runStartMs !== undefined) {
      const initId = newSpanId();
      this.emit(t.traceId, initId, t.functionSpanId, 'Initialization', SpanKind.INTERNAL, fnResource, initStartMs, m.runStartMs, ok, {});
      const sandboxMs = cold.networkMs + (cold.scratchMs ?? 0) + cold.sandboxMs + (cold.bindMs ?? 0);
      this.emit(t.traceId, newSpanId(), initId, 'Sandbox', SpanKind.INTERNAL, fnResource, initStartMs, initStartMs + sandboxMs, ok, {
        'kumo.network_ms': cold.networkMs,
        'kumo.sandbox_ms': cold.sandboxMs,
        ...(cold.scratchMs !== undefined ? { 'kumo.scratch_ms': cold.scratchMs } : {}),
        ...(cold.bindMs !== undefined ? { 'kumo.bind_ms': cold.bindMs } : {}),
      });
      this.emit(t.traceId, newSpanId(), initId, 'Runtime init', SpanKind.INTERNAL, fnResource, m.runStartMs - cold.initDurationMs, m.runStartMs, ok, {});
    }
    if (m.runStartMs !== undefined) {
      const outcomeMs = m.outcomeMs ?? endMs;
      this.emit(t.traceId, t.invocationSpanId, t.functionSpanId, 'Invocation', SpanKind.INTERNAL, fnResource, m.runStartMs, outcomeMs, status, {});
      this.emit(t.traceId, newSpanId(), t.functionSpanId, 'Overhead', SpanKind.INTERNAL, fnResource, outcomeMs, endMs, ok, {});
    }
  }

  /** A span from elsewhere (the X-Ray daemon receiver), epoch-ms times. */
  emitEpoch(
    traceId: string, spanId: string, parentId: string | undefined, name: string, kind: SpanKind,
    resourceName: string, startEpochMs: number, endEpochMs: number, error: string | undefined, attributes: Attributes,
  ): void {
    const status = error ? { code: SpanStatusCode.ERROR, message: error } : ok;
    this.processor.onEnd(finished(traceId, spanId, parentId, name, kind, this.resourceOf(resourceName), hr(startEpochMs), hr(endEpochMs), status, attributes));
  }

  /** Sends what is queued (tests, and stop). */
  flush(): Promise<void> {
    return this.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.processor.shutdown();
  }

  private emit(
    traceId: string, spanId: string, parentId: string | undefined, name: string, kind: SpanKind, resource: Resource,
    startMs: number, endMs: number, status: { code: SpanStatusCode; message?: string }, attributes: Attributes,
  ): void {
    const origin = performance.timeOrigin;
    this.processor.onEnd(finished(traceId, spanId, parentId, name, kind, resource, hr(origin + startMs), hr(origin + Math.max(startMs, endMs)), status, attributes));
  }

  private resourceOf(name: string): Resource {
    let r = this.resources.get(name);
    if (!r) {
      r = resourceFromAttributes({ [ATTR_SERVICE_NAME]: name, 'cloud.provider': 'aws', 'faas.name': name, 'cloud.region': this.region });
      if (this.resources.size < resourcesCachedMax) this.resources.set(name, r);
    }
    return r;
  }
}

const ok = { code: SpanStatusCode.UNSET };

function hr(epochMs: number): HrTime {
  const s = Math.floor(epochMs / 1000);
  return [s, Math.round((epochMs - s * 1000) * 1e6)];
}

function finished(
  traceId: string, spanId: string, parentId: string | undefined, name: string, kind: SpanKind, resource: Resource,
  startTime: HrTime, endTime: HrTime, status: { code: SpanStatusCode; message?: string }, attributes: Attributes,
): ReadableSpan {
  const ctx: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
  let ds = endTime[0] - startTime[0];
  let dn = endTime[1] - startTime[1];
  if (dn < 0) {
    ds -= 1;
    dn += 1e9;
  }
  return {
    name,
    kind,
    spanContext: () => ctx,
    parentSpanContext: parentId ? { traceId, spanId: parentId, traceFlags: TraceFlags.SAMPLED, isRemote: true } : undefined,
    startTime,
    endTime,
    status,
    attributes,
    links: [],
    events: [],
    duration: [ds, dn],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
