import { clientError, gatewayErrors, serverError, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { LogsError, type LogsErrorKind } from '../../logs/log-service';

/**
 * CloudWatch Logs' errors (the exceptions of logs-2014-03-28, checked against
 * the model by errors.test.ts). Logs answers every client error with 400,
 * validation failures included (as InvalidParameterException with Coral's
 * "1 validation error detected: …" text, as AWS's recorded responses show);
 * the message member is `message`.
 */
export const logsErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  AccessDeniedException: clientError(400),
  DataAlreadyAcceptedException: clientError(400),
  InvalidOperationException: clientError(400),
  InvalidParameterException: clientError(400),
  InvalidSequenceTokenException: clientError(400),
  LimitExceededException: clientError(400),
  OperationAbortedException: clientError(400),
  ResourceAlreadyExistsException: clientError(400),
  ResourceNotFoundException: clientError(400),
  ServiceQuotaExceededException: clientError(400),
  ThrottlingException: clientError(400),
  UnrecognizedClientException: clientError(400),
  ValidationException: clientError(400),
  ServiceUnavailableException: serverError(500),
};

export function logsError(name: string, message: string): ServiceError {
  const spec = logsErrors[name];
  if (!spec) throw new Error(`${name} is not in the Logs error registry`);
  return new ServiceError(name, spec, message);
}

const byKind: Record<LogsErrorKind, string> = {
  GroupNotFound: 'ResourceNotFoundException',
  StreamNotFound: 'ResourceNotFoundException',
  GroupExists: 'ResourceAlreadyExistsException',
  StreamExists: 'ResourceAlreadyExistsException',
  InvalidParameter: 'InvalidParameterException',
  LimitExceeded: 'LimitExceededException',
};

/** Runs a domain call, turning its LogsError into AWS's error. */
export async function domain<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof LogsError) throw logsError(byKind[e.kind], e.message);
    throw e;
  }
}
