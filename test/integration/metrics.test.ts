import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, PutFunctionEventInvokeConfigCommand, PutFunctionConcurrencyCommand, DeleteFunctionConcurrencyCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SmithyRpcV2CborProtocol } from '@smithy/core/cbor';
import { encode, makeZip, role, startServer, testCreds, type RunningServer } from './harness';

/**
 * Lambda's metrics and the CloudWatch API (issue 17 item 1, 3, 5) through the
 * real server with SDK v3's CloudWatch client (JSON 1.0, awsQueryCompatible):
 * invocations, errors and a throttle are counted as GetMetricStatistics
 * reports them; PutMetricData's own namespaces; AWS's errors; the points
 * survive a clean restart (flushed at stop) and PutMetricData survives kill -9.
 */
describe('metrics', () => {
  let s: RunningServer;
  let cw: CloudWatchClient;
  const fn = 'metered-fn';
  const start = new Date(Date.now() - 3_600_000);
  const end = () => new Date(Date.now() + 120_000);
  const client = (srv: RunningServer) => new CloudWatchClient({ endpoint: srv.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
  const sum = async (metric: string, dims = [{ Name: 'FunctionName', Value: fn }]) => {
    const r = await cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: dims, StartTime: start, EndTime: end(), Period: 3600 * 2, Statistics: ['Sum', 'SampleCount'] }));
    return (r.Datapoints ?? []).reduce((a, d) => a + (d.Sum ?? 0), 0);
  };

  before(async () => {
    s = await startServer({ env: { KUMO_METRICS_PORT: '0' } });
    cw = client(s);
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => { if (e.fail) throw new Error("boom"); return 1; };' });
    await s.client.send(new CreateFunctionCommand({ FunctionName: fn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: fn });
    for (let k = 0; k < 5; k++) await s.client.send(new InvokeCommand({ FunctionName: fn, Payload: encode({ fail: false }) }));
    for (let k = 0; k < 2; k++) {
      const r = await s.client.send(new InvokeCommand({ FunctionName: fn, Payload: encode({ fail: true }) }));
      assert.equal(r.FunctionError, 'Unhandled');
    }
    await s.client.send(new InvokeCommand({ FunctionName: fn, Qualifier: '$LATEST', Payload: encode({ fail: false }) }));
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: fn, ReservedConcurrentExecutions: 0 }));
    await assert.rejects(s.client.send(new InvokeCommand({ FunctionName: fn })), { name: 'TooManyRequestsException' });
    await s.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: fn }));
  });
  after(async () => {
    cw.destroy();
    await s.stop();
  });

  it('GetMetricStatistics sums Invocations, Errors and Throttles per function, and per Resource for a qualified call', async () => {
    assert.equal(await sum('Invocations'), 8);
    assert.equal(await sum('Errors'), 2);
    assert.equal(await sum('Throttles'), 1);
    assert.equal(await sum('Invocations', [{ Name: 'FunctionName', Value: fn }, { Name: 'Resource', Value: `${fn}:$LATEST` }]), 1);
    assert.equal(await sum('Invocations', []), 8, 'the account-wide series (no dimensions)');
  });

  it('Duration has SampleCount, Average, Minimum, Maximum and percentiles within Minimum..Maximum', async () => {
    const r = await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: fn }], StartTime: start, EndTime: end(), Period: 7200,
      Statistics: ['SampleCount', 'Average', 'Minimum', 'Maximum'], ExtendedStatistics: ['p50', 'p99'],
    }));
    const dps = r.Datapoints!;
    assert.equal(dps.reduce((a, d) => a + d.SampleCount!, 0), 8);
    const d = dps[0]!;
    assert.equal(d.Unit, 'Milliseconds');
    assert.ok(d.Minimum! > 0 && d.Minimum! <= d.Average! && d.Average! <= d.Maximum!);
    const p50 = d.ExtendedStatistics!.p50!;
    const p99 = d.ExtendedStatistics!.p99!;
    assert.ok(p50 >= d.Minimum! && p50 <= p99 && p99 <= d.Maximum!, JSON.stringify(d));
  });

  it('Prometheus text at /metrics on its own port: counters and the Duration histogram by function and qualifier', async () => {
    const port = Number(/Prometheus metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(s.output())?.[1]);
    assert.ok(port > 0 && port !== s.port, s.output());
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(await res.text());
    const v = (name: string, labels: Record<string, string>) =>
      samples.filter((x) => x.name === name && Object.entries(labels).every(([k, val]) => x.labels[k] === val)).reduce((a, x) => a + x.value, 0);
    assert.equal(v('kumo_lambda_invocations_total', { function: fn }), 8);
    assert.equal(v('kumo_lambda_invocations_total', { function: fn, qualifier: '$LATEST' }), 1);
    assert.equal(v('kumo_lambda_errors_total', { function: fn }), 2);
    assert.equal(v('kumo_lambda_throttles_total', { function: fn }), 1);
    // The cost counters: billed requests (a throttle is not billed) and GB-seconds, the same numbers as the Kumo/Lambda metrics.
    assert.equal(v('kumo_lambda_requests_total', { function: fn }), 8);
    const mbMs = await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'Kumo/Lambda', MetricName: 'BilledMegabyteMilliseconds', Dimensions: [{ Name: 'FunctionName', Value: fn }, { Name: 'Architecture', Value: 'x86_64' }],
      StartTime: start, EndTime: end(), Period: 7200, Statistics: ['Sum', 'SampleCount'],
    }));
    assert.equal(mbMs.Datapoints?.[0]?.SampleCount, 8);
    const gbs = v('kumo_lambda_billed_gb_seconds_total', { function: fn });
    assert.ok(gbs > 0 && Math.abs(gbs - mbMs.Datapoints![0]!.Sum! / 1_024_000) < 1e-9, `${gbs} GB-s`);
    await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'Kumo/Lambda', MetricData: [{ MetricName: 'Requests', Value: 1 }] })), {
      name: 'InvalidParameterValueException', message: 'The value Kumo/Lambda for parameter Namespace is invalid.',
    });
    assert.equal(v('kumo_lambda_duration_milliseconds_count', { function: fn }), 8);
    assert.equal(v('kumo_lambda_duration_milliseconds_bucket', { function: fn, le: '+Inf' }), 8);
    const buckets = samples.filter((x) => x.name === 'kumo_lambda_duration_milliseconds_bucket' && x.labels.function === fn && x.labels.qualifier === '');
    assert.deepEqual(buckets.map((b) => b.value), [...buckets.map((b) => b.value)].sort((a, b) => a - b), 'buckets are cumulative');
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  });

  it("answers CloudWatch's errors for bad input", async () => {
    await assert.rejects(cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', StartTime: start, EndTime: end(), Period: 60 } as never)), {
      name: 'MissingRequiredParameterException',
    });
    await assert.rejects(cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', StartTime: start, EndTime: end(), Period: 61, Statistics: ['Sum'] })), {
      name: 'InvalidParameterValueException',
    });
    await assert.rejects(cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', StartTime: new Date(0), EndTime: end(), Period: 60, Statistics: ['Sum'] })), {
      name: 'InvalidParameterCombinationException', message: /exceeds the limit of 1,440/,
    });
    await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'x', Value: 1 }] })), { name: 'InvalidParameterValueException' });
    await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'Mine', MetricData: [{ MetricName: 'x', Value: 1, Values: [1] }] })), { name: 'InvalidParameterCombinationException' });
    await assert.rejects(cw.send(new GetMetricDataCommand({ StartTime: start, EndTime: end(), MetricDataQueries: [{ Id: 'm', Expression: 'SUM(METRICS())' }] })), { name: 'InvalidParameterValueException' });
  });

  it('the same API over Smithy RPC v2 CBOR (what newer SDK v3 releases send to CloudWatch)', async () => {
    const cb = new CloudWatchClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1, protocol: new SmithyRpcV2CborProtocol({ defaultNamespace: 'com.amazonaws.cloudwatch' }) });
    try {
      await cb.send(new PutMetricDataCommand({ Namespace: 'Kumo/Cbor', MetricData: [{ MetricName: 'm', Value: 2 }, { MetricName: 'm', Value: 5 }] }));
      const r = await cb.send(new GetMetricStatisticsCommand({ Namespace: 'Kumo/Cbor', MetricName: 'm', StartTime: start, EndTime: end(), Period: 7200, Statistics: ['Sum', 'Maximum'] }));
      assert.deepEqual(r.Datapoints!.map((d) => [d.Sum, d.Maximum, d.Timestamp instanceof Date]), [[7, 5, true]]);
      await assert.rejects(cb.send(new GetMetricStatisticsCommand({ Namespace: 'Kumo/Cbor', MetricName: 'm', StartTime: start, EndTime: end(), Period: 61, Statistics: ['Sum'] })), {
        name: 'InvalidParameterValueException',
      });
    } finally {
      cb.destroy();
    }
  });

  it('PutMetricData stores users\' metrics; GetMetricData and ListMetrics find them', async () => {
    const dims = [{ Name: 'Shop', Value: 'north' }];
    await cw.send(new PutMetricDataCommand({ Namespace: 'Kumo/Test', MetricData: [
      { MetricName: 'Orders', Dimensions: dims, Value: 3, Unit: 'Count' },
      { MetricName: 'Orders', Dimensions: dims, Values: [1, 2], Counts: [2, 1], Unit: 'Count' },
    ] }));
    const r = await cw.send(new GetMetricDataCommand({ StartTime: start, EndTime: end(), MetricDataQueries: [
      { Id: 'orders', MetricStat: { Metric: { Namespace: 'Kumo/Test', MetricName: 'Orders', Dimensions: dims }, Period: 7200, Stat: 'Sum' } },
      { Id: 'n', MetricStat: { Metric: { Namespace: 'Kumo/Test', MetricName: 'Orders', Dimensions: dims }, Period: 7200, Stat: 'SampleCount' } },
    ] }));
    assert.deepEqual(r.MetricDataResults!.map((x) => [x.Id, x.Values!.reduce((a, v) => a + v, 0), x.StatusCode]), [['orders', 7, 'Complete'], ['n', 4, 'Complete']]);
    const l = await cw.send(new ListMetricsCommand({ Namespace: 'Kumo/Test' }));
    assert.deepEqual(l.Metrics, [{ Namespace: 'Kumo/Test', MetricName: 'Orders', Dimensions: dims }]);
    const lam = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: fn }] }));
    assert.ok(lam.Metrics!.length >= 2, JSON.stringify(lam.Metrics));
  });

  it('async invocations: AsyncEventsReceived, AsyncEventAge and AsyncEventsDropped (retries exhausted, no destination)', async () => {
    const afn = 'metered-async';
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => { throw new Error("always"); };' });
    await s.client.send(new CreateFunctionCommand({ FunctionName: afn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: afn });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: afn, MaximumRetryAttempts: 0 }));
    for (let k = 0; k < 2; k++) await s.client.send(new InvokeCommand({ FunctionName: afn, InvocationType: 'Event', Payload: encode({}) }));
    const dims = [{ Name: 'FunctionName', Value: afn }];
    for (let t = 0; t < 150 && (await sum('AsyncEventsDropped', dims)) < 2; t++) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await sum('AsyncEventsReceived', dims), 2);
    assert.equal(await sum('AsyncEventsDropped', dims), 2);
    assert.equal(await sum('Invocations', dims), 2);
    assert.equal(await sum('Errors', dims), 2);
    const age = await cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Lambda', MetricName: 'AsyncEventAge', Dimensions: dims, StartTime: start, EndTime: end(), Period: 7200, Statistics: ['SampleCount', 'Maximum'] }));
    assert.equal(age.Datapoints![0]!.SampleCount, 2);
    assert.ok(age.Datapoints![0]!.Maximum! >= 0 && age.Datapoints![0]!.Unit === 'Milliseconds');
  });

  it('Embedded Metric Format lines a function prints become metrics', async () => {
    const efn = 'metered-emf';
    const emf = { _aws: { Timestamp: 0, CloudWatchMetrics: [{ Namespace: 'Kumo/Emf', Dimensions: [['Service']], Metrics: [{ Name: 'Items', Unit: 'Count' }] }] }, Service: 'cart', Items: 0 };
    const code = `exports.handler = async (e) => { const o = ${JSON.stringify(emf)}; o._aws.Timestamp = Date.now(); o.Items = e.n; process.stdout.write(JSON.stringify(o) + "\\n"); return 1; };`;
    await s.client.send(new CreateFunctionCommand({ FunctionName: efn, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': code }) } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: efn });
    await s.client.send(new InvokeCommand({ FunctionName: efn, Payload: encode({ n: 4 }) }));
    await s.client.send(new InvokeCommand({ FunctionName: efn, Payload: encode({ n: 6 }) }));
    const get = async () => (await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'Kumo/Emf', MetricName: 'Items', Dimensions: [{ Name: 'Service', Value: 'cart' }], StartTime: start, EndTime: end(), Period: 7200, Statistics: ['Sum', 'SampleCount'],
    }))).Datapoints ?? [];
    let dps = await get();
    for (let t = 0; t < 50 && dps.reduce((a, d) => a + d.SampleCount!, 0) < 2; t++) (await new Promise((r) => setTimeout(r, 200)), (dps = await get()));
    assert.equal(dps.reduce((a, d) => a + d.Sum!, 0), 10);
    assert.equal(dps[0]!.Unit, 'Count');
  });

  it('the points survive a restart (flushed at stop), and PutMetricData survives kill -9', async () => {
    await cw.send(new PutMetricDataCommand({ Namespace: 'Kumo/Crash', MetricData: [{ MetricName: 'Acked', Value: 42 }] }));
    cw.destroy();
    await s.stop();
    s = await startServer({ dataDir: s.dataDir });
    cw = client(s);
    assert.equal(await sum('Invocations'), 8);
    assert.equal(await sum('Throttles'), 1);
    cw.destroy();
    await s.kill9();
    s = await startServer({ dataDir: s.dataDir });
    cw = client(s);
    const r = await cw.send(new GetMetricStatisticsCommand({ Namespace: 'Kumo/Crash', MetricName: 'Acked', StartTime: start, EndTime: end(), Period: 7200, Statistics: ['Sum'] }));
    assert.equal(r.Datapoints!.reduce((a, d) => a + d.Sum!, 0), 42);
  });
});

/** The Prometheus text exposition format (version 0.0.4): `# HELP`/`# TYPE` lines and `name{label="value",…} value` samples. */
function parseExposition(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) (types.set(t[1]!, t[2]!), undefined);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), line);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]!) || types.get(family) === 'histogram', `sample without # TYPE: ${line}`);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

describe('KUMO_LAMBDA_METRICS=0 (the benchmark\'s metrics-off server)', () => {
  it('records none of Lambda\'s metrics of sync invokes; the function still runs and PutMetricData still works', async () => {
    const s = await startServer({ env: { KUMO_LAMBDA_METRICS: '0' } });
    const cw = new CloudWatchClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
    try {
      const zip = await makeZip({ 'index.js': 'exports.handler = async () => 7;' });
      await s.client.send(new CreateFunctionCommand({ FunctionName: 'unmetered', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 30 }, { FunctionName: 'unmetered' });
      for (let k = 0; k < 3; k++) assert.equal(Buffer.from((await s.client.send(new InvokeCommand({ FunctionName: 'unmetered' }))).Payload!).toString(), '7');
      await cw.send(new PutMetricDataCommand({ Namespace: 'Kumo/Off', MetricData: [{ MetricName: 'Mine', Value: 3 }] }));
      const stats = (ns: string, name: string, dims: { Name: string; Value: string }[]) =>
        cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: name, Dimensions: dims, StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 120_000), Period: 7200, Statistics: ['Sum'] }));
      assert.deepEqual((await stats('AWS/Lambda', 'Invocations', [{ Name: 'FunctionName', Value: 'unmetered' }])).Datapoints, []);
      assert.equal((await stats('Kumo/Off', 'Mine', [])).Datapoints!.reduce((a, d) => a + d.Sum!, 0), 3);
    } finally {
      cw.destroy();
      await s.stop();
    }
  });
});
