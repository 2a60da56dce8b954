/**
 * Who a caller is, as a resource or trust policy's Principal element sees
 * it (IAM User Guide, "AWS JSON policy elements: Principal"): a statement
 * naming the account (`"AWS": "123456789012"`, stored as
 * `arn:aws:iam::123456789012:root`) matches every principal of that
 * account; one naming a role matches the role's sessions; one naming a user
 * or a session matches that one. `evaluatePolicies` matches exactly, so the
 * caller's list carries each form.
 */
import type { Principal } from '../types';
import type { EvalPrincipal } from './types';

/** The forms of `p` a Principal element can name. */
export function evalPrincipalOf(p: Principal): EvalPrincipal {
  const partition = p.arn.split(':', 3)[1] || 'aws';
  const root = `arn:${partition}:iam::${p.accountId}:root`;
  const aws = [p.arn];
  if (p.roleArn !== undefined && p.roleArn !== p.arn) aws.push(p.roleArn);
  if (p.arn !== root) aws.push(root);
  aws.push(p.accountId);
  return { aws };
}
