import { CreateAliasCommand, DeleteAliasCommand, GetAliasCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { deletedWithItsFunction } from './function';
import { ignoreMissing, isMapping, notFound } from '../values';

/** AWS::Lambda::Alias: CreateAlias / UpdateAlias on the function it names. */
export const lambdaAlias = defineKind({
  type: 'AWS::Lambda::Alias',
  schema: {
    handled: ['FunctionName', 'FunctionVersion', 'Name', 'Description', 'RoutingConfig', 'ProvisionedConcurrencyConfig'],
    ignored: [],
    check({ need }) {
      need('FunctionName');
      need('FunctionVersion');
      need('Name');
    },
  },
  deleteOrder: 0,
  physicalId: (d) => d.id,
  ref: (d, ctx) => ctx.known(d.id, ctx.state[d.id]?.ref),
  getAtt(d, attr, p, ctx) {
    if (attr === 'AliasArn' || attr === 'Arn') return ctx.known(d.id, ctx.state[d.id]?.ref);
    throw ctx.error(p, `${d.id} has the attribute AliasArn, not ${attr}`);
  },
  async plan(d, ctx) {
    const pr = ctx.props(d);
    const fnName = String(pr.FunctionName);
    const name = String(pr.Name);
    const pl: Planned = { decl: d, action: 'unchanged', reasons: [], physical: `${fnName}:${name}` };
    const pending = pendingRefs(pr);
    try {
      const a = await ctx.client.send(new GetAliasCommand({ FunctionName: fnName, Name: name }));
      if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
      else {
        if (a.FunctionVersion !== String(pr.FunctionVersion)) pl.reasons.push('FunctionVersion');
        if ((a.Description ?? '') !== String(pr.Description ?? '')) pl.reasons.push('Description');
      }
      pl.action = pl.reasons.length ? 'update' : 'unchanged';
      if (pl.action === 'unchanged') ctx.state[d.id] = { type: d.type, physicalId: name, ref: a.AliasArn, arn: a.AliasArn, functionName: fnName };
    } catch (e) {
      if (notFound(e) || (e as { name?: string }).name === 'UnknownOperationException') pl.action = 'create';
      else throw e;
    }
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const pr = ctx.props(d);
    const fn = String(pr.FunctionName);
    const aliasName = String(pr.Name);
    const arn = await upsertAlias(ctx, { fn, name: aliasName, version: String(pr.FunctionVersion), description: pr.Description as string | undefined, routing: pr.RoutingConfig }, `aliases (${d.id}, AWS::Lambda::Alias)`);
    if (pl.action !== 'unchanged') {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: alias ${fn}:${aliasName} → ${String(pr.FunctionVersion)}`);
    }
    return { type: d.type, physicalId: aliasName, ref: arn, arn, functionName: fn };
  },
  async remove(r, ctx) {
    await ignoreMissing(() => feature('aliases', 'DeleteAlias', () => ctx.client.send(new DeleteAliasCommand({ FunctionName: r.functionName!, Name: r.physicalId }))));
  },
  deletedWith: deletedWithItsFunction,
});

export interface AliasTarget {
  fn: string;
  name: string;
  version: string;
  description?: string;
  routing?: unknown;
}

/** Creates the alias, or moves it when its version or description differs; returns its ARN. `what` names the feature if the server lacks aliases. */
export async function upsertAlias(ctx: DeployContext, a: AliasTarget, what: string): Promise<string> {
  const { fn, name, version, description, routing } = a;
  const rc = isMapping(routing) && isMapping(routing.AdditionalVersionWeights) ? { AdditionalVersionWeights: routing.AdditionalVersionWeights as Record<string, number> } : undefined;
  let existing: { FunctionVersion?: string; Description?: string; AliasArn?: string } | undefined;
  try {
    existing = await feature(what, 'GetAlias', () => ctx.client.send(new GetAliasCommand({ FunctionName: fn, Name: name })));
  } catch (e) {
    if (!notFound(e)) throw e;
  }
  if (!existing) {
    const r = await feature(what, 'CreateAlias', () =>
      ctx.client.send(new CreateAliasCommand({ FunctionName: fn, Name: name, FunctionVersion: version, Description: description, RoutingConfig: rc })),
    );
    return r.AliasArn!;
  }
  if (existing.FunctionVersion === version && (existing.Description ?? '') === (description ?? '') && !rc) return existing.AliasArn!;
  const r = await feature(what, 'UpdateAlias', () =>
    ctx.client.send(new UpdateAliasCommand({ FunctionName: fn, Name: name, FunctionVersion: version, Description: description, RoutingConfig: rc })),
  );
  ctx.out(`  ~ alias ${fn}:${name} → ${version}`);
  return r.AliasArn!;
}
