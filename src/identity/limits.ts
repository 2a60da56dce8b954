import { MANAGED_POLICY_CHARS_MAX, ROLE_INLINE_POLICY_CHARS_MAX, TRUST_POLICY_CHARS_MAX, USER_INLINE_POLICY_CHARS_MAX } from './policy';

/**
 * IAM's and STS's limits, as AWS documents them ("IAM and AWS STS quotas",
 * IAM User Guide, and the API reference's member constraints). Sizes of
 * policy documents are characters without white space, as IAM counts them.
 */
export const identityLimits = {
  /** CreateUser UserName: 1–64 characters. */
  userNameCharsMax: 64,
  /** CreateRole RoleName: 1–64 characters. */
  roleNameCharsMax: 64,
  /** CreatePolicy PolicyName and inline policy names: 1–128 characters. */
  policyNameCharsMax: 128,
  /** Path of a user, role or policy: 1–512 characters. */
  pathCharsMax: 512,
  /** Role Description: 0–1000 characters. */
  roleDescriptionCharsMax: 1000,
  /** CreatePolicy Description: 0–1000 characters. */
  policyDescriptionCharsMax: 1000,
  /** "Access keys assigned to an IAM user: 2". */
  accessKeysPerUserMax: 2,
  /** "Managed policies attached to an IAM role: 10" (default quota; adjustable to 20 at AWS). */
  managedPoliciesPerRoleMax: 10,
  /** "Managed policies attached to an IAM user: 10" (default quota; adjustable to 20 at AWS). */
  managedPoliciesPerUserMax: 10,
  /** Policy sizes: the policy module's constants (policy/limits.ts, where AWS is cited). */
  userInlinePolicyCharsMax: USER_INLINE_POLICY_CHARS_MAX,
  roleInlinePolicyCharsMax: ROLE_INLINE_POLICY_CHARS_MAX,
  managedPolicyCharsMax: MANAGED_POLICY_CHARS_MAX,
  trustPolicyCharsMax: TRUST_POLICY_CHARS_MAX,
  /** "Versions of a managed policy that can be stored: 5". */
  policyVersionsMax: 5,
  /** "Tags per IAM resource: 50". */
  tagsPerResourceMax: 50,
  /** MaxSessionDuration: 3600–43200 seconds; default 3600. */
  maxSessionDurationSMin: 3_600,
  maxSessionDurationSMax: 43_200,
  maxSessionDurationSDefault: 3_600,
  /** AssumeRole DurationSeconds: at least 900 s; default 3600 s. */
  assumeRoleDurationSMin: 900,
  assumeRoleDurationSDefault: 3_600,
  /** A role session assuming a role (role chaining) gets at most one hour. */
  roleChainingDurationSMax: 3_600,
  /** RoleSessionName: 2–64 characters of [\w+=,.@-]. */
  roleSessionNameCharsMin: 2,
  roleSessionNameCharsMax: 64,
  /** List operations' MaxItems: 1–1000; 100 when not given. */
  listItemsMax: 1_000,
  listItemsDefault: 100,
  /** "Customer managed policies in an AWS account: 1,500" (default quota). */
  customerPoliciesPerAccountMax: 1_500,
} as const;

/** Kumo's own bounds on the identity domain's memory and staleness. */
export const identityTuning = {
  /**
   * How often a server reads the identity change counter (identity.ts in
   * src/store): a change made by another server on the same PostgreSQL
   * (a deleted key, a detached policy) takes effect here within this long.
   */
  refreshIntervalMs: 1_000,
  /** Opened session tokens kept (the EE's SDK sends the same token on every call). */
  openedSessionsMax: 4_096,
  /** Compiled resource policies kept, by their text. */
  resourcePoliciesMax: 4_096,
} as const;
