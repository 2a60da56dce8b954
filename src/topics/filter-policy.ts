import {
  filterNumberAbsMax, filterPolicyBytesMax, filterPolicyCombinationsMax, filterPolicyDepthMax, filterPolicyKeysMax,
} from './limits';

/**
 * SNS subscription filter policies, pure: `parseFilterPolicy` checks a
 * policy the way SNS does at SetSubscriptionAttributes/Subscribe (AWS's
 * InvalidParameter texts, "Invalid parameter: FilterPolicy: …") and
 * `matches` decides whether a message passes
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html).
 *
 * A policy is an object of keys; a message passes when every key matches
 * (AND) and a key matches when any of its listed conditions does (OR).
 * `$or` at any level holds alternative sub-policies. Conditions: an exact
 * string, number, `true`/`false` or `null`; `{prefix}`, `{suffix}`,
 * `{"equals-ignore-case"}`, `{"anything-but": value | [values] | {prefix} | {suffix}}`,
 * `{numeric: [op, n(, op, n)]}`, `{exists: bool}`.
 *
 * Scope `MessageAttributes`: keys are attribute names; String attributes
 * match as text, Number attributes as numbers, `String.Array` attributes
 * (JSON arrays) when any element matches; Binary attributes never match.
 * Scope `MessageBody`: the message is JSON and keys nest as its objects do;
 * a leaf array matches when any element does. A message body that is not a
 * JSON object matches no policy (AWS drops it).
 */

export type FilterScope = 'MessageAttributes' | 'MessageBody';

type Condition =
  | { t: 'exact'; v: string | number | boolean | null }
  | { t: 'prefix'; v: string }
  | { t: 'suffix'; v: string }
  | { t: 'ignoreCase'; v: string }
  | { t: 'anythingBut'; values: (string | number)[] }
  | { t: 'anythingButPrefix'; v: string }
  | { t: 'anythingButSuffix'; v: string }
  | { t: 'numeric'; ranges: { op: string; n: number }[] }
  | { t: 'exists'; v: boolean };

/** A node: per key either a nested node (body scope) or conditions; `$or` alternatives. */
interface PolicyNode {
  keys: Map<string, PolicyNode | Condition[]>;
  or: PolicyNode[];
}

export interface FilterPolicy {
  scope: FilterScope;
  root: PolicyNode;
}

export class FilterPolicyError extends Error {
  constructor(reason: string) {
    super(`Invalid parameter: FilterPolicy: ${reason}`);
  }
}

const numericOps = new Set(['=', '<', '<=', '>', '>=']);

/** Parses and checks a policy; throws FilterPolicyError with AWS's reason. */
export function parseFilterPolicy(text: string, scope: FilterScope): FilterPolicy {
  if (Buffer.byteLength(text, 'utf8') > filterPolicyBytesMax) throw new FilterPolicyError('Filter policy is too long');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FilterPolicyError(`failed to parse JSON. ${(e as Error).message}`);
  }
  if (!isObject(json)) throw new FilterPolicyError('Filter policy must be a JSON object');
  const root = parseNode(json, scope, 1);
  if (scope === 'MessageAttributes') {
    for (const v of root.keys.values()) if (!Array.isArray(v)) throw new FilterPolicyError('Filter policy for MessageAttributes scope cannot have nested keys');
  }
  const keys = countKeys(root);
  if (keys > filterPolicyKeysMax) throw new FilterPolicyError(`Filter policy can not have more than ${filterPolicyKeysMax} keys`);
  if (combinations(root) > filterPolicyCombinationsMax) throw new FilterPolicyError('Filter policy is too complex');
  return { scope, root };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseNode(o: Record<string, unknown>, scope: FilterScope, depth: number): PolicyNode {
  if (depth > filterPolicyDepthMax) throw new FilterPolicyError(`Filter policy can not have more than ${filterPolicyDepthMax} levels of nesting`);
  const node: PolicyNode = { keys: new Map(), or: [] };
  if (Object.keys(o).length === 0) throw new FilterPolicyError('Filter policy can not be empty');
  for (const [k, v] of Object.entries(o)) {
    if (k === '$or') {
      if (!Array.isArray(v) || v.length < 2 || !v.every(isObject)) throw new FilterPolicyError('$or must be an array of at least two objects');
      node.or = (v as Record<string, unknown>[]).map((x) => parseNode(x, scope, depth));
    } else if (Array.isArray(v)) {
      if (v.length === 0) throw new FilterPolicyError('Empty arrays are not allowed');
      node.keys.set(k, v.map(parseCondition));
    } else if (isObject(v)) {
      if (scope === 'MessageAttributes') throw new FilterPolicyError(`Filter policy for MessageAttributes scope cannot have nested keys`);
      node.keys.set(k, parseNode(v, scope, depth + 1));
    } else {
      throw new FilterPolicyError(`"${k}" must be an object or an array`);
    }
  }
  return node;
}

function parseCondition(c: unknown): Condition {
  if (c === null || typeof c === 'string' || typeof c === 'boolean') return { t: 'exact', v: c };
  if (typeof c === 'number') return { t: 'exact', v: checkNumber(c) };
  if (!isObject(c)) throw new FilterPolicyError('Match value must be String, number, true, false, or null');
  const entries = Object.entries(c);
  if (entries.length !== 1) throw new FilterPolicyError('Only one key allowed in match expression');
  const [op, v] = entries[0]!;
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof v !== 'string') throw new FilterPolicyError(`${op} match pattern must be a string`);
      return op === 'prefix' ? { t: 'prefix', v } : op === 'suffix' ? { t: 'suffix', v } : { t: 'ignoreCase', v };
    case 'exists':
      if (typeof v !== 'boolean') throw new FilterPolicyError('exists match pattern must be either true or false.');
      return { t: 'exists', v };
    case 'anything-but': {
      if (typeof v === 'string' || typeof v === 'number') return { t: 'anythingBut', values: [typeof v === 'number' ? checkNumber(v) : v] };
      if (Array.isArray(v)) {
        if (v.length === 0) throw new FilterPolicyError('Empty arrays are not allowed');
        if (!v.every((x) => typeof x === 'string' || typeof x === 'number')) {
          throw new FilterPolicyError('Inside anything but list, start|null|boolean is not supported.');
        }
        return { t: 'anythingBut', values: v.map((x) => (typeof x === 'number' ? checkNumber(x) : x)) as (string | number)[] };
      }
      if (isObject(v) && Object.keys(v).length === 1) {
        if (typeof v.prefix === 'string') return { t: 'anythingButPrefix', v: v.prefix };
        if (typeof v.suffix === 'string') return { t: 'anythingButSuffix', v: v.suffix };
      }
      throw new FilterPolicyError('Value of anything-but must be an array or single string/number value.');
    }
    case 'numeric': {
      if (!Array.isArray(v) || (v.length !== 2 && v.length !== 4)) throw new FilterPolicyError('Value of numeric must be an array.');
      const ranges: { op: string; n: number }[] = [];
      for (let i = 0; i < v.length; i += 2) {
        const o = v[i];
        const n = v[i + 1];
        if (typeof o !== 'string' || !numericOps.has(o)) throw new FilterPolicyError(`Unrecognized numeric range operator: ${String(o)}`);
        if (typeof n !== 'number') throw new FilterPolicyError(`Value of ${o} must be numeric`);
        ranges.push({ op: o, n: checkNumber(n) });
      }
      if (ranges.length === 2) {
        const [lo, hi] = ranges as [{ op: string; n: number }, { op: string; n: number }];
        if (!lo.op.startsWith('>') || !hi.op.startsWith('<')) throw new FilterPolicyError('Too many elements in numeric expression');
        if (lo.n >= hi.n) throw new FilterPolicyError('Bottom must be less than top');
      } else if (ranges[0]!.op === '=' && v.length !== 2) {
        throw new FilterPolicyError('Too many elements in numeric expression');
      }
      return { t: 'numeric', ranges };
    }
    default:
      throw new FilterPolicyError(`Unrecognized match type ${op}`);
  }
}

function checkNumber(n: number): number {
  if (!Number.isFinite(n) || Math.abs(n) > filterNumberAbsMax) throw new FilterPolicyError(`Value ${n} is not in the range -1.0E9 to 1.0E9`);
  return n;
}

/** Keys of the widest alternative: AWS counts leaf keys per `$or` branch. */
function countKeys(n: PolicyNode): number {
  let own = 0;
  for (const v of n.keys.values()) own += Array.isArray(v) ? 1 : countKeys(v);
  const orMax = n.or.length ? Math.max(...n.or.map(countKeys)) : 0;
  return own + orMax;
}

/** The number of value combinations: the product of each key's list length, summed over `$or` branches. */
function combinations(n: PolicyNode): number {
  let own = 1;
  for (const v of n.keys.values()) own *= Array.isArray(v) ? v.length : combinations(v);
  if (n.or.length === 0) return own;
  return own * n.or.reduce((s, b) => s + combinations(b), 0);
}

/** A message attribute as filtering sees it. */
export interface FilterAttribute {
  DataType: string;
  StringValue?: string;
}

/** Whether a message passes the policy (attributes for that scope; the message text for the body scope). */
export function matches(p: FilterPolicy, message: { attributes: Record<string, FilterAttribute>; body: string }): boolean {
  if (p.scope === 'MessageAttributes') {
    const values = new Map<string, Leaf[] | undefined>();
    for (const [k, a] of Object.entries(message.attributes)) values.set(k, attributeValues(a));
    return matchNode(p.root, (k) => values.get(k), () => undefined);
  }
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    return false;
  }
  if (!isObject(body)) return false;
  return matchBody(p.root, body);
}

type Leaf = string | number | boolean | null;

/** The values an attribute offers to conditions; undefined (present but unmatchable) for Binary. */
function attributeValues(a: FilterAttribute): Leaf[] | undefined {
  const type = a.DataType.split('.')[0];
  if (a.StringValue === undefined) return undefined;
  if (type === 'Number') {
    const n = Number(a.StringValue);
    return Number.isFinite(n) ? [n] : [];
  }
  if (a.DataType === 'String.Array') {
    try {
      const arr = JSON.parse(a.StringValue) as unknown;
      if (Array.isArray(arr)) return arr.filter((x): x is Leaf => x === null || ['string', 'number', 'boolean'].includes(typeof x));
    } catch {
      return [];
    }
    return [];
  }
  if (type === 'String') return [a.StringValue];
  return undefined;
}

function matchBody(n: PolicyNode, body: Record<string, unknown>): boolean {
  return matchNode(
    n,
    (k) => {
      if (!(k in body)) return undefined;
      const v = body[k];
      const arr = Array.isArray(v) ? v : [v];
      return arr.filter((x): x is Leaf => x === null || ['string', 'number', 'boolean'].includes(typeof x));
    },
    (k) => (isObject(body[k]) ? (body[k] as Record<string, unknown>) : undefined),
  );
}

function matchNode(
  n: PolicyNode,
  leaf: (k: string) => Leaf[] | undefined,
  child: (k: string) => Record<string, unknown> | undefined,
): boolean {
  for (const [k, v] of n.keys) {
    if (Array.isArray(v)) {
      if (!v.some((c) => matchCondition(c, leaf(k)))) return false;
    } else {
      const sub = child(k);
      if (!sub || !matchBody(v, sub)) return false;
    }
  }
  if (n.or.length && !n.or.some((b) => matchNode(b, leaf, child))) return false;
  return true;
}

/** `values` undefined: the key is absent. */
function matchCondition(c: Condition, values: Leaf[] | undefined): boolean {
  if (c.t === 'exists') return c.v ? values !== undefined : values === undefined;
  if (values === undefined) return false;
  switch (c.t) {
    case 'exact':
      return values.some((v) => v === c.v);
    case 'prefix':
      return values.some((v) => typeof v === 'string' && v.startsWith(c.v));
    case 'suffix':
      return values.some((v) => typeof v === 'string' && v.endsWith(c.v));
    case 'ignoreCase':
      return values.some((v) => typeof v === 'string' && v.toLowerCase() === c.v.toLowerCase());
    case 'anythingBut':
      return values.length > 0 && values.every((v) => !c.values.includes(v as string | number));
    case 'anythingButPrefix':
      return values.some((v) => typeof v === 'string' && !v.startsWith(c.v));
    case 'anythingButSuffix':
      return values.some((v) => typeof v === 'string' && !v.endsWith(c.v));
    case 'numeric':
      return values.some((v) => typeof v === 'number' && c.ranges.every((r) => compare(v, r.op, r.n)));
  }
}

function compare(v: number, op: string, n: number): boolean {
  switch (op) {
    case '=': return v === n;
    case '<': return v < n;
    case '<=': return v <= n;
    case '>': return v > n;
    default: return v >= n;
  }
}
