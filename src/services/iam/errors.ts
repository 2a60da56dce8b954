import { clientError, gatewayErrors, serverError, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { IdentityError, type IdentityErrorKind } from '../../identity/errors';

/**
 * IAM's errors by the code the query protocol puts in `<Error><Code>` (the
 * model's `error.code`), with the model's status (checked against
 * iam-2010-05-08.json by errors.test.ts), plus the query services' common
 * ValidationError and AccessDenied.
 */
export const iamErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  AccessDenied: clientError(403, 'Message'),
  ValidationError: clientError(400, 'Message'),
  ConcurrentModification: clientError(409, 'Message'),
  ReportExpired: clientError(410, 'Message'),
  ReportNotPresent: clientError(410, 'Message'),
  ReportInProgress: clientError(404, 'Message'),
  DeleteConflict: clientError(409, 'Message'),
  DuplicateCertificate: clientError(409, 'Message'),
  DuplicateSSHPublicKey: clientError(400, 'Message'),
  EntityAlreadyExists: clientError(409, 'Message'),
  EntityTemporarilyUnmodifiable: clientError(409, 'Message'),
  FeatureDisabled: clientError(404, 'Message'),
  FeatureEnabled: clientError(409, 'Message'),
  InvalidAuthenticationCode: clientError(403, 'Message'),
  InvalidCertificate: clientError(400, 'Message'),
  InvalidInput: clientError(400, 'Message'),
  InvalidPublicKey: clientError(400, 'Message'),
  InvalidUserType: clientError(400, 'Message'),
  KeyPairMismatch: clientError(400, 'Message'),
  LimitExceeded: clientError(409, 'Message'),
  MalformedCertificate: clientError(400, 'Message'),
  MalformedPolicyDocument: clientError(400, 'Message'),
  NoSuchEntity: clientError(404, 'Message'),
  OpenIdIdpCommunicationError: clientError(400, 'Message'),
  PasswordPolicyViolation: clientError(400, 'Message'),
  PolicyEvaluation: serverError(500, 'Message'),
  PolicyNotAttachable: clientError(400, 'Message'),
  ReportGenerationLimitExceeded: clientError(409, 'Message'),
  ServiceFailure: serverError(500, 'Message'),
  NotSupportedService: clientError(404, 'Message'),
  UnmodifiableEntity: clientError(400, 'Message'),
  UnrecognizedPublicKeyEncoding: clientError(400, 'Message'),
  // Exceptions of the model without an error trait (Organizations-related): code = shape name, 400.
  AccountNotManagementOrDelegatedAdministratorException: clientError(400, 'Message'),
  CallerIsNotManagementAccountException: clientError(400, 'Message'),
  OrganizationNotFoundException: clientError(400, 'Message'),
  OrganizationNotInAllFeaturesModeException: clientError(400, 'Message'),
  ServiceAccessNotEnabledException: clientError(400, 'Message'),
};

/** The IAM code of each domain kind (one table). */
export const iamCodeOfKind: Record<IdentityErrorKind, string> = {
  NoSuchEntity: 'NoSuchEntity',
  EntityAlreadyExists: 'EntityAlreadyExists',
  MalformedPolicyDocument: 'MalformedPolicyDocument',
  LimitExceeded: 'LimitExceeded',
  DeleteConflict: 'DeleteConflict',
  ValidationError: 'ValidationError',
  InvalidInput: 'InvalidInput',
  AccessDenied: 'AccessDenied',
};

export function iamError(code: string, message: string): ServiceError {
  const spec = iamErrors[code];
  if (!spec) throw new Error(`${code} is not in the IAM error registry`);
  return new ServiceError(code, spec, message);
}

export function mapIamError(e: unknown): ServiceError | undefined {
  if (e instanceof IdentityError) return iamError(iamCodeOfKind[e.kind], e.message);
  return undefined;
}
