import type { Operation } from '../../gateway/service';
import type { IdentityService } from '../../identity/identity-service';
import { queryReaders } from './decode';
import { iamError } from './errors';
import { encodeDocument, policyShape, truncation, versionShape } from './shapes';

const r = queryReaders(iamError);
const user = (input: Record<string, unknown>) => ({ kind: 'user' as const, name: r.required(input, 'UserName') });
const role = (input: Record<string, unknown>) => ({ kind: 'role' as const, name: r.required(input, 'RoleName') });

/** Inline policies of users and roles, customer managed policies and attachments. */
export function policyOperations(identity: IdentityService): Record<string, Operation> {
  const inline = (owner: typeof user | typeof role, prefix: 'User' | 'Role'): Record<string, Operation> => ({
    [`Put${prefix}Policy`]: {
      handle: async (input) => void (await identity.putInlinePolicy(owner(input), r.required(input, 'PolicyName'), r.required(input, 'PolicyDocument'))),
    },
    [`Get${prefix}Policy`]: {
      handle: async (input) => {
        const o = owner(input);
        const name = r.required(input, 'PolicyName');
        const doc = await identity.getInlinePolicy(o, name);
        return { [`${prefix}Name`]: o.name, PolicyName: name, PolicyDocument: encodeDocument(doc) };
      },
    },
    [`Delete${prefix}Policy`]: {
      handle: async (input) => void (await identity.deleteInlinePolicy(owner(input), r.required(input, 'PolicyName'))),
    },
    [`List${prefix}Policies`]: {
      handle: async (input) => {
        const page = await identity.listInlinePolicies(owner(input), r.str(input, 'Marker'), r.int(input, 'MaxItems'));
        return { PolicyNames: page.items, ...truncation(page.marker) };
      },
    },
    [`Attach${prefix}Policy`]: {
      handle: async (input) => void (await identity.attachPolicy(owner(input), r.required(input, 'PolicyArn'))),
    },
    [`Detach${prefix}Policy`]: {
      handle: async (input) => void (await identity.detachPolicy(owner(input), r.required(input, 'PolicyArn'))),
    },
    [`ListAttached${prefix}Policies`]: {
      handle: async (input) => {
        const page = await identity.listAttachedPolicies(owner(input), r.str(input, 'PathPrefix'), r.str(input, 'Marker'), r.int(input, 'MaxItems'));
        return { AttachedPolicies: page.items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })), ...truncation(page.marker) };
      },
    },
  });
  return {
    ...inline(user, 'User'),
    ...inline(role, 'Role'),
    CreatePolicy: {
      handle: async (input) => {
        const p = await identity.createPolicy({
          name: r.required(input, 'PolicyName'), path: r.str(input, 'Path'), document: r.required(input, 'PolicyDocument'),
          description: r.str(input, 'Description'), tags: r.tags(input),
        });
        return { Policy: policyShape(p, false) };
      },
    },
    GetPolicy: { handle: async (input) => ({ Policy: policyShape(await identity.getPolicy(r.required(input, 'PolicyArn')), true) }) },
    DeletePolicy: { handle: async (input) => void (await identity.deletePolicy(r.required(input, 'PolicyArn'))) },
    ListPolicies: {
      handle: async (input) => {
        if (input.PolicyUsageFilter !== undefined) throw iamError('InvalidInput', 'Kumo has no permissions boundaries: PolicyUsageFilter is not supported.');
        const page = await identity.listPolicies({
          scope: r.str(input, 'Scope'), onlyAttached: r.bool(input, 'OnlyAttached'), pathPrefix: r.str(input, 'PathPrefix'),
          marker: r.str(input, 'Marker'), maxItems: r.int(input, 'MaxItems'),
        });
        return { Policies: page.items.map((p) => policyShape(p)), ...truncation(page.marker) };
      },
    },
    GetPolicyVersion: {
      handle: async (input) => ({ PolicyVersion: versionShape(await identity.getPolicyVersion(r.required(input, 'PolicyArn'), r.required(input, 'VersionId'))) }),
    },
    ListPolicyVersions: {
      handle: async (input) => {
        const v = await identity.listPolicyVersions(r.required(input, 'PolicyArn'));
        return { Versions: v.map((x) => ({ VersionId: x.versionId, IsDefaultVersion: x.isDefault, CreateDate: new Date(x.createdMs) })), IsTruncated: false };
      },
    },
    DeletePolicyVersion: {
      handle: async (input) => void (await identity.deletePolicyVersion(r.required(input, 'PolicyArn'), r.required(input, 'VersionId'))),
    },
    SetDefaultPolicyVersion: {
      handle: async (input) => void (await identity.setDefaultPolicyVersion(r.required(input, 'PolicyArn'), r.required(input, 'VersionId'))),
    },
    CreatePolicyVersion: {
      handle: async (input) => {
        const v = await identity.createPolicyVersion(r.required(input, 'PolicyArn'), r.required(input, 'PolicyDocument'), r.bool(input, 'SetAsDefault') ?? false);
        return { PolicyVersion: { VersionId: v.versionId, IsDefaultVersion: v.isDefault, CreateDate: new Date(v.createdMs) } };
      },
    },
  };
}
