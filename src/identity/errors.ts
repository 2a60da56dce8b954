/**
 * What the identity domain throws: the IAM/STS error it is, in IAM's own
 * terms (the domain speaks IAM's nouns), and AWS's message. The service
 * folders (src/services/iam, src/services/sts) give each its status.
 */
export type IdentityErrorKind =
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'MalformedPolicyDocument'
  | 'LimitExceeded'
  | 'DeleteConflict'
  | 'ValidationError'
  | 'InvalidInput'
  /** STS: the caller may not assume the role. */
  | 'AccessDenied';

export class IdentityError extends Error {
  constructor(readonly kind: IdentityErrorKind, message: string) {
    super(message);
  }
}

/** IAM's Coral-style validation message (member in lowerCamelCase). */
export const constraint = (member: string, value: unknown, rule: string) =>
  new IdentityError('ValidationError', `1 validation error detected: Value '${String(value)}' at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: ${rule}`);
