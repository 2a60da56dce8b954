/**
 * How long a resource policy read for an authorisation is used before it is
 * read again (ms). A change made through this server drops the entry at once
 * (`forget`); the bound is for servers sharing one PostgreSQL, which see each
 * other's policy changes within this time (AWS documents policy changes as
 * eventually consistent too). Lambda's function policies use the same bound
 * (control/function-policies.ts `policyCacheMs`).
 */
export const resourcePolicyCacheMs = 2_000;
/** Resource policies (by resource ARN) a cache keeps; the oldest entry goes first past it. */
export const resourcePolicyCacheEntriesMax = 4_096;

interface Entry {
  text: string | undefined;
  atMs: number;
}

/**
 * The `ResourcePolicySource` side of a service's resource policies (event
 * buses, Kinesis streams): a bounded cache of `load(arn)` (the policy's text,
 * undefined for none), so an authorisation reads the store at most once per
 * resource every `resourcePolicyCacheMs`, and one read serves every request
 * that finds the entry missing at once. A read that began before a change of
 * this server (`forget`) answers its callers but is not kept.
 */
export class ResourcePolicyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<string | undefined>>();
  private generation = 0;

  constructor(private readonly load: (arn: string) => Promise<string | undefined>, private readonly ttlMs = resourcePolicyCacheMs) {}

  get(arn: string): string | undefined | Promise<string | undefined> {
    const hit = this.entries.get(arn);
    if (hit && Date.now() - hit.atMs < this.ttlMs) return hit.text;
    const pending = this.loading.get(arn);
    if (pending) return pending;
    const generation = this.generation;
    const p = this.load(arn).then((text) => {
      if (generation === this.generation) {
        this.entries.delete(arn);
        if (this.entries.size >= resourcePolicyCacheEntriesMax) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(arn, { text, atMs: Date.now() });
      }
      return text;
    }).finally(() => {
      if (this.loading.get(arn) === p) this.loading.delete(arn);
    });
    this.loading.set(arn, p);
    return p;
  }

  /** The policy of `arn` changed (or its resource is gone): the next authorisation reads it again. */
  forget(arn: string): void {
    this.generation++;
    this.entries.delete(arn);
    this.loading.delete(arn);
  }
}
