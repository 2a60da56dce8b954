import {
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  PutFunctionEventInvokeConfigCommand,
  type GetFunctionEventInvokeConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { ignoreMissing, isMapping, notFound, num, str } from '../values';
import { deletedWithItsFunction } from './function';

/**
 * AWS::Lambda::EventInvokeConfig through PutFunctionEventInvokeConfig (which
 * replaces the whole configuration, as a template states all of it) on the
 * function and qualifier it names; GetFunctionEventInvokeConfig is compared
 * with the template to plan. A new FunctionName or Qualifier is a new
 * configuration (CloudFormation replaces it); the old one is deleted after.
 */

export interface InvokeConfig {
  FunctionName: string;
  Qualifier: string;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  OnSuccess?: string;
  OnFailure?: string;
}

export function invokeConfig(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): InvokeConfig {
  const p = `Resources.${d.id}.Properties`;
  const dc = pr.DestinationConfig;
  if (dc !== undefined && !isMapping(dc)) throw ctx.error(`${p}.DestinationConfig`, 'DestinationConfig is {OnSuccess: {Destination: ARN}, OnFailure: {Destination: ARN}}');
  const dest = (k: 'OnSuccess' | 'OnFailure') => {
    const v = (dc as Record<string, unknown> | undefined)?.[k];
    if (v === undefined) return undefined;
    if (!isMapping(v) || v.Destination === undefined) throw ctx.error(`${p}.DestinationConfig.${k}`, `${k} is {Destination: a queue, topic or function ARN}`);
    return str(ctx, v.Destination, `${p}.DestinationConfig.${k}.Destination`, `${k}.Destination`);
  };
  return {
    FunctionName: str(ctx, pr.FunctionName, `${p}.FunctionName`, 'FunctionName')!,
    Qualifier: str(ctx, pr.Qualifier, `${p}.Qualifier`, 'Qualifier')!,
    MaximumRetryAttempts: num(ctx, pr.MaximumRetryAttempts, `${p}.MaximumRetryAttempts`, 'MaximumRetryAttempts'),
    MaximumEventAgeInSeconds: num(ctx, pr.MaximumEventAgeInSeconds, `${p}.MaximumEventAgeInSeconds`, 'MaximumEventAgeInSeconds'),
    OnSuccess: dest('OnSuccess'),
    OnFailure: dest('OnFailure'),
  };
}

/** The fields of the server's configuration that differ from the template's. */
export function invokeConfigDiff(want: InvokeConfig, have: Pick<GetFunctionEventInvokeConfigCommandOutput, 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' | 'DestinationConfig'>): string[] {
  const diff: string[] = [];
  if (want.MaximumRetryAttempts !== have.MaximumRetryAttempts) diff.push('MaximumRetryAttempts');
  if (want.MaximumEventAgeInSeconds !== have.MaximumEventAgeInSeconds) diff.push('MaximumEventAgeInSeconds');
  if (want.OnSuccess !== have.DestinationConfig?.OnSuccess?.Destination) diff.push('DestinationConfig.OnSuccess');
  if (want.OnFailure !== have.DestinationConfig?.OnFailure?.Destination) diff.push('DestinationConfig.OnFailure');
  return diff;
}

/** The name part of a FunctionName that may be an ARN (the config is recorded by function name and qualifier). */
const bareName = (fn: string) => (fn.includes(':function:') ? fn.split(':function:')[1]!.split(':')[0]! : fn.split(':')[0]!);

const what = (d: ResourceDecl) => `event invoke configs (${d.id}, AWS::Lambda::EventInvokeConfig)`;

export const eventInvokeConfig = defineKind({
  type: 'AWS::Lambda::EventInvokeConfig',
  schema: {
    handled: ['FunctionName', 'Qualifier', 'MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig'],
    ignored: [],
    check({ need }) {
      need('FunctionName');
      need('Qualifier', " ($LATEST, a version number or an alias name)");
    },
  },
  replacedOnRename: true,
  deleteOrder: -1,
  physicalId(d, ctx) {
    const pr = ctx.props(d);
    return `${bareName(String(pr.FunctionName))}:${String(pr.Qualifier)}`;
  },
  ref: (d, ctx) => ctx.physicalOf(d),
  getAtt(d, attr, p, ctx) {
    throw ctx.error(p, `${d.id} (AWS::Lambda::EventInvokeConfig) has no attributes (${attr}); !Ref gives FUNCTION:QUALIFIER`);
  },
  async plan(d, ctx) {
    const want = invokeConfig(ctx, d, ctx.props(d));
    const pl: Planned = { decl: d, action: 'create', reasons: [], physical: ctx.physicalOf(d) };
    const pending = pendingRefs(want);
    if (pendingRefs([want.FunctionName, want.Qualifier]).length) return { ...pl, reasons: [`depends on ${pending.join(', ')}`] };
    let have: GetFunctionEventInvokeConfigCommandOutput | undefined;
    try {
      have = await feature(what(d), 'GetFunctionEventInvokeConfig', () =>
        ctx.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: want.FunctionName, Qualifier: want.Qualifier })),
      );
    } catch (e) {
      // Not found: no configuration yet, or the function (or alias) itself is made by this deploy.
      if (!notFound(e)) throw e;
    }
    if (!have) return pl;
    if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
    else pl.reasons.push(...invokeConfigDiff(want, have));
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    if (pl.action === 'unchanged' && ctx.prev[d.id]) ctx.state[d.id] = { ...ctx.prev[d.id]! };
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const want = invokeConfig(ctx, d, ctx.props(d));
    const rec = { type: d.type, physicalId: pl.physical, ref: pl.physical, functionName: bareName(want.FunctionName), version: want.Qualifier };
    if (pl.action === 'unchanged') return rec;
    await feature(what(d), 'PutFunctionEventInvokeConfig', () =>
      ctx.client.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: want.FunctionName,
          Qualifier: want.Qualifier,
          MaximumRetryAttempts: want.MaximumRetryAttempts,
          MaximumEventAgeInSeconds: want.MaximumEventAgeInSeconds,
          DestinationConfig: {
            OnSuccess: want.OnSuccess ? { Destination: want.OnSuccess } : undefined,
            OnFailure: want.OnFailure ? { Destination: want.OnFailure } : undefined,
          },
        }),
      ),
    );
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: async invoke settings of ${pl.physical}${pl.reasons.length ? ` (${pl.reasons.join(', ')})` : ''}`);
    return rec;
  },
  async remove(r, ctx) {
    await ignoreMissing(() =>
      feature('event invoke configs', 'DeleteFunctionEventInvokeConfig', () =>
        ctx.client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: r.functionName!, Qualifier: r.version })),
      ),
    );
  },
  deletedWith: deletedWithItsFunction,
});
