import { gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { DomainError, type DomainErrorKind } from '../../domain/errors';

const c = (status: number): ErrorSpec => ({ status, fault: 'client', messageKey: 'message' });

/**
 * API Gateway v2's errors (the exceptions of apigatewayv2-2018-11-29):
 * rest-json, `x-amzn-errortype: <Name>` and a `message` member (the model's
 * jsonName), no `Type`.
 */
export const apiGatewayV2Errors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  AccessDeniedException: c(403),
  BadRequestException: c(400),
  ConflictException: c(409),
  NotFoundException: c(404),
  TooManyRequestsException: c(429),
};

const byKind: Record<DomainErrorKind, string> = {
  NotFound: 'NotFoundException',
  Conflict: 'ConflictException',
  InvalidParameter: 'BadRequestException',
  Validation: 'BadRequestException',
  WrongType: 'BadRequestException',
  PreconditionFailed: 'ConflictException',
  AccessDenied: 'AccessDeniedException',
  PayloadTooLarge: 'BadRequestException',
  CodeTooLarge: 'BadRequestException',
  ProvisionedConfigNotFound: 'NotFoundException',
  Throttled: 'TooManyRequestsException',
  PolicyTooLarge: 'BadRequestException',
};

export function apiGatewayV2Error(name: string, message: string): ServiceError {
  const spec = apiGatewayV2Errors[name];
  if (!spec) throw new Error(`${name} is not in the API Gateway v2 error registry`);
  return new ServiceError(name, spec, message);
}

export function mapApiGatewayV2Error(err: unknown): ServiceError | undefined {
  if (err instanceof ServiceError) return err;
  if (!(err instanceof DomainError)) return undefined;
  const name = byKind[err.kind];
  // NotFoundException carries the kind of resource not found (`"resourceType":"Api"`, as AWS answers it).
  const rt = name === 'NotFoundException' ? /^Invalid (API|Route|Integration|stage) identifier/.exec(err.message)?.[1] : undefined;
  if (rt) return new ServiceError(name, apiGatewayV2Errors[name]!, err.message, { resourceType: rt === 'API' ? 'Api' : rt === 'stage' ? 'Stage' : rt });
  return apiGatewayV2Error(name, err.message);
}
