/**
 * Per-shard token buckets for Kinesis's throughput limits. A bucket holds
 * at most one second of its rate and refills continuously; `take` succeeds
 * while tokens remain, and a read may take more than remain (a 10 MiB
 * GetRecords puts the read bucket in debt, so the next calls are refused
 * until it refills: AWS "subsequent calls made within the next 5 seconds
 * throw ProvisionedThroughputExceededException").
 * The buckets are this process's memory: several servers on one database
 * each allow the full rate (see ARCHITECTURE.md's multi-process caveats).
 */
export class TokenBucket {
  private tokens: number;
  private atMs: number;

  constructor(private readonly ratePerS: number, nowMs: number) {
    this.tokens = ratePerS;
    this.atMs = nowMs;
  }

  private refill(nowMs: number): void {
    this.tokens = Math.min(this.ratePerS, this.tokens + ((nowMs - this.atMs) / 1000) * this.ratePerS);
    this.atMs = nowMs;
  }

  /** Takes `n` if that many are there. */
  take(n: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Whether anything is left (before a read whose size is not known yet). */
  positive(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens > 0;
  }

  /** Takes `n` even into debt (after a read). */
  charge(n: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= n;
  }

  /** Gives back what a take that did not happen took. */
  refund(n: number): void {
    this.tokens = Math.min(this.ratePerS, this.tokens + n);
  }
}

export interface ShardRates {
  shardWriteBytesPerS: number;
  shardWriteRecordsPerS: number;
  shardReadBytesPerS: number;
  shardReadCallsPerS: number;
}

interface ShardBuckets {
  writeBytes: TokenBucket;
  writeRecords: TokenBucket;
  readBytes: TokenBucket;
  readCalls: TokenBucket;
}

/** Buckets by (stream, shard); forgotten with their stream. */
export class ShardThrottle {
  private readonly shards = new Map<string, ShardBuckets>();

  constructor(private readonly rates: ShardRates, private readonly now: () => number = Date.now) {}

  private of(stream: string, shardId: string): ShardBuckets {
    const k = `${stream}\u0000${shardId}`;
    let b = this.shards.get(k);
    if (!b) {
      const t = this.now();
      b = {
        writeBytes: new TokenBucket(this.rates.shardWriteBytesPerS, t),
        writeRecords: new TokenBucket(this.rates.shardWriteRecordsPerS, t),
        readBytes: new TokenBucket(this.rates.shardReadBytesPerS, t),
        readCalls: new TokenBucket(this.rates.shardReadCallsPerS, t),
      };
      this.shards.set(k, b);
    }
    return b;
  }

  /** One record of `bytes` into the shard: false when either write limit would be passed. */
  write(stream: string, shardId: string, bytes: number): boolean {
    const b = this.of(stream, shardId);
    const t = this.now();
    if (!b.writeRecords.take(1, t)) return false;
    if (!b.writeBytes.take(bytes, t)) {
      b.writeRecords.refund(1);
      return false;
    }
    return true;
  }

  /** Gives back a write that was not stored (its batch was routed again after a reshard). */
  unwrite(stream: string, shardId: string, bytes: number): void {
    const b = this.of(stream, shardId);
    b.writeRecords.refund(1);
    b.writeBytes.refund(bytes);
  }

  /** A GetRecords call on the shard: false past 5 calls/s or while the read bytes are in debt. */
  beginRead(stream: string, shardId: string): boolean {
    const b = this.of(stream, shardId);
    const t = this.now();
    if (!b.readBytes.positive(t)) return false;
    return b.readCalls.take(1, t);
  }

  endRead(stream: string, shardId: string, bytes: number): void {
    this.of(stream, shardId).readBytes.charge(bytes, this.now());
  }

  forget(stream: string): void {
    for (const k of this.shards.keys()) if (k.startsWith(`${stream}\u0000`)) this.shards.delete(k);
  }
}
