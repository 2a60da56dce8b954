import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { InvokeTracer, tracingFromEnv } from './tracer';
import { XrayDaemon } from './xray-daemon';
import { traceHeaderOf } from '../invoke/service';

const times = (cold: boolean) => ({
  functionName: 'fn', version: '$LATEST', invokedArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn', requestId: 'r1', memoryMb: 128,
  ...(cold ? { cold: { initDurationMs: 30, networkMs: 2, sandboxMs: 40, totalMs: 80 } } : {}),
});

describe('tracer', () => {
  it('reads OTel\'s endpoint variables: the traces URL as it is, the base with /v1/traces', () => {
    assert.equal(tracingFromEnv({}), undefined);
    assert.deepEqual(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }), { url: 'http://c:4318/v1/traces', sampleAll: false });
    assert.deepEqual(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x' }), { url: 'http://t/x', sampleAll: false });
    assert.equal(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }), undefined);
    assert.equal(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', KUMO_TRACING_SAMPLE_ALL: '1' })!.sampleAll, true);
    assert.throws(() => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4318' }), /http:\/\//);
  });

  it('a cold invocation: Invoke > function > Initialization (Sandbox, Runtime init), Invocation, Overhead; times in order', async () => {
    const ex = new InMemorySpanExporter();
    const t = new InvokeTracer({ url: 'http://unused', sampleAll: false }, 'us-east-1', ex);
    const tr = t.begin('Active', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0')!;
    assert.match(tr.header, new RegExp(`^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${tr.invocationSpanId};Sampled=1$`));
    const run = performance.now();
    t.end(tr, { ...times(true), runStartMs: run, outcomeMs: run + 1 });
    await t.flush();
    const spans = ex.getFinishedSpans();
    const by = (n: string) => spans.find((s) => s.name === n)!;
    assert.deepEqual(spans.map((s) => s.name).sort(), ['Initialization', 'Invocation', 'Invoke', 'Overhead', 'Runtime init', 'Sandbox', 'fn']);
    for (const s of spans) assert.equal(s.spanContext().traceId, '5759e988bd862e3fe1be46a994272793');
    assert.equal(by('Invoke').parentSpanContext!.spanId, '53995c3f42cd8ad8');
    assert.equal(by('fn').parentSpanContext!.spanId, by('Invoke').spanContext().spanId);
    for (const n of ['Initialization', 'Invocation', 'Overhead']) assert.equal(by(n).parentSpanContext!.spanId, by('fn').spanContext().spanId, n);
    for (const n of ['Sandbox', 'Runtime init']) assert.equal(by(n).parentSpanContext!.spanId, by('Initialization').spanContext().spanId, n);
    assert.equal(by('Invocation').spanContext().spanId, tr.invocationSpanId);
    const ms = (s: { startTime: [number, number] }) => s.startTime[0] * 1000 + s.startTime[1] / 1e6;
    assert.ok(ms(by('Initialization')) <= ms(by('Invocation')));
    assert.equal(by('Invoke').resource.attributes['service.name'], 'Lambda');
    assert.equal(by('fn').resource.attributes['service.name'], 'fn');
    await t.shutdown();
  });

  it('PassThrough without Sampled=1 is not traced; sampleAll traces it', () => {
    const ex = new InMemorySpanExporter();
    const t = new InvokeTracer({ url: 'http://unused', sampleAll: false }, 'us-east-1', ex);
    assert.equal(t.begin('PassThrough', undefined), undefined);
    assert.equal(t.begin('PassThrough', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0'), undefined);
    assert.ok(t.begin('PassThrough', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'));
    const all = new InvokeTracer({ url: 'http://unused', sampleAll: true }, 'us-east-1', ex);
    assert.ok(all.begin('PassThrough', undefined));
  });

  it('the X-Ray daemon receiver: a subsegment document and its nested subsegments become spans; malformed ones are refused', async () => {
    const ex = new InMemorySpanExporter();
    const t = new InvokeTracer({ url: 'http://unused', sampleAll: false }, 'us-east-1', ex);
    const d = new XrayDaemon(t);
    const now = Date.now() / 1000;
    const doc = { type: 'subsegment', id: 'a1b2c3d4e5f60718', trace_id: '1-5759e988-bd862e3fe1be46a994272793', parent_id: '53995c3f42cd8ad8', name: 'w', start_time: now - 1, end_time: now, fault: true,
      subsegments: [{ id: '0102030405060708', name: 'inner', start_time: now - 0.5, end_time: now - 0.1 }, { id: '0102030405060709', name: 'open', start_time: now, in_progress: true }] };
    assert.equal(d.ingest(Buffer.from('{"format": "json", "version": 1}\n' + JSON.stringify(doc))), true);
    assert.equal(d.ingest(Buffer.from(JSON.stringify(doc))), false, 'no header line');
    assert.equal(d.ingest(Buffer.from('{"format": "json", "version": 2}\n' + JSON.stringify(doc))), false);
    assert.equal(d.ingest(Buffer.from('{"format": "json", "version": 1}\n{"trace_id": "bad"}')), false);
    await t.flush();
    const spans = ex.getFinishedSpans();
    assert.deepEqual(spans.map((s) => s.name), ['w', 'inner'], 'the in-progress one is skipped');
    assert.equal(spans[0]!.parentSpanContext!.spanId, '53995c3f42cd8ad8');
    assert.equal(spans[0]!.status.code, 2, 'a fault is an error');
    assert.equal(spans[1]!.parentSpanContext!.spanId, 'a1b2c3d4e5f60718');
    await d.close();
  });
});

/** Young-generation collections while `f` runs (v8.GCProfiler, as metrics/registry.test.ts counts them). */
function youngGcs(f: () => void): number {
  const p = new v8.GCProfiler();
  p.start();
  f();
  const r = p.stop();
  return r.statistics.filter((s) => /Scavenge|MinorMC/i.test(s.gcType)).length;
}

describe('tracing off: the invoke path', () => {
  it('allocates nothing for tracing per call (no young-generation GC over 3 million calls)', () => {
    const tracer = undefined as InvokeTracer | undefined;
    const rec = { config: { tracingMode: 'PassThrough' as const } } as Parameters<typeof traceHeaderOf>[0];
    const incoming = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    let n = 0;
    // What invoke() and invokeStream() run for tracing when no collector is configured.
    const step = () => {
      const trace = tracer?.begin(rec.config.tracingMode, incoming);
      const header = trace ? trace.header : traceHeaderOf(rec, incoming);
      if (trace) n++;
      n += header.length & 1;
    };
    for (let i = 0; i < 10_000; i++) step();
    assert.equal(youngGcs(() => { for (let i = 0; i < 3_000_000; i++) step(); }), 0);
    assert.ok(n >= 0);
  });
});
