import { parsePolicy, type PolicyDocument } from './policy';

/**
 * What SQS queue policies and SNS topic policies share (issue 18): the
 * check of a document a caller sets as a resource policy, against the IAM
 * policy language (`policy/`) and the service's own quotas, and the cache
 * their `ResourcePolicySource` answers the authorizer from. Pure but for the
 * cache's clock; no store, no HTTP.
 */

/** A service's quotas on one resource policy (each service cites AWS's values where it defines them). */
export interface ResourcePolicyLimits {
  /** The document's size in bytes (UTF-8, as sent). */
  bytesMax: number;
  /** Statements in the document. */
  statementsMax: number;
  /** Principal values (AWS, Service, Federated, CanonicalUser; `*` counts one), in the whole document or in each statement. */
  principalsMax: number;
  principalsPer: 'policy' | 'statement';
  /** Condition keys (operator and key pairs) in the whole document; undefined: no quota. */
  conditionsMax?: number;
}

export type ResourcePolicyCheck = { ok: true; doc: PolicyDocument } | { ok: false; reason: string; syntax: boolean };

/**
 * Checks a resource policy as it is set on a queue or a topic: the IAM
 * policy language's rules for a resource policy (a Principal in every
 * statement, AWS's MalformedPolicyDocument reasons), then the service's
 * quotas. `syntax`: the text is not a JSON object at all (SNS answers those
 * "Policy Error: null").
 */
export function checkResourcePolicy(text: string, limits: ResourcePolicyLimits): ResourcePolicyCheck {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.bytesMax) return { ok: false, reason: `the policy is ${bytes} bytes, more than the ${limits.bytesMax} bytes allowed`, syntax: false };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the policy is not valid JSON', syntax: true };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'the policy is not a JSON object', syntax: true };
  const r = parsePolicy(text, 'resource');
  if (!r.ok) return { ok: false, reason: r.message, syntax: false };
  const statements = r.doc.Statement;
  if (statements.length > limits.statementsMax) {
    return { ok: false, reason: `the policy has ${statements.length} statements, more than the ${limits.statementsMax} allowed`, syntax: false };
  }
  let principals = 0;
  let conditions = 0;
  for (const st of statements) {
    const n = principalCount(st.Principal) + principalCount(st.NotPrincipal);
    if (limits.principalsPer === 'statement' && n > limits.principalsMax) {
      return { ok: false, reason: `a statement names ${n} principals, more than the ${limits.principalsMax} allowed`, syntax: false };
    }
    principals += n;
    for (const keys of Object.values(st.Condition ?? {})) conditions += Object.keys(keys).length;
  }
  if (limits.principalsPer === 'policy' && principals > limits.principalsMax) {
    return { ok: false, reason: `the policy names ${principals} principals, more than the ${limits.principalsMax} allowed`, syntax: false };
  }
  if (limits.conditionsMax !== undefined && conditions > limits.conditionsMax) {
    return { ok: false, reason: `the policy has ${conditions} conditions, more than the ${limits.conditionsMax} allowed`, syntax: false };
  }
  return { ok: true, doc: r.doc };
}

function principalCount(p: PolicyDocument['Statement'][number]['Principal']): number {
  if (p === undefined) return 0;
  if (p === '*') return 1;
  return (p.AWS?.length ?? 0) + (p.Service?.length ?? 0) + (p.Federated?.length ?? 0) + (p.CanonicalUser?.length ?? 0);
}

/** A statement AddPermission writes (SQS and SNS: `Principal.AWS` and `Action` a string when there is one, a list otherwise, as AWS answers). */
export function permissionStatement(sid: string, accounts: readonly string[], actions: readonly string[], resource: string): Record<string, unknown> {
  const principals = accounts.map((a) => `arn:aws:iam::${a}:root`);
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principals.length === 1 ? principals[0] : principals },
    Action: actions.length === 1 ? actions[0] : [...actions],
    Resource: resource,
  };
}

/** The statements of a stored policy's JSON (a single statement object counts as one); [] for text that is not a policy. */
export function statementsOf(policy: Record<string, unknown>): Record<string, unknown>[] {
  const s = policy.Statement;
  const list = Array.isArray(s) ? s : s === undefined ? [] : [s];
  return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x));
}

/**
 * The cache bounds of the bus and stream policy sources: a policy read for
 * an authorisation is used at most 2 s (ms; servers sharing one PostgreSQL
 * see each other's changes within it), at most 4,096 resources kept. Lambda's
 * function policies use the same time (control/function-policies.ts
 * `policyCacheMs`); queues and topics have their own (queues/limits.ts,
 * topics/limits.ts).
 */
export const resourcePolicyCache = { ttlMs: 2_000, entriesMax: 4_096 } as const;

interface CacheEntry {
  text: string | undefined;
  atMs: number;
}

/**
 * The resource policies a service answers the authorizer with, by resource
 * (a queue's or a topic's name), read from the store at most once per
 * `ttlMs` per entry while it is asked for: a change made through this
 * server drops its entry at once (`forget`); one made by another server on
 * the same PostgreSQL is seen within `ttlMs` (AWS documents policy changes
 * as eventually consistent too). At most `entriesMax` entries are kept (the
 * oldest dropped first); concurrent misses share one read, and a read that
 * began before a change is answered but not kept.
 */
export class ResourcePolicyCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<string | undefined>>();
  private generation = 0;

  constructor(
    private readonly read: (key: string) => Promise<string | undefined>,
    private readonly opts: { ttlMs: number; entriesMax: number; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  get(key: string): string | undefined | Promise<string | undefined> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.atMs < this.opts.ttlMs) return hit.text;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const p = this.read(key).then((text) => {
      if (generation === this.generation) {
        this.entries.delete(key);
        if (this.entries.size >= this.opts.entriesMax) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(key, { text, atMs: this.now() });
      }
      return text;
    }).finally(() => {
      if (this.loading.get(key) === p) this.loading.delete(key);
    });
    this.loading.set(key, p);
    return p;
  }

  /** The resource's policy changed (or the resource was deleted or made again) through this server. */
  forget(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  /** Entries held (for tests of the bound). */
  get size(): number {
    return this.entries.size;
  }
}
