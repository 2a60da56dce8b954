import type { PolicyStatement } from '../domain/records';
import { evaluatePolicies, parsePolicy } from '../identity/policy';

/**
 * Whether a function policy grants the public access AWS requires before a
 * function URL with AuthType NONE serves a request ("Control access to Lambda
 * function URLs": the resource-based policy is always in effect and must
 * allow principal `*`; since October 2025 a URL needs both actions):
 * 1. `lambda:InvokeFunctionUrl`, in the request context
 *    `lambda:FunctionUrlAuthType = NONE`;
 * 2. `lambda:InvokeFunction`, in the context
 *    `lambda:InvokedViaFunctionUrl = true` (and the same auth type).
 * The caller is anonymous: only a Principal `*` (or `{"AWS": "*"}`) names it,
 * and it carries no other condition key, so a statement that conditions on
 * AWS:SourceArn, AWS:SourceAccount, aws:PrincipalOrgID or
 * lambda:EventSourceToken does not apply. Evaluated by the IAM policy
 * language (identity/policy: explicit Deny beats Allow). A policy that does
 * not parse opens nothing. Runs once per cached policy, not per request.
 */
export function allowsPublicUrl(statements: readonly PolicyStatement[], resourceArn: string): boolean {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'resource');
  if (!parsed.ok) return false;
  const docs = [parsed.doc];
  const principal = { aws: [] as string[] };
  const context = { 'lambda:FunctionUrlAuthType': 'NONE', 'lambda:InvokedViaFunctionUrl': 'true' };
  return (
    evaluatePolicies(docs, { action: 'lambda:InvokeFunctionUrl', resource: resourceArn, context, principal }) === 'Allow' &&
    evaluatePolicies(docs, { action: 'lambda:InvokeFunction', resource: resourceArn, context, principal }) === 'Allow'
  );
}
