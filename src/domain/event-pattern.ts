import net from 'node:net';

/**
 * EventBridge's event pattern language, pure: EventBridge rules and Lambda's
 * FilterCriteria (event source mappings) use it.
 *
 * AWS matches on flattened paths (AWS: "Event patterns", "Arrays in event
 * patterns"): an event is a set of `a.b.c` paths, each with the leaf values
 * found there — an array contributes each of its elements at the same path
 * (objects inside arrays are descended), an empty array or object
 * contributes nothing. A pattern is flattened the same way (so
 * `{"a": {"b": [..]}}` and `{"a.b": [..]}` are one pattern), and matches when
 * every path's matcher list has one matcher that some value at that path
 * satisfies (AND across paths, OR within a list). Matchers ("Content
 * filtering in Amazon EventBridge event patterns"):
 *   - a string, number, boolean or null: equality (numbers numerically);
 *   - `{"prefix": s}` / `{"suffix": s}` (or `{"equals-ignore-case": s}` inside), `{"equals-ignore-case": s}`;
 *   - `{"wildcard": "a*b"}` (`*` any run of characters, `\*` a literal star);
 *   - `{"anything-but": v | [v…] | {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": s | [s…]}}`:
 *     a value present at the path that is not one of those (a number or null is
 *     never a string prefix, so it passes anything-but prefix);
 *   - `{"numeric": [op, n, (op, n)]}` with `=`, `<`, `<=`, `>`, `>=` (a range: one lower, one upper);
 *   - `{"exists": true|false}` (true: a leaf value is at the path; false: none is);
 *   - `{"cidr": "10.0.0.0/24"}` (IPv4 and IPv6);
 *   - `"$or": [pattern, …]` at any level: one of them must match as well.
 * `parsePattern` checks a pattern and throws PatternError with AWS's reason
 * (the text after "Event pattern is not valid. Reason: ", as recorded from
 * AWS); `matches` never throws on any event.
 */

type Matcher =
  | { t: 'eq'; v: string | number | boolean | null }
  | { t: 'prefix' | 'suffix' | 'eqic'; v: string; ic: boolean }
  | { t: 'wildcard'; re: RegExp }
  | { t: 'numeric'; ops: [string, number][] }
  | { t: 'exists'; v: boolean }
  | { t: 'cidr'; net: net.BlockList }
  | { t: 'but'; test: (v: unknown) => boolean };

/** A compiled pattern: conditions on paths, and `$or` groups (each a list of alternative patterns). */
export interface Pattern {
  readonly fields: readonly { path: string; matchers: readonly Matcher[] }[];
  readonly ors: readonly (readonly Pattern[])[];
}

/** AWS: a pattern is at most 4,096 characters (the EventPattern and Lambda `Filter.Pattern` model constraint). */
export const patternCharsMax = 4096;
/**
 * Wildcard characters one wildcard matcher may hold before AWS calls it "too
 * complex" (AWS refuses `*:*:*:*:*:event-bus/*`, six; it publishes no figure).
 */
export const wildcardStarsMax = 5;

export class PatternError extends Error {}

/** Parses and checks a pattern's JSON text; throws PatternError with AWS's reason. */
export function parsePattern(text: string): Pattern {
  if (text.length > patternCharsMax) throw new PatternError(`Pattern is longer than ${patternCharsMax} characters`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PatternError(`Filter is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PatternError('Filter is not an object');
  return compile(v as Record<string, unknown>, '');
}

function compile(obj: Record<string, unknown>, prefix: string): Pattern {
  const fields: { path: string; matchers: Matcher[] }[] = [];
  const ors: Pattern[][] = [];
  const walk = (o: Record<string, unknown>, at: string) => {
    for (const [k, val] of Object.entries(o)) {
      if (k === '$or') {
        if (!Array.isArray(val) || val.length < 2) throw new PatternError('Value of $or must be an array of at least two objects');
        ors.push(val.map((p) => {
          if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new PatternError('Value of $or must be an array of at least two objects');
          return compile(p as Record<string, unknown>, at);
        }));
        continue;
      }
      const path = at ? `${at}.${k}` : k;
      if (Array.isArray(val)) {
        if (val.length === 0) throw new PatternError('Empty arrays are not allowed');
        fields.push({ path, matchers: val.map(matcher) });
      } else if (typeof val === 'object' && val !== null) {
        walk(val as Record<string, unknown>, path);
      } else {
        throw new PatternError(`"${k}" must be an object or an array`);
      }
    }
  };
  walk(obj, prefix);
  return { fields, ors };
}

const numericOps = new Set(['=', '<', '<=', '>', '>=']);

function matcher(m: unknown): Matcher {
  if (m === null || typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean') return { t: 'eq', v: m };
  if (Array.isArray(m)) throw new PatternError('Match value must be String, number, true, false, or null');
  const keys = Object.keys(m as object);
  if (keys.length !== 1) throw new PatternError('A match object has exactly one match type');
  const op = keys[0]!;
  const arg = (m as Record<string, unknown>)[op];
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof arg === 'string') return { t: op, v: arg, ic: false };
      const ic = ignoreCaseOf(arg);
      if (ic !== undefined) return { t: op, v: ic, ic: true };
      throw new PatternError(`${op} match pattern must be a string`);
    }
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new PatternError('equals-ignore-case match pattern must be a string');
      return { t: 'eqic', v: arg, ic: true };
    case 'wildcard':
      if (typeof arg !== 'string') throw new PatternError('wildcard match pattern must be a string');
      return { t: 'wildcard', re: wildcardRe(arg) };
    case 'cidr':
      // AWS's own recorded reason for a cidr that is not a string names "prefix" (its parser reuses the prefix check).
      if (typeof arg !== 'string') throw new PatternError('prefix match pattern must be a string');
      return { t: 'cidr', net: parseCidr(arg) };
    case 'exists':
      if (typeof arg !== 'boolean') throw new PatternError('exists match pattern must be either true or false.');
      return { t: 'exists', v: arg };
    case 'numeric':
      return { t: 'numeric', ops: numericRange(arg) };
    case 'anything-but':
      return { t: 'but', test: anythingBut(arg) };
    default:
      throw new PatternError(`Unrecognized match type ${op}`);
  }
}

function ignoreCaseOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg) || Object.keys(arg).length !== 1) return undefined;
  const v = (arg as Record<string, unknown>)['equals-ignore-case'];
  return typeof v === 'string' ? v : undefined;
}

function numericRange(arg: unknown): [string, number][] {
  if (!Array.isArray(arg)) throw new PatternError('Value of numeric must be an array.');
  const ops: [string, number][] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    if (typeof op !== 'string' || !numericOps.has(op)) throw new PatternError(`Unrecognized numeric range operator: ${JSON.stringify(op)}`);
    const n = arg[i + 1];
    if (typeof n !== 'number') throw new PatternError(`Value of ${op} must be numeric`);
    ops.push([op, n]);
  }
  if (ops.length === 0 || ops.length > 2) throw new PatternError('Value of numeric must be an array of one or two comparisons.');
  if (ops.length === 2) {
    // A range: one lower bound (> or >=) then one upper bound (< or <=), as AWS requires.
    const [[a], [b]] = ops as [[string, number], [string, number]];
    if (a === '=' || !a.startsWith('>')) throw new PatternError(`Bad numeric range operator: ${a}`);
    if (!b.startsWith('<')) throw new PatternError(`Bad numeric range operator: ${b}`);
  }
  return ops;
}

function anythingBut(arg: unknown): (v: unknown) => boolean {
  if (typeof arg === 'string' || typeof arg === 'number') return (v) => v !== arg;
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw new PatternError('Empty arrays are not allowed');
    if (!arg.every((x) => typeof x === 'string' || typeof x === 'number')) {
      throw new PatternError('Inside anything but list, start|null|boolean is not supported.');
    }
    const set = new Set<unknown>(arg);
    return (v) => !set.has(v);
  }
  if (typeof arg !== 'object' || arg === null || Object.keys(arg).length !== 1) {
    throw new PatternError('Value of anything-but must be an array or single string/number value.');
  }
  const [op] = Object.keys(arg);
  const a = (arg as Record<string, unknown>)[op!];
  const strings = (what: string, listReason: string): string[] => {
    const list = Array.isArray(a) ? a : [a];
    if (Array.isArray(a) && a.length === 0) throw new PatternError('Empty arrays are not allowed');
    if (!list.every((x) => typeof x === 'string')) throw new PatternError(Array.isArray(a) ? listReason : `${what} match pattern must be a string`);
    return list as string[];
  };
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
        throw new PatternError('Value of anything-but must be an array or single string/number value.');
      }
      const list = strings('prefix/suffix', 'prefix/suffix match pattern must be a string');
      if (typeof a !== 'string' && !Array.isArray(a)) throw new PatternError('prefix/suffix match pattern must be a string');
      if (list.some((x) => x === '')) throw new PatternError('Null prefix/suffix not allowed');
      return op === 'prefix'
        ? (v) => !(typeof v === 'string' && list.some((x) => v.startsWith(x)))
        : (v) => !(typeof v === 'string' && list.some((x) => v.endsWith(x)));
    }
    case 'equals-ignore-case': {
      // AWS gives the list's reason for a single non-string too (recorded: `{"equals-ignore-case": 123}`).
      const why = 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.';
      if (typeof a !== 'string' && !Array.isArray(a)) throw new PatternError(why);
      const list = strings('equals-ignore-case', why);
      const lowered = new Set(list.map(lower));
      return (v) => !(typeof v === 'string' && lowered.has(lower(v)));
    }
    case 'wildcard': {
      const list = strings('wildcard', 'wildcard match pattern must be a string').map(wildcardRe);
      return (v) => !(typeof v === 'string' && list.some((re) => re.test(v)));
    }
    default:
      throw new PatternError(`Unsupported anything-but pattern: ${op}`);
  }
}

/** Whether `event` (any JSON value) matches `pattern`. */
export function matches(pattern: Pattern, event: unknown): boolean {
  return matchFlat(pattern, flatten(event));
}

function matchFlat(p: Pattern, values: Map<string, unknown[]>): boolean {
  for (const f of p.fields) {
    const at = values.get(f.path) ?? [];
    if (!f.matchers.some((m) => one(m, at))) return false;
  }
  return p.ors.every((alts) => alts.some((alt) => matchFlat(alt, values)));
}

/** Every leaf value of the event by its dotted path; arrays put each element at the array's own path. */
function flatten(event: unknown): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, path);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    } else if (path) {
      let list = out.get(path);
      if (!list) out.set(path, (list = []));
      list.push(v);
    }
  };
  walk(event, '');
  return out;
}

function one(m: Matcher, values: unknown[]): boolean {
  if (m.t === 'exists') return m.v === values.length > 0;
  return values.some((v) => test(m, v));
}

function test(m: Matcher, v: unknown): boolean {
  switch (m.t) {
    case 'eq':
      return v === m.v;
    case 'prefix':
      return typeof v === 'string' && (m.ic ? lower(v).startsWith(lower(m.v)) : v.startsWith(m.v));
    case 'suffix':
      return typeof v === 'string' && (m.ic ? lower(v).endsWith(lower(m.v)) : v.endsWith(m.v));
    case 'eqic':
      return typeof v === 'string' && lower(v) === lower(m.v);
    case 'wildcard':
      return typeof v === 'string' && m.re.test(v);
    case 'numeric':
      return typeof v === 'number' && m.ops.every(([op, n]) => (op === '=' ? v === n : op === '<' ? v < n : op === '<=' ? v <= n : op === '>' ? v > n : v >= n));
    case 'cidr':
      return typeof v === 'string' && net.isIP(v) !== 0 && m.net.check(v, net.isIPv4(v) ? 'ipv4' : 'ipv6');
    case 'but':
      return m.test(v);
    default:
      return false;
  }
}

const lower = (s: string) => s.toLowerCase();

function wildcardRe(p: string): RegExp {
  let re = '';
  let stars = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && (p[i + 1] === '*' || p[i + 1] === '\\')) {
      re += `\\${p[i + 1]}`;
      i++;
    } else if (c === '*') {
      if (p[i + 1] === '*') throw new PatternError(`Consecutive wildcard characters at pos ${i + 1}`);
      stars++;
      re += '[\\s\\S]*';
    } else re += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  if (stars > wildcardStarsMax) {
    throw new PatternError('Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character');
  }
  return new RegExp(`^${re}$`);
}

/** A CIDR block (IPv4 or IPv6) with AWS's reasons for a malformed one. */
function parseCidr(s: string): net.BlockList {
  const parts = s.split('/');
  if (parts.length !== 2) throw new PatternError("Malformed CIDR, one '/' required");
  const [ip, bitsText] = parts as [string, string];
  if (!/^[0-9]+$/.test(bitsText)) throw new PatternError('Malformed CIDR, mask bits must be an integer');
  const family = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : undefined;
  if (!family) throw new PatternError(`Nonstandard IP address: ${ip}`);
  const bits = Number(bitsText);
  if (bits > (family === 'ipv4' ? 32 : 128)) throw new PatternError('Malformed CIDR, mask bits must be an integer');
  const list = new net.BlockList();
  list.addSubnet(ip, bits, family);
  return list;
}
