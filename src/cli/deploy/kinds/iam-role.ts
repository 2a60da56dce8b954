import { roleArn } from '../../../domain/arn';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { managedPolicyArn, type RolePolicies } from '../iam-policies';
import { ensureRole, getRole, removeImplicitRole, roleDiff } from '../implicit-role';
import { defineKind } from '../kind';
import { isMapping, nameProp, str } from '../values';

/**
 * AWS::IAM::Role through Kumo's IAM API: RoleName (else `<stack>-<Id>`, as
 * CloudFormation names it), Path, Description, AssumeRolePolicyDocument,
 * Policies (inline: PolicyName + PolicyDocument), ManagedPolicyArns. A
 * deploy converges the role on the template; a role of that name this stack
 * did not create is not taken over; removing it from the template deletes it.
 */

const what = (d: ResourceDecl) => `IAM roles (${d.id}, AWS::IAM::Role)`;

interface RolePlan {
  trust: unknown;
  path: string;
  description?: string;
  want: RolePolicies;
}

function roleName(d: ResourceDecl, ctx: DeployContext): string {
  return nameProp(ctx, d.props, d.id, 'RoleName') ?? physicalName(ctx.stackName, d.id, 64);
}

function pathArn(ctx: DeployContext, path: string, name: string): string {
  return roleArn(ctx.cfg, `${path.replace(/^\//, '')}${name}`);
}

function desired(d: ResourceDecl, ctx: DeployContext): RolePlan {
  const pr = ctx.props(d);
  const p = `Resources.${d.id}.Properties`;
  const trust = pr.AssumeRolePolicyDocument;
  if (!isMapping(trust)) throw ctx.error(`${p}.AssumeRolePolicyDocument`, 'AssumeRolePolicyDocument is a policy document ({Version, Statement})');
  const path = str(ctx, pr.Path, `${p}.Path`, 'Path') ?? '/';
  const want: RolePolicies = { managedArns: [], inline: [] };
  const managed = pr.ManagedPolicyArns ?? [];
  if (!Array.isArray(managed) || managed.some((m) => typeof m !== 'string')) throw ctx.error(`${p}.ManagedPolicyArns`, 'ManagedPolicyArns is a list of policy ARNs');
  for (const m of managed as string[]) want.managedArns.push(managedPolicyArn(m));
  const inline = pr.Policies ?? [];
  if (!Array.isArray(inline)) throw ctx.error(`${p}.Policies`, 'Policies is a list of {PolicyName, PolicyDocument}');
  inline.forEach((x, i) => {
    if (!isMapping(x) || typeof x.PolicyName !== 'string' || !isMapping(x.PolicyDocument)) {
      throw ctx.error(`${p}.Policies[${i}]`, 'an inline policy is {PolicyName, PolicyDocument}');
    }
    const doc = x.PolicyDocument as Record<string, unknown>;
    want.inline.push({ name: x.PolicyName, document: { Version: String(doc.Version ?? '2012-10-17'), Statement: Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement] } });
  });
  const description = str(ctx, pr.Description, `${p}.Description`, 'Description');
  return { trust, path, ...(description ? { description } : {}), want };
}

export const iamRole = defineKind<RolePlan>({
  type: 'AWS::IAM::Role',
  schema: {
    handled: ['RoleName', 'Path', 'Description', 'AssumeRolePolicyDocument', 'Policies', 'ManagedPolicyArns'],
    // Tags and MaxSessionDuration change nothing Kumo checks yet; a permissions boundary would, and is refused.
    ignored: ['Tags', 'MaxSessionDuration'],
    check({ props, fail, need }) {
      need('AssumeRolePolicyDocument');
      if (props.PermissionsBoundary !== undefined) fail('PermissionsBoundary', 'permissions boundaries are not supported by kumo deploy');
    },
  },
  replacedOnRename: true,
  deleteOrder: 4,
  physicalId: roleName,
  ref: (d, ctx) => ctx.physicalOf(d),
  getAtt(d, attr, p, ctx) {
    const name = ctx.physicalOf(d);
    const path = (typeof d.props.Path === 'string' ? d.props.Path : '/') as string;
    if (attr === 'Arn') return pathArn(ctx, path, name);
    if (attr === 'RoleId') return ctx.known(d.id, ctx.state[d.id]?.version);
    throw ctx.error(p, `${d.id} (AWS::IAM::Role) has the attributes Arn and RoleId, not ${attr}`);
  },
  async plan(d, ctx) {
    const name = ctx.physicalOf(d);
    const data = desired(d, ctx);
    const have = await getRole(ctx.iam, what(d), name);
    if (!have) return { decl: d, action: 'create', reasons: [], physical: name, data };
    if (!ctx.prev[d.id]) {
      return {
        decl: d, action: 'skip', reasons: ['name taken'], physical: name, data,
        conflict: `a role named ${name} already exists and was not created by this stack; give it another RoleName or use --stack-name`,
      };
    }
    const reasons = await roleDiff(ctx.iam, name, have.trust, data.trust, data.want);
    return { decl: d, action: reasons.length ? 'update' : 'unchanged', reasons, physical: name, data };
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    const data = desired(d, ctx);
    const changed = await ensureRole(ctx.iam, what(d), name, { trust: data.trust, path: data.path, ...(data.description ? { description: data.description } : {}) }, data.want);
    const have = await getRole(ctx.iam, what(d), name);
    if (changed) {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} role ${name}`);
    }
    // `version` keeps the RoleId (!GetAtt RoleId).
    return { type: d.type, physicalId: name, ref: name, arn: have?.arn ?? pathArn(ctx, data.path, name), ...(have?.roleId ? { version: have.roleId } : {}) };
  },
  async remove(r, ctx) {
    await removeImplicitRole(ctx.iam, r.physicalId);
  },
});
