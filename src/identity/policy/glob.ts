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

/** The regex source (no anchors) of one escaped pattern. */
export function globSource(p: string, flavour: GlobFlavour): string {
  let src = '';
  let colons = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\' && i + 1 < p.length) {
      src += lit(p[++i]);
      continue;
    }
    if (c === '*') {
      if (flavour === 'resource') {
        const next = p[i + 1];
        src += next === undefined || next === ':' ? '[^]*' : '[^:]*';
      } else if (flavour === 'arn') {
        src += colons >= 5 ? '[^]*' : '[^:]*';
      } else {
        src += '[^]*';
      }
    } else if (c === '?') {
      src += flavour === 'resource' || (flavour === 'arn' && colons < 5) ? '[^:]' : '[^]';
    } else {
      if (c === ':') colons++;
      src += lit(c);
    }
  }
  return src;
}

/** Compiles one escaped pattern, anchored at both ends. */
export function compileGlob(p: string, flavour: GlobFlavour): RegExp {
  return new RegExp('^(?:' + globSource(p, flavour) + ')$');
}

/** Compiles several escaped patterns into one anchored alternation (undefined for none). */
export function compileGlobs(ps: readonly string[], flavour: GlobFlavour): RegExp | undefined {
  if (ps.length === 0) return undefined;
  return new RegExp('^(?:' + ps.map((p) => globSource(p, flavour)).join('|') + ')$');
}
