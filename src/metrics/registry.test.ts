import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { MetricsRegistry } from './registry';
import { LambdaMetrics } from './lambda-metrics';
import { dimsKey } from './dimensions';
import { seriesMax } from './limits';
import { IteratorAgeSampler } from './iterator-age-sampler';
import type { MetricPoint, MetricStore } from '../store/metrics';

/** An in-memory MetricStore (the real ones pass test/store-contract-metrics.ts; this one only collects what is flushed). */
class Collect implements MetricStore {
  points: MetricPoint[] = [];
  async mergeMetricPoints(p: MetricPoint[]) { this.points.push(...p); }
  async queryMetricPoints() { return []; }
  async listMetricSeries() { return []; }
  async rollupMetricPoints() { return 0; }
}

/** Young-generation collections while `fn` runs: a loop that allocates even 16 bytes per call fills new space and triggers them. */
function scavengesDuring(fn: () => void): number {
  const p = new v8.GCProfiler();
  p.start();
  fn();
  const r = p.stop();
  return r.statistics.filter((s) => /Scavenge|MinorMC/i.test(s.gcType)).length;
}

describe('metrics registry', () => {
  it('recording an invocation allocates nothing per call (no young-generation GC over 3 million calls)', () => {
    const now = 1_700_000_000_000;
    const reg = new MetricsRegistry(new Collect(), () => now);
    const m = new LambdaMetrics(reg);
    const fn = 'f';
    const q = 'live';
    const v = '3';
    // The version's configuration, as the invoke path passes it: the cost series are recorded too (ephemeral storage above 512 MB included).
    const config = { memoryMb: 256, ephemeralStorageMb: 1024, architectures: ['x86_64'] };
    const run = (n: number) => {
      for (let k = 0; k < n; k++) {
        m.invoked(fn, q, v, k & 127, (k & 7) === 0, (k & 63) === 0 ? 80 : undefined, config);
        m.concurrency(k & 15, k & 7);
      }
    };
    run(200_000); // warm up: series created, code optimised, sums past the small-integer range (a one-time change of their representation)
    assert.equal(scavengesDuring(() => run(3_000_000)), 0);
    // The check can fail: the same loop building a key string per call does trigger collections.
    let sink = '';
    assert.ok(scavengesDuring(() => {
      for (let k = 0; k < 3_000_000; k++) sink = dimsKey([['FunctionName', fn + (k & 1)]]);
    }) > 0, 'a per-call allocation is detected');
    assert.ok(sink.length > 0);
  });

  it('flush writes each minute once per series with its statistics; later records of the same minute are flushed again (the store merges)', async () => {
    let now = 120_000 * 1000;
    const store = new Collect();
    const reg = new MetricsRegistry(store, () => now);
    const m = new LambdaMetrics(reg);
    m.invoked('f', undefined, '$LATEST', 10, false, 100);
    m.invoked('f', undefined, '$LATEST', 30, true, undefined);
    now += 60_000;
    m.throttled('f', undefined);
    await reg.flush();
    const find = (name: string, dims: string) => store.points.filter((p) => p.metricName === name && p.dims === dims);
    const fnDims = dimsKey([['FunctionName', 'f']]);
    assert.deepEqual(find('Invocations', fnDims).map((p) => [p.tsMs, p.sum]), [[120_000 * 1000, 2]]);
    assert.deepEqual(find('Errors', fnDims).map((p) => p.sum), [1]);
    assert.deepEqual(find('Duration', fnDims).map((p) => [p.count, p.min, p.max, p.unit]), [[2, 10, 30, 'Milliseconds']]);
    assert.deepEqual(find('InitDuration', fnDims).map((p) => p.sum), [100]);
    assert.deepEqual(find('Throttles', fnDims).map((p) => [p.tsMs, p.sum]), [[120_000 * 1000 + 60_000, 1]]);
    assert.deepEqual(find('Invocations', '[]').map((p) => p.sum), [2], 'the account-wide series');
    const before = store.points.length;
    await reg.flush();
    assert.equal(store.points.length, before, 'nothing new: nothing written');
  });

  it('cost series: billed duration (INIT included, rounded up to 1 ms, at least 1 ms) × memory, per function and architecture', async () => {
    const now = 120_000 * 1000;
    const store = new Collect();
    const reg = new MetricsRegistry(store, () => now);
    const m = new LambdaMetrics(reg);
    m.invoked('f', undefined, '$LATEST', 10.2, false, 100.3, { memoryMb: 512, ephemeralStorageMb: 512, architectures: ['x86_64'] });
    m.invoked('f', 'live', '2', 0.1, true, undefined, { memoryMb: 512, ephemeralStorageMb: 2560, architectures: ['x86_64'] });
    m.invoked('g', undefined, '$LATEST', 999.01, false, undefined, { memoryMb: 1024, ephemeralStorageMb: 512, architectures: ['arm64'] });
    m.invoked('h', undefined, '$LATEST', 5, false, undefined);
    await reg.flush();
    const sum = (name: string, fn: string, arch: string) =>
      store.points.filter((p) => p.namespace === 'Kumo/Lambda' && p.metricName === name && p.dims === dimsKey([['FunctionName', fn], ['Architecture', arch]])).map((p) => p.sum);
    assert.deepEqual(sum('Requests', 'f', 'x86_64'), [2]);
    // ceil(10.2 + 100.3) = 111 ms and 1 ms (0.1 rounds up), at 0.5 GB.
    assert.deepEqual(sum('BilledMegabyteMilliseconds', 'f', 'x86_64'), [(111 + 1) * 512]);
    // Only the second call has storage above 512 MB: 2,048 MB extra for 1 ms.
    assert.deepEqual(sum('EphemeralStorageMegabyteMilliseconds', 'f', 'x86_64'), [2048]);
    assert.deepEqual(sum('BilledMegabyteMilliseconds', 'g', 'arm64'), [1000 * 1024], '1 GB-s');
    assert.deepEqual(sum('Requests', 'h', 'x86_64'), [], 'an invocation without its configuration is not billed');
    const totals = [...m.totals()].filter((t) => t.functionName === 'f');
    assert.deepEqual(totals.map((t) => [t.qualifier, t.billedRequests]), [['', 1], ['live', 1]]);
  });

  it('caps live series at seriesMax and counts what it drops', async () => {

    const reg = new MetricsRegistry(new Collect());
    for (let k = 0; k < seriesMax; k++) assert.ok(reg.get('N', 'M', [['k', String(k)]], 'Count'));
    assert.equal(reg.get('N', 'M', [['k', 'one more']], 'Count'), undefined);
    assert.equal(reg.droppedSeries, 1);
    assert.ok(reg.get('N', 'M', [['k', '0']], 'Count'), 'an existing series is still recorded');
  });

  it('IteratorAge is sampled from the pollers per function and per mapping; a mapping not read yet is skipped', async () => {
    const store = new Collect();
    const reg = new MetricsRegistry(store, () => 60_000 * 100);
    const lookups: string[] = [];
    const sampler = new IteratorAgeSampler(
      () => [{ uuid: 'u-1', iteratorAgeMs: 1500 }, { uuid: 'u-2' }],
      async (uuid) => (lookups.push(uuid), { functionName: 'consumer' }),
      new LambdaMetrics(reg),
    );
    await sampler.sample();
    await sampler.sample();
    await reg.flush();
    assert.deepEqual(lookups, ['u-1'], 'the mapping is read once');
    const byMapping = store.points.filter((p) => p.metricName === 'IteratorAge' && p.dims === dimsKey([['FunctionName', 'consumer'], ['EventSourceMappingUUID', 'u-1']]));
    assert.deepEqual(byMapping.map((p) => [p.count, p.max, p.unit]), [[2, 1500, 'Milliseconds']]);
    assert.equal(store.points.filter((p) => p.metricName === 'IteratorAge' && p.dims === dimsKey([['FunctionName', 'consumer']])).length, 1);
  });
});
