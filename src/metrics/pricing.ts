/**
 * Lambda's price table and the bill `kumo cost` prints (issue 17 item 3).
 * Usage comes from the cost metrics (lambda-metrics.ts `costNamespace`):
 * requests, billed GB-seconds and ephemeral-storage GB-seconds per function,
 * architecture and UTC day. The default table is AWS's public on-demand
 * price in us-east-1 (https://aws.amazon.com/lambda/pricing/): $0.20 per 1M
 * requests; duration tiers per architecture, applied to the month's
 * aggregate GB-seconds of that architecture; $0.0000000309 per GB-second of
 * ephemeral storage above 512 MB; a free tier of 1M requests and 400,000
 * GB-seconds a month shared by both architectures. A JSON file of the same
 * shape (KUMO_PRICING_FILE) replaces it; it is validated whole and refused
 * with the first problem's path.
 */

export interface DurationTier {
  /** GB-seconds of the month this tier covers up to (cumulative); absent on the last tier. */
  upToGbSeconds?: number;
  pricePerGbSecond: number;
}

export interface PriceTable {
  currency: string;
  requestPricePerMillion: number;
  durationTiers: { x86_64: DurationTier[]; arm64: DurationTier[] };
  ephemeralStoragePricePerGbSecond: number;
  freeTier: { requests: number; gbSeconds: number };
}

/** AWS's on-demand prices, us-east-1 (the Lambda pricing page; the notes' $0.2 per 1M requests and free tier agree). */
export const defaultPrices: PriceTable = {
  currency: 'USD',
  requestPricePerMillion: 0.2,
  durationTiers: {
    x86_64: [
      { upToGbSeconds: 6_000_000_000, pricePerGbSecond: 0.0000166667 },
      { upToGbSeconds: 15_000_000_000, pricePerGbSecond: 0.000015 },
      { pricePerGbSecond: 0.0000133334 },
    ],
    arm64: [
      { upToGbSeconds: 7_500_000_000, pricePerGbSecond: 0.0000133334 },
      { upToGbSeconds: 18_750_000_000, pricePerGbSecond: 0.0000120001 },
      { pricePerGbSecond: 0.0000106667 },
    ],
  },
  ephemeralStoragePricePerGbSecond: 0.0000000309,
  freeTier: { requests: 1_000_000, gbSeconds: 400_000 },
};

export class PricingError extends Error {}

const architectures = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof architectures)[number];

/** A price table from parsed JSON, or a PricingError naming the first bad member. */
export function parsePriceTable(v: unknown, source: string): PriceTable {
  const fail = (path: string, what: string): never => {
    throw new PricingError(`pricing table ${source}: ${path} ${what}`);
  };
  const object = (x: unknown, path: string, keys: readonly string[]): Record<string, unknown> => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) fail(path || 'the document', 'must be a JSON object');
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(path ? `${path}.${k}` : k, `is not a member of the table (members: ${keys.join(', ')})`);
    for (const k of keys) if (!(k in o) && !(path.endsWith(']') && k === 'upToGbSeconds')) fail(path ? `${path}.${k}` : k, 'is missing');
    return o;
  };
  const price = (x: unknown, path: string): number => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(path, 'must be a non-negative number');
    return x as number;
  };
  const top = object(v, '', ['currency', 'requestPricePerMillion', 'durationTiers', 'ephemeralStoragePricePerGbSecond', 'freeTier']);
  if (typeof top.currency !== 'string' || !/^[A-Z]{3}$/.test(top.currency)) fail('currency', 'must be a three-letter currency code such as "USD"');
  const tiersIn = object(top.durationTiers, 'durationTiers', architectures);
  const tiers = {} as PriceTable['durationTiers'];
  for (const a of architectures) {
    const list = tiersIn[a];
    const path = `durationTiers.${a}`;
    if (!Array.isArray(list) || list.length === 0) fail(path, 'must be a non-empty array of tiers');
    let prev = 0;
    tiers[a] = (list as unknown[]).map((t, i) => {
      const p = `${path}[${i}]`;
      const o = object(t, p, ['upToGbSeconds', 'pricePerGbSecond']);
      const last = i === (list as unknown[]).length - 1;
      const tier: DurationTier = { pricePerGbSecond: price(o.pricePerGbSecond, `${p}.pricePerGbSecond`) };
      if (last) {
        if (o.upToGbSeconds !== undefined) fail(`${p}.upToGbSeconds`, 'must be absent on the last tier (it covers the rest)');
      } else {
        const up = price(o.upToGbSeconds, `${p}.upToGbSeconds`);
        if (up <= prev) fail(`${p}.upToGbSeconds`, `must be greater than the previous tier's (${prev})`);
        tier.upToGbSeconds = prev = up;
      }
      return tier;
    });
  }
  const free = object(top.freeTier, 'freeTier', ['requests', 'gbSeconds']);
  return {
    currency: top.currency as string,
    requestPricePerMillion: price(top.requestPricePerMillion, 'requestPricePerMillion'),
    durationTiers: tiers,
    ephemeralStoragePricePerGbSecond: price(top.ephemeralStoragePricePerGbSecond, 'ephemeralStoragePricePerGbSecond'),
    freeTier: { requests: price(free.requests, 'freeTier.requests'), gbSeconds: price(free.gbSeconds, 'freeTier.gbSeconds') },
  };
}

/** The cost of `gbs` GB-seconds of one month under tiers (cumulative bounds). */
export function tieredCost(tiers: readonly DurationTier[], gbs: number): number {
  let cost = 0;
  let from = 0;
  for (const t of tiers) {
    const to = t.upToGbSeconds ?? Infinity;
    if (gbs <= from) break;
    cost += (Math.min(gbs, to) - from) * t.pricePerGbSecond;
    from = to;
  }
  return cost;
}

/** One function's usage on one architecture on one UTC day. */
export interface Usage {
  functionName: string;
  architecture: Architecture;
  /** The day's start, ms since the epoch (UTC midnight). */
  dayMs: number;
  requests: number;
  gbSeconds: number;
  ephemeralGbSeconds: number;
}

export interface BillRow {
  key: string;
  requests: number;
  gbSeconds: number;
  cost: number;
  costAfterFreeTier: number;
}

export interface Bill {
  rows: BillRow[];
  total: BillRow;
}

/**
 * The bill of `usage`, grouped by `group` (a function's name, or a tag's
 * value). Per UTC calendar month: requests cost their price less the free
 * requests; each architecture's GB-seconds cost their tiers; the free
 * GB-seconds are taken from x86_64 first (its price is higher; AWS's free
 * tier covers both without saying in which order), then arm64. A row's share
 * of a month's cost is its share of that month's requests and of its
 * architecture's GB-seconds.
 */
export function bill(usage: readonly Usage[], prices: PriceTable, group: (functionName: string) => string): Bill {
  const months = new Map<string, Usage[]>();
  for (const u of usage) {
    const d = new Date(u.dayMs);
    const k = `${d.getUTCFullYear()}-${d.getUTCMonth()}`;
    let m = months.get(k);
    if (!m) months.set(k, (m = []));
    m.push(u);
  }
  const rows = new Map<string, BillRow>();
  const row = (key: string) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, requests: 0, gbSeconds: 0, cost: 0, costAfterFreeTier: 0 }));
    return r;
  };
  for (const m of months.values()) {
    const requests = m.reduce((n, u) => n + u.requests, 0);
    const reqCost = (requests / 1e6) * prices.requestPricePerMillion;
    const reqCostAfter = (Math.max(0, requests - prices.freeTier.requests) / 1e6) * prices.requestPricePerMillion;
    let freeGbs = prices.freeTier.gbSeconds;
    const arch = new Map<Architecture, { gbs: number; cost: number; after: number }>();
    for (const a of architectures) {
      const gbs = m.filter((u) => u.architecture === a).reduce((n, u) => n + u.gbSeconds, 0);
      const free = Math.min(freeGbs, gbs);
      freeGbs -= free;
      arch.set(a, { gbs, cost: tieredCost(prices.durationTiers[a], gbs), after: tieredCost(prices.durationTiers[a], gbs - free) });
    }
    for (const u of m) {
      const r = row(group(u.functionName));
      const a = arch.get(u.architecture)!;
      const share = a.gbs > 0 ? u.gbSeconds / a.gbs : 0;
      const reqShare = requests > 0 ? u.requests / requests : 0;
      const eph = u.ephemeralGbSeconds * prices.ephemeralStoragePricePerGbSecond;
      r.requests += u.requests;
      r.gbSeconds += u.gbSeconds;
      r.cost += reqShare * reqCost + share * a.cost + eph;
      r.costAfterFreeTier += reqShare * reqCostAfter + share * a.after + eph;
    }
  }
  const out = [...rows.values()].sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key));
  const total: BillRow = { key: 'TOTAL', requests: 0, gbSeconds: 0, cost: 0, costAfterFreeTier: 0 };
  for (const r of out) {
    total.requests += r.requests;
    total.gbSeconds += r.gbSeconds;
    total.cost += r.cost;
    total.costAfterFreeTier += r.costAfterFreeTier;
  }
  return { rows: out, total };
}
