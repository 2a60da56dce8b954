/**
 * A list of wildcard patterns as one statement element holds them (a
 * Resource list, a StringLike or ArnLike key's values), matched against one
 * request value: `*` and literal names by comparison, the other patterns by
 * one RegExp compiled with the document, patterns with policy variables by
 * a RegExp compiled once per distinct filled pattern (kept per element,
 * bounded).
 */
import { compileGlob, compileGlobs, hasWildcard, unescapeGlob, type GlobFlavour, type Matcher } from './glob';
import { fillTemplate, type KeyLookup, type Template } from './variables';

/** Entries a template's compiled-pattern cache keeps before it starts over (a bound, not a tuning). */
const TEMPLATE_CACHE_ENTRIES_MAX = 256;

/**
 * Wildcard patterns: the ones without variables compiled into one RegExp
 * with the document; a template's filled pattern compiled on first sight and
 * kept (per template, bounded), so a request builds no RegExp once warm.
 */
export class GlobValues {
  private readonly exact: ReadonlySet<string>;
  private readonly wild: Matcher | undefined;
  private readonly templates: readonly Template[];
  private readonly cache = new Map<string, Matcher | string>();
  readonly any: boolean;
  constructor(values: readonly (string | Template)[], private readonly flavour: GlobFlavour) {
    const exact = new Set<string>();
    const wild: string[] = [];
    const templates: Template[] = [];
    let any = false;
    for (const v of values) {
      if (typeof v !== 'string') templates.push(v);
      else if (v === '*') any = true; // in every flavour, ArnLike's included: `*` is any value
      else if (hasWildcard(v)) wild.push(v);
      else exact.add(unescapeGlob(v));
    }
    this.any = any;
    this.exact = exact;
    this.wild = compileGlobs(wild, flavour);
    this.templates = templates;
  }
  test(s: string, lookup: KeyLookup): boolean {
    if (this.any || this.exact.has(s)) return true;
    if (this.wild !== undefined && this.wild(s)) return true;
    for (const t of this.templates) {
      const filled = fillTemplate(t, lookup);
      if (filled === undefined) continue;
      let m = this.cache.get(filled);
      if (m === undefined) {
        m = filled === '*' ? filled : hasWildcard(filled) ? compileGlob(filled, this.flavour) : unescapeGlob(filled);
        if (this.cache.size >= TEMPLATE_CACHE_ENTRIES_MAX) this.cache.clear();
        this.cache.set(filled, m);
      }
      if (m === '*' || (typeof m === 'string' ? m === s : m(s))) return true;
    }
    return false;
  }
}
