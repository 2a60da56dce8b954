/**
 * The identity seam (issue 18): who a caller is, how the gateway learns it
 * from an access key, and how a call is authorised. Pure types: the policy
 * language is `identity/policy/`, IAM's users, roles and policies and STS's
 * sessions are `identity/` (the domain), the gateway only calls these
 * interfaces. Nothing here imports the gateway or a service.
 */

/** CloudTrail's `userIdentity.type` for the callers Kumo knows. */
export type PrincipalType = 'Root' | 'IAMUser' | 'AssumedRole';

/** The authenticated caller of one request. */
export interface Principal {
  type: PrincipalType;
  accountId: string;
  /**
   * `arn:aws:iam::<acct>:root`, `arn:aws:iam::<acct>:user<path><name>`, or for a
   * role session `arn:aws:sts::<acct>:assumed-role/<role name>/<session name>`.
   */
  arn: string;
  /** AWS's principal id: the account id for root, `AIDA…` for a user, `AROA…:<session>` for a role session. */
  principalId: string;
  /** The access key that signed the request. */
  accessKeyId: string;
  /** IAMUser: the user's name. */
  userName?: string;
  /** AssumedRole: the role's ARN (`arn:aws:iam::<acct>:role<path><name>`) and the session's name and end. */
  roleArn?: string;
  sessionName?: string;
  expiresAtMs?: number;
  /** AssumedRole: when the session was issued (aws:TokenIssueTime; CloudTrail's sessionContext.attributes.creationDate). */
  issuedAtMs?: number;
}

/** What the gateway learns from an access key: the secret to check the signature with, and who signed. */
export interface Caller {
  secret: string;
  principal: Principal;
}

/**
 * Why a key was refused before its signature was checked: `unknown` → the
 * service's UnrecognizedClient/InvalidClientTokenId ("The security token
 * included in the request is invalid."), `expired` → ExpiredToken
 * ("The security token included in the request is expired").
 */
export type CallerRefusal = { refused: 'unknown' | 'expired' };

/**
 * Access key → caller. Synchronous and allocation-light: it runs on every
 * signed request (the root key and IAM users' keys are held in memory;
 * session keys are checked from their sealed token, without I/O).
 * `sessionToken` is the request's X-Amz-Security-Token, if any.
 */
export interface CallerResolver {
  resolve(accessKeyId: string, sessionToken: string | undefined): Caller | CallerRefusal;
}

/** Condition keys and their values for one request (`aws:SourceIp`, `aws:SourceArn`, `lambda:FunctionUrlAuthType`…). */
export type ConditionContext = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One action on one resource, to be allowed or denied. */
export interface AuthzRequest {
  /** `<service prefix>:<action>` as IAM names it (`lambda:InvokeFunction`, `sqs:SendMessage`). */
  action: string;
  /** The resource's ARN, or `*` for actions that name none (ListFunctions). */
  resource: string;
  context: ConditionContext;
}

/**
 * The decision: `Allow`, or a refusal saying whether a statement denied it
 * explicitly (AWS's message: "…with an explicit deny in an identity-based
 * policy") or nothing allowed it ("…because no identity-based policy allows
 * the <action> action").
 */
export type AuthzDecision =
  | { allowed: true }
  | { allowed: false; reason: 'ExplicitDeny' | 'ImplicitDeny'; policyType: 'identity-based' | 'resource-based' | 'session' };

/**
 * Decides one request of one principal. Root is allowed everything in its
 * own account, and the gateway does not ask for it (the hot path of the
 * root key pays nothing).
 */
export interface Authorizer {
  authorize(principal: Principal, request: AuthzRequest): AuthzDecision | Promise<AuthzDecision>;
}

/** AWS's AccessDenied message for a refused request (the same words across services). */
export function accessDeniedMessage(p: Principal, r: AuthzRequest, d: Extract<AuthzDecision, { allowed: false }>): string {
  const why =
    d.reason === 'ExplicitDeny'
      ? `with an explicit deny in ${d.policyType === 'identity-based' ? 'an identity-based' : d.policyType === 'resource-based' ? 'a resource-based' : 'a session'} policy`
      : `because no ${d.policyType} policy allows the ${r.action} action`;
  return `User: ${p.arn} is not authorized to perform: ${r.action} on resource: ${r.resource} ${why}`;
}

/** Short-lived credentials of a role session (STS AssumeRole's, and each EE's). */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
}

/** Sessions of a role minted by Kumo itself for a service acting as the role (Lambda for an EE). */
export interface RoleSessions {
  /** Credentials for `roleArn` as `sessionName` (Lambda: the function's name), valid for `durationMs`. */
  mint(roleArn: string, sessionName: string, durationMs: number): SessionCredentials;
}

/** What Lambda asks of IAM about an execution role. */
export interface RoleDirectory {
  /**
   * Whether the role exists and its trust policy lets `servicePrincipal`
   * (`lambda.amazonaws.com`) assume it. AWS's CreateFunction refuses both
   * `missing` and `untrusted` with "The role defined for the function cannot be assumed by Lambda."
   */
  trusts(roleArn: string, servicePrincipal: string): Promise<'ok' | 'missing' | 'untrusted'>;
}

/**
 * Resource-based policies a service keeps (Lambda's function policies from
 * AddPermission): the authorizer asks for the policy of the resource a call
 * names. `resourceArn` is the ARN the call names (a function, version or
 * alias ARN); the source answers with that resource's policy (JSON text) or undefined.
 */
export interface ResourcePolicySource {
  policyOf(resourceArn: string): Promise<string | undefined> | string | undefined;
}
