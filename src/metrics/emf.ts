import type { LogBatch } from '../domain/records';
import { dimsKey, type Dimension } from './dimensions';
import { costNamespace } from './lambda-metrics';
import * as L from './limits';
import type { MetricPoint } from './registry';
import { add, histToJson, newStats } from './stats';

const units = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits',
  'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

/**
 * CloudWatch Embedded Metric Format
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * a log line that is a JSON object with `_aws.CloudWatchMetrics` becomes
 * metrics: for each directive, each metric (its value the member of that
 * name: a number or up to 100 numbers) under each dimension set (the
 * members named by the set, string values). A line that does not follow the
 * specification stays a log line only, as CloudWatch does. Only lines that
 * start with `{` and contain `"_aws"` are parsed at all.
 */
export function emfPoints(line: string, fallbackTsMs: number): MetricPoint[] {
  if (line.charCodeAt(0) !== 123 /* { */ || !line.includes('"_aws"')) return [];
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = o?._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws !== 'object' || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const ts = typeof aws.Timestamp === 'number' && Number.isFinite(aws.Timestamp) ? aws.Timestamp : fallbackTsMs;
  const out: MetricPoint[] = [];
  for (const d of aws.CloudWatchMetrics as Record<string, unknown>[]) {
    if (!d || typeof d.Namespace !== 'string' || d.Namespace.length < 1 || d.Namespace.length > L.namespaceCharsMax || d.Namespace.startsWith('AWS/') || d.Namespace === costNamespace) return [];
    if (!Array.isArray(d.Dimensions) || !Array.isArray(d.Metrics) || d.Metrics.length > L.emfMetricsMax) return [];
    const sets: Dimension[][] = [];
    for (const set of d.Dimensions as unknown[]) {
      if (!Array.isArray(set) || set.length > L.dimensionsMax) return [];
      const dims: Dimension[] = [];
      for (const name of set) {
        const v = o[name as string];
        if (typeof name !== 'string' || typeof v !== 'string' || v.length < 1 || v.length > L.dimensionValueCharsMax) return [];
        dims.push([name, v]);
      }
      sets.push(dims);
    }
    for (const m of d.Metrics as Record<string, unknown>[]) {
      if (!m || typeof m.Name !== 'string' || m.Name.length < 1 || m.Name.length > L.metricNameCharsMax) return [];
      const unit = m.Unit === undefined ? 'None' : m.Unit;
      if (typeof unit !== 'string' || !units.has(unit)) return [];
      const raw = o[m.Name];
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length < 1 || values.length > L.emfMetricsMax || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) return [];
      const st = newStats();
      for (const v of values as number[]) add(st, v);
      const minute = ts - (ts % L.bucketMs);
      for (const dims of sets) {
        out.push({ namespace: d.Namespace, metricName: m.Name, dims: dimsKey(dims), periodS: 60, tsMs: minute, unit, count: st.count, sum: st.sum, min: st.min, max: st.max, hist: histToJson(st.hist) });
      }
    }
  }
  return out;
}

/** Every EMF point in the lines of a log flush. */
export function emfFromBatches(batches: readonly LogBatch[]): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const b of batches) for (const e of b.events) for (const p of emfPoints(e.message, e.timestampMs)) out.push(p);
  return out;
}
