/**
 * The IAM policy language (issue 18): parse and validate documents as IAM
 * does, evaluate them for a request, and AWS's managed policies. Pure: no
 * I/O, no store, no HTTP; IAM's users and roles, the gateway's authorizer
 * and Lambda's function policies call it.
 */
export type { PolicyKind, Statement, PrincipalBlock, PolicyDocument, ParseResult, EvalPrincipal, EvalInput, Match } from './types';
export { parsePolicy, policyMessages, type ParseOptions } from './parse';
export { evaluatePolicies } from './evaluate';
export { managedPolicies, type ManagedPolicy } from './managed';
export {
  ROLE_INLINE_POLICY_CHARS_MAX,
  USER_INLINE_POLICY_CHARS_MAX,
  GROUP_INLINE_POLICY_CHARS_MAX,
  MANAGED_POLICY_CHARS_MAX,
  TRUST_POLICY_CHARS_MAX,
  FUNCTION_POLICY_BYTES_MAX,
  policySizeChars,
} from './limits';
