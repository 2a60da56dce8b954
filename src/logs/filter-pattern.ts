/**
 * CloudWatch Logs filter patterns (FilterLogEvents' `filterPattern`), as
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 * defines them. Supported:
 *
 *   - empty pattern: every event;
 *   - terms, case-sensitive, all must occur (AND): `ERROR Exception`;
 *   - quoted phrases: `"Connection refused"` (\" and \\ escapes);
 *   - `?term` alternatives: at least one of the `?` terms must occur: `?ERROR ?WARN`;
 *   - `-term` exclusions: `ERROR -Throttled`; `-` and `?` also prefix quoted phrases;
 *   - JSON selectors on events that are JSON objects: `{ $.level = "ERROR" }`,
 *     `{ $.latency > 100 }`, `=`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`,
 *     parentheses, `*` wildcards in string values, `IS TRUE`, `IS FALSE`,
 *     `IS NULL`, `NOT EXISTS`, array indexes (`$.items[0].id`).
 *
 * Not supported (refused with a FilterPatternError naming it, so the caller is
 * told rather than given wrong results): space-delimited patterns
 * (`[ip, user, ...]`) and regular expressions (`%…%`).
 *
 * Pure: no I/O; `compileFilterPattern` once per request, then `matches` per event.
 */

/** AWS: filterPattern is at most 1,024 characters (model: FilterPattern max 1024). */
export const filterPatternCharsMax = 1024;

export class FilterPatternError extends Error {}

export interface FilterPattern {
  matches(message: string): boolean;
}

export function compileFilterPattern(pattern: string): FilterPattern {
  const p = pattern.trim();
  if (p === '') return { matches: () => true };
  if (p.startsWith('[')) throw new FilterPatternError('Space-delimited filter patterns ([field, ...]) are not supported by Kumo; use terms or a JSON selector.');
  if (p.startsWith('{')) {
    const expr = new JsonParser(p).parseAll();
    return {
      matches: (m) => {
        const t = m.trimStart();
        if (!t.startsWith('{') && !t.startsWith('[')) return false;
        let doc: unknown;
        try {
          doc = JSON.parse(m);
        } catch {
          return false;
        }
        return evalJson(expr, doc);
      },
    };
  }
  return compileTerms(p);
}

// ---- terms ------------------------------------------------------------

function compileTerms(p: string): FilterPattern {
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  let i = 0;
  while (i < p.length) {
    while (i < p.length && /\s/.test(p[i]!)) i++;
    if (i >= p.length) break;
    let kind: 'all' | 'any' | 'none' = 'all';
    if (p[i] === '?') (kind = 'any'), i++;
    else if (p[i] === '-' && i + 1 < p.length && !/\s/.test(p[i + 1]!)) (kind = 'none'), i++;
    let term: string;
    if (p[i] === '"') {
      const r = readQuoted(p, i);
      term = r.value;
      i = r.end;
    } else {
      const start = i;
      while (i < p.length && !/\s/.test(p[i]!)) i++;
      term = p.slice(start, i);
      if (term.startsWith('%') && term.endsWith('%') && term.length > 1) {
        throw new FilterPatternError('Regular expressions (%...%) in filter patterns are not supported by Kumo.');
      }
    }
    if (term === '') continue;
    (kind === 'all' ? all : kind === 'any' ? any : none).push(term);
  }
  return {
    matches: (m) =>
      all.every((t) => m.includes(t)) && !none.some((t) => m.includes(t)) && (any.length === 0 || any.some((t) => m.includes(t))),
  };
}

function readQuoted(p: string, start: number): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < p.length && p[i] !== '"') {
    if (p[i] === '\\' && i + 1 < p.length) i++;
    out += p[i];
    i++;
  }
  if (i >= p.length) throw new FilterPatternError('Invalid filter pattern: unterminated quoted string.');
  return { value: out, end: i + 1 };
}

// ---- JSON selectors ------------------------------------------------------

type Path = (string | number)[];
type Value = { kind: 'string'; text: string } | { kind: 'number'; n: number };
type Expr =
  | { op: 'and' | 'or'; left: Expr; right: Expr }
  | { op: 'cmp'; path: Path; cmp: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Value }
  | { op: 'is'; path: Path; what: 'TRUE' | 'FALSE' | 'NULL' }
  | { op: 'notExists'; path: Path };

class JsonParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAll(): Expr {
    this.expect('{');
    const e = this.parseOr();
    this.expect('}');
    this.ws();
    if (this.i !== this.s.length) this.fail(`unexpected '${this.s.slice(this.i, this.i + 10)}' after the closing brace`);
    return e;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.eat('||')) left = { op: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseUnit();
    while (this.eat('&&')) left = { op: 'and', left, right: this.parseUnit() };
    return left;
  }

  private parseUnit(): Expr {
    if (this.eat('(')) {
      const e = this.parseOr();
      this.expect(')');
      return e;
    }
    const path = this.parsePath();
    this.ws();
    if (this.eatWord('IS')) {
      for (const w of ['TRUE', 'FALSE', 'NULL'] as const) if (this.eatWord(w)) return { op: 'is', path, what: w };
      this.fail('expected TRUE, FALSE or NULL after IS');
    }
    if (this.eatWord('NOT')) {
      if (this.eatWord('EXISTS')) return { op: 'notExists', path };
      this.fail('expected EXISTS after NOT');
    }
    let cmp: '=' | '!=' | '<' | '<=' | '>' | '>=' | undefined;
    for (const c of ['!=', '<=', '>=', '=', '<', '>'] as const) {
      if (this.eat(c)) {
        cmp = c;
        break;
      }
    }
    if (!cmp) this.fail('expected a comparison operator');
    return { op: 'cmp', path, cmp: cmp!, value: this.parseValue(cmp!) };
  }

  private parsePath(): Path {
    this.ws();
    if (this.s[this.i] !== '$') this.fail('a selector starts with $');
    this.i++;
    const path: Path = [];
    for (;;) {
      if (this.s[this.i] === '.') {
        this.i++;
        const start = this.i;
        while (this.i < this.s.length && /[A-Za-z0-9_\-@$]/.test(this.s[this.i]!)) this.i++;
        if (this.i === start) this.fail('expected a property name after $.');
        path.push(this.s.slice(start, this.i));
      } else if (this.s[this.i] === '[') {
        const close = this.s.indexOf(']', this.i);
        const idx = close === -1 ? NaN : Number(this.s.slice(this.i + 1, close));
        if (!Number.isInteger(idx) || idx < 0) this.fail('expected an array index');
        path.push(idx);
        this.i = close + 1;
      } else break;
    }
    if (path.length === 0) this.fail('a selector names a property ($.name)');
    return path;
  }

  private parseValue(cmp: string): Value {
    this.ws();
    if (this.s[this.i] === '"') {
      const r = readQuoted(this.s, this.i);
      this.i = r.end;
      if (cmp !== '=' && cmp !== '!=') this.fail(`${cmp} compares numbers only`);
      return { kind: 'string', text: r.value };
    }
    const start = this.i;
    while (this.i < this.s.length && !/[\s)}&|]/.test(this.s[this.i]!)) this.i++;
    const raw = this.s.slice(start, this.i);
    if (raw === '') this.fail('expected a value');
    const n = Number(raw);
    if (raw !== '' && Number.isFinite(n) && /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/.test(raw)) return { kind: 'number', n };
    if (cmp !== '=' && cmp !== '!=') this.fail(`${cmp} compares numbers only`);
    return { kind: 'string', text: raw };
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private eat(tok: string): boolean {
    this.ws();
    if (this.s.startsWith(tok, this.i)) {
      this.i += tok.length;
      return true;
    }
    return false;
  }

  private eatWord(w: string): boolean {
    this.ws();
    const next = this.s.slice(this.i, this.i + w.length);
    if (next.toUpperCase() === w && !/[A-Za-z0-9_]/.test(this.s[this.i + w.length] ?? '')) {
      this.i += w.length;
      return true;
    }
    return false;
  }

  private expect(tok: string): void {
    if (!this.eat(tok)) this.fail(`expected '${tok}'`);
  }

  private fail(why: string): never {
    throw new FilterPatternError(`Invalid filter pattern: ${why} (at character ${this.i + 1}).`);
  }
}

const missing = Symbol('missing');

function resolve(doc: unknown, path: Path): unknown {
  let v: unknown = doc;
  for (const k of path) {
    if (typeof k === 'number') {
      if (!Array.isArray(v) || k >= v.length) return missing;
      v = v[k];
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, k)) return missing;
      v = (v as Record<string, unknown>)[k];
    }
  }
  return v;
}

function evalJson(e: Expr, doc: unknown): boolean {
  switch (e.op) {
    case 'and':
      return evalJson(e.left, doc) && evalJson(e.right, doc);
    case 'or':
      return evalJson(e.left, doc) || evalJson(e.right, doc);
    case 'notExists':
      return resolve(doc, e.path) === missing;
    case 'is': {
      const v = resolve(doc, e.path);
      return e.what === 'NULL' ? v === null : v === (e.what === 'TRUE');
    }
    case 'cmp': {
      const v = resolve(doc, e.path);
      if (v === missing || v === null || typeof v === 'object') return false;
      if (e.value.kind === 'number') {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isNaN(n)) return e.cmp === '!=';
        const x = e.value.n;
        switch (e.cmp) {
          case '=': return n === x;
          case '!=': return n !== x;
          case '<': return n < x;
          case '<=': return n <= x;
          case '>': return n > x;
          case '>=': return n >= x;
        }
      }
      const eq = wildcard(e.value.text).test(String(v));
      return e.cmp === '=' ? eq : !eq;
    }
  }
}

/** A string value with `*` wildcards as an anchored regular expression (everything else literal). */
function wildcard(text: string): RegExp {
  return new RegExp('^' + text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 's');
}
