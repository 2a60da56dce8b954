import { gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { StreamError, type StreamErrorKind } from '../../streams/errors';

const c = (status = 400): ErrorSpec => ({ status, fault: 'client', messageKey: 'message' });

/**
 * Kinesis's errors (the exceptions of kinesis-2013-12-02, checked by
 * errors.test.ts against the model): JSON 1.1 answers with `__type: <Name>`
 * and `message`, all 400 but the internal failure, as AWS answers them.
 */
export const kinesisErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  AccessDeniedException: c(),
  ExpiredIteratorException: c(),
  ExpiredNextTokenException: c(),
  InternalFailureException: { status: 500, fault: 'server', messageKey: 'message' },
  InvalidArgumentException: c(),
  KMSAccessDeniedException: c(),
  KMSDisabledException: c(),
  KMSInvalidStateException: c(),
  KMSNotFoundException: c(),
  KMSOptInRequired: c(),
  KMSThrottlingException: c(),
  LimitExceededException: c(),
  ProvisionedThroughputExceededException: c(),
  ResourceInUseException: c(),
  ResourceNotFoundException: c(),
  ValidationException: c(),
};

const byKind: Record<StreamErrorKind, string> = {
  NotFound: 'ResourceNotFoundException',
  InUse: 'ResourceInUseException',
  InvalidArgument: 'InvalidArgumentException',
  Validation: 'ValidationException',
  LimitExceeded: 'LimitExceededException',
  Throughput: 'ProvisionedThroughputExceededException',
  ExpiredIterator: 'ExpiredIteratorException',
  ExpiredNextToken: 'ExpiredNextTokenException',
  // What Kumo does not honour (enhanced fan-out, KMS encryption, …) is refused as an invalid argument naming the feature.
  Unsupported: 'InvalidArgumentException',
};

export const kinesisErrorName = (kind: StreamErrorKind) => byKind[kind];

export function kinesisError(name: string, message: string): ServiceError {
  const spec = kinesisErrors[name];
  if (!spec) throw new Error(`${name} is not in the Kinesis error registry`);
  return new ServiceError(name, spec, message);
}

/** The service's `mapError`: a StreamError becomes Kinesis's error; anything else is left to the gateway (internal error). */
export function mapKinesisError(err: unknown): ServiceError | undefined {
  return err instanceof StreamError ? kinesisError(byKind[err.kind], err.message) : undefined;
}
