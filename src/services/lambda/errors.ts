/**
 * The one registry of AWS-facing errors. Each entry carries the AWS error
 * name, HTTP status, fault side and which member name AWS's model uses for the
 * message (`message` or `Message`: the model differs per error and the SDKs
 * read the one it names). Statuses come from the Lambda API model
 * (shared/aws-models/lambda-2015-03-31.json); the errors AWS's front door
 * raises outside the model (signature, validation, throttling of the edge)
 * carry the statuses AWS returns for them. `errors.test.ts` keeps this table
 * in sync with the model.
 *
 * Wire shape (what the SDKs parse): header `x-amzn-ErrorType: <Name>`, body
 * `{"Type": "User" | "Service", "<message member>": "..."}`.
 */
import { ServiceError, type ErrorSpec } from '../../gateway/errors';
import { encodeRestError } from '../../gateway/protocols/rest-json';
import { DomainError, validationFailed, type ConstraintFailure, type DomainErrorKind } from '../../domain/errors';

export type { ErrorSpec };

const c = (status: number, messageKey: 'message' | 'Message' = 'message'): ErrorSpec => ({ status, fault: 'client', messageKey });
const s = (status: number, messageKey: 'message' | 'Message' = 'Message'): ErrorSpec => ({ status, fault: 'server', messageKey });

export const errorRegistry = {
  // From the Lambda API model.
  InvalidParameterValueException: c(400),
  InvalidRequestContentException: c(400),
  ResourceConflictException: c(409),
  ResourceNotFoundException: c(404, 'Message'),
  ProvisionedConcurrencyConfigNotFoundException: c(404),
  ResourceInUseException: c(400, 'Message'),
  PreconditionFailedException: c(412),
  RequestTooLargeException: c(413),
  TooManyRequestsException: c(429),
  UnsupportedMediaTypeException: c(415),
  CodeStorageExceededException: c(400),
  PolicyLengthExceededException: c(400),
  ServiceException: s(500),
  ResourceNotReadyException: s(502, 'message'),
  InvalidRuntimeException: s(502),
  InvalidZipFileException: s(502),
  // Raised by AWS's front door, not listed in the model.
  ValidationException: c(400),
  RequestEntityTooLargeException: c(413),
  MissingAuthenticationTokenException: c(403),
  IncompleteSignatureException: c(403),
  UnrecognizedClientException: c(403),
  InvalidSignatureException: c(403),
  AccessDeniedException: c(403, 'Message'),
  UnknownOperationException: c(404),
  SerializationException: c(400, 'Message'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof errorRegistry;

/** A Lambda error the caller sees with AWS's name, status and message. */
export class ApiError extends ServiceError {
  declare readonly errorName: ErrorName;
  constructor(
    errorName: ErrorName,
    message: string,
    /** Extra body members AWS includes (e.g. `Reason` for TooManyRequestsException). */
    extra?: Record<string, unknown>,
  ) {
    super(errorName, errorRegistry[errorName], message, extra);
  }

  /** The rest-json error body Lambda sends (`Type` and the message under the model's member name). */
  body(): string {
    return encodeRestError(this, true).body as string;
  }
}

/** How Lambda names each domain error kind (src/domain/errors.ts). */
export const nameOfKind: Readonly<Record<DomainErrorKind, ErrorName>> = {
  NotFound: 'ResourceNotFoundException',
  Conflict: 'ResourceConflictException',
  InvalidParameter: 'InvalidParameterValueException',
  Validation: 'ValidationException',
  WrongType: 'SerializationException',
  PreconditionFailed: 'PreconditionFailedException',
  AccessDenied: 'AccessDeniedException',
  PayloadTooLarge: 'RequestTooLargeException',
  CodeTooLarge: 'RequestEntityTooLargeException',
  Throttled: 'TooManyRequestsException',
  ProvisionedConfigNotFound: 'ProvisionedConcurrencyConfigNotFoundException',
  PolicyTooLarge: 'PolicyLengthExceededException',
};

/**
 * The one place a domain error becomes Lambda's: the gateway calls this
 * (ServiceDefinition.mapError) for whatever a Lambda route throws.
 * `Reason` is TooManyRequestsException's extra member.
 */
export function lambdaError(e: DomainError): ApiError {
  return new ApiError(nameOfKind[e.kind], e.message, e.detail.reason !== undefined ? { Reason: e.detail.reason } : undefined);
}

export function mapLambdaError(e: unknown): ApiError | undefined {
  return e instanceof DomainError ? lambdaError(e) : undefined;
}

/** AWS's text for failed model constraints: "1 validation error detected: Value '…' at '…' failed to satisfy constraint: …". */
export function validationError(
  failures: ConstraintFailure[],
  /** AWS answers a few model constraints as InvalidParameterValueException (e.g. a too-long FunctionName on create). */
  name: 'ValidationException' | 'InvalidParameterValueException' = 'ValidationException',
): ApiError {
  return lambdaError(validationFailed(failures, name === 'ValidationException' ? 'Validation' : 'InvalidParameter'));
}
