import { clientError } from '../../gateway/errors';
import type { ServiceDefinition } from '../../gateway/service';
import type { IdentityAuthorizer } from '../../identity/authorizer';
import type { IdentityService } from '../../identity/identity-service';
import { callerOf } from '../iam/entities-api';
import { queryReaders } from '../iam/decode';
import { mapStsError, stsError, stsErrors } from './errors';

export interface StsDeps {
  identity: IdentityService;
  authorizer: IdentityAuthorizer;
}

const r = queryReaders(stsError);

/** AssumeRole members Kumo cannot honour: refused, never dropped. */
const unsupportedAssumeRoleMembers = ['Policy', 'PolicyArns', 'Tags', 'TransitiveTagKeys', 'SerialNumber', 'TokenCode', 'SourceIdentity', 'ProvidedContexts'];

/**
 * AWS Security Token Service (2011-06-15): the query protocol, SigV4 service
 * `sts`. GetCallerIdentity and AssumeRole over src/identity/.
 *
 * Authorisation (`iam`): neither goes through the gateway's check (their
 * resources are []): AWS answers GetCallerIdentity to any valid caller
 * ("No permissions are required to perform this operation"), and
 * AssumeRole's decision needs the role's trust policy and the caller's
 * identity policies together, which the domain makes
 * (IdentityService.assumeRole), with AWS's own message.
 */
export function stsService(d: StsDeps): ServiceDefinition {
  return {
    name: 'sts',
    signingName: 'sts',
    errors: stsErrors,
    internalErrorName: 'InternalFailure',
    query: { apiVersion: '2011-06-15', xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/' },
    operations: {
      GetCallerIdentity: {
        handle: async (_input, ctx) => {
          const p = callerOf(d.identity, ctx);
          if (!p) throw stsError('AccessDenied', 'The security token included in the request is invalid.');
          return { UserId: p.principalId, Account: p.accountId, Arn: p.arn };
        },
      },
      AssumeRole: {
        handle: async (input, ctx) => {
          const p = callerOf(d.identity, ctx);
          if (!p) throw stsError('AccessDenied', 'The security token included in the request is invalid.');
          for (const m of unsupportedAssumeRoleMembers) {
            if (input[m] !== undefined) throw stsError('ValidationError', `Kumo does not support ${m} in AssumeRole.`);
          }
          const externalId = r.str(input, 'ExternalId');
          const a = await d.identity.assumeRole(
            p, r.required(input, 'RoleArn'), r.required(input, 'RoleSessionName'), r.int(input, 'DurationSeconds'),
            externalId !== undefined ? { 'sts:ExternalId': externalId } : {},
            (who, action, resource) => d.authorizer.identityDecision(who, action, resource, {}),
          );
          return {
            Credentials: {
              AccessKeyId: a.credentials.accessKeyId, SecretAccessKey: a.credentials.secretAccessKey, SessionToken: a.credentials.sessionToken,
              Expiration: new Date(a.credentials.expiresAtMs),
            },
            AssumedRoleUser: { AssumedRoleId: a.assumedRoleId, Arn: a.arn },
          };
        },
      },
    },
    mapError: mapStsError,
    iam: { prefix: 'sts', resources: () => [], accessDenied: { name: 'AccessDenied', spec: clientError(403, 'Message') } },
  };
}
