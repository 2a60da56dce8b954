import { clientError, gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { DomainError } from '../../domain/errors';

/**
 * CloudTrail's errors for the one operation Kumo serves (LookupEvents, whose
 * model lists these seven), checked against cloudtrail-2013-11-01.json by
 * errors.test.ts. Every other CloudTrail operation is UnknownOperation.
 */
export const cloudTrailErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  InvalidLookupAttributesException: clientError(400),
  InvalidTimeRangeException: clientError(400),
  InvalidMaxResultsException: clientError(400),
  InvalidNextTokenException: clientError(400),
  InvalidEventCategoryException: clientError(400),
  UnsupportedOperationException: clientError(400),
  OperationNotPermittedException: clientError(400),
};

export function cloudTrailError(name: string, message: string): ServiceError {
  return new ServiceError(name, cloudTrailErrors[name]!, message);
}

/** The audit domain names its refusals in `detail.reason` (InvalidMaxResults…): `<reason>Exception`. */
export function mapCloudTrailError(e: unknown): ServiceError | undefined {
  if (!(e instanceof DomainError)) return undefined;
  const name = `${e.detail.reason ?? ''}Exception`;
  return cloudTrailErrors[name] ? cloudTrailError(name, e.message) : undefined;
}
