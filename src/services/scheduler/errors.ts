import { gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { DomainError, type DomainErrorKind } from '../../domain/errors';

const c = (status: number): ErrorSpec => ({ status, fault: 'client', messageKey: 'Message' });

/**
 * EventBridge Scheduler's errors (the exceptions of scheduler-2021-06-30,
 * checked by errors.test.ts against the model): rest-json answers with
 * `x-amzn-errortype: <Name>` and a `Message` member, no `Type`.
 */
export const schedulerErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  ConflictException: c(409),
  InternalServerException: { status: 500, fault: 'server', messageKey: 'Message' },
  ResourceNotFoundException: c(404),
  ServiceQuotaExceededException: c(402),
  ThrottlingException: c(429),
  ValidationException: c(400),
};

const byKind: Record<DomainErrorKind, string> = {
  NotFound: 'ResourceNotFoundException',
  Conflict: 'ConflictException',
  InvalidParameter: 'ValidationException',
  Validation: 'ValidationException',
  WrongType: 'ValidationException',
  PreconditionFailed: 'ConflictException',
  AccessDenied: 'ValidationException',
  PayloadTooLarge: 'ValidationException',
  CodeTooLarge: 'ValidationException',
  ProvisionedConfigNotFound: 'ResourceNotFoundException',
  Throttled: 'ThrottlingException',
  PolicyTooLarge: 'ValidationException',
};

export function schedulerError(name: string, message: string): ServiceError {
  const spec = schedulerErrors[name];
  if (!spec) throw new Error(`${name} is not in the Scheduler error registry`);
  return new ServiceError(name, spec, message);
}

/** The service's `mapError`: a DomainError becomes Scheduler's error; anything else is the internal error. */
export function mapSchedulerError(err: unknown): ServiceError | undefined {
  if (err instanceof ServiceError) return err;
  return err instanceof DomainError ? schedulerError(byKind[err.kind], err.message) : undefined;
}
