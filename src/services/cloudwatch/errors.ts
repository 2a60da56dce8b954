import { gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';

const e = (status: number, queryCode: string, messageKey: 'message' | 'Message' = 'message'): ErrorSpec => ({ status, fault: status >= 500 ? 'server' : 'client', messageKey, queryCode });

/**
 * CloudWatch's errors (cloudwatch-2010-08-01: shape name, `awsQueryError`
 * code and status). The JSON protocol answers `__type` with the shape name and
 * `x-amzn-query-error: <code>;Sender` (the service is awsQueryCompatible); the
 * query protocol answers `<Code>` with the code.
 */
export const cloudWatchErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  InvalidParameterValueException: e(400, 'InvalidParameterValue'),
  MissingRequiredParameterException: e(400, 'MissingParameter'),
  InvalidParameterCombinationException: e(400, 'InvalidParameterCombination'),
  InvalidNextToken: e(400, 'InvalidNextToken'),
  InternalServiceFault: e(500, 'InternalServiceError', 'Message'),
};

export function cwError(name: keyof typeof cloudWatchErrors & string, message: string): ServiceError {
  const spec = cloudWatchErrors[name];
  if (!spec) throw new Error(`${name} is not in the CloudWatch error registry`);
  return new ServiceError(name, spec, message);
}

export const invalid = (m: string) => cwError('InvalidParameterValueException', m);
export const missing = (param: string) => cwError('MissingRequiredParameterException', `The parameter ${param} is required.`);
export const combination = (m: string) => cwError('InvalidParameterCombinationException', m);
