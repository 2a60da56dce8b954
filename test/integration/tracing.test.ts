import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, InvokeWithResponseStreamCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { decode, encode, makeZip, role, startServer, testCreds, workerPolicies, type RunningServer } from './harness';

/**
 * Tracing (issue 17 item 2) through the real server: an OTLP/HTTP collector
 * of the test's own (OTLP's JSON encoding, as the exporter sends it)
 * receives the spans of cold and warm invokes in X-Ray's Lambda structure;
 * the trace id is the X-Amzn-Trace-Id Root; TracingConfig's sampling rules;
 * `_X_AMZN_TRACE_ID` in Node.js and Python functions; an X-Ray SDK-style
 * segment sent over UDP to AWS_XRAY_DAEMON_ADDRESS becomes a child span of
 * the Invocation span.
 */
interface Span { traceId: string; spanId: string; parentSpanId: string; name: string; service: string; attributes: Record<string, unknown> }

function hexId(v: unknown): string {
  if (typeof v !== 'string' || v === '') return '';
  return /^[0-9a-f]+$/.test(v) && (v.length === 32 || v.length === 16) ? v : Buffer.from(v, 'base64').toString('hex');
}

/** A collector: every span of every OTLP/HTTP JSON request it gets. */
async function collector(): Promise<{ url: string; spans: Span[]; close(): Promise<void> }> {
  const spans: Span[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      assert.equal(req.url, '/v1/traces');
      assert.match(String(req.headers['content-type']), /application\/json/);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const service = (rs.resource?.attributes ?? []).find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            const attributes: Record<string, unknown> = {};
            for (const a of s.attributes ?? []) attributes[a.key] = Object.values(a.value ?? {})[0];
            spans.push({ traceId: hexId(s.traceId), spanId: hexId(s.spanId), parentSpanId: hexId(s.parentSpanId), name: s.name, service, attributes });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans, close: () => new Promise((r) => server.close(() => r())) };
}

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const newRoot = () => `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24)}`;
const otelId = (root: string) => root.slice(2, 10) + root.slice(11);

/** Invoke with an X-Amzn-Trace-Id header (the SDK has no member for it: a middleware adds it). */
async function invokeWithHeader(client: LambdaClient, fn: string, header: string | undefined, payload: unknown = {}) {
  const cmd = new InvokeCommand({ FunctionName: fn, Payload: encode(payload) });
  if (header) {
    cmd.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = header;
        return next(args);
      },
      { step: 'build', name: 'traceHeader' },
    );
  }
  const r = await client.send(cmd);
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  return JSON.parse(decode(r.Payload));
}

const nodeCode = `
const dgram = require('node:dgram');
exports.handler = async (e) => {
  const trace = process.env._X_AMZN_TRACE_ID;
  if (e.xray) {
    const root = /Root=([^;]+)/.exec(trace)[1];
    const parent = /Parent=([^;]+)/.exec(trace)[1];
    const [host, port] = process.env.AWS_XRAY_DAEMON_ADDRESS.split(':');
    const now = Date.now() / 1000;
    const doc = { type: 'subsegment', id: 'a1b2c3d4e5f60718', trace_id: root, parent_id: parent, name: 'my-work', start_time: now - 0.01, end_time: now,
      namespace: 'remote', annotations: { k: 'v' }, subsegments: [{ id: '0102030405060708', name: 'inner', start_time: now - 0.005, end_time: now - 0.001 }] };
    await new Promise((r) => { const s = dgram.createSocket('udp4'); s.send('{"format": "json", "version": 1}\\n' + JSON.stringify(doc), Number(port), host, () => { s.close(); r(); }); });
  }
  return { trace, daemon: process.env.AWS_XRAY_DAEMON_ADDRESS ?? null, missing: process.env.AWS_XRAY_CONTEXT_MISSING ?? null };
};`;
const pythonCode = `
import os
def handler(event, context):
    return {"trace": os.environ.get("_X_AMZN_TRACE_ID")}
`;

describe('tracing', () => {
  let s: RunningServer;
  let col: Awaited<ReturnType<typeof collector>>;

  const spansOf = (traceId: string) => col.spans.filter((x) => x.traceId === traceId);
  async function waitSpans(traceId: string, count: number): Promise<Span[]> {
    const deadline = Date.now() + 15_000;
    while (spansOf(traceId).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return spansOf(traceId);
  }
  const byName = (spans: Span[], name: string) => {
    const found = spans.filter((x) => x.name === name);
    assert.equal(found.length, 1, `one ${name} span in ${JSON.stringify(spans.map((x) => x.name))}`);
    return found[0]!;
  };

  before(async () => {
    col = await collector();
    s = await startServer({ grant: workerPolicies, env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: col.url } });
    const zip = await makeZip({ 'index.js': nodeCode });
    for (const [name, mode] of [['traced-active', 'Active'], ['traced-pass', 'PassThrough']] as const) {
      await s.client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip }, TracingConfig: { Mode: mode } }));
    }
    await s.client.send(new CreateFunctionCommand({ FunctionName: 'traced-py', Runtime: 'python3.11', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.py': pythonCode }) } }));
    for (const fn of ['traced-active', 'traced-pass', 'traced-py']) await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
  });
  after(async () => {
    await s?.stop();
    await col?.close();
  });

  it('stores and returns TracingConfig Active', async () => {
    const c = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'traced-active' }));
    assert.deepEqual(c.TracingConfig, { Mode: 'Active' });
  });

  it('a cold then a warm invoke of an Active function: one trace each, X-Ray\'s Lambda structure, trace id from the Root sent', async () => {
    const root = newRoot();
    const callerParent = hex(16);
    const cold = await invokeWithHeader(s.client, 'traced-active', `Root=${root};Parent=${callerParent};Sampled=0`);
    // Active samples whatever the caller decided; the function sees the same Root, Lambda's Parent and Sampled=1.
    const m = /^Root=([^;]+);Parent=([0-9a-f]{16});Sampled=1$/.exec(cold.trace);
    assert.ok(m, cold.trace);
    assert.equal(m[1], root);
    assert.equal(cold.missing, 'LOG_ERROR');
    assert.match(cold.daemon, /^\d+\.\d+\.\d+\.\d+:\d+$/);

    const spans = await waitSpans(otelId(root), 7);
    const invoke = byName(spans, 'Invoke');
    const fnSpan = byName(spans, 'traced-active');
    const init = byName(spans, 'Initialization');
    const sandbox = byName(spans, 'Sandbox');
    const runtimeInit = byName(spans, 'Runtime init');
    const invocation = byName(spans, 'Invocation');
    const overhead = byName(spans, 'Overhead');
    assert.equal(spans.length, 7);
    assert.equal(invoke.parentSpanId, callerParent, "the request span's parent is the caller's Parent");
    assert.equal(invoke.service, 'Lambda');
    assert.equal(fnSpan.service, 'traced-active');
    assert.equal(fnSpan.parentSpanId, invoke.spanId);
    assert.equal(fnSpan.attributes['faas.coldstart'], true);
    for (const child of [init, invocation, overhead]) assert.equal(child.parentSpanId, fnSpan.spanId, child.name);
    assert.equal(sandbox.parentSpanId, init.spanId);
    assert.equal(runtimeInit.parentSpanId, init.spanId);
    assert.equal(invocation.spanId, m[2], "the function's Parent is the Invocation span");

    const root2 = newRoot();
    const warm = await invokeWithHeader(s.client, 'traced-active', `Root=${root2};Parent=${hex(16)};Sampled=1`);
    assert.match(warm.trace, new RegExp(`^Root=${root2};Parent=[0-9a-f]{16};Sampled=1$`));
    const warmSpans = await waitSpans(otelId(root2), 4);
    assert.deepEqual(warmSpans.map((x) => x.name).sort(), ['Invocation', 'Invoke', 'Overhead', 'traced-active']);
    assert.equal(byName(warmSpans, 'traced-active').attributes['faas.coldstart'], false);
  });

  it('an invoke without a header gets a generated one in AWS\'s format, and its spans carry it', async () => {
    const r = await invokeWithHeader(s.client, 'traced-active', undefined);
    const m = /^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=1$/.exec(r.trace);
    assert.ok(m, r.trace);
    const epoch = parseInt(m[1]!.slice(2, 10), 16);
    assert.ok(Math.abs(epoch - Date.now() / 1000) < 60, 'the Root starts with the epoch second');
    const spans = await waitSpans(otelId(m[1]!), 4);
    assert.equal(byName(spans, 'Invocation').spanId, m[2]);
  });

  it('PassThrough honours the caller: Sampled=1 is traced, Sampled=0 and no header are not', async () => {
    const unsampled = newRoot();
    const h0 = `Root=${unsampled};Parent=${hex(16)};Sampled=0`;
    assert.equal((await invokeWithHeader(s.client, 'traced-pass', h0)).trace, h0, 'passed on as it came');
    const none = await invokeWithHeader(s.client, 'traced-pass', undefined);
    assert.match(none.trace, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    assert.equal(none.daemon, null, 'no X-Ray daemon variable without Active');
    const sampled = newRoot();
    const r = await invokeWithHeader(s.client, 'traced-pass', `Root=${sampled};Parent=${hex(16)};Sampled=1`);
    assert.match(r.trace, new RegExp(`^Root=${sampled};Parent=[0-9a-f]{16};Sampled=1$`));
    // Spans leave in order: once the sampled trace's are in, the unsampled ones would have been too.
    assert.equal((await waitSpans(otelId(sampled), 4)).length >= 4, true);
    assert.equal(spansOf(otelId(unsampled)).length, 0);
    const noneRoot = /Root=([^;]+)/.exec(none.trace)![1]!;
    assert.equal(spansOf(otelId(noneRoot)).length, 0);
  });

  it('InvokeWithResponseStream takes the header too: its spans are in that trace', async () => {
    const root = newRoot();
    const cmd = new InvokeWithResponseStreamCommand({ FunctionName: 'traced-active', Payload: encode({}) });
    cmd.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = `Root=${root};Sampled=0`;
        return next(args);
      },
      { step: 'build', name: 'traceHeader' },
    );
    const r = await s.client.send(cmd);
    let text = '';
    for await (const ev of r.EventStream!) if (ev.PayloadChunk?.Payload) text += Buffer.from(ev.PayloadChunk.Payload).toString('utf8');
    const parent = new RegExp(`^Root=${root};Parent=([0-9a-f]{16});Sampled=1$`).exec(JSON.parse(text).trace)?.[1];
    assert.ok(parent, text);
    assert.equal(byName(await waitSpans(otelId(root), 4), 'Invocation').spanId, parent);
  });

  it('an async (Event) invoke keeps its trace header with the stored event: the attempt runs in that trace', async () => {
    const root = newRoot();
    const cmd = new InvokeCommand({ FunctionName: 'traced-pass', InvocationType: 'Event', Payload: encode({}) });
    cmd.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = `Root=${root};Parent=${hex(16)};Sampled=1`;
        return next(args);
      },
      { step: 'build', name: 'traceHeader' },
    );
    assert.equal((await s.client.send(cmd)).StatusCode, 202);
    const spans = await waitSpans(otelId(root), 4);
    assert.deepEqual(spans.map((x) => x.name).sort().filter((n) => n !== 'Initialization' && n !== 'Sandbox' && n !== 'Runtime init'), ['Invocation', 'Invoke', 'Overhead', 'traced-pass']);
  });

  it('SQS: SendMessage stores AWSTraceHeader, ReceiveMessage returns it; an event source mapping continues that trace', async () => {
    const sqs = new SQSClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'traced-q' }))).QueueUrl!;
      const root = newRoot();
      const header = `Root=${root};Parent=${hex(16)};Sampled=1`;
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: header } } }));
      // AWS's digest of the system attributes, as for message attributes: length-prefixed name, type, 1, value.
      const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, (b.length >> 8) & 255, b.length & 255]), b]);
      const md5 = createHash('md5').update(Buffer.concat([field(Buffer.from('AWSTraceHeader')), field(Buffer.from('String')), Buffer.from([1]), field(Buffer.from(header))])).digest('hex');
      assert.equal(sent.MD5OfMessageSystemAttributes, md5);
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['AWSTraceHeader'], VisibilityTimeout: 0 }));
      assert.equal(got.Messages?.[0]?.Attributes?.AWSTraceHeader, header);
      await assert.rejects(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageSystemAttributes: { Other: { DataType: 'String', StringValue: 'v' } } as never })),
        (e: Error) => e.name === 'InvalidParameterValueException' || /InvalidParameter/.test(e.name),
      );
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      const m = await s.client.send(new CreateEventSourceMappingCommand({ FunctionName: 'traced-pass', EventSourceArn: arn, BatchSize: 1 }));
      const deadline = Date.now() + 15_000;
      while ((await s.client.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State !== 'Enabled' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const spans = await waitSpans(otelId(root), 4);
      assert.ok(spans.some((x) => x.name === 'Invocation'), JSON.stringify(spans.map((x) => x.name)));
    } finally {
      sqs.destroy();
    }
  });

  it('_X_AMZN_TRACE_ID in a Python function is the invocation\'s header', async () => {
    const root = newRoot();
    const a = await invokeWithHeader(s.client, 'traced-py', `Root=${root};Parent=${hex(16)};Sampled=1`);
    // Sampled: traced, so the Parent is the Invocation span's.
    const parent = new RegExp(`^Root=${root};Parent=([0-9a-f]{16});Sampled=1$`).exec(a.trace)?.[1];
    assert.ok(parent, a.trace);
    assert.equal(byName(await waitSpans(otelId(root), 4), 'Invocation').spanId, parent);
    const h2 = `Root=${newRoot()};Parent=${hex(16)};Sampled=0`;
    assert.equal((await invokeWithHeader(s.client, 'traced-py', h2)).trace, h2, 'per invoke, not the first one kept');
  });

  it('a segment the function sends to AWS_XRAY_DAEMON_ADDRESS becomes a child span of its Invocation', async () => {
    const root = newRoot();
    const r = await invokeWithHeader(s.client, 'traced-active', `Root=${root};Sampled=1`, { xray: true });
    const parent = /Parent=([0-9a-f]{16})/.exec(r.trace)![1];
    const spans = await waitSpans(otelId(root), 6);
    const invocation = byName(spans, 'Invocation');
    assert.equal(invocation.spanId, parent);
    const work = byName(spans, 'my-work');
    assert.equal(work.spanId, 'a1b2c3d4e5f60718');
    assert.equal(work.parentSpanId, invocation.spanId);
    assert.equal(work.attributes['aws.xray.annotations.k'], 'v');
    const inner = byName(spans, 'inner');
    assert.equal(inner.parentSpanId, work.spanId);
  });
});
