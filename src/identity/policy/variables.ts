/**
 * Policy variables (IAM User Guide, "IAM policy elements: Variables and
 * tags"): in a Version 2012-10-17 document, `${aws:username}` in a Resource
 * or a condition value is replaced by that condition key's value in the
 * request; `${key, 'default'}` gives the value to use when the key is absent;
 * `${*}`, `${?}` and `${$}` are a literal `*`, `?` and `$`. A key that is
 * absent (with no default) or multi-valued leaves the element unmatched, as AWS
 * treats a variable it cannot resolve. In a 2008-10-17 document (or one
 * without Version) the text is literal.
 *
 * Templates are parsed once, with the document; a request only fills them.
 */
import { escapeGlobLiteral, globFromPolicyText } from './glob';

export interface VarPart {
  /** The condition key as the policy writes it, and lower-cased (keys are case-insensitive). */
  key: string;
  keyLower: string;
  dflt?: string;
}

/** Escaped-glob literal text and variables, in order. */
export type Template = ReadonlyArray<string | VarPart>;

const VAR = /\$\{([^}]*)\}/g;
const DEFAULT = /^([^,]+),\s*'([^']*)'\s*$/;

/**
 * Parses policy text into a template (variables recognised only when
 * `variables` is true: a 2012-10-17 document). Returns a plain escaped-glob
 * string when there is nothing to fill in.
 */
export function parseTemplate(text: string, variables: boolean): string | Template {
  if (!variables || !text.includes('${')) return globFromPolicyText(text);
  const parts: Array<string | VarPart> = [];
  let last = 0;
  let cur = '';
  let hasVar = false;
  for (const m of text.matchAll(VAR)) {
    cur += globFromPolicyText(text.slice(last, m.index));
    last = m.index! + m[0].length;
    const inner = m[1];
    if (inner === '*' || inner === '?') cur += '\\' + inner;
    else if (inner === '$') cur += '$';
    else {
      const d = DEFAULT.exec(inner);
      const key = (d ? d[1] : inner).trim();
      if (key === '') {
        cur += globFromPolicyText(m[0]);
        continue;
      }
      if (cur) parts.push(cur);
      cur = '';
      parts.push(d ? { key, keyLower: key.toLowerCase(), dflt: d[2] } : { key, keyLower: key.toLowerCase() });
      hasVar = true;
    }
  }
  cur += globFromPolicyText(text.slice(last));
  if (!hasVar) return cur;
  if (cur) parts.push(cur);
  return parts;
}

/** A request's condition key's value: by the name as written, else case-insensitively (`keyLower`). */
export type KeyLookup = (key: string, keyLower: string) => string | readonly string[] | undefined;

/** Fills a template (escaped-glob form), or undefined when a variable cannot be resolved. */
export function fillTemplate(t: Template, lookup: KeyLookup): string | undefined {
  let out = '';
  for (const part of t) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const v = lookup(part.key, part.keyLower);
    if (typeof v === 'string') out += escapeGlobLiteral(v);
    else if (v !== undefined && v.length === 1) out += escapeGlobLiteral(v[0]);
    else if (part.dflt !== undefined && (v === undefined || v.length === 0)) out += escapeGlobLiteral(part.dflt);
    else return undefined;
  }
  return out;
}
