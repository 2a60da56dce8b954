/**
 * IAM's size limits on policy documents. AWS counts characters and does not
 * count white space ("IAM doesn't count white space when calculating the size
 * of a policy against these limits", IAM User Guide, "IAM and AWS STS quotas"):
 * `policySizeChars` counts that way. The IAM operations apply the limit of
 * their kind and answer AWS's error for it (LimitExceeded, 409).
 */

/**
 * Inline policies of a role, all of them together, in characters (IAM quotas:
 * "Role policy size cannot exceed 10,240 characters"). AWS's answer to
 * PutRolePolicy over it: LimitExceeded "Maximum policy size of 10240 bytes
 * exceeded for role <name>".
 */
export const ROLE_INLINE_POLICY_CHARS_MAX = 10_240;

/**
 * Inline policies of a user, all of them together, in characters (IAM quotas:
 * "User policy size cannot exceed 2,048 characters"). AWS: LimitExceeded
 * "Maximum policy size of 2048 bytes exceeded for user <name>".
 */
export const USER_INLINE_POLICY_CHARS_MAX = 2_048;

/**
 * Inline policies of a group, together, in characters (IAM quotas: "Group
 * policy size cannot exceed 5,120 characters").
 */
export const GROUP_INLINE_POLICY_CHARS_MAX = 5_120;

/**
 * One managed policy (each version), in characters (IAM quotas: "Managed
 * policy size cannot exceed 6,144 characters"). AWS's answer to
 * CreatePolicy / CreatePolicyVersion over it: LimitExceeded
 * "Cannot exceed quota for PolicySize: 6144".
 */
export const MANAGED_POLICY_CHARS_MAX = 6_144;

/**
 * A role's trust policy, in characters (IAM quotas: "Role trust policy length",
 * default 2,048, raisable to 4,096 by quota request, which Kumo does not
 * model). AWS: LimitExceeded "Cannot exceed quota for ACLSizePerRole: 2048".
 */
export const TRUST_POLICY_CHARS_MAX = 2_048;

/** A Lambda function's resource policy, in bytes (Lambda quotas: "Function resource-based policy", 20 KB). */
export const FUNCTION_POLICY_BYTES_MAX = 20_480;

/** The size AWS measures a policy by: its characters other than white space. */
export function policySizeChars(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // JSON's white space (space, tab, LF, CR); AWS documents "white space".
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) n++;
  }
  return n;
}
