/**
 * Condition operators (IAM User Guide, "IAM JSON policy elements: Condition
 * operators"), compiled once per document and evaluated per request.
 *
 * The rules AWS documents, and where each is applied:
 * - Several keys under one operator, and several operators in one Condition,
 *   are ANDed; several values of one key are ORed. A negated operator
 *   (StringNotEquals, NotIpAddress, ArnNotLike…) is the negation of its
 *   positive twin over all values (NOR): true when the request's value
 *   matches none of them.
 * - A key absent from the request: false, except that negated operators are
 *   true ("If the policy condition requires that the key is not matched, such
 *   as StringNotLike or ArnNotLike, and the right key is not present, the
 *   condition is true"), `…IfExists` operators are true, ForAllValues is true
 *   (an empty set), and Null is what Null tests.
 * - `ForAllValues:` is true when every value of a multivalued key passes;
 *   `ForAnyValue:` when at least one does. A multivalued key under an
 *   operator without a qualifier is treated as ForAnyValue for positive
 *   operators and as its negation for negated ones (Kumo's choice; AWS
 *   recommends a qualifier there).
 * - Keys are case-insensitive, values are as each operator says.
 */
import { compileGlob, compileGlobs, hasWildcard, unescapeGlob, type GlobFlavour } from './glob';
import { ipInBlocks, parseIpBlock, type IpBlock } from './ip';
import { fillTemplate, parseTemplate, type KeyLookup, type Template } from './variables';

type Family = 'string' | 'stringIgnoreCase' | 'like' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Compare = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

interface BaseOperator {
  family: Family;
  negated: boolean;
  compare: Compare;
}

/** Every operator AWS documents, by lower-cased name. */
const BASE_OPERATORS: ReadonlyMap<string, BaseOperator> = new Map<string, BaseOperator>([
  ['stringequals', { family: 'string', negated: false, compare: 'eq' }],
  ['stringnotequals', { family: 'string', negated: true, compare: 'eq' }],
  ['stringequalsignorecase', { family: 'stringIgnoreCase', negated: false, compare: 'eq' }],
  ['stringnotequalsignorecase', { family: 'stringIgnoreCase', negated: true, compare: 'eq' }],
  ['stringlike', { family: 'like', negated: false, compare: 'eq' }],
  ['stringnotlike', { family: 'like', negated: true, compare: 'eq' }],
  ['numericequals', { family: 'numeric', negated: false, compare: 'eq' }],
  ['numericnotequals', { family: 'numeric', negated: true, compare: 'eq' }],
  ['numericlessthan', { family: 'numeric', negated: false, compare: 'lt' }],
  ['numericlessthanequals', { family: 'numeric', negated: false, compare: 'le' }],
  ['numericgreaterthan', { family: 'numeric', negated: false, compare: 'gt' }],
  ['numericgreaterthanequals', { family: 'numeric', negated: false, compare: 'ge' }],
  ['dateequals', { family: 'date', negated: false, compare: 'eq' }],
  ['datenotequals', { family: 'date', negated: true, compare: 'eq' }],
  ['datelessthan', { family: 'date', negated: false, compare: 'lt' }],
  ['datelessthanequals', { family: 'date', negated: false, compare: 'le' }],
  ['dategreaterthan', { family: 'date', negated: false, compare: 'gt' }],
  ['dategreaterthanequals', { family: 'date', negated: false, compare: 'ge' }],
  ['bool', { family: 'bool', negated: false, compare: 'eq' }],
  ['binaryequals', { family: 'binary', negated: false, compare: 'eq' }],
  ['ipaddress', { family: 'ip', negated: false, compare: 'eq' }],
  ['notipaddress', { family: 'ip', negated: true, compare: 'eq' }],
  ['arnequals', { family: 'arn', negated: false, compare: 'eq' }],
  ['arnlike', { family: 'arn', negated: false, compare: 'eq' }],
  ['arnnotequals', { family: 'arn', negated: true, compare: 'eq' }],
  ['arnnotlike', { family: 'arn', negated: true, compare: 'eq' }],
  ['null', { family: 'null', negated: false, compare: 'eq' }],
]);

export interface Operator extends BaseOperator {
  set: 'all' | 'any' | undefined;
  ifExists: boolean;
}

/**
 * `[ForAllValues:|ForAnyValue:]<operator>[IfExists]`, or undefined for a name
 * IAM does not know. Names are matched case-insensitively (Kumo's choice: AWS
 * documents them in one casing and says nothing of others). Null takes no
 * IfExists ("You can add IfExists to the end of any condition operator name
 * except the Null condition").
 */
export function parseOperator(name: string): Operator | undefined {
  let n = name.toLowerCase();
  let set: Operator['set'];
  if (n.startsWith('forallvalues:')) {
    set = 'all';
    n = n.slice(13);
  } else if (n.startsWith('foranyvalue:')) {
    set = 'any';
    n = n.slice(12);
  }
  let base = BASE_OPERATORS.get(n);
  let ifExists = false;
  if (!base && n.endsWith('ifexists')) {
    base = BASE_OPERATORS.get(n.slice(0, -8));
    if (base?.family === 'null') return undefined;
    ifExists = true;
  }
  if (!base) return undefined;
  return { ...base, set, ifExists };
}

/** Whether a Date operator's values must parse (IAM refuses others with "The policy failed legacy parsing"). */
export function isDateOperator(op: Operator): boolean {
  return op.family === 'date';
}

const ISO =
  /^(\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[Tt](?:(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const EPOCH = /^-?\d+$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * A Date operator's value or a date condition key's value, in ms since the
 * epoch: an ISO 8601 date/time (a date alone, `T`, a time to nanoseconds, a
 * zone `Z` or `±hh[:mm]`) or whole seconds since the epoch (aws:EpochTime's
 * form; a 64-bit integer). AWS's recorded answers accept `2016-12-13t2:00:00.593194+23`
 * and `01T` and `-292275054` and refuse `234-13`, `…+1`, ten fraction digits
 * and 9223372036854775808; this grammar agrees with each.
 */
export function parseDateMs(s: string): number | undefined {
  if (EPOCH.test(s)) {
    if (s.length > 18) {
      const b = BigInt(s);
      if (b > INT64_MAX || b < INT64_MIN) return undefined;
    }
    return Number(s) * 1000;
  }
  const m = ISO.exec(s);
  if (!m) return undefined;
  const year = +m[1];
  const month = m[2] === undefined ? 1 : +m[2];
  const day = m[3] === undefined ? 1 : +m[3];
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : Math.floor(+('0.' + m[7]) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = +m[10];
    const om = m[11] === undefined ? 0 : +m[11];
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (year < 100) {
    // Date.UTC maps years 0–99 to 1900–1999.
    const d = new Date(t);
    d.setUTCFullYear(year);
    t = d.getTime();
  }
  return t - offsetMin * 60_000;
}

/** A number the way Numeric operators read one (a decimal; anything else never matches). */
function parseNumber(s: string): number {
  return s.trim() === '' ? NaN : Number(s);
}

/** Literal strings plus templates, matched exactly (optionally case-folded). */
class ExactValues {
  private readonly set: ReadonlySet<string>;
  private readonly templates: readonly Template[];
  constructor(values: readonly (string | Template)[], private readonly fold: boolean) {
    const set = new Set<string>();
    const templates: Template[] = [];
    for (const v of values) {
      if (typeof v === 'string') set.add(fold ? unescapeGlob(v).toLowerCase() : unescapeGlob(v));
      else templates.push(v);
    }
    this.set = set;
    this.templates = templates;
  }
  test(cv: string, lookup: KeyLookup): boolean {
    const probe = this.fold ? cv.toLowerCase() : cv;
    if (this.set.has(probe)) return true;
    for (const t of this.templates) {
      const filled = fillTemplate(t, lookup);
      if (filled === undefined) continue;
      const s = unescapeGlob(filled);
      if ((this.fold ? s.toLowerCase() : s) === probe) return true;
    }
    return false;
  }
}

/** Entries a template's compiled-pattern cache keeps before it starts over (a bound, not a tuning). */
const TEMPLATE_CACHE_ENTRIES_MAX = 256;

/**
 * Wildcard patterns: the ones without variables compiled into one RegExp
 * with the document; a template's filled pattern compiled on first sight and
 * kept (per template, bounded), so a request builds no RegExp once warm.
 */
export class GlobValues {
  private readonly exact: ReadonlySet<string>;
  private readonly regex: RegExp | undefined;
  private readonly templates: readonly Template[];
  private readonly cache = new Map<string, RegExp | string>();
  readonly any: boolean;
  constructor(values: readonly (string | Template)[], private readonly flavour: GlobFlavour) {
    const exact = new Set<string>();
    const wild: string[] = [];
    const templates: Template[] = [];
    let any = false;
    for (const v of values) {
      if (typeof v !== 'string') templates.push(v);
      else if (v === '*' && flavour !== 'arn') any = true;
      else if (v === '*') any = true;
      else if (hasWildcard(v)) wild.push(v);
      else exact.add(unescapeGlob(v));
    }
    this.any = any;
    this.exact = exact;
    this.regex = compileGlobs(wild, flavour);
    this.templates = templates;
  }
  test(s: string, lookup: KeyLookup): boolean {
    if (this.any || this.exact.has(s)) return true;
    if (this.regex !== undefined && this.regex.test(s)) return true;
    for (const t of this.templates) {
      const filled = fillTemplate(t, lookup);
      if (filled === undefined) continue;
      let m = this.cache.get(filled);
      if (m === undefined) {
        m = filled === '*' ? filled : hasWildcard(filled) ? compileGlob(filled, this.flavour) : unescapeGlob(filled);
        if (this.cache.size >= TEMPLATE_CACHE_ENTRIES_MAX) this.cache.clear();
        this.cache.set(filled, m);
      }
      if (m === '*' || (typeof m === 'string' ? m === s : m.test(s))) return true;
    }
    return false;
  }
}

function cmp(c: Compare, a: number, b: number): boolean {
  switch (c) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
  }
}

/** One condition key under one operator, ready to test a request. */
export interface CompiledCondition {
  op: Operator;
  /** The condition key as written, and lower-cased. */
  key: string;
  keyLower: string;
  /** The positive operator's verdict on one request value. */
  test(cv: string, lookup: KeyLookup): boolean;
  /** Null's values: whether a `true` (key absent) and a `false` (key present) are among them. */
  nullWantsAbsent?: boolean;
  nullWantsPresent?: boolean;
}

/** Compiles one key of one operator; `variables`: the document is 2012-10-17. */
export function compileCondition(op: Operator, key: string, values: readonly string[], variables: boolean): CompiledCondition {
  const keyLower = key.toLowerCase();
  const never = (): boolean => false;
  switch (op.family) {
    case 'string':
    case 'stringIgnoreCase': {
      const ev = new ExactValues(values.map((v) => parseTemplate(v, variables)), op.family === 'stringIgnoreCase');
      return { op, key, keyLower, test: (cv, lookup) => ev.test(cv, lookup) };
    }
    case 'like':
    case 'arn': {
      const gv = new GlobValues(values.map((v) => parseTemplate(v, variables)), op.family === 'like' ? 'like' : 'arn');
      return { op, key, keyLower, test: (cv, lookup) => gv.test(cv, lookup) };
    }
    case 'numeric': {
      const nums = values.map(parseNumber).filter((n) => !Number.isNaN(n));
      if (nums.length === 0) return { op, key, keyLower, test: never };
      return {
        op,
        key,
        keyLower,
        test: (cv) => {
          const n = parseNumber(cv);
          if (Number.isNaN(n)) return false;
          for (const v of nums) if (cmp(op.compare, n, v)) return true;
          return false;
        },
      };
    }
    case 'date': {
      const dates = values.map(parseDateMs).filter((n): n is number => n !== undefined);
      if (dates.length === 0) return { op, key, keyLower, test: never };
      return {
        op,
        key,
        keyLower,
        test: (cv) => {
          const n = parseDateMs(cv);
          if (n === undefined) return false;
          for (const v of dates) if (cmp(op.compare, n, v)) return true;
          return false;
        },
      };
    }
    case 'bool': {
      const wantTrue = values.some((v) => v.toLowerCase() === 'true');
      const wantFalse = values.some((v) => v.toLowerCase() === 'false');
      return {
        op,
        key,
        keyLower,
        test: (cv) => {
          const b = cv === 'true' || cv === 'false' ? cv : cv.toLowerCase();
          return b === 'true' ? wantTrue : b === 'false' ? wantFalse : false;
        },
      };
    }
    case 'binary': {
      const set = new Set(values);
      return { op, key, keyLower, test: (cv) => set.has(cv) };
    }
    case 'ip': {
      // A value that is no address or CIDR matches nothing.
      const blocks = values.map(parseIpBlock).filter((b): b is IpBlock => b !== undefined);
      return { op, key, keyLower, test: (cv) => ipInBlocks(cv, blocks) };
    }
    case 'null':
      return {
        op,
        key,
        keyLower,
        test: never,
        nullWantsAbsent: values.some((v) => v.toLowerCase() === 'true'),
        nullWantsPresent: values.some((v) => v.toLowerCase() === 'false'),
      };
  }
}

/** Whether one compiled condition holds for the request (`value`: the key's value in the request, if any). */
export function conditionHolds(c: CompiledCondition, value: string | readonly string[] | undefined, lookup: KeyLookup): boolean {
  const present = value !== undefined && (typeof value === 'string' || value.length > 0);
  const op = c.op;
  if (op.family === 'null') return present ? c.nullWantsPresent === true : c.nullWantsAbsent === true;
  if (!present) return op.ifExists || op.set === 'all' || (op.set === undefined && op.negated);
  if (typeof value === 'string') {
    const t = c.test(value, lookup);
    return op.negated ? !t : t;
  }
  const vs = value as readonly string[];
  if (op.set === 'all') {
    for (const cv of vs) if (c.test(cv, lookup) === op.negated) return false;
    return true;
  }
  if (op.set === 'any') {
    for (const cv of vs) if (c.test(cv, lookup) !== op.negated) return true;
    return false;
  }
  let any = false;
  for (const cv of vs) {
    if (c.test(cv, lookup)) {
      any = true;
      break;
    }
  }
  return op.negated ? !any : any;
}
