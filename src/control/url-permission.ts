import type { PolicyStatement } from '../domain/records';

/**
 * Whether a function policy grants the public access AWS requires before a
 * function URL with AuthType NONE serves a request ("Control access to Lambda
 * function URLs": the resource-based policy is always in effect and must
 * allow principal `*`; since October 2025 a URL needs both actions):
 * 1. `lambda:InvokeFunctionUrl`, in the request context
 *    `lambda:FunctionUrlAuthType = NONE`;
 * 2. `lambda:InvokeFunction`, in the context
 *    `lambda:InvokedViaFunctionUrl = true` (and the same auth type).
 * An anonymous caller carries no other condition key, so a statement that
 * conditions on AWS:SourceArn, AWS:SourceAccount, aws:PrincipalOrgID or
 * lambda:EventSourceToken does not apply; an explicit Deny that matches wins.
 *
 * A direct reading of the statement forms AddPermission writes (and any
 * Allow/Deny with Principal `*`, Action wildcards and the String/Arn/Bool
 * operators); operators it does not know never allow (fail closed).
 * Pure and cheap: it runs once per cached policy, not per request.
 */
export function allowsPublicUrl(statements: readonly PolicyStatement[], resourceArn: string): boolean {
  const ctx = { 'lambda:functionurlauthtype': 'NONE', 'lambda:invokedviafunctionurl': 'true' };
  return (
    decide(statements, 'lambda:InvokeFunctionUrl', resourceArn, ctx) === 'Allow' &&
    decide(statements, 'lambda:InvokeFunction', resourceArn, ctx) === 'Allow'
  );
}

type Ctx = Readonly<Record<string, string>>;

function decide(statements: readonly PolicyStatement[], action: string, resource: string, ctx: Ctx): 'Allow' | 'Deny' | 'None' {
  let allowed = false;
  for (const s of statements) {
    if (!anonymousMatches(s.Principal) || !matchesAny(s.Action, action, true) || !matchesAny(s.Resource, resource, false)) continue;
    if (s.Effect === 'Deny') {
      // A Deny applies unless one of its conditions is known to be false.
      if (conditionsHold(s.Condition, ctx) !== false) return 'Deny';
    } else if (s.Effect === 'Allow' && conditionsHold(s.Condition, ctx) === true) allowed = true;
  }
  return allowed ? 'Allow' : 'None';
}

/** Principal `*` or `{"AWS": "*"}` (or a list holding `*`): the only forms that name an anonymous caller. */
function anonymousMatches(p: unknown): boolean {
  if (p === '*') return true;
  if (p && typeof p === 'object') {
    const aws = (p as Record<string, unknown>).AWS;
    return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
  }
  return false;
}

function matchesAny(pattern: unknown, value: string, caseInsensitive: boolean): boolean {
  const list = Array.isArray(pattern) ? pattern : [pattern];
  return list.some((p) => typeof p === 'string' && wildcard(p, value, caseInsensitive));
}

/** IAM's `*` (any run) and `?` (one character) wildcards. */
function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(value);
}

/** true: every condition holds; false: one does not; undefined: an operator this reading does not know. */
function conditionsHold(cond: unknown, ctx: Ctx): boolean | undefined {
  if (cond === undefined) return true;
  if (!cond || typeof cond !== 'object') return undefined;
  for (const [op, block] of Object.entries(cond as Record<string, unknown>)) {
    if (!block || typeof block !== 'object') return undefined;
    for (const [key, want] of Object.entries(block as Record<string, unknown>)) {
      const have = ctx[key.toLowerCase()];
      const wants = (Array.isArray(want) ? want : [want]).map(String);
      let ok: boolean;
      switch (op) {
        case 'StringEquals': ok = have !== undefined && wants.includes(have); break;
        case 'StringEqualsIgnoreCase': ok = have !== undefined && wants.some((w) => w.toLowerCase() === have.toLowerCase()); break;
        case 'StringLike': case 'ArnLike': case 'ArnEquals': ok = have !== undefined && wants.some((w) => wildcard(w, have, false)); break;
        case 'Bool': ok = have !== undefined && wants.some((w) => w.toLowerCase() === have); break;
        default: return undefined;
      }
      if (!ok) return false;
    }
  }
  return true;
}
