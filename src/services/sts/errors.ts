import { clientError, gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { IdentityError, type IdentityErrorKind } from '../../identity/errors';

/**
 * STS's errors by their query code (the model's `error.code`) with the
 * model's status (checked against sts-2011-06-15.json by errors.test.ts),
 * plus the query services' common ValidationError and AccessDenied.
 */
export const stsErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  AccessDenied: clientError(403, 'Message'),
  ValidationError: clientError(400, 'Message'),
  ExpiredTokenException: clientError(400, 'Message'),
  ExpiredTradeInTokenException: clientError(400, 'Message'),
  IDPCommunicationError: clientError(400, 'Message'),
  IDPRejectedClaim: clientError(403, 'Message'),
  InvalidAuthorizationMessageException: clientError(400, 'Message'),
  InvalidIdentityToken: clientError(400, 'Message'),
  JWTPayloadSizeExceededException: clientError(400, 'Message'),
  MalformedPolicyDocument: clientError(400, 'Message'),
  OutboundWebIdentityFederationDisabledException: clientError(403, 'Message'),
  PackedPolicyTooLarge: clientError(400, 'Message'),
  RegionDisabledException: clientError(403, 'Message'),
  SessionDurationEscalationException: clientError(403, 'Message'),
};

/** The STS code of each domain kind STS can raise (the rest are IAM's own and never reach STS). */
export const stsCodeOfKind: Record<IdentityErrorKind, string> = {
  NoSuchEntity: 'AccessDenied',
  EntityAlreadyExists: 'ValidationError',
  MalformedPolicyDocument: 'MalformedPolicyDocument',
  LimitExceeded: 'ValidationError',
  DeleteConflict: 'ValidationError',
  ValidationError: 'ValidationError',
  InvalidInput: 'ValidationError',
  AccessDenied: 'AccessDenied',
};

export function stsError(code: string, message: string): ServiceError {
  const spec = stsErrors[code];
  if (!spec) throw new Error(`${code} is not in the STS error registry`);
  return new ServiceError(code, spec, message);
}

export function mapStsError(e: unknown): ServiceError | undefined {
  if (e instanceof IdentityError) return stsError(stsCodeOfKind[e.kind], e.message);
  return undefined;
}
