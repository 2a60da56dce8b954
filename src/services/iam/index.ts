import { clientError } from '../../gateway/errors';
import type { Members, OperationContext, ServiceDefinition, ServiceIam } from '../../gateway/service';
import type { IdentityService } from '../../identity/identity-service';
import { callerOf, entityOperations } from './entities-api';
import { iamErrors, mapIamError } from './errors';
import { policyOperations } from './policies-api';

export interface IamDeps {
  identity: IdentityService;
}

/**
 * AWS Identity and Access Management (2010-05-08): the query protocol
 * (`Action=…&Version=2010-05-08`, XML answers), SigV4 service `iam`. Users,
 * access keys, roles, inline and managed policies and their attachments,
 * over src/identity/ (the domain); nothing here touches the store.
 */
export function iamService(d: IamDeps): ServiceDefinition {
  return {
    name: 'iam',
    signingName: 'iam',
    errors: iamErrors,
    internalErrorName: 'ServiceFailure',
    query: { apiVersion: '2010-05-08', xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/' },
    operations: { ...entityOperations(d.identity), ...policyOperations(d.identity) },
    mapError: mapIamError,
    iam: iamAuthorization(d.identity),
  };
}

/**
 * The ARN each operation acts on, as IAM's Service Authorization Reference
 * names it: the user, role or policy named (with its path, which the
 * in-memory tables know), the caller's own user where UserName may be
 * omitted, `*` for the account-wide lists.
 */
function iamAuthorization(identity: IdentityService): ServiceIam {
  const str = (m: Members, k: string) => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
  const userOf = (m: Members, ctx: OperationContext) => {
    const name = str(m, 'UserName');
    if (name !== undefined) return identity.userArnOf(name);
    const p = callerOf(identity, ctx);
    return p?.type === 'IAMUser' ? p.arn : `arn:aws:iam::${identity.accountId}:user/`;
  };
  const acct = identity.accountId;
  return {
    prefix: 'iam',
    resources(op, m, ctx) {
      switch (op) {
        case 'ListUsers': case 'ListRoles': case 'ListPolicies':
          return ['*'];
        case 'CreateUser':
          return [`arn:aws:iam::${acct}:user${str(m, 'Path') ?? '/'}${str(m, 'UserName') ?? ''}`];
        case 'CreateRole':
          return [`arn:aws:iam::${acct}:role${str(m, 'Path') ?? '/'}${str(m, 'RoleName') ?? ''}`];
        case 'CreatePolicy':
          return [`arn:aws:iam::${acct}:policy${str(m, 'Path') ?? '/'}${str(m, 'PolicyName') ?? ''}`];
        case 'GetPolicy': case 'DeletePolicy': case 'GetPolicyVersion': case 'ListPolicyVersions': case 'CreatePolicyVersion': case 'DeletePolicyVersion': case 'SetDefaultPolicyVersion':
          return [str(m, 'PolicyArn') ?? '*'];
        default:
          if (str(m, 'RoleName') !== undefined) return [identity.roleArnOf(str(m, 'RoleName')!)];
          return [userOf(m, ctx)];
      }
    },
    accessDenied: { name: 'AccessDenied', spec: clientError(403, 'Message') },
  };
}
