import { Registry } from 'prom-client';
import { durationBucketsMs, mbMsPerGbSecond, type LambdaMetrics } from './lambda-metrics';
import type { MetricsRegistry } from './registry';

type Value = { value: number; labels?: Record<string, string | number>; metricName?: string };

/** One account's figures (several accounts: each is exposed with its `account` label). */
export interface PrometheusAccount {
  accountId: string;
  lambda: LambdaMetrics;
  reg: MetricsRegistry;
  concurrency(): { inFlight: number; unreservedInFlight: number };
}

/**
 * The Prometheus exposition of Lambda's metrics (issue 17 item 2), through
 * prom-client's Registry and text format. Values are read at scrape time
 * from LambdaMetrics' cumulative totals (the invoke path adds to plain
 * numbers; prom-client's own label lookups stay off it). Labels: `account`
 * (every account of the server, issue 18), `function`, `qualifier` ('' for
 * an unqualified call).
 */
export function prometheusRegistry(accounts: readonly PrometheusAccount[]): Registry {
  const r = new Registry();
  type Totals = ReturnType<LambdaMetrics['totals']> extends Generator<infer T> ? T : never;
  const labels = (account: string, t: { functionName: string; qualifier: string }) => ({ account, function: t.functionName, qualifier: t.qualifier });
  const metric = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: () => Value[]) => {
    r.registerMetric({ name, help, type, get: async () => ({ name, help, type, values: values(), aggregator: 'sum' }) } as never);
  };
  /** Every function total of every account. */
  const totals = function* (): Generator<{ account: string; t: Totals }> {
    for (const a of accounts) for (const t of a.lambda.totals()) yield { account: a.accountId, t };
  };
  const counter = (name: string, help: string, pick: (t: Totals) => number) =>
    metric(name, help, 'counter', () => [...totals()].map(({ account, t }) => ({ value: pick(t), labels: labels(account, t) })));
  counter('kumo_lambda_invocations_total', 'Invocations (AWS/Lambda Invocations), by function and qualifier.', (t) => t.invocations);
  counter('kumo_lambda_errors_total', 'Invocations that ended in a function error (AWS/Lambda Errors).', (t) => t.errors);
  counter('kumo_lambda_requests_total', 'Billed requests (what `kumo cost` counts), by function and qualifier.', (t) => t.billedRequests);
  counter('kumo_lambda_billed_gb_seconds_total', 'Billed GB-seconds: billed duration (INIT included, rounded up to 1 ms) × memory, by function and qualifier.', (t) => t.billedMbMs / mbMsPerGbSecond);
  counter('kumo_lambda_throttles_total', 'Invoke requests throttled (AWS/Lambda Throttles).', (t) => t.throttles);
  metric('kumo_lambda_duration_milliseconds', 'Time the function ran per invocation, ms (AWS/Lambda Duration).', 'histogram', () => {
    const out: Value[] = [];
    for (const { account, t } of totals()) {
      const l = labels(account, t);
      let acc = 0;
      durationBucketsMs.forEach((le, i) => {
        acc += t.durationBuckets[i]!;
        out.push({ metricName: 'kumo_lambda_duration_milliseconds_bucket', value: acc, labels: { ...l, le } });
      });
      out.push({ metricName: 'kumo_lambda_duration_milliseconds_bucket', value: t.invocations, labels: { ...l, le: '+Inf' } });
      out.push({ metricName: 'kumo_lambda_duration_milliseconds_sum', value: t.durationSumMs, labels: l });
      out.push({ metricName: 'kumo_lambda_duration_milliseconds_count', value: t.invocations, labels: l });
    }
    return out;
  });
  const perAccount = (f: (a: PrometheusAccount) => number) => () => accounts.map((a) => ({ value: f(a), labels: { account: a.accountId } }));
  metric('kumo_lambda_concurrent_executions', 'Executions in flight in the account (AWS/Lambda ConcurrentExecutions).', 'gauge', perAccount((a) => a.concurrency().inFlight));
  metric('kumo_lambda_unreserved_concurrent_executions', 'Executions in flight in the unreserved pool (AWS/Lambda UnreservedConcurrentExecutions).', 'gauge', perAccount((a) => a.concurrency().unreservedInFlight));
  metric('kumo_metrics_dropped_series', 'Series not recorded because the registry reached its series limit (seriesMax).', 'gauge', perAccount((a) => a.reg.droppedSeries));
  return r;
}
