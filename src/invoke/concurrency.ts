import { limits } from '../config';

/**
 * Concurrency accounting for the invoke path, as Lambda's pools work
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html):
 *
 *   account limit (KUMO_ACCOUNT_CONCURRENCY, default 1,000)
 *   ├── one pool per function with reserved concurrency N: holds exactly N
 *   │   (N = 0 throttles every invocation: the console's "Throttle" button)
 *   └── the unreserved pool: the limit minus every reservation, shared by
 *       all the other functions; reservations must leave at least
 *       `unreservedFloor` in it (AWS: 100).
 *
 * Worked example: limit 1,000, f reserves 50, g reserves 0. f runs at most
 * 50 at once (the 51st is ReservedFunctionConcurrentInvocationLimitExceeded)
 * and never takes from the others; g is always throttled with that reason;
 * every other function shares 950 (beyond: ConcurrentInvocationLimitExceeded).
 * PutFunctionConcurrency may raise f to 900 (leaving 1,000 − 900 − 0 = 100
 * unreserved) but not to 901.
 *
 * A grant is the pool itself (a long-lived object: nothing is allocated per
 * invocation) and is handed back with `release(pool)`. A reservation changed
 * while invocations run applies to the next ones; those in flight finish on
 * the pool they took. The account total is checked as well, so a shrinking
 * reservation cannot let the account exceed its limit.
 *
 * Caveat (ARCHITECTURE.md): the counts are per server process.
 */
export type ThrottleReason =
  | 'ConcurrentInvocationLimitExceeded'
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'FunctionInvocationRateLimitExceeded';

/** Slots of one pool: a function's reservation or the account's unreserved share. */
export class ConcurrencyPool {
  inFlight = 0;
  constructor(
    public capacity: number,
    readonly reason: ThrottleReason,
  ) {}
}

/** The unreserved floor for an account limit: AWS's 100, or the whole limit when it is smaller (see `limits.unreservedConcurrencyMin`). */
export function unreservedFloorFor(accountLimit: number): number {
  return Math.min(limits.unreservedConcurrencyMin, accountLimit);
}

export class ConcurrencyLimiter {
  private readonly unreserved: ConcurrencyPool;
  private readonly reserved = new Map<string, ConcurrencyPool>();
  private reservedTotal = 0;
  private inFlightTotal = 0;

  constructor(readonly accountLimit: number) {
    if (!Number.isInteger(accountLimit) || accountLimit < 1) throw new Error(`concurrency limit must be a positive integer, got ${accountLimit}`);
    this.unreserved = new ConcurrencyPool(accountLimit, 'ConcurrentInvocationLimitExceeded');
  }

  /** Executions in flight now, over all pools. */
  get current(): number {
    return this.inFlightTotal;
  }

  /** Executions in flight in the unreserved pool (Lambda's UnreservedConcurrentExecutions metric). */
  get unreservedInFlight(): number {
    return this.unreserved.inFlight;
  }

  /** What reservations must leave unreserved. */
  get unreservedFloor(): number {
    return unreservedFloorFor(this.accountLimit);
  }

  /** The most all reservations together may hold (the limit minus the floor). */
  get reservableMax(): number {
    return this.accountLimit - this.unreservedFloor;
  }

  /** GetAccountSettings' UnreservedConcurrentExecutions: the limit minus every reservation. */
  get unreservedLimit(): number {
    return this.accountLimit - this.reservedTotal;
  }

  /** A function's reserved concurrency, or undefined when it has none (a map lookup: cheap enough for every poll of an event source). */
  reservedOf(functionName: string): number | undefined {
    return this.reserved.get(functionName)?.capacity;
  }

  /** Records a reservation the store accepted (undefined: removed, or the function was deleted). */
  setReserved(functionName: string, reserved: number | undefined): void {
    const pool = this.reserved.get(functionName);
    this.reservedTotal -= pool?.capacity ?? 0;
    if (reserved === undefined) {
      this.reserved.delete(functionName);
    } else if (pool) {
      pool.capacity = reserved;
    } else {
      this.reserved.set(functionName, new ConcurrencyPool(reserved, 'ReservedFunctionConcurrentInvocationLimitExceeded'));
    }
    this.reservedTotal += reserved ?? 0;
    this.unreserved.capacity = this.accountLimit - this.reservedTotal;
  }

  /** A slot in the function's pool (give it back with `release`), or why none is free. */
  acquire(functionName: string): ConcurrencyPool | ThrottleReason {
    const pool = this.reserved.get(functionName) ?? this.unreserved;
    if (pool.inFlight >= pool.capacity) return pool.reason;
    if (this.inFlightTotal >= this.accountLimit) return 'ConcurrentInvocationLimitExceeded';
    pool.inFlight++;
    this.inFlightTotal++;
    return pool;
  }

  release(pool: ConcurrencyPool): void {
    pool.inFlight--;
    this.inFlightTotal--;
  }
}
