import type { Operation, OperationContext } from '../../gateway/service';
import type { IdentityService } from '../../identity/identity-service';
import type { Principal } from '../../identity/types';
import { queryReaders } from './decode';
import { iamError } from './errors';
import { roleShape, tagList, truncation, userShape } from './shapes';

const r = queryReaders(iamError);

/** The caller: the gateway's principal, or (a gateway that does not pass one yet) the one its key resolves to. */
export function callerOf(identity: IdentityService, ctx: OperationContext): Principal | undefined {
  if (ctx.principal) return ctx.principal;
  if (!ctx.accessKeyId) return undefined;
  const c = identity.resolve(ctx.accessKeyId, undefined);
  return 'principal' in c ? c.principal : undefined;
}

/**
 * The user an operation acts on: UserName, or, when omitted, the caller's
 * own user (AWS: "If you do not specify a user name, IAM determines the
 * user name implicitly based on the AWS access key ID used to sign the request").
 */
function userNameOf(identity: IdentityService, input: Record<string, unknown>, ctx: OperationContext, op: string): string {
  const given = r.str(input, 'UserName');
  if (given !== undefined) return given;
  const p = callerOf(identity, ctx);
  if (p?.type === 'IAMUser') return p.userName!;
  if (p?.type === 'Root') throw iamError('InvalidInput', `Kumo's root access key is the server's own (KUMO_ACCESS_KEY_ID or credentials.json), not an IAM access key: name the UserName for ${op}.`);
  throw iamError('ValidationError', 'Must specify userName when calling with non-User credentials');
}

/** Users, access keys and roles. */
export function entityOperations(identity: IdentityService): Record<string, Operation> {
  return {
    CreateUser: {
      handle: async (input) => {
        if (input.PermissionsBoundary !== undefined) throw iamError('InvalidInput', 'Kumo does not support permissions boundaries.');
        const u = await identity.createUser(r.required(input, 'UserName'), r.str(input, 'Path'), r.tags(input));
        return { User: userShape(u, true) };
      },
    },
    GetUser: {
      handle: async (input, ctx) => {
        const given = r.str(input, 'UserName');
        const p = given === undefined ? callerOf(identity, ctx) : undefined;
        if (p?.type === 'Root') return { User: { UserId: p.accountId, Arn: p.arn, CreateDate: new Date(0) } };
        if (given === undefined && p?.type !== 'IAMUser') throw iamError('ValidationError', 'Must specify userName when calling with non-User credentials');
        return { User: userShape(await identity.getUser(given ?? p!.userName!), true) };
      },
    },
    DeleteUser: { handle: async (input) => void (await identity.deleteUser(r.required(input, 'UserName'))) },
    ListUsers: {
      handle: async (input) => {
        const page = await identity.listUsers(r.str(input, 'PathPrefix'), r.str(input, 'Marker'), r.int(input, 'MaxItems'));
        return { Users: page.items.map((u) => userShape(u)), ...truncation(page.marker) };
      },
    },
    CreateAccessKey: {
      handle: async (input, ctx) => {
        const k = await identity.createAccessKey(userNameOf(identity, input, ctx, 'CreateAccessKey'));
        return { AccessKey: { UserName: k.userName, AccessKeyId: k.accessKeyId, Status: k.status, SecretAccessKey: k.secretAccessKey, CreateDate: new Date(k.createdMs) } };
      },
    },
    ListAccessKeys: {
      handle: async (input, ctx) => {
        const keys = await identity.listAccessKeys(userNameOf(identity, input, ctx, 'ListAccessKeys'));
        return {
          AccessKeyMetadata: keys.map((k) => ({ UserName: k.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createdMs) })),
          IsTruncated: false,
        };
      },
    },
    UpdateAccessKey: {
      handle: async (input, ctx) =>
        void (await identity.updateAccessKey(userNameOf(identity, input, ctx, 'UpdateAccessKey'), r.required(input, 'AccessKeyId'), r.required(input, 'Status'))),
    },
    DeleteAccessKey: {
      handle: async (input, ctx) => void (await identity.deleteAccessKey(userNameOf(identity, input, ctx, 'DeleteAccessKey'), r.required(input, 'AccessKeyId'))),
    },
    CreateRole: {
      handle: async (input) => {
        if (input.PermissionsBoundary !== undefined) throw iamError('InvalidInput', 'Kumo does not support permissions boundaries.');
        const role = await identity.createRole({
          name: r.required(input, 'RoleName'), path: r.str(input, 'Path'), trustPolicy: r.required(input, 'AssumeRolePolicyDocument'),
          description: r.str(input, 'Description'), maxSessionDurationS: r.int(input, 'MaxSessionDuration'), tags: r.tags(input),
        });
        return { Role: roleShape(role, false) };
      },
    },
    GetRole: { handle: async (input) => ({ Role: roleShape(await identity.getRole(r.required(input, 'RoleName'))) }) },
    DeleteRole: { handle: async (input) => void (await identity.deleteRole(r.required(input, 'RoleName'))) },
    ListRoles: {
      handle: async (input) => {
        const page = await identity.listRoles(r.str(input, 'PathPrefix'), r.str(input, 'Marker'), r.int(input, 'MaxItems'));
        return { Roles: page.items.map((x) => roleShape(x, false)), ...truncation(page.marker) };
      },
    },
    UpdateAssumeRolePolicy: {
      handle: async (input) => void (await identity.updateRole(r.required(input, 'RoleName'), { trustPolicy: r.required(input, 'PolicyDocument') })),
    },
    UpdateRole: {
      handle: async (input) => {
        await identity.updateRole(r.required(input, 'RoleName'), { description: r.str(input, 'Description'), maxSessionDurationS: r.int(input, 'MaxSessionDuration') });
        return {};
      },
    },
    TagRole: { handle: async (input) => void (await identity.tagRole(r.required(input, 'RoleName'), r.tags(input))) },
    UntagRole: { handle: async (input) => void (await identity.untagRole(r.required(input, 'RoleName'), r.strList(input, 'TagKeys'))) },
    ListRoleTags: {
      handle: async (input) => ({ Tags: tagList((await identity.getRole(r.required(input, 'RoleName'))).tags), IsTruncated: false }),
    },
  };
}
