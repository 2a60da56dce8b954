import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../src/store/types';
import type { MetricPoint } from '../src/store/metrics';
import { rollup } from '../src/metrics/registry';
import { add, histFromJson, histToJson, newStats, percentile } from '../src/metrics/stats';
import type { OpenedStore } from './store-contract';

/**
 * The MetricStore part of the store contract (run for every implementation):
 * merges add up (also concurrent ones), queries return one series' points in
 * the time range, listing pages in key order, rollup moves old points into
 * the longer period in one step.
 */
type WithStore = (body: (s: Store, o: OpenedStore) => Promise<void>) => () => Promise<void>;

const pt = (over: Partial<MetricPoint> & { values: number[] }): MetricPoint => {
  const st = newStats();
  for (const v of over.values) add(st, v);
  const { values: _v, ...rest } = over;
  return { namespace: 'NS', metricName: 'M', dims: '[]', periodS: 60, tsMs: 60_000 * 1000, unit: 'Count', count: st.count, sum: st.sum, min: st.min, max: st.max, hist: histToJson(st.hist), ...rest };
};

export function metricStoreContract(withStore: WithStore): void {
  describe('metric points', () => {
    test('merges add up, also concurrently; query returns the series in range', withStore(async (s) => {
      await s.mergeMetricPoints([pt({ values: [1, 2] })]);
      await Promise.all([s.mergeMetricPoints([pt({ values: [10] })]), s.mergeMetricPoints([pt({ values: [0.5] }), pt({ tsMs: 61_000 * 1000, values: [4] })])]);
      await s.mergeMetricPoints([pt({ dims: '[["A","b"]]', values: [100] })]);
      const got = await s.queryMetricPoints({ namespace: 'NS', metricName: 'M', dims: '[]' }, 0, 61_000 * 1000);
      assert.equal(got.length, 1);
      const g = got[0]!;
      assert.deepEqual([g.count, g.sum, g.min, g.max], [4, 13.5, 0.5, 10]);
      const h = histFromJson(g.hist);
      assert.equal(h.reduce((a, x) => a + x, 0), 4);
      assert.equal(percentile({ count: g.count, sum: g.sum, min: g.min, max: g.max, hist: h }, 100), 10);
      assert.equal((await s.queryMetricPoints({ namespace: 'NS', metricName: 'M', dims: '[]' }, 0, Number.MAX_SAFE_INTEGER)).length, 2);
    }));

    test('listMetricSeries pages in key order and filters', withStore(async (s) => {
      await s.mergeMetricPoints([pt({ values: [1] }), pt({ metricName: 'B', values: [1] }), pt({ metricName: 'A', dims: '[["x","1"]]', values: [1] }), pt({ namespace: 'Other', values: [1] })]);
      const p1 = await s.listMetricSeries({ namespace: 'NS', sinceMs: 0, limit: 2 });
      assert.deepEqual(p1.map((k) => k.metricName), ['A', 'B']);
      const p2 = await s.listMetricSeries({ namespace: 'NS', sinceMs: 0, limit: 2, after: p1[1] });
      assert.deepEqual(p2.map((k) => k.metricName), ['M']);
      assert.equal((await s.listMetricSeries({ sinceMs: 61_000 * 1000, limit: 10 })).length, 0, 'nothing at or after sinceMs');
    }));

    test('rollup moves old 1-minute points into 5-minute points and deletes them', withStore(async (s) => {
      const t0 = 300_000 * 1000;
      await s.mergeMetricPoints([pt({ tsMs: t0, values: [1] }), pt({ tsMs: t0 + 60_000, values: [3] }), pt({ tsMs: t0 + 600_000, values: [5] })]);
      const n = await s.rollupMetricPoints(60, t0 + 300_000, 100, (pts) => rollup(pts, 300));
      assert.equal(n, 2);
      const got = await s.queryMetricPoints({ namespace: 'NS', metricName: 'M', dims: '[]' }, 0, Number.MAX_SAFE_INTEGER);
      assert.deepEqual(got.map((p) => [p.periodS, p.tsMs, p.count, p.sum]), [[300, t0, 2, 4], [60, t0 + 600_000, 1, 5]]);
      assert.equal(await s.rollupMetricPoints(300, t0 + 1, 100, () => []), 1, 'the last tier just deletes');
    }));
  });
}
