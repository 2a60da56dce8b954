import type { Operation } from '../../gateway/service';
import { queryMap } from '../../gateway/protocols/query';
import { dimsFromKey, dimsKey, type Dimension } from '../../metrics/dimensions';
import * as L from '../../metrics/limits';
import { costNamespace } from '../../metrics/lambda-metrics';
import type { Aggregate, MetricsRegistry } from '../../metrics/registry';
import { add, histToJson, newStats, percentile, type Stats } from '../../metrics/stats';
import type { MetricPoint, MetricSeriesKey } from '../../metrics/registry';
import { combination, invalid, list, missing, num, obj, str, time, type In } from './input';

const basicStats = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);
const percentileRe = /^p(\d{1,2}(\.\d{1,10})?|100)$/;
const units = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits',
  'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

function dimensions(v: unknown[] | undefined, path: string, valueRequired = true): Dimension[] {
  if (!v) return [];
  if (v.length > L.dimensionsMax) throw invalid(`The collection ${path} must not have a size greater than ${L.dimensionsMax}.`);
  const seen = new Set<string>();
  return v.map((x, n) => {
    const d = obj(x, `${path}.member.${n + 1}`);
    const name = str(d, 'Name', false, L.dimensionNameCharsMax);
    if (name === undefined) throw missing(`${path}.member.${n + 1}.Name`);
    const value = valueRequired ? str(d, 'Value', false, L.dimensionValueCharsMax) : str(d, 'Value', false, L.dimensionValueCharsMax) ?? '';
    if (value === undefined) throw missing(`${path}.member.${n + 1}.Value`);
    if (seen.has(name)) throw invalid(`No metric may have duplicate dimensions (${name}).`);
    seen.add(name);
    return [name, value] as const;
  });
}

function namespace(i: In, required: boolean): string | undefined {
  const ns = required ? str(i, 'Namespace', true, L.namespaceCharsMax) : str(i, 'Namespace', false, L.namespaceCharsMax);
  if (ns !== undefined && !/^[^:].*$/.test(ns)) throw invalid(`The value ${ns} for parameter Namespace is invalid.`);
  return ns;
}

function unitOf(i: In): string | undefined {
  const u = str(i, 'Unit');
  if (u !== undefined && !units.has(u)) throw invalid(`The value ${u} for parameter Unit is invalid.`);
  return u;
}

/** Period: a positive multiple of 60 (Kumo keeps standard resolution only; high-resolution periods 1, 5, 10, 30 are refused). */
function period(v: number | undefined, path: string): number {
  if (v === undefined) throw missing(path);
  if (!Number.isInteger(v) || v < 1) throw invalid(`The parameter ${path} must be greater than 0.`);
  if (v % 60 !== 0) throw invalid(`The parameter ${path} must be a multiple of 60. Kumo keeps standard-resolution (1-minute) metrics only.`);
  return v;
}

function statValue(s: Stats, stat: string): number | undefined {
  switch (stat) {
    case 'SampleCount': return s.count;
    case 'Average': return s.sum / s.count;
    case 'Sum': return s.sum;
    case 'Minimum': return s.min;
    case 'Maximum': return s.max;
    default: return percentile(s, Number(stat.slice(1)));
  }
}

function datapoint(a: Aggregate, stats: string[], ext: string[]): Record<string, unknown> {
  const dp: Record<string, unknown> = { Timestamp: new Date(a.tsMs) };
  for (const s of stats) dp[s] = statValue(a.stats, s);
  if (ext.length) {
    const e: Record<string, number> = {};
    for (const p of ext) {
      const v = statValue(a.stats, p);
      if (v !== undefined) e[p] = v;
    }
    dp.ExtendedStatistics = e;
  }
  dp.Unit = a.unit;
  return dp;
}

function timeRange(i: In): { startMs: number; endMs: number } {
  const startMs = time(i, 'StartTime', true);
  const endMs = time(i, 'EndTime', true);
  if (startMs >= endMs) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  return { startMs, endMs };
}

const b64 = (k: MetricSeriesKey) => Buffer.from(JSON.stringify([k.namespace, k.metricName, k.dims])).toString('base64');
function fromB64(t: string): MetricSeriesKey {
  try {
    const [namespace, metricName, dims] = JSON.parse(Buffer.from(t, 'base64').toString('utf8')) as string[];
    if (typeof namespace === 'string' && typeof metricName === 'string' && typeof dims === 'string') return { namespace, metricName, dims };
  } catch { /* fall through */ }
  throw invalid('The value for parameter NextToken is invalid.');
}

export function metricOperations(m: MetricsRegistry): Record<string, Operation> {
  return {
    GetMetricStatistics: {
      handle: async (i, ctx) => {
        const ns = namespace(i, true)!;
        const metricName = str(i, 'MetricName', true, L.metricNameCharsMax);
        const dims = dimensions(list(i, 'Dimensions'), 'Dimensions');
        const { startMs, endMs } = timeRange(i);
        const p = period(num(i, 'Period'), 'Period');
        const stats = (list(i, 'Statistics') ?? []).map(String);
        const ext = (list(i, 'ExtendedStatistics') ?? []).map(String);
        if (!stats.length && !ext.length) throw missing('Statistics or ExtendedStatistics');
        if (stats.length > 5) throw invalid('The collection Statistics must not have a size greater than 5.');
        if (ext.length > 10) throw invalid('The collection ExtendedStatistics must not have a size greater than 10.');
        for (const s of stats) if (!basicStats.has(s)) throw invalid(`The value ${s} for parameter Statistics is not a valid statistic.`);
        for (const s of ext) if (!percentileRe.test(s)) throw invalid(`The value ${s} for parameter ExtendedStatistics is not supported.`);
        const unit = unitOf(i);
        const points = Math.ceil((endMs - startMs) / (p * 1000));
        if (points > L.dataPointsPerCallMax) {
          throw combination(
            `You have requested up to ${points.toLocaleString('en-US')} datapoints, which exceeds the limit of ${L.dataPointsPerCallMax.toLocaleString('en-US')}. ` +
              'You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
          );
        }
        const aggs = await m.query({ namespace: ns, metricName, dims: dimsKey(dims) }, startMs, endMs, p * 1000);
        return {
          Label: metricName,
          Datapoints: aggs.filter((a) => unit === undefined || a.unit === unit).map((a) => {
            const dp = datapoint(a, stats, ext);
            // A map in query XML is entry/key/value elements.
            if (ctx.protocol === 'query' && dp.ExtendedStatistics) dp.ExtendedStatistics = queryMap(dp.ExtendedStatistics as Record<string, unknown>);
            return dp;
          }),
        };
      },
    },

    GetMetricData: {
      handle: async (i) => {
        const queries = list(i, 'MetricDataQueries');
        if (!queries) throw missing('MetricDataQueries');
        if (queries.length > L.metricDataQueriesMax) throw invalid(`The collection MetricDataQueries must not have a size greater than ${L.metricDataQueriesMax}.`);
        const { startMs, endMs } = timeRange(i);
        const scanBy = str(i, 'ScanBy') ?? 'TimestampDescending';
        if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw invalid(`The value ${scanBy} for parameter ScanBy is invalid.`);
        if (i.NextToken !== undefined) throw invalid('The value for parameter NextToken is invalid.');
        if (i.LabelOptions !== undefined) throw invalid('Kumo does not support LabelOptions.');
        const ids = new Set<string>();
        const results: Record<string, unknown>[] = [];
        let total = 0;
        for (const [n, raw] of queries.entries()) {
          const q = obj(raw, `MetricDataQueries.member.${n + 1}`);
          const id = str(q, 'Id', true, 255);
          if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) throw invalid(`The value ${id} for parameter MetricDataQueries.member.${n + 1}.Id is invalid: it must start with a lowercase letter.`);
          if (ids.has(id)) throw invalid(`The value ${id} for parameter MetricDataQueries.member.${n + 1}.Id is not unique.`);
          ids.add(id);
          if (q.Expression !== undefined) throw invalid('Kumo does not support metric math or Metrics Insights expressions: give each query a MetricStat.');
          if (q.MetricStat === undefined) throw missing(`MetricDataQueries.member.${n + 1}.MetricStat`);
          const ms = obj(q.MetricStat, `MetricDataQueries.member.${n + 1}.MetricStat`);
          const metric = obj(ms.Metric ?? missingThrow(`MetricDataQueries.member.${n + 1}.MetricStat.Metric`), 'Metric');
          const ns = namespace(metric, true)!;
          const metricName = str(metric, 'MetricName', true, L.metricNameCharsMax);
          const dims = dimensions(list(metric, 'Dimensions'), `MetricDataQueries.member.${n + 1}.MetricStat.Metric.Dimensions`);
          const p = period(num(ms, 'Period'), `MetricDataQueries.member.${n + 1}.MetricStat.Period`);
          const stat = str(ms, 'Stat', true);
          if (!basicStats.has(stat) && !percentileRe.test(stat)) throw invalid(`The value ${stat} for parameter MetricDataQueries.member.${n + 1}.MetricStat.Stat is invalid.`);
          const unit = unitOf(ms);
          total += Math.ceil((endMs - startMs) / (p * 1000));
          if (total > L.metricDataPointsMax) throw invalid(`The query would return more than ${L.metricDataPointsMax} data points.`);
          const returnData = q.ReturnData === undefined || q.ReturnData === true || q.ReturnData === 'true';
          const aggs = (await m.query({ namespace: ns, metricName, dims: dimsKey(dims) }, startMs, endMs, p * 1000)).filter((a) => unit === undefined || a.unit === unit);
          if (scanBy === 'TimestampDescending') aggs.reverse();
          if (!returnData) continue;
          const vals = aggs.map((a) => ({ t: a.tsMs, v: statValue(a.stats, stat) })).filter((x) => x.v !== undefined);
          results.push({
            Id: id,
            Label: str(q, 'Label') ?? metricName,
            Timestamps: vals.map((x) => new Date(x.t)),
            Values: vals.map((x) => x.v),
            StatusCode: 'Complete',
          });
        }
        return { MetricDataResults: results, Messages: [] };
      },
    },

    ListMetrics: {
      handle: async (i) => {
        const ns = namespace(i, false);
        const metricName = str(i, 'MetricName', false, L.metricNameCharsMax);
        const filters = dimensions(list(i, 'Dimensions'), 'Dimensions', false).map(([n, v]) => [n, v === '' ? undefined : v] as const);
        const recently = str(i, 'RecentlyActive');
        if (recently !== undefined && recently !== 'PT3H') throw invalid(`The value ${recently} for parameter RecentlyActive is invalid.`);
        if (i.IncludeLinkedAccounts === true || i.IncludeLinkedAccounts === 'true') throw invalid('Kumo has one account: IncludeLinkedAccounts is not supported.');
        if (i.OwningAccount !== undefined) throw invalid('Kumo has one account: OwningAccount is not supported.');
        let after = i.NextToken !== undefined ? fromB64(String(i.NextToken)) : undefined;
        // What is still in memory is written first, so the listing is the store's.
        await m.flush();
        const sinceMs = m.now() - (recently ? 3 * 3_600_000 : L.listMetricsActiveMs);
        const out: MetricSeriesKey[] = [];
        let more = false;
        for (;;) {
          const page = await m.list({ namespace: ns, metricName, sinceMs, after, limit: L.listMetricsPageMax });
          for (const k of page) {
            const dims = dimsFromKey(k.dims);
            if (!filters.every(([n, v]) => dims.some(([dn, dv]) => dn === n && (v === undefined || dv === v)))) continue;
            if (out.length === L.listMetricsPageMax) {
              more = true;
              break;
            }
            out.push(k);
          }
          if (more || page.length < L.listMetricsPageMax) break;
          after = page[page.length - 1];
        }
        return {
          Metrics: out.map((k) => ({ Namespace: k.namespace, MetricName: k.metricName, Dimensions: dimsFromKey(k.dims).map(([Name, Value]) => ({ Name, Value })) })),
          ...(more ? { NextToken: b64(out[out.length - 1]!) } : {}),
        };
      },
    },

    PutMetricData: {
      bodyBytesMax: 1_048_576,
      handle: async (i) => {
        const ns = namespace(i, true)!;
        // AWS reserves the AWS/ namespaces for its services; Kumo reserves its cost namespace (a user's point there would change `kumo cost`).
        if (ns.startsWith('AWS/') || ns === costNamespace) throw invalid(`The value ${ns} for parameter Namespace is invalid.`);
        if (i.EntityMetricData !== undefined) throw invalid('Kumo does not support EntityMetricData.');
        const data = list(i, 'MetricData');
        if (!data || !data.length) throw missing('MetricData');
        if (data.length > L.putMetricDataMetricsMax) throw invalid(`The collection MetricData must not have a size greater than ${L.putMetricDataMetricsMax}.`);
        const now = m.now();
        const points = data.map((raw, n) => datum(obj(raw, `MetricData.member.${n + 1}`), n + 1, ns, now));
        await m.put(points);
        return {};
      },
    },
  };
}

function missingThrow(path: string): never {
  throw missing(path);
}

/** One PutMetricData datum as a 1-minute point (Value, Values/Counts or StatisticValues: exactly one). */
export function datum(d: In, n: number, ns: string, now: number): MetricPoint {
  const path = `MetricData.member.${n}`;
  const metricName = str(d, 'MetricName', true, L.metricNameCharsMax);
  const dims = dimensions(list(d, 'Dimensions'), `${path}.Dimensions`);
  const ts = time(d, 'Timestamp') ?? now;
  if (ts < now - L.putPastMs || ts > now + L.putFutureMs) {
    throw invalid(`The parameter ${path}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`);
  }
  const res = num(d, 'StorageResolution', `${path}.StorageResolution`);
  if (res !== undefined && res !== 60 && res !== 1) throw invalid(`The value ${res} for parameter ${path}.StorageResolution is invalid.`);
  if (res === 1) throw invalid('Kumo keeps standard-resolution (1-minute) metrics only: StorageResolution 1 is not supported.');
  const unit = unitOf(d) ?? 'None';
  const value = num(d, 'Value', `${path}.Value`);
  const values = list(d, 'Values');
  const counts = list(d, 'Counts');
  const sv = d.StatisticValues !== undefined ? obj(d.StatisticValues, `${path}.StatisticValues`) : undefined;
  const given = [value !== undefined, values !== undefined, sv !== undefined].filter(Boolean).length;
  if (given === 0) throw combination(`The parameters ${path}.Value, ${path}.Values and ${path}.StatisticValues: exactly one must be specified.`);
  if (given > 1) throw combination(`The parameters ${path}.Value, ${path}.Values and ${path}.StatisticValues are mutually exclusive and you have specified more than one.`);
  const check = (v: number, p: string) => {
    if (Math.abs(v) > L.valueAbsMax) throw invalid(`The value ${v} for parameter ${p} is invalid.`);
    return v;
  };
  const st = newStats();
  if (value !== undefined) add(st, check(value, `${path}.Value`));
  else if (values) {
    if (values.length > L.putValuesMax) throw invalid(`The collection ${path}.Values must not have a size greater than ${L.putValuesMax}.`);
    if (counts && counts.length !== values.length) throw invalid(`The parameters ${path}.Values and ${path}.Counts must be of the same size.`);
    values.forEach((v, k) => {
      const x = check(num({ v }, 'v', `${path}.Values.member.${k + 1}`)!, `${path}.Values.member.${k + 1}`);
      const c = counts ? num({ c: counts[k] }, 'c', `${path}.Counts.member.${k + 1}`)! : 1;
      if (c < 0) throw invalid(`The value ${c} for parameter ${path}.Counts.member.${k + 1} is invalid.`);
      if (c > 0) add(st, x, c);
    });
  } else {
    const need = (k: string) => {
      const v = num(sv!, k, `${path}.StatisticValues.${k}`);
      if (v === undefined) throw missing(`${path}.StatisticValues.${k}`);
      return check(v, `${path}.StatisticValues.${k}`);
    };
    const count = need('SampleCount');
    const sum = need('Sum');
    const min = need('Minimum');
    const max = need('Maximum');
    if (count <= 0 || min > max) throw invalid(`The parameter ${path}.StatisticValues is invalid: SampleCount must be positive and Minimum at most Maximum.`);
    // A statistic set has no raw values: percentiles come from its average (exact when SampleCount is 1 or Minimum equals Maximum, as AWS requires).
    add(st, sum / count, count);
    st.sum = sum;
    st.min = min;
    st.max = max;
  }
  return { namespace: ns, metricName, dims: dimsKey(dims), periodS: 60, tsMs: ts - (ts % L.bucketMs), unit, count: st.count, sum: st.sum, min: st.min, max: st.max, hist: histToJson(st.hist) };
}
