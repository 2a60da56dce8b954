import fs from 'node:fs';
import type * as CwSdk from '@aws-sdk/client-cloudwatch';
import type * as Sdk from '@aws-sdk/client-lambda';
import { costMetrics, costNamespace, mbMsPerGbSecond } from '../metrics/lambda-metrics';
import { dayPointsKeepMs } from '../metrics/limits';
import { bill, defaultPrices, parsePriceTable, PricingError, type Architecture, type PriceTable, type Usage } from '../metrics/pricing';
import type { Parsed } from './args';
import { CliError, describeError, lambdaClient, loadCliConfig, type CliConfig } from './client';

const dayMs = 86_400_000;
/** GetMetricData: at most 500 queries per call (AWS). */
const queriesPerCall = 500;

/** The price table: KUMO_PRICING_FILE when set (validated), else AWS's us-east-1 prices. */
export function loadPrices(env: NodeJS.ProcessEnv = process.env): { prices: PriceTable; source: string } {
  const file = env.KUMO_PRICING_FILE;
  if (!file) return { prices: defaultPrices, source: 'AWS us-east-1 on-demand prices (default)' };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`KUMO_PRICING_FILE: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`KUMO_PRICING_FILE: ${file} is not JSON: ${(e as Error).message}`, 2);
  }
  try {
    return { prices: parsePriceTable(json, file), source: file };
  } catch (e) {
    if (e instanceof PricingError) throw new CliError(`KUMO_PRICING_FILE: ${e.message}`, 2);
    throw e;
  }
}

/** `--since 30d` / `12h` (default 30 days; at most the day points' retention). */
export function parseSince(v: string | true | undefined): number {
  if (v === undefined) return 30 * dayMs;
  const m = typeof v === 'string' ? /^([1-9][0-9]*)([dh])$/.exec(v) : null;
  if (!m) throw new CliError(`--since must be a number of days or hours, such as 30d or 12h (got ${String(v)})`, 2);
  const ms = Number(m[1]) * (m[2] === 'd' ? dayMs : 3_600_000);
  if (ms > dayPointsKeepMs) throw new CliError(`--since is at most ${dayPointsKeepMs / dayMs}d: Kumo keeps usage that long`, 2);
  return ms;
}

/**
 * `kumo cost [--by tag:KEY] [--since 30d] [--function NAME] [--json]`: a
 * bill from the server's cost metrics, read with CloudWatch GetMetricData
 * (namespace Kumo/Lambda, one Sum per UTC day) like any CloudWatch client.
 * Functions are the server's current ones (ListFunctions) plus any with cost
 * series in the last two weeks (ListMetrics), so a function deleted
 * recently is still billed; tags are read now (ListTags), as AWS's cost
 * allocation tags are the resource's.
 */
export async function costCommand({ flags }: Parsed): Promise<number> {
  const { prices, source } = loadPrices();
  const sinceMs = parseSince(flags.since);
  const by = flags.by;
  let tagKey: string | undefined;
  if (by !== undefined) {
    if (typeof by !== 'string' || !by.startsWith('tag:') || by.length === 4) throw new CliError('--by takes tag:KEY (rows per value of that tag)', 2);
    tagKey = by.slice(4);
  }
  const only = typeof flags.function === 'string' ? flags.function : undefined;
  const cfg = loadCliConfig(flags);
  const now = Date.now();
  const end = now - (now % dayMs) + dayMs;
  const start = Math.max(end - Math.ceil(sinceMs / dayMs) * dayMs, 0);
  const lambda = lambdaClient(cfg);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cwSdk = require('@aws-sdk/client-cloudwatch') as typeof CwSdk;
  const cw = new cwSdk.CloudWatchClient({ endpoint: cfg.endpoint, region: cfg.region, maxAttempts: 2, ...(cfg.credentials ? { credentials: cfg.credentials } : {}) });
  try {
    const sdk = await lambdaSdk();
    const arns = new Map<string, string>();
    if (only) {
      arns.set(only, `arn:aws:lambda:${cfg.region}:${cfg.accountId}:function:${only}`);
    } else {
      let marker: string | undefined;
      do {
        const r = await lambda.send(new sdk.ListFunctionsCommand({ Marker: marker }));
        for (const f of r.Functions ?? []) if (f.FunctionName && f.FunctionArn) arns.set(f.FunctionName, f.FunctionArn);
        marker = r.NextMarker;
      } while (marker);
      let token: string | undefined;
      do {
        const r = await cw.send(new cwSdk.ListMetricsCommand({ Namespace: costNamespace, MetricName: costMetrics.requests, NextToken: token }));
        for (const m of r.Metrics ?? []) {
          const fn = m.Dimensions?.find((d) => d.Name === 'FunctionName')?.Value;
          if (fn && !arns.has(fn)) arns.set(fn, '');
        }
        token = r.NextToken;
      } while (token);
    }
    const usage = await readUsage(cw, cwSdk, [...arns.keys()], start, end);
    const tags = new Map<string, string>();
    if (tagKey !== undefined) {
      for (const fn of new Set(usage.map((u) => u.functionName))) {
        const arn = arns.get(fn);
        let value = '(untagged)';
        if (arn) {
          try {
            const r = await lambda.send(new sdk.ListTagsCommand({ Resource: arn }));
            value = r.Tags?.[tagKey] ?? '(untagged)';
          } catch (e) {
            if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
            value = '(deleted)';
          }
        } else value = '(deleted)';
        tags.set(fn, value);
      }
    }
    const b = bill(usage, prices, (fn) => (tagKey !== undefined ? tags.get(fn)! : fn));
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), currency: prices.currency, prices: source, rows: b.rows, total: b.total }, null, 2)}\n`);
      return 0;
    }
    const money = (v: number) => `${v.toFixed(v !== 0 && v < 0.01 ? 8 : 2)} ${prices.currency}`;
    const head = [tagKey !== undefined ? `TAG ${tagKey}` : 'FUNCTION', 'REQUESTS', 'GB-SECONDS', 'COST', 'AFTER FREE TIER'];
    const lines = [...b.rows, b.total].map((r) => [r.key, String(r.requests), r.gbSeconds.toFixed(3), money(r.cost), money(r.costAfterFreeTier)]);
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const fmt = (cols: string[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
    const out = [
      `Lambda cost ${new Date(start).toISOString().slice(0, 10)} to ${new Date(end - dayMs).toISOString().slice(0, 10)} (UTC days), prices: ${source}`,
      fmt(head),
      ...lines.slice(0, -1).map(fmt),
      fmt(lines[lines.length - 1]!),
      `Free tier each month: ${prices.freeTier.requests} requests and ${prices.freeTier.gbSeconds} GB-seconds.`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(describeError(e, cfg));
  } finally {
    lambda.destroy();
    cw.destroy();
  }
}

async function lambdaSdk(): Promise<typeof Sdk> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-lambda') as typeof Sdk;
}

/** Daily sums of the three cost metrics for each function and architecture, in GetMetricData calls of at most 500 queries. */
async function readUsage(cw: CwSdk.CloudWatchClient, sdk: typeof CwSdk, functions: string[], start: number, end: number): Promise<Usage[]> {
  const queries: { q: CwSdk.MetricDataQuery; fn: string; arch: Architecture; metric: keyof typeof costMetrics }[] = [];
  functions.forEach((fn, i) => {
    for (const arch of ['x86_64', 'arm64'] as const) {
      for (const metric of Object.keys(costMetrics) as (keyof typeof costMetrics)[]) {
        queries.push({
          fn, arch, metric,
          q: {
            Id: `q${i}_${arch === 'arm64' ? 'a' : 'x'}_${metric}`,
            MetricStat: {
              Metric: { Namespace: costNamespace, MetricName: costMetrics[metric], Dimensions: [{ Name: 'FunctionName', Value: fn }, { Name: 'Architecture', Value: arch }] },
              Period: 86_400,
              Stat: 'Sum',
            },
          },
        });
      }
    }
  });
  const byKey = new Map<string, Usage>();
  for (let i = 0; i < queries.length; i += queriesPerCall) {
    const chunk = queries.slice(i, i + queriesPerCall);
    const byId = new Map(chunk.map((c) => [c.q.Id!, c]));
    let token: string | undefined;
    do {
      const r = await cw.send(new sdk.GetMetricDataCommand({ MetricDataQueries: chunk.map((c) => c.q), StartTime: new Date(start), EndTime: new Date(end), NextToken: token }));
      for (const res of r.MetricDataResults ?? []) {
        const c = byId.get(res.Id!);
        if (!c) continue;
        (res.Timestamps ?? []).forEach((ts, k) => {
          const day = ts.getTime() - (ts.getTime() % dayMs);
          const key = `${c.fn}\u0000${c.arch}\u0000${day}`;
          let u = byKey.get(key);
          if (!u) byKey.set(key, (u = { functionName: c.fn, architecture: c.arch, dayMs: day, requests: 0, gbSeconds: 0, ephemeralGbSeconds: 0 }));
          const v = res.Values?.[k] ?? 0;
          if (c.metric === 'requests') u.requests += v;
          else if (c.metric === 'mbMs') u.gbSeconds += v / mbMsPerGbSecond;
          else u.ephemeralGbSeconds += v / mbMsPerGbSecond;
        });
      }
      token = r.NextToken;
    } while (token);
  }
  return [...byKey.values()].filter((u) => u.requests > 0 || u.gbSeconds > 0);
}
