/**
 * `evaluatePolicies`: does a set of documents allow a request? AWS's
 * evaluation logic (IAM User Guide, "Policy evaluation logic"), within the
 * documents given: an explicit Deny in any statement of any document wins;
 * otherwise an Allow of any statement allows; otherwise nothing applied
 * ('None', an implicit deny). Combining kinds (identity ∩ boundary, resource ∪
 * identity, cross-account) is the authorizer's, which calls this once per kind.
 *
 * A statement applies when its action, resource, principal (resource and
 * trust documents, when the input names a principal) and every condition
 * match. It runs on every request of a principal other than root, so each
 * document is compiled once (patterns to RegExps, conditions to closures) and
 * kept in a WeakMap beside it; a request lower-cases the action once and
 * builds no RegExp.
 */
import type { ConditionContext } from '../types';
import { compileCondition, conditionHolds, GlobValues, parseOperator, type CompiledCondition } from './conditions';
import { compileGlobs, hasWildcard, unescapeGlob } from './glob';
import { parseTemplate, type KeyLookup } from './variables';
import type { EvalInput, EvalPrincipal, Match, PolicyDocument, PrincipalBlock, Statement } from './types';

/** Action patterns, lower-cased: `*`, a set of literal names, one RegExp for the wildcard ones. */
class ActionMatcher {
  private readonly any: boolean;
  private readonly exact: ReadonlySet<string>;
  private readonly regex: RegExp | undefined;
  constructor(patterns: readonly string[]) {
    let any = false;
    const exact = new Set<string>();
    const wild: string[] = [];
    for (const p of patterns) {
      // Actions take no policy variables; `\` has no meaning in policy text.
      const g = p.toLowerCase().replace(/\\/g, '\\\\');
      if (g === '*') any = true;
      else if (hasWildcard(g)) wild.push(g);
      else exact.add(unescapeGlob(g));
    }
    this.any = any;
    this.exact = exact;
    this.regex = compileGlobs(wild, 'action');
  }
  test(actionLower: string): boolean {
    return this.any || this.exact.has(actionLower) || (this.regex !== undefined && this.regex.test(actionLower));
  }
}

/** A Principal block: `*`, or AWS ARNs (exact) and service names (case-insensitive). */
class PrincipalMatcher {
  private readonly any: boolean;
  private readonly aws: ReadonlySet<string>;
  private readonly services: ReadonlySet<string>;
  constructor(p: PrincipalBlock | '*') {
    this.any = p === '*' || (p.AWS?.includes('*') ?? false);
    this.aws = new Set(p === '*' ? [] : p.AWS ?? []);
    this.services = new Set(p === '*' ? [] : (p.Service ?? []).map((s) => s.toLowerCase()));
  }
  test(who: EvalPrincipal): boolean {
    if (this.any) return true;
    if (who.aws !== undefined) for (const a of who.aws) if (this.aws.has(a)) return true;
    if (who.service !== undefined && this.services.size > 0) {
      return this.services.has(who.service) || this.services.has(who.service.toLowerCase());
    }
    return false;
  }
}

interface CompiledStatement {
  deny: boolean;
  actions: ActionMatcher | undefined;
  notAction: boolean;
  /** undefined: the statement names no resource (a resource or trust policy): any resource. */
  resources: GlobValues | undefined;
  notResource: boolean;
  principal: PrincipalMatcher | undefined;
  notPrincipal: boolean;
  conditions: readonly CompiledCondition[];
}

function compileStatement(st: Statement, variables: boolean): CompiledStatement {
  const actionList = st.Action ?? st.NotAction;
  const resourceList = st.Resource ?? st.NotResource;
  const principal = st.Principal ?? st.NotPrincipal;
  const conditions: CompiledCondition[] = [];
  for (const [opName, block] of Object.entries(st.Condition ?? {})) {
    const keys = Object.entries(block);
    if (keys.length === 0) continue; // an empty block holds (and an unknown operator with one is accepted by IAM)
    const op = parseOperator(opName);
    if (op === undefined) {
      // parsePolicy refuses this; a document built by hand that has one matches nothing.
      conditions.push({ op: { family: 'string', negated: false, compare: 'eq', set: undefined, ifExists: false }, key: '', keyLower: '', test: () => false });
      continue;
    }
    for (const [key, values] of keys) conditions.push(compileCondition(op, key, values, variables));
  }
  return {
    deny: st.Effect === 'Deny',
    actions: actionList ? new ActionMatcher(actionList) : undefined,
    notAction: st.Action === undefined && st.NotAction !== undefined,
    resources: resourceList ? new GlobValues(resourceList.map((r) => parseTemplate(r, variables)), 'resource') : undefined,
    notResource: st.Resource === undefined && st.NotResource !== undefined,
    principal: principal ? new PrincipalMatcher(principal) : undefined,
    notPrincipal: st.Principal === undefined && st.NotPrincipal !== undefined,
    conditions,
  };
}

const compiled = new WeakMap<PolicyDocument, readonly CompiledStatement[]>();

/**
 * A document's compiled statements, built on first use and kept as long as
 * the document is. Documents are treated as immutable once evaluated: a
 * caller that changes a policy parses a new document.
 */
function compile(doc: PolicyDocument): readonly CompiledStatement[] {
  let c = compiled.get(doc);
  if (c === undefined) {
    // Policy variables are honoured in 2012-10-17 documents only (IAM User Guide, "Version").
    const variables = doc.Version === '2012-10-17';
    c = doc.Statement.map((st) => compileStatement(st, variables));
    compiled.set(doc, c);
  }
  return c;
}

const lowerKeyMaps = new WeakMap<ConditionContext, Map<string, string | readonly string[] | undefined>>();

/**
 * A request's condition keys: first by the name as the policy writes it (the
 * usual case: policies and the gateway both use AWS's casing), else by
 * lower-cased name from a map built once per context object.
 */
function lookupIn(context: ConditionContext): KeyLookup {
  return (key, keyLower) => {
    if (Object.hasOwn(context, key)) return context[key];
    let m = lowerKeyMaps.get(context);
    if (m === undefined) {
      m = new Map();
      for (const k of Object.keys(context)) m.set(k.toLowerCase(), context[k]);
      lowerKeyMaps.set(context, m);
    }
    return m.get(keyLower);
  };
}

function applies(st: CompiledStatement, actionLower: string, input: EvalInput, lookup: () => KeyLookup): boolean {
  if (st.actions === undefined || st.actions.test(actionLower) === st.notAction) return false;
  if (st.resources !== undefined && st.resources.test(input.resource, lookup()) === st.notResource) return false;
  if (input.principal !== undefined && st.principal !== undefined && st.principal.test(input.principal) === st.notPrincipal) {
    return false;
  }
  if (st.conditions.length > 0) {
    const l = lookup();
    for (const c of st.conditions) if (!conditionHolds(c, l(c.key, c.keyLower), l)) return false;
  }
  return true;
}

/**
 * Explicit deny beats allow beats nothing, over every statement of every
 * document. Principal/NotPrincipal are considered only when the input names
 * a principal (resource and trust policies).
 */
export function evaluatePolicies(docs: readonly PolicyDocument[], input: EvalInput): Match {
  const actionLower = input.action.toLowerCase();
  let l: KeyLookup | undefined;
  const lookup = (): KeyLookup => (l ??= lookupIn(input.context));
  let allowed = false;
  for (const doc of docs) {
    for (const st of compile(doc)) {
      if (allowed && !st.deny) continue;
      if (!applies(st, actionLower, input, lookup)) continue;
      if (st.deny) return 'Deny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'None';
}
