import type { ServiceDefinition } from '../../gateway/service';
import { ssmIam } from './iam';
import { mapSsmError, ssmErrors } from './errors';
import type { SsmDeps } from './operation';
import { parameterOperations } from './parameters-api';

export type { SsmDeps } from './operation';

/**
 * AWS Systems Manager (2014-11-06), Parameter Store's operations only:
 * SigV4 service `ssm`, JSON 1.1 (`X-Amz-Target: AmazonSSM.<Operation>`, as
 * @aws-sdk/client-ssm and the aws CLI send it). Operations call the domain
 * `ParameterService`; nothing here touches the store. Any other SSM
 * operation is the gateway's UnknownOperationException.
 */
export function ssmService(d: SsmDeps & { accountId: string }): ServiceDefinition {
  return {
    name: 'ssm',
    signingName: 'ssm',
    // Every operation's IAM action and resources (./iam.ts).
    iam: ssmIam,
    errors: ssmErrors,
    internalErrorName: 'InternalServerError',
    json: { targetPrefix: 'AmazonSSM', version: '1.1' },
    operations: parameterOperations(d),
    mapError: mapSsmError,
  };
}
