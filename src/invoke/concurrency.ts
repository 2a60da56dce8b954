/**
 * Grants concurrency leases: one per invocation in flight, returned in the
 * invoke path's `finally`. Today it enforces the account's limit
 * (`limits.accountConcurrencyMax`, AWS's default 1,000 concurrent
 * executions); reserved concurrency per function and the unreserved floor
 * (issue 13) are further checks in `acquire`, with the reason AWS names.
 */
export type ThrottleReason = 'ConcurrentInvocationLimitExceeded';

export interface Lease {
  /** Gives the slot back; a second call does nothing. */
  release(): void;
}

export class ConcurrencyLimiter {
  private inFlight = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency limit must be a positive integer, got ${limit}`);
  }

  /** Executions in flight now (GetAccountSettings' usage, later metrics). */
  get current(): number {
    return this.inFlight;
  }

  /** A lease, or why none can be granted. */
  acquire(): Lease | ThrottleReason {
    if (this.inFlight >= this.limit) return 'ConcurrentInvocationLimitExceeded';
    this.inFlight++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
      },
    };
  }
}
