import { createHash } from 'node:crypto';
import { AddPermissionCommand, GetPolicyCommand, RemovePermissionCommand, type AddPermissionCommandInput } from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { ignoreMissing, notFound, str } from '../values';
import { deletedWithItsFunction } from './function';

/**
 * AWS::Lambda::Permission (and the `<Fn>UrlPublicPermissions` /
 * `<Fn>URLInvokeAllowPublicAccess` SAM makes for a NONE FunctionUrlConfig,
 * sam-events.ts) through AddPermission on the function, version or alias
 * FunctionName names. The statement id is `<stack>-<LogicalId>` (CloudFormation
 * makes one up likewise; its Ref is that id). A change of the properties is
 * RemovePermission then AddPermission (CloudFormation replaces the resource);
 * the plan compares a digest of the properties, kept in the stack record,
 * and whether the statement is still in the policy.
 */
const handled = ['Action', 'FunctionName', 'Principal', 'EventSourceToken', 'FunctionUrlAuthType', 'InvokedViaFunctionUrl', 'PrincipalOrgID', 'SourceAccount', 'SourceArn'];

/** AWS: a StatementId is 1–100 of [a-zA-Z0-9-_]. */
const statementIdCharsMax = 100;

function statementId(ctx: DeployContext, d: ResourceDecl): string {
  return `${ctx.stackName}-${d.id}`.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, statementIdCharsMax);
}

function desired(ctx: DeployContext, d: ResourceDecl): AddPermissionCommandInput {
  const pr = ctx.props(d);
  const p = `Resources.${d.id}.Properties`;
  const s = (k: string) => str(ctx, pr[k], `${p}.${k}`, k);
  const via = pr.InvokedViaFunctionUrl;
  if (via !== undefined && typeof via !== 'boolean' && via !== 'true' && via !== 'false') throw ctx.error(`${p}.InvokedViaFunctionUrl`, 'InvokedViaFunctionUrl is true or false');
  return Object.fromEntries(Object.entries({
    FunctionName: s('FunctionName'), StatementId: statementId(ctx, d), Action: s('Action'), Principal: s('Principal'),
    EventSourceToken: s('EventSourceToken'), FunctionUrlAuthType: s('FunctionUrlAuthType') as never, PrincipalOrgID: s('PrincipalOrgID'),
    SourceAccount: s('SourceAccount'), SourceArn: s('SourceArn'), InvokedViaFunctionUrl: via === undefined ? undefined : via === true || via === 'true',
  }).filter(([, v]) => v !== undefined)) as unknown as AddPermissionCommandInput;
}

const digest = (i: AddPermissionCommandInput) => createHash('sha256').update(JSON.stringify(i)).digest('hex').slice(0, 16);
/** The function a FunctionName (name, name:qualifier or ARN) belongs to: permissions are deleted with it. */
const bareName = (fn: string) => (fn.includes(':function:') ? fn.split(':function:')[1]!.split(':')[0]! : fn.split(':')[0]!);
const what = (d: ResourceDecl) => `permissions (${d.id}, AWS::Lambda::Permission)`;

/** Whether the function's (version's, alias's) policy has the statement. */
async function hasStatement(ctx: DeployContext, functionName: string, sid: string, d: ResourceDecl): Promise<boolean> {
  try {
    const p = await feature(what(d), 'GetPolicy', () => ctx.client.send(new GetPolicyCommand({ FunctionName: functionName })));
    return (JSON.parse(p.Policy ?? '{}') as { Statement?: { Sid?: string }[] }).Statement?.some((x) => x.Sid === sid) ?? false;
  } catch (e) {
    if (notFound(e)) return false;
    throw e;
  }
}

export const lambdaPermission = defineKind({
  type: 'AWS::Lambda::Permission',
  schema: {
    handled,
    ignored: [],
    check({ need }) {
      need('Action', ' (lambda:InvokeFunction, lambda:InvokeFunctionUrl…)');
      need('FunctionName', ' (the function, version or alias name or ARN)');
      need('Principal', ' (an account, a service principal or *)');
    },
  },
  deleteOrder: -1,
  physicalId: (d, ctx) => statementId(ctx, d),
  // CloudFormation: Ref gives the permission's id.
  ref: (d, ctx) => statementId(ctx, d),
  getAtt(d, attr, p, ctx) {
    throw ctx.error(p, `${d.id} (AWS::Lambda::Permission) has no attribute ${attr} (its !Ref is the statement id)`);
  },
  async plan(d, ctx) {
    const pl: Planned = { decl: d, action: 'create', reasons: [], physical: statementId(ctx, d) };
    const want = desired(ctx, d);
    const prev = ctx.prev[d.id];
    if (pendingRefs(want).length) {
      if (prev) pl.action = 'update';
      pl.reasons.push(`depends on ${pendingRefs(want).join(', ')}`);
      return pl;
    }
    if (!prev) return pl;
    if (prev.configHash === digest(want) && prev.arn === want.FunctionName && (await hasStatement(ctx, want.FunctionName!, want.StatementId!, d))) {
      return { ...pl, action: 'unchanged' };
    }
    return { ...pl, action: 'update', reasons: [prev.configHash === digest(want) ? 'the statement is missing' : 'properties'] };
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const want = desired(ctx, d);
    const prev = ctx.prev[d.id];
    const rec = { type: d.type, physicalId: want.StatementId!, ref: want.StatementId, arn: want.FunctionName, functionName: bareName(want.FunctionName!), configHash: digest(want) };
    if (pl.action === 'unchanged') return rec;
    // A replacement, or a statement of the same id left by an earlier deploy whose record is gone: remove it first.
    const old = prev?.arn ?? want.FunctionName!;
    await ignoreMissing(() => feature(what(d), 'RemovePermission', () => ctx.client.send(new RemovePermissionCommand({ FunctionName: old, StatementId: want.StatementId }))));
    await feature(what(d), 'AddPermission', () => ctx.client.send(new AddPermissionCommand(want)));
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: ${want.Action} for ${want.Principal} on ${want.FunctionName}`);
    return rec;
  },
  async remove(r, ctx) {
    await ignoreMissing(() =>
      feature('permissions', 'RemovePermission', () => ctx.client.send(new RemovePermissionCommand({ FunctionName: r.arn ?? r.functionName!, StatementId: r.physicalId }))),
    );
  },
  deletedWith: deletedWithItsFunction,
});
