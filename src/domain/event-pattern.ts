/**
 * EventBridge's event pattern language, pure: Lambda's FilterCriteria
 * (event source mappings) use it now, EventBridge rules later.
 *
 * A pattern is a JSON object whose leaves are arrays of matchers; an event
 * matches when every field the pattern names matches one matcher of its
 * array (AND across fields, OR within an array). A nested object descends
 * into the event. When the event's value is an array, any element may match.
 * Matchers (AWS: "Content filtering in Amazon EventBridge event patterns"):
 *   - a string, number or null: equality (numbers compare numerically);
 *   - `{"prefix": "x"}` / `{"suffix": "x"}` (each also with
 *     `{"equals-ignore-case": "x"}` inside), `{"equals-ignore-case": "x"}`;
 *   - `{"anything-but": v | [v…] | {"prefix"|"suffix"|"equals-ignore-case": …}}`;
 *   - `{"numeric": [op, n, (op, n)]}` with `=`, `<`, `<=`, `>`, `>=`;
 *   - `{"exists": true|false}` (false matches an absent field);
 *   - `{"wildcard": "a*b"}` (`*` any run of characters, `\*` a literal star);
 *   - `{"cidr": "10.0.0.0/24"}` (IPv4);
 *   - `"$or": [pattern, …]` at any level: one of them must match as well.
 * `parsePattern` checks a pattern and says what is wrong; `matches` never
 * throws on any event.
 */

export type Pattern = { readonly [field: string]: readonly Matcher[] | Pattern | readonly Pattern[] };
type Matcher = string | number | null | { readonly [op: string]: unknown };

/** AWS: a pattern is at most 4,096 characters (Lambda's `Filter.Pattern` model constraint). */
export const patternCharsMax = 4096;

export class PatternError extends Error {}

/** Parses and checks a pattern's JSON text; throws PatternError naming the problem. */
export function parsePattern(text: string): Pattern {
  if (text.length > patternCharsMax) throw new PatternError(`pattern longer than ${patternCharsMax} characters`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new PatternError('pattern is not valid JSON');
  }
  checkObject(v, '');
  return v as Pattern;
}

function checkObject(v: unknown, at: string): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PatternError(`${at || 'pattern'} must be a JSON object`);
  for (const [k, val] of Object.entries(v)) {
    const path = at ? `${at}.${k}` : k;
    if (k === '$or') {
      if (!Array.isArray(val) || val.length < 2) throw new PatternError(`${path} must be an array of at least two patterns`);
      val.forEach((p, i) => checkObject(p, `${path}[${i}]`));
    } else if (Array.isArray(val)) {
      if (val.length === 0) throw new PatternError(`${path} must not be an empty array`);
      for (const m of val) checkMatcher(m, path);
    } else if (typeof val === 'object' && val !== null) {
      checkObject(val, path);
    } else {
      throw new PatternError(`${path} must be an array of matchers or an object`);
    }
  }
}

const numericOps = new Set(['=', '<', '<=', '>', '>=']);

function checkMatcher(m: unknown, path: string): void {
  if (m === null || typeof m === 'string' || typeof m === 'number') return;
  if (typeof m !== 'object' || Array.isArray(m)) throw new PatternError(`${path}: unsupported matcher ${JSON.stringify(m)}`);
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new PatternError(`${path}: a matcher object has exactly one operator`);
  const op = keys[0]!;
  const arg = (m as Record<string, unknown>)[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (isIgnoreCase(arg)) return;
      throw new PatternError(`${path}: ${op} takes a string`);
    case 'equals-ignore-case':
    case 'wildcard':
    case 'cidr':
      if (typeof arg !== 'string') throw new PatternError(`${path}: ${op} takes a string`);
      if (op === 'cidr' && !parseCidr(arg)) throw new PatternError(`${path}: invalid cidr ${arg}`);
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw new PatternError(`${path}: exists takes true or false`);
      return;
    case 'anything-but':
      if (arg === null || typeof arg === 'string' || typeof arg === 'number') return;
      if (Array.isArray(arg) && arg.length > 0 && arg.every((x) => typeof x === 'string' || typeof x === 'number')) return;
      if (typeof arg === 'object' && !Array.isArray(arg)) {
        const [k, ...rest] = Object.keys(arg);
        const a = (arg as Record<string, unknown>)[k ?? ''];
        if (!rest.length && (k === 'prefix' || k === 'suffix' || k === 'equals-ignore-case') && (typeof a === 'string' || (k === 'equals-ignore-case' && Array.isArray(a) && a.every((x) => typeof x === 'string')))) return;
      }
      throw new PatternError(`${path}: unsupported anything-but ${JSON.stringify(arg)}`);
    case 'numeric': {
      const ok = Array.isArray(arg) && (arg.length === 2 || arg.length === 4) &&
        arg.every((x, i) => (i % 2 === 0 ? typeof x === 'string' && numericOps.has(x) : typeof x === 'number'));
      if (!ok) throw new PatternError(`${path}: numeric takes [op, number] or [op, number, op, number]`);
      return;
    }
    default:
      throw new PatternError(`${path}: unsupported operator ${op}`);
  }
}

function isIgnoreCase(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) && Object.keys(arg).length === 1 &&
    typeof (arg as Record<string, unknown>)['equals-ignore-case'] === 'string';
}

/** Whether `event` (any JSON value) matches `pattern`. */
export function matches(pattern: Pattern, event: unknown): boolean {
  const obj = typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  for (const [k, spec] of Object.entries(pattern)) {
    if (k === '$or') {
      if (!(spec as readonly Pattern[]).some((p) => matches(p, event))) return false;
      continue;
    }
    const present = Object.prototype.hasOwnProperty.call(obj, k);
    const value = present ? obj[k] : undefined;
    if (Array.isArray(spec)) {
      if (!fieldMatches(spec as readonly Matcher[], present, value)) return false;
    } else {
      // A nested pattern: descend; an absent or non-object field only matches a pattern of `exists: false` leaves.
      if (!matches(spec as Pattern, present ? value : undefined)) return false;
    }
  }
  return true;
}

function fieldMatches(matchers: readonly Matcher[], present: boolean, value: unknown): boolean {
  for (const m of matchers) {
    if (m !== null && typeof m === 'object' && 'exists' in m) {
      const isLeaf = present && (value === null || typeof value !== 'object' || Array.isArray(value));
      if (m.exists === true ? isLeaf : !present) return true;
      continue;
    }
    if (!present) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => one(m, v))) return true;
  }
  return false;
}

function one(m: Matcher, v: unknown): boolean {
  if (m === null) return v === null;
  if (typeof m === 'string') return v === m;
  if (typeof m === 'number') return typeof v === 'number' && v === m;
  const [op] = Object.keys(m);
  const arg = m[op!];
  switch (op) {
    case 'prefix':
      return typeof v === 'string' && (typeof arg === 'string' ? v.startsWith(arg) : lower(v).startsWith(lower(ignoreCaseArg(arg))));
    case 'suffix':
      return typeof v === 'string' && (typeof arg === 'string' ? v.endsWith(arg) : lower(v).endsWith(lower(ignoreCaseArg(arg))));
    case 'equals-ignore-case':
      return typeof v === 'string' && lower(v) === lower(arg as string);
    case 'wildcard':
      return typeof v === 'string' && wildcardRe(arg as string).test(v);
    case 'cidr':
      return typeof v === 'string' && inCidr(v, arg as string);
    case 'numeric':
      return typeof v === 'number' && numeric(arg as (string | number)[], v);
    case 'anything-but':
      return anythingBut(arg, v);
    default:
      return false;
  }
}

function anythingBut(arg: unknown, v: unknown): boolean {
  if (Array.isArray(arg)) return v !== undefined && !arg.some((x) => x === v);
  if (arg === null || typeof arg !== 'object') return v !== undefined && v !== arg;
  const [k] = Object.keys(arg);
  const a = (arg as Record<string, unknown>)[k!];
  if (typeof v !== 'string') return false;
  if (k === 'prefix') return !v.startsWith(a as string);
  if (k === 'suffix') return !v.endsWith(a as string);
  const list = Array.isArray(a) ? (a as string[]) : [a as string];
  return !list.some((x) => lower(x) === lower(v));
}

function numeric(ops: (string | number)[], v: number): boolean {
  for (let i = 0; i < ops.length; i += 2) {
    const op = ops[i] as string;
    const n = ops[i + 1] as number;
    const ok = op === '=' ? v === n : op === '<' ? v < n : op === '<=' ? v <= n : op === '>' ? v > n : v >= n;
    if (!ok) return false;
  }
  return true;
}

const ignoreCaseArg = (arg: unknown) => (arg as Record<string, string>)['equals-ignore-case']!;
const lower = (s: string) => s.toLowerCase();

function wildcardRe(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && p[i + 1] === '*') {
      re += '\\*';
      i++;
    } else if (c === '*') re += '[\\s\\S]*';
    else re += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + Number(p), 0);
}

function parseCidr(s: string): { base: number; bits: number } | undefined {
  const [ip, bitsText] = s.split('/');
  const base = parseIpv4(ip ?? '');
  const bits = Number(bitsText);
  if (base === undefined || !/^[0-9]{1,2}$/.test(bitsText ?? '') || bits > 32) return undefined;
  return { base, bits };
}

function inCidr(v: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const ip = parseIpv4(v);
  if (!c || ip === undefined) return false;
  const size = 2 ** (32 - c.bits);
  return Math.floor(ip / size) === Math.floor(c.base / size);
}
