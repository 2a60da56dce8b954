import { invalidParameter, notFound, required } from '../domain/errors';
import type { ReservedConcurrencyStore } from '../store/types';
import type { ConcurrencyLimiter } from '../invoke/concurrency';
import type { FunctionService } from './functions';
import { Checker } from './validate';

/** AWS: ReservedConcurrentExecutions has no upper bound in the model (min 0); the account's limit bounds it. */
const reservedMin = 0;

/**
 * Reserved concurrency (PutFunctionConcurrency, GetFunctionConcurrency,
 * DeleteFunctionConcurrency): the store checks a reservation against the
 * account's reservable share in the transaction that writes it; the limiter
 * (the invoke path's in-memory pools) follows once the store has accepted.
 * Messages as AWS recorded them (LocalStack test_lambda_api.snapshot.json,
 * TestLambdaReservedConcurrency; test_ops_on_nonexisting_fn).
 */
export class ReservedConcurrencyService {
  constructor(
    private readonly store: ReservedConcurrencyStore,
    private readonly functions: FunctionService,
    private readonly limiter: ConcurrencyLimiter,
  ) {}

  /** Loads every stored reservation into the limiter; call once before the API serves invokes. */
  async load(): Promise<void> {
    for (const [name, n] of await this.store.listReservedConcurrency()) this.limiter.setReserved(name, n);
  }

  async put(rawName: string, reserved: number | undefined): Promise<number> {
    const name = this.unqualified(rawName);
    if (reserved === undefined) throw required('reservedConcurrentExecutions');
    const c = new Checker();
    c.int(reserved, 'reservedConcurrentExecutions', reservedMin, Number.MAX_SAFE_INTEGER);
    c.done();
    const r = await this.store.putReservedConcurrency(name, reserved, this.limiter.reservableMax);
    // AWS names the function's $LATEST here (recorded: put_function_concurrency_with_function_name_doesnotexist).
    if (r === 'no-function') throw notFound(`Function not found: ${this.functions.arn(name, '$LATEST')}`);
    if (r === 'over-limit') {
      throw invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.limiter.unreservedFloor}].`,
      );
    }
    this.limiter.setReserved(name, reserved);
    return reserved;
  }

  /** The reservation, or undefined when the function has none (AWS then answers an empty object). */
  async get(rawName: string): Promise<number | undefined> {
    const name = this.unqualified(rawName);
    await this.functions.get(name); // NotFound: "Function not found: <unqualified ARN>" (recorded)
    return this.store.getReservedConcurrency(name);
  }

  /** The stored reservation of a function the caller has already found (GetFunction's Concurrency member). */
  stored(functionName: string): Promise<number | undefined> {
    return this.store.getReservedConcurrency(functionName);
  }

  async delete(rawName: string): Promise<void> {
    const name = this.unqualified(rawName);
    if (!(await this.store.deleteReservedConcurrency(name))) throw notFound(`Function not found: ${this.functions.arn(name)}`);
    this.limiter.setReserved(name, undefined);
  }

  /**
   * A function's reserved concurrency as the invoke path enforces it, or
   * undefined when it has none: an in-memory lookup, no store access, so an
   * event source poller may call it before every batch to stay within it.
   */
  reservedOf(functionName: string): number | undefined {
    return this.limiter.reservedOf(functionName);
  }

  /** GetAccountSettings' concurrency figures: the limit and what reservations leave of it (from the store, the source of truth). */
  async accountConcurrency(): Promise<{ concurrentExecutions: number; unreservedConcurrentExecutions: number }> {
    let reserved = 0;
    for (const n of (await this.store.listReservedConcurrency()).values()) reserved += n;
    return { concurrentExecutions: this.limiter.accountLimit, unreservedConcurrentExecutions: this.limiter.accountLimit - reserved };
  }

  /** These operations take the function itself: a version or alias ARN is refused with AWS's text. */
  private unqualified(rawName: string): string {
    const { name, qualifier } = this.functions.ref(rawName, undefined, 'update');
    if (qualifier !== undefined) {
      throw invalidParameter(
        'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
      );
    }
    return name;
  }
}
