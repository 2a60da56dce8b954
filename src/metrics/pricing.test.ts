import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bill, defaultPrices, parsePriceTable, PricingError, tieredCost, type Usage } from './pricing';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const u = (functionName: string, architecture: 'x86_64' | 'arm64', iso: string, requests: number, gbSeconds: number, ephemeralGbSeconds = 0): Usage =>
  ({ functionName, architecture, dayMs: day(iso), requests, gbSeconds, ephemeralGbSeconds });
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

describe('pricing', () => {
  it('the default table is AWS us-east-1 on-demand: $0.20 per 1M requests, $0.0000166667 (x86) and $0.0000133334 (arm64) per GB-s, 1M requests and 400,000 GB-s free', () => {
    assert.equal(defaultPrices.requestPricePerMillion, 0.2);
    assert.equal(defaultPrices.durationTiers.x86_64[0]!.pricePerGbSecond, 0.0000166667);
    assert.equal(defaultPrices.durationTiers.arm64[0]!.pricePerGbSecond, 0.0000133334);
    assert.deepEqual(defaultPrices.freeTier, { requests: 1_000_000, gbSeconds: 400_000 });
    assert.deepEqual(parsePriceTable(JSON.parse(JSON.stringify(defaultPrices)), 'x'), defaultPrices, 'the default table passes its own validation');
  });

  it('tiers apply to the month\'s aggregate GB-seconds', () => {
    close(tieredCost(defaultPrices.durationTiers.x86_64, 1000), 1000 * 0.0000166667);
    close(tieredCost(defaultPrices.durationTiers.x86_64, 7e9), 6e9 * 0.0000166667 + 1e9 * 0.000015);
    close(tieredCost(defaultPrices.durationTiers.x86_64, 16e9), 6e9 * 0.0000166667 + 9e9 * 0.000015 + 1e9 * 0.0000133334);
  });

  it('a bill: rows per function, the free tier per calendar month, x86_64 GB-seconds covered before arm64', () => {
    const b = bill(
      [
        u('a', 'x86_64', '2026-11-03', 600_000, 300_000),
        u('b', 'arm64', '2026-11-04', 600_000, 300_000, 1000),
        u('a', 'x86_64', '2026-12-01', 10, 5),
      ],
      defaultPrices,
      (fn) => fn,
    );
    const a = b.rows.find((r) => r.key === 'a')!;
    const bb = b.rows.find((r) => r.key === 'b')!;
    assert.equal(a.requests, 600_010);
    close(a.gbSeconds, 300_005);
    // November: 1.2M requests (0.2M billable), x86 300,000 GB-s free, arm64 200,000 of 300,000 billable.
    const novReq = 1.2 * 0.2;
    close(a.cost, novReq / 2 + 300_000 * 0.0000166667 + (10 / 1e6) * 0.2 + 5 * 0.0000166667);
    close(a.costAfterFreeTier, 0.2 * 0.2 / 2 + 0);
    close(bb.cost, novReq / 2 + 300_000 * 0.0000133334 + 1000 * 0.0000000309);
    close(bb.costAfterFreeTier, 0.2 * 0.2 / 2 + 200_000 * 0.0000133334 + 1000 * 0.0000000309);
    close(b.total.cost, a.cost + bb.cost);
    assert.equal(b.total.requests, 1_200_010);
    assert.deepEqual(b.rows.map((r) => r.key), ['a', 'b'], 'dearest first');
    const byTag = bill([u('a', 'x86_64', '2026-11-03', 1, 1), u('b', 'x86_64', '2026-11-03', 2, 1)], defaultPrices, () => 'team-x');
    assert.deepEqual(byTag.rows.map((r) => [r.key, r.requests]), [['team-x', 3]]);
  });

  it('a malformed table is refused naming the member', () => {
    const bad = (mutate: (t: Record<string, any>) => void, re: RegExp) => {
      const t = JSON.parse(JSON.stringify(defaultPrices));
      mutate(t);
      assert.throws(() => parsePriceTable(t, 'p.json'), (e: unknown) => e instanceof PricingError && re.test((e as Error).message));
    };
    bad((t) => (t.requestPricePerMillion = -1), /^pricing table p\.json: requestPricePerMillion must be a non-negative number$/);
    bad((t) => (t.requestPricePerMillion = '0.2'), /requestPricePerMillion must be a non-negative number/);
    bad((t) => delete t.freeTier, /^pricing table p\.json: freeTier is missing$/);
    bad((t) => (t.freeTier.gbSecond = 1), /freeTier\.gbSecond is not a member of the table/);
    bad((t) => (t.durationTiers.arm64 = []), /durationTiers\.arm64 must be a non-empty array/);
    bad((t) => (t.durationTiers.x86_64[1].upToGbSeconds = 1), /durationTiers\.x86_64\[1\]\.upToGbSeconds must be greater than the previous tier's \(6000000000\)/);
    bad((t) => (t.durationTiers.x86_64[2].upToGbSeconds = 1e12), /durationTiers\.x86_64\[2\]\.upToGbSeconds must be absent on the last tier/);
    bad((t) => delete t.durationTiers.x86_64[0].upToGbSeconds, /durationTiers\.x86_64\[0\]\.upToGbSeconds must be a non-negative number/);
    bad((t) => (t.currency = 'dollars'), /currency must be a three-letter currency code/);
    assert.throws(() => parsePriceTable([], 'p.json'), /the document must be a JSON object/);
  });
});
