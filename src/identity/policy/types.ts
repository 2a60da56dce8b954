/**
 * The IAM policy language's documents, as `parsePolicy` returns them:
 * normalised (every single value made an array, an account-id principal made
 * its root ARN), so the evaluator and the IAM operations that echo a policy
 * read one shape. Pure types.
 */
import type { ConditionContext } from '../types';

/**
 * Which rules a document is checked against (AWS's grammar is the same, the
 * required and forbidden elements differ):
 * - `identity`: attached to a user or role (inline or managed): Resource
 *   required, Principal forbidden.
 * - `resource`: kept by a service on its resource (Lambda's function policy,
 *   an SQS queue policy): Principal required.
 * - `trust`: a role's AssumeRolePolicyDocument: Principal required, Resource
 *   forbidden, only `sts:AssumeRole*` actions.
 */
export type PolicyKind = 'identity' | 'resource' | 'trust';

export interface PrincipalBlock {
  AWS?: string[];
  Service?: string[];
  Federated?: string[];
  CanonicalUser?: string[];
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: PrincipalBlock | '*';
  NotPrincipal?: PrincipalBlock | '*';
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  /** operator (as written, e.g. `ForAnyValue:StringLikeIfExists`) → condition key (as written) → values. */
  Condition?: Record<string, Record<string, string[]>>;
}

/** A parsed, normalised policy document. */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: Statement[];
}

export type ParseResult = { ok: true; doc: PolicyDocument } | { ok: false; message: string };

/** Who is asking, as a resource or trust policy's Principal matches it. */
export interface EvalPrincipal {
  /**
   * Every AWS principal the caller is: its ARN (`arn:aws:iam::<acct>:user/x`,
   * or a session's `arn:aws:sts::<acct>:assumed-role/<role>/<session>`), the
   * role ARN of a session, `arn:aws:iam::<acct>:root` (so that an
   * account-wide grant matches), and the account id. Matched exactly.
   */
  aws?: readonly string[];
  /** A service principal (`lambda.amazonaws.com`), when a service asks. */
  service?: string;
}

export interface EvalInput {
  action: string;
  resource: string;
  context: ConditionContext;
  /** Given for resource and trust policies: their Principal/NotPrincipal are matched against it. */
  principal?: EvalPrincipal;
}

/** The outcome over a set of documents: an explicit Deny, an Allow, or no statement applied. */
export type Match = 'Deny' | 'Allow' | 'None';
