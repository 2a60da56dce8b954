/**
 * Lambda's concurrency scaling rate: each function may add at most
 * `eesMax` new execution environments per `windowMs` (AWS: 1,000 every
 * 10 s), refilled continuously and never saved up beyond one window's worth
 * (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html: "Lambda
 * makes a best attempt to refill your concurrency scaling rate continuously
 * over time… doesn't accumulate unused portions"). That is a token bucket per
 * function: capacity `eesMax`, refilled at `eesMax / windowMs` per ms, one
 * token per cold start. Warm reuse takes none (the placement warm path never
 * calls `take`). A bucket that has refilled to full is the same as no bucket,
 * so it is dropped: memory follows the functions scaling right now.
 */
export class ScalingRate {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly eesMax: number,
    windowMs: number,
    /** Monotonic milliseconds (tests inject a clock). */
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!(eesMax >= 1) || !(windowMs > 0)) throw new Error(`scaling rate must be at least 1 EE per positive window, got ${eesMax} per ${windowMs} ms`);
    this.refillPerMs = eesMax / windowMs;
  }

  /** Takes a token for one new EE of `functionName`; false when the function is scaling faster than the rate allows. */
  take(functionName: string): boolean {
    const now = this.nowMs();
    const b = this.buckets.get(functionName);
    let tokens = this.eesMax;
    if (b) tokens = Math.min(this.eesMax, b.tokens + (now - b.atMs) * this.refillPerMs);
    if (tokens < 1) {
      b!.tokens = tokens;
      b!.atMs = now;
      return false;
    }
    if (b) {
      b.tokens = tokens - 1;
      b.atMs = now;
    } else this.buckets.set(functionName, { tokens: tokens - 1, atMs: now });
    this.prune(now);
    return true;
  }

  /** Tokens available to `functionName` now (tests, diagnostics). */
  available(functionName: string): number {
    const b = this.buckets.get(functionName);
    return b ? Math.min(this.eesMax, b.tokens + (this.nowMs() - b.atMs) * this.refillPerMs) : this.eesMax;
  }

  /** Drops the buckets that have refilled (at most every window's worth of takes, so the cost stays amortised). */
  private takesSincePrune = 0;
  private prune(now: number): void {
    if (++this.takesSincePrune < this.eesMax) return;
    this.takesSincePrune = 0;
    for (const [name, b] of this.buckets) {
      if (b.tokens + (now - b.atMs) * this.refillPerMs >= this.eesMax) this.buckets.delete(name);
    }
  }
}
