import { clientError, gatewayErrors, serverError, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { TopicsError, type TopicsErrorKind } from '../../topics/errors';

/**
 * Amazon SNS's errors by the code the query protocol puts in
 * `<Error><Code>` (the model's `error.code`: `NotFound`, `InvalidParameter`,
 * …, which the SDK maps to NotFoundException, InvalidParameterException …),
 * with the model's status; checked against sns-2010-03-31.json by
 * errors.test.ts.
 */
export const snsErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  AuthorizationError: clientError(403),
  BatchEntryIdsNotDistinct: clientError(400),
  BatchRequestTooLong: clientError(400),
  ConcurrentAccess: clientError(400),
  EmptyBatchRequest: clientError(400),
  EndpointDisabled: clientError(400),
  FilterPolicyLimitExceeded: clientError(403),
  InternalError: serverError(500),
  InvalidBatchEntryId: clientError(400),
  InvalidParameter: clientError(400),
  ParameterValueInvalid: clientError(400),
  InvalidSecurity: clientError(403),
  InvalidState: clientError(400),
  KMSAccessDenied: clientError(400),
  KMSDisabled: clientError(400),
  KMSInvalidState: clientError(400),
  KMSNotFound: clientError(400),
  KMSOptInRequired: clientError(403),
  KMSThrottling: clientError(400),
  NotFound: clientError(404),
  OptedOut: clientError(400),
  PlatformApplicationDisabled: clientError(400),
  ReplayLimitExceeded: clientError(403),
  ResourceNotFound: clientError(404),
  StaleTag: clientError(400),
  SubscriptionLimitExceeded: clientError(403),
  TagLimitExceeded: clientError(400),
  TagPolicy: clientError(400),
  Throttled: clientError(429),
  TooManyEntriesInBatchRequest: clientError(400),
  TopicLimitExceeded: clientError(403),
  UserError: clientError(400),
  ValidationException: clientError(400, 'Message'),
  VerificationException: clientError(400, 'Message'),
};

/** The SNS code of each domain kind (one table). */
export const codeOfKind: Record<TopicsErrorKind, string> = {
  NotFound: 'NotFound',
  ResourceNotFound: 'ResourceNotFound',
  InvalidParameter: 'InvalidParameter',
  TagLimitExceeded: 'TagLimitExceeded',
  EmptyBatchRequest: 'EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'InvalidBatchEntryId',
  BatchRequestTooLong: 'BatchRequestTooLong',
};

export function snsError(code: string, message: string): ServiceError {
  const spec = snsErrors[code];
  if (!spec) throw new Error(`${code} is not in the SNS error registry`);
  return new ServiceError(code, spec, message);
}

/** The definition's mapError: a TopicsError becomes its SNS error; anything else the internal error. */
export function mapSnsError(e: unknown): ServiceError | undefined {
  if (e instanceof TopicsError) return snsError(codeOfKind[e.kind], e.message);
  return undefined;
}
