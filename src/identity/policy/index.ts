/**
 * The IAM policy language (issue 18): parse and validate documents as IAM
 * does, evaluate them for a request, and AWS's managed policies. Pure: no
 * I/O, no store, no HTTP; IAM's users and roles, the gateway's authorizer
 * and Lambda's function policies call it.
 *
 * @example
 * const r = parsePolicy(text, 'identity');            // PutRolePolicy's document
 * if (!r.ok) throw malformed(r.message);              // MalformedPolicyDocument, AWS's words
 * const basic = managedPolicies.get('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')!;
 * evaluatePolicies([r.doc, basic.document], {
 *   action: 'logs:PutLogEvents',
 *   resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:s',
 *   context: { 'aws:SourceIp': '10.0.0.1', 'aws:username': 'alice' },
 * });                                                 // 'Allow' | 'Deny' | 'None'
 */
export type { PolicyKind, Statement, PrincipalBlock, PolicyDocument, ParseResult, EvalPrincipal, EvalInput, Match } from './types';
export { parsePolicy, policyMessages, storedPolicyText, type ParseOptions } from './parse';
export { evaluatePolicies, precompilePolicy } from './evaluate';
export { managedPolicies, type ManagedPolicy } from './managed';
export { evalPrincipalOf } from './principal';
export {
  ROLE_INLINE_POLICY_CHARS_MAX,
  USER_INLINE_POLICY_CHARS_MAX,
  GROUP_INLINE_POLICY_CHARS_MAX,
  MANAGED_POLICY_CHARS_MAX,
  TRUST_POLICY_CHARS_MAX,
  FUNCTION_POLICY_BYTES_MAX,
  policySizeChars,
  limitMessages,
} from './limits';
