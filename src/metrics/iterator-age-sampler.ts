import type { PollerMetrics } from './lambda-metrics';

/**
 * IteratorAge for stream mappings: the pollers keep each mapping's current
 * age (EventSourcePollers.iteratorAges()); this samples it on the metrics
 * timer, off the poll path, so a minute's points give its average and
 * maximum age. The mapping's function is read from the store once per mapping.
 */
export class IteratorAgeSampler {
  private readonly fnOf = new Map<string, { functionName: string; qualifier?: string }>();

  constructor(
    private readonly ages: () => { uuid: string; iteratorAgeMs?: number }[],
    private readonly mapping: (uuid: string) => Promise<{ functionName: string; qualifier?: string } | undefined>,
    private readonly metrics: PollerMetrics,
  ) {}

  async sample(): Promise<void> {
    for (const a of this.ages()) {
      if (a.iteratorAgeMs === undefined) continue;
      let f = this.fnOf.get(a.uuid);
      if (!f) {
        const m = await this.mapping(a.uuid);
        if (!m) continue;
        this.fnOf.set(a.uuid, (f = { functionName: m.functionName, ...(m.qualifier ? { qualifier: m.qualifier } : {}) }));
      }
      this.metrics.iteratorAge(f.functionName, f.qualifier, a.uuid, a.iteratorAgeMs);
    }
  }
}
