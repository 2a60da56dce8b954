import type { Dimension } from './dimensions';
import type { MetricsRegistry, Series } from './registry';

/** The namespace Lambda publishes its metrics in. */
export const lambdaNamespace = 'AWS/Lambda';
/**
 * Kumo's own namespace for what AWS bills but does not publish as a metric
 * (issue 17 item 3): per function and architecture, `Requests` (billed
 * requests), `BilledMegabyteMilliseconds` (billed duration, ms × memory, MB)
 * and `EphemeralStorageMegabyteMilliseconds` (billed duration × ephemeral
 * storage above the free 512 MB). Integers, so recording them stays free of
 * allocation (a double argument is boxed); GB-seconds = value / 1024 / 1000.
 * `kumo cost` reads them with GetMetricData.
 */
export const costNamespace = 'Kumo/Lambda';
export const costMetrics = { requests: 'Requests', mbMs: 'BilledMegabyteMilliseconds', ephemeralMbMs: 'EphemeralStorageMegabyteMilliseconds' } as const;
/** MB-milliseconds in a GB-second. */
export const mbMsPerGbSecond = 1024 * 1000;
/** Ephemeral storage AWS includes at no charge, MB (Lambda pricing: "512 MB … at no additional cost"). */
export const ephemeralFreeMb = 512;

/** What billing needs of a function's configuration (FunctionConfig has it). */
export interface BillingConfig {
  memoryMb: number;
  ephemeralStorageMb: number;
  architectures: readonly string[];
}

/**
 * Billed duration, ms: the run plus, on a cold start, the INIT phase, rounded
 * up to the next millisecond (at least 1). AWS bills duration in 1 ms steps
 * and, since 1 August 2025, bills the INIT phase of on-demand functions with
 * managed runtimes too ("AWS Lambda standardizes billing for INIT Phase",
 * AWS Compute Blog, April 2025).
 */
export function billedDurationMs(durationMs: number, initDurationMs: number | undefined): number {
  return Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0)));
}

/** Series of the cost metrics for one function and architecture. */
interface CostHandles {
  requests: Series | undefined;
  mbMs: Series | undefined;
  ephemeralMbMs: Series | undefined;
}

/** One metric's series, one per dimension set it is published under. */
type Fanout = (Series | undefined)[];

/** Prometheus histogram bounds for Duration, ms (le); +Inf is the count. */
export const durationBucketsMs = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000];

/** Cumulative counts since start per function and qualifier, for Prometheus (counters never reset). */
export interface Totals {
  functionName: string;
  /** '' for an unqualified call. */
  qualifier: string;
  invocations: number;
  errors: number;
  throttles: number;
  durationSumMs: number;
  /** Observations ≤ durationBucketsMs[i] (not cumulative across buckets; the exposition sums them). */
  durationBuckets: Float64Array;
  /** Billed requests and GB-seconds (invocations recorded with their configuration). */
  billedRequests: number;
  /** Billed MB-milliseconds (GB-seconds × 1,024,000). */
  billedMbMs: number;
}

interface Handles {
  totals: Totals;
  invocations: Fanout;
  errors: Fanout;
  throttles: Fanout;
  duration: Fanout;
  initDuration: Fanout;
  deadLetterErrors: Fanout;
  destinationDeliveryFailures: Fanout;
  asyncEventsReceived: Fanout;
  asyncEventAge: Fanout;
  asyncEventsDropped: Fanout;
  iteratorAge: Fanout;
  /** Cost series, made on the first billed invocation of each architecture. */
  costX86?: CostHandles;
  costArm?: CostHandles;
}

/** AWS's provisioned concurrency metrics of one alias or version, under FunctionName and FunctionName + Resource. */
interface ProvisionedHandles {
  executions: Fanout;
  invocations: Fanout;
  spillover: Fanout;
  /** Only per Resource (AWS: "for a version or alias"). */
  utilization: Series | undefined;
}

type MetricKey = Exclude<keyof Handles, 'totals' | 'costX86' | 'costArm'>;

const metricUnits: Record<MetricKey, [name: string, unit: string]> = {
  invocations: ['Invocations', 'Count'],
  errors: ['Errors', 'Count'],
  throttles: ['Throttles', 'Count'],
  duration: ['Duration', 'Milliseconds'],
  initDuration: ['InitDuration', 'Milliseconds'],
  deadLetterErrors: ['DeadLetterErrors', 'Count'],
  destinationDeliveryFailures: ['DestinationDeliveryFailures', 'Count'],
  asyncEventsReceived: ['AsyncEventsReceived', 'Count'],
  asyncEventAge: ['AsyncEventAge', 'Milliseconds'],
  asyncEventsDropped: ['AsyncEventsDropped', 'Count'],
  iteratorAge: ['IteratorAge', 'Milliseconds'],
};

/** What the invoke path and the async and event-source paths call (src/invoke, src/async, src/event-sources). */
export interface InvokeMetrics {
  /** An invocation ran: its duration (ms), whether it failed, its init duration on a cold start. */
  /** `billing`: the version's configuration, to count the invocation's cost (absent: not billed, e.g. in unit tests). */
  invoked(
    functionName: string, qualifier: string | undefined, executedVersion: string, durationMs: number, failed: boolean, initDurationMs: number | undefined,
    billing?: BillingConfig,
  ): void;
  throttled(functionName: string, qualifier: string | undefined): void;
  /** An invocation ran on provisioned concurrency of `resource` (`function:qualifier`): its EEs busy now (this one included) and allocated. */
  provisionedInvocation(functionName: string, resource: string, busy: number, allocated: number): void;
  /** An invocation ran on an on-demand EE because all of `resource`'s provisioned concurrency was in use. */
  spilloverInvocation(functionName: string, resource: string): void;
  /** After a slot was taken: executions in flight in the account, and in its unreserved pool. */
  concurrency(inFlight: number, unreservedInFlight: number): void;
}

/** What the async queue calls (src/async/queue.ts). */
export interface AsyncMetrics {
  asyncReceived(functionName: string, qualifier: string | undefined): void;
  asyncAge(functionName: string, qualifier: string | undefined, ageMs: number): void;
  asyncDropped(functionName: string, qualifier: string | undefined): void;
  deadLetterError(functionName: string, qualifier: string | undefined): void;
  destinationDeliveryFailure(functionName: string, qualifier: string | undefined): void;
}

/** What the event source pollers report (src/event-sources/). */
export interface PollerMetrics {
  iteratorAge(functionName: string, qualifier: string | undefined, mappingUuid: string, ageMs: number): void;
}

/**
 * Lambda's metrics over the registry, published as AWS does under the
 * dimension sets: none (the account), FunctionName, and for a qualified
 * call FunctionName + Resource (`function:qualifier`) and FunctionName +
 * Resource + ExecutedVersion. Series handles are cached per function,
 * qualifier and version (three map lookups with strings the caller already
 * has: nothing allocated per call after the first).
 */
export class LambdaMetrics implements InvokeMetrics, AsyncMetrics, PollerMetrics {
  private readonly cache = new Map<string, Map<string, Map<string, Handles>>>();
  private readonly account: { concurrent?: Series; unreserved?: Series };
  private readonly byMapping = new Map<string, Series | undefined>();
  /** Provisioned concurrency series per `function:qualifier`. */
  private readonly byResource = new Map<string, ProvisionedHandles>();

  constructor(private readonly reg: MetricsRegistry) {
    this.account = {
      concurrent: reg.get(lambdaNamespace, 'ConcurrentExecutions', [], 'Count'),
      unreserved: reg.get(lambdaNamespace, 'UnreservedConcurrentExecutions', [], 'Count'),
    };
  }

  private handles(fn: string, qualifier: string | undefined, version: string): Handles {
    const q = qualifier ?? '';
    let byQ = this.cache.get(fn);
    if (!byQ) this.cache.set(fn, (byQ = new Map()));
    let byV = byQ.get(q);
    if (!byV) byQ.set(q, (byV = new Map()));
    let h = byV.get(version);
    if (!h) byV.set(version, (h = this.build(fn, q, version, byV)));
    return h;
  }

  /** Every function and qualifier's cumulative counts (the Prometheus exposition reads them at scrape time). */
  *totals(): Generator<Totals> {
    for (const byQ of this.cache.values()) {
      for (const byV of byQ.values()) {
        const first = byV.values().next();
        if (!first.done) yield first.value.totals;
      }
    }
  }

  private build(fn: string, q: string, version: string, siblings: Map<string, Handles>): Handles {
    // One Totals per function and qualifier, shared by its versions' handles.
    const shared = siblings.values().next();
    const totals: Totals = shared.done
      ? {
          functionName: fn, qualifier: q, invocations: 0, errors: 0, throttles: 0, durationSumMs: 0, durationBuckets: new Float64Array(durationBucketsMs.length),
          billedRequests: 0, billedMbMs: 0,
        }
      : shared.value.totals;
    const sets: Dimension[][] = [[], [['FunctionName', fn]]];
    if (q) {
      sets.push([['FunctionName', fn], ['Resource', `${fn}:${q}`]]);
      if (version) sets.push([['FunctionName', fn], ['Resource', `${fn}:${q}`], ['ExecutedVersion', version]]);
    }
    const h = { totals } as Handles;
    for (const [k, [name, unit]] of Object.entries(metricUnits) as [MetricKey, [string, string]][]) {
      h[k] = sets.map((d) => this.reg.get(lambdaNamespace, name, d, unit));
    }
    return h;
  }

  private rec(f: Fanout, v: number): void {
    for (let i = 0; i < f.length; i++) this.reg.record(f[i], v);
  }

  private costHandles(fn: string, arch: string): CostHandles {
    const d: Dimension[] = [['FunctionName', fn], ['Architecture', arch]];
    return {
      requests: this.reg.get(costNamespace, costMetrics.requests, d, 'Count'),
      mbMs: this.reg.get(costNamespace, costMetrics.mbMs, d, 'None'),
      ephemeralMbMs: this.reg.get(costNamespace, costMetrics.ephemeralMbMs, d, 'None'),
    };
  }

  invoked(
    fn: string, qualifier: string | undefined, version: string, durationMs: number, failed: boolean, initDurationMs: number | undefined,
    billing?: BillingConfig,
  ): void {
    const h = this.handles(fn, qualifier, version);
    if (billing) {
      const arm = billing.architectures[0] === 'arm64';
      const c = arm ? (h.costArm ??= this.costHandles(fn, 'arm64')) : (h.costX86 ??= this.costHandles(fn, 'x86_64'));
      const billedMs = billedDurationMs(durationMs, initDurationMs);
      const mbMs = billedMs * billing.memoryMb;
      h.totals.billedRequests++;
      h.totals.billedMbMs += mbMs;
      this.reg.record(c.requests, 1);
      this.reg.record(c.mbMs, mbMs);
      if (billing.ephemeralStorageMb > ephemeralFreeMb) this.reg.record(c.ephemeralMbMs, billedMs * (billing.ephemeralStorageMb - ephemeralFreeMb));
    }
    const t = h.totals;
    t.invocations++;
    if (failed) t.errors++;
    t.durationSumMs += durationMs;
    for (let i = 0; i < durationBucketsMs.length; i++) {
      if (durationMs <= durationBucketsMs[i]!) {
        t.durationBuckets[i]!++;
        break;
      }
    }
    this.rec(h.invocations, 1);
    this.rec(h.errors, failed ? 1 : 0);
    this.rec(h.duration, durationMs);
    if (initDurationMs !== undefined) this.rec(h.initDuration, initDurationMs);
  }

  throttled(fn: string, qualifier: string | undefined): void {
    const h = this.handles(fn, qualifier, '');
    h.totals.throttles++;
    this.rec(h.throttles, 1);
  }

  private provisionedHandles(fn: string, resource: string): ProvisionedHandles {
    let h = this.byResource.get(resource);
    if (!h) {
      const sets: Dimension[][] = [[['FunctionName', fn]], [['FunctionName', fn], ['Resource', resource]]];
      const fan = (name: string) => sets.map((d) => this.reg.get(lambdaNamespace, name, d, 'Count'));
      h = {
        executions: fan('ProvisionedConcurrentExecutions'),
        invocations: fan('ProvisionedConcurrencyInvocations'),
        spillover: fan('ProvisionedConcurrencySpilloverInvocations'),
        utilization: this.reg.get(lambdaNamespace, 'ProvisionedConcurrencyUtilization', sets[1]!, 'None'),
      };
      this.byResource.set(resource, h);
    }
    return h;
  }

  /**
   * ProvisionedConcurrencyInvocations (1 per invocation), and samples of
   * ProvisionedConcurrentExecutions (busy EEs) and
   * ProvisionedConcurrencyUtilization (busy / allocated) taken as each
   * invocation starts: their Maximum per period is AWS's reading.
   */
  provisionedInvocation(fn: string, resource: string, busy: number, allocated: number): void {
    const h = this.provisionedHandles(fn, resource);
    this.rec(h.invocations, 1);
    this.rec(h.executions, busy);
    this.reg.record(h.utilization, allocated > 0 ? Math.min(1, busy / allocated) : 1);
  }

  spilloverInvocation(fn: string, resource: string): void {
    this.rec(this.provisionedHandles(fn, resource).spillover, 1);
  }

  concurrency(inFlight: number, unreservedInFlight: number): void {
    this.reg.record(this.account.concurrent, inFlight);
    this.reg.record(this.account.unreserved, unreservedInFlight);
  }

  /** An async event was accepted into the queue (AsyncEventsReceived). */
  asyncReceived(fn: string, qualifier: string | undefined): void {
    this.rec(this.handles(fn, qualifier, '').asyncEventsReceived, 1);
  }

  /** An async event was taken from the queue: its age (ms) since it was accepted (AsyncEventAge). */
  asyncAge(fn: string, qualifier: string | undefined, ageMs: number): void {
    this.rec(this.handles(fn, qualifier, '').asyncEventAge, ageMs);
  }

  /** An async event was dropped: retries or age exhausted with no destination taking it (AsyncEventsDropped). */
  asyncDropped(fn: string, qualifier: string | undefined): void {
    this.rec(this.handles(fn, qualifier, '').asyncEventsDropped, 1);
  }

  deadLetterError(fn: string, qualifier: string | undefined): void {
    this.rec(this.handles(fn, qualifier, '').deadLetterErrors, 1);
  }

  destinationDeliveryFailure(fn: string, qualifier: string | undefined): void {
    this.rec(this.handles(fn, qualifier, '').destinationDeliveryFailures, 1);
  }

  /**
   * A stream mapping's IteratorAge (ms, the age of the last record read),
   * under the function's dimension sets and per mapping (FunctionName +
   * EventSourceMappingUUID, the dimension AWS's event source mapping metrics use).
   */
  iteratorAge(fn: string, qualifier: string | undefined, mappingUuid: string, ageMs: number): void {
    this.rec(this.handles(fn, qualifier, '').iteratorAge, ageMs);
    let s = this.byMapping.get(mappingUuid);
    if (!s) this.byMapping.set(mappingUuid, (s = this.reg.get(lambdaNamespace, 'IteratorAge', [['FunctionName', fn], ['EventSourceMappingUUID', mappingUuid]], 'Milliseconds')));
    this.reg.record(s, ageMs);
  }
}
