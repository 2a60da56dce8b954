/**
 * Wildcard patterns of the policy language, compiled once to a RegExp.
 *
 * A pattern reaches `compileGlob` in Kumo's escaped form: `*` and `?` are
 * wildcards, `\*`, `\?` and `\\` are those characters literally (a policy
 * writes a literal `*` as `${*}`, and a substituted policy variable's value is
 * escaped, so nothing in it is a wildcard). The flavour says what a wildcard
 * may span, as AWS documents for each place a pattern appears:
 *
 * - `action` (Action/NotAction; IAM User Guide, "IAM JSON policy elements:
 *   Action"): `*` any run, `?` any one character; case-insensitive, so both
 *   the pattern and the action are lower-cased before matching.
 * - `resource` (Resource/NotResource; "IAM JSON policy elements: Resource"):
 *   wildcards stay within one colon-separated segment, except that "if the `*`
 *   wildcard is the last character of a resource ARN segment, it can expand to
 *   match beyond the colon boundaries"; `?` never matches a colon.
 * - `like` (StringLike/StringNotLike): `*` and `?` "anywhere in the string",
 *   colons and new lines included.
 * - `arn` (ArnEquals/ArnLike and their negations): "each of the six
 *   colon-delimited components of the ARN is checked separately": wildcards in
 *   the first five never cross a colon; the sixth (the resource part, which may
 *   itself contain colons) is matched whole.
 *
 * No user text becomes regex syntax: every literal character is escaped.
 */
export type GlobFlavour = 'action' | 'resource' | 'like' | 'arn';

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/;

function lit(c: string): string {
  return REGEX_SPECIAL.test(c) ? '\\' + c : c;
}

/** Escapes text so that it is matched literally in the escaped-pattern form. */
export function escapeGlobLiteral(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    out += c === '*' || c === '?' || c === '\\' ? '\\' + c : c;
  }
  return out;
}

/** Policy text (where `\` has no special meaning) → the escaped-pattern form. */
export function globFromPolicyText(s: string): string {
  return s.includes('\\') ? s.replace(/\\/g, '\\\\') : s;
}

/** True when the escaped pattern has an unescaped wildcard. */
export function hasWildcard(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?') return true;
  }
  return false;
}

/** The literal text of an escaped pattern without wildcards. */
export function unescapeGlob(p: string): string {
  return p.includes('\\') ? p.replace(/\\(.)/gs, '$1') : p;
}

/**
 * One pattern as tokens: literal runs, `?` and `*`, each wildcard marked
 * `bounded` when the flavour keeps it within a colon-separated segment.
 */
type Token = { kind: 'lit'; text: string } | { kind: 'one' | 'star'; bounded: boolean };

function tokenize(p: string, flavour: GlobFlavour): Token[] {
  const out: Token[] = [];
  let text = '';
  let colons = 0;
  const flush = () => {
    if (text !== '') out.push({ kind: 'lit', text });
    text = '';
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\' && i + 1 < p.length) {
      text += p[++i];
      continue;
    }
    if (c === '*') {
      flush();
      let bounded = false;
      if (flavour === 'resource') {
        const next = p[i + 1];
        bounded = !(next === undefined || next === ':');
      } else if (flavour === 'arn') bounded = colons < 5;
      out.push({ kind: 'star', bounded });
    } else if (c === '?') {
      flush();
      out.push({ kind: 'one', bounded: flavour === 'resource' || (flavour === 'arn' && colons < 5) });
    } else {
      if (c === ':') colons++;
      text += c;
    }
  }
  flush();
  return out;
}

function tokenSource(tokens: readonly Token[]): string {
  let src = '';
  for (const t of tokens) {
    if (t.kind === 'lit') for (const c of t.text) src += lit(c);
    else if (t.kind === 'star') src += t.bounded ? '[^:]*' : '[^]*';
    else src += t.bounded ? '[^:]' : '[^]';
  }
  return src;
}

/** The regex source (no anchors) of one escaped pattern. */
export function globSource(p: string, flavour: GlobFlavour): string {
  return tokenSource(tokenize(p, flavour));
}

/** A compiled pattern (or set of patterns): whether a whole string matches. */
export type Matcher = (s: string) => boolean;

/**
 * Patterns with more than this many `*` are matched by `linearMatcher`, not
 * by a RegExp: a backtracking RegExp takes time exponential in the number of
 * stars on a string that almost matches (measured here: six stars against a
 * 113-character ARN took 17 s), and both the patterns (a policy author) and
 * the strings (a caller's ARN, user agent, prefix…) come from users.
 */
const REGEX_STARS_MAX = 1;

function stars(tokens: readonly Token[]): number {
  let n = 0;
  for (const t of tokens) if (t.kind === 'star') n++;
  return n;
}

let bufA = new Uint8Array(256);
let bufB = new Uint8Array(256);

/**
 * Matching in time linear in the string per token (no backtracking): the set
 * of positions of the string a prefix of the pattern can end at, advanced
 * token by token. Shares two scratch buffers (evaluation is synchronous).
 */
function linearMatcher(tokens: readonly Token[]): Matcher {
  return (s) => {
    const n = s.length;
    if (bufA.length <= n) {
      bufA = new Uint8Array(2 * (n + 1));
      bufB = new Uint8Array(2 * (n + 1));
    }
    let cur = bufA;
    let nxt = bufB;
    cur.fill(0, 0, n + 1);
    cur[0] = 1;
    for (const t of tokens) {
      nxt.fill(0, 0, n + 1);
      let any = false;
      if (t.kind === 'lit') {
        const len = t.text.length;
        for (let p = 0; p + len <= n; p++) {
          if (cur[p] === 1 && s.startsWith(t.text, p)) {
            nxt[p + len] = 1;
            any = true;
          }
        }
      } else if (t.kind === 'one') {
        for (let p = 0; p < n; p++) {
          if (cur[p] === 1 && !(t.bounded && s.charCodeAt(p) === 58)) {
            nxt[p + 1] = 1;
            any = true;
          }
        }
      } else if (!t.bounded) {
        let p = 0;
        while (p <= n && cur[p] === 0) p++;
        if (p <= n) {
          nxt.fill(1, p, n + 1);
          any = true;
        }
      } else {
        let active = false;
        for (let q = 0; q <= n; q++) {
          if (q > 0 && s.charCodeAt(q - 1) === 58) active = false; // a bounded star stops at a colon
          if (cur[q] === 1) active = true;
          if (active) {
            nxt[q] = 1;
            any = true;
          }
        }
      }
      if (!any) return false;
      const swap = cur;
      cur = nxt;
      nxt = swap;
    }
    return cur[n] === 1;
  };
}

/** Compiles one escaped pattern to a whole-string matcher. */
export function compileGlob(p: string, flavour: GlobFlavour): Matcher {
  return compileGlobs([p], flavour)!;
}

/**
 * Compiles several escaped patterns into one matcher (undefined for none):
 * the ones with at most REGEX_STARS_MAX stars as one anchored RegExp
 * alternation, the others as linear matchers.
 */
export function compileGlobs(ps: readonly string[], flavour: GlobFlavour): Matcher | undefined {
  if (ps.length === 0) return undefined;
  const sources: string[] = [];
  const linear: Matcher[] = [];
  for (const p of ps) {
    const tokens = tokenize(p, flavour);
    if (stars(tokens) > REGEX_STARS_MAX) linear.push(linearMatcher(tokens));
    else sources.push(tokenSource(tokens));
  }
  const re = sources.length > 0 ? new RegExp('^(?:' + sources.join('|') + ')$') : undefined;
  if (linear.length === 0) return (s) => re!.test(s);
  return (s) => {
    if (re !== undefined && re.test(s)) return true;
    for (const m of linear) if (m(s)) return true;
    return false;
  };
}
