import { DeleteFunctionCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import { isFunctionType, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Action } from '../kind';
import { deletedWithItsFunction } from './function';
import { ignoreMissing } from '../values';

/** The function of this stack a version is published from (its FunctionName refers to it). */
const functionDep = (d: ResourceDecl, ctx: DeployContext) => d.deps.find((x) => isFunctionType(ctx.declById.get(x)?.type ?? ''));

/** AWS::Lambda::Version: PublishVersion, again whenever the function it belongs to changed. */
export const lambdaVersion = defineKind({
  type: 'AWS::Lambda::Version',
  schema: {
    handled: ['FunctionName', 'Description', 'CodeSha256', 'ProvisionedConcurrencyConfig', 'RuntimePolicy'],
    ignored: [],
    check({ need }) {
      need('FunctionName');
    },
  },
  deleteOrder: 1,
  physicalId: (d) => d.id,
  ref: (d, ctx) => ctx.known(d.id, ctx.state[d.id]?.ref),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Version') return ctx.known(d.id, ctx.state[d.id]?.version);
    if (attr === 'FunctionArn') return ctx.known(d.id, ctx.state[d.id]?.ref);
    throw ctx.error(p, `${d.id} has the attributes Version and FunctionArn, not ${attr}`);
  },
  async plan(d, ctx) {
    const pending = pendingRefs(ctx.props(d));
    const fnDep = functionDep(d, ctx);
    const fnChanged = fnDep ? ctx.plans.get(fnDep)?.action !== 'unchanged' : true;
    const action: Action = !ctx.prev[d.id] ? 'create' : fnChanged || pending.length ? 'update' : 'unchanged';
    return { decl: d, action, reasons: action !== 'unchanged' ? ['publishes a version'] : [], physical: d.id };
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const pr = ctx.props(d);
    const prevRec = ctx.prev[d.id];
    const fn = String(pr.FunctionName);
    const fnDep = functionDep(d, ctx);
    if (prevRec && fnDep && !ctx.changed.includes(fnDep) && pl.action === 'unchanged') return prevRec;
    const v = await feature(`versions (${d.id}, AWS::Lambda::Version)`, 'PublishVersion', () =>
      ctx.client.send(new PublishVersionCommand({ FunctionName: fn, Description: pr.Description as string | undefined })),
    );
    if (v.Version !== prevRec?.version) {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: published ${fn} version ${v.Version}`);
    }
    return { type: d.type, physicalId: v.Version!, ref: v.FunctionArn, arn: v.FunctionArn, version: v.Version, functionName: fn };
  },
  async remove(r, ctx) {
    await ignoreMissing(() => ctx.client.send(new DeleteFunctionCommand({ FunctionName: r.functionName!, Qualifier: r.physicalId })));
  },
  deletedWith: deletedWithItsFunction,
});
