import {
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  UpdateFunctionUrlConfigCommand,
  type Cors,
  type GetFunctionUrlConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { ignoreMissing, isMapping, notFound, num, str } from '../values';
import { deletedWithItsFunction } from './function';

/**
 * AWS::Lambda::Url (and SAM's FunctionUrlConfig, expanded into
 * `<Fn>Url` by sam-events.ts) through Create/UpdateFunctionUrlConfig on the
 * function (TargetFunctionArn: a name or ARN) and optional alias
 * (Qualifier); GetFunctionUrlConfig is compared with the template to plan.
 * `!GetAtt Id.FunctionUrl` is the URL Kumo serves, printed by the deploy.
 */
export interface UrlConfig {
  FunctionName: string;
  Qualifier?: string;
  AuthType: string;
  InvokeMode?: string;
  Cors?: Cors;
}

const corsKeys = ['AllowCredentials', 'AllowHeaders', 'AllowMethods', 'AllowOrigins', 'ExposeHeaders', 'MaxAge'] as const;

export function urlConfig(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): UrlConfig {
  const p = `Resources.${d.id}.Properties`;
  let cors: Cors | undefined;
  if (pr.Cors !== undefined) {
    if (!isMapping(pr.Cors)) throw ctx.error(`${p}.Cors`, `Cors is {${corsKeys.join(', ')}}`);
    const c = pr.Cors;
    for (const k of Object.keys(c)) if (!(corsKeys as readonly string[]).includes(k)) throw ctx.error(`${p}.Cors.${k}`, `unknown property '${k}' of Cors (known: ${corsKeys.join(', ')})`);
    const list = (k: string) => {
      const v = c[k];
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw ctx.error(`${p}.Cors.${k}`, `${k} is a list of strings`);
      return v as string[];
    };
    const cred = c.AllowCredentials;
    if (cred !== undefined && typeof cred !== 'boolean' && cred !== 'true' && cred !== 'false') throw ctx.error(`${p}.Cors.AllowCredentials`, 'AllowCredentials is true or false');
    cors = Object.fromEntries(Object.entries({
      AllowCredentials: cred === undefined ? undefined : cred === true || cred === 'true',
      AllowHeaders: list('AllowHeaders'), AllowMethods: list('AllowMethods'), AllowOrigins: list('AllowOrigins'), ExposeHeaders: list('ExposeHeaders'),
      MaxAge: num(ctx, c.MaxAge, `${p}.Cors.MaxAge`, 'MaxAge'),
    }).filter(([, v]) => v !== undefined)) as Cors;
  }
  return {
    FunctionName: str(ctx, pr.TargetFunctionArn, `${p}.TargetFunctionArn`, 'TargetFunctionArn')!,
    Qualifier: str(ctx, pr.Qualifier, `${p}.Qualifier`, 'Qualifier'),
    AuthType: str(ctx, pr.AuthType, `${p}.AuthType`, 'AuthType')!,
    InvokeMode: str(ctx, pr.InvokeMode, `${p}.InvokeMode`, 'InvokeMode'),
    Cors: cors,
  };
}

const sameList = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** The fields of the server's configuration that differ from the template's. */
export function urlConfigDiff(want: UrlConfig, have: Pick<GetFunctionUrlConfigCommandOutput, 'AuthType' | 'InvokeMode' | 'Cors'>): string[] {
  const diff: string[] = [];
  if (want.AuthType !== have.AuthType) diff.push('AuthType');
  if ((want.InvokeMode ?? 'BUFFERED') !== (have.InvokeMode ?? 'BUFFERED')) diff.push('InvokeMode');
  const w = want.Cors ?? {};
  const h = have.Cors ?? {};
  if ((w.AllowCredentials ?? false) !== (h.AllowCredentials ?? false) || (w.MaxAge ?? 0) !== (h.MaxAge ?? 0)
    || !sameList(w.AllowHeaders, h.AllowHeaders) || !sameList(w.AllowMethods, h.AllowMethods)
    || !sameList(w.AllowOrigins, h.AllowOrigins) || !sameList(w.ExposeHeaders, h.ExposeHeaders)) diff.push('Cors');
  return diff;
}

/** The name part of a function name or ARN (the config is recorded by function name and qualifier). */
const bareName = (fn: string) => (fn.includes(':function:') ? fn.split(':function:')[1]!.split(':')[0]! : fn.split(':')[0]!);
const what = (d: ResourceDecl) => `function URLs (${d.id}, AWS::Lambda::Url)`;

export const lambdaUrl = defineKind({
  type: 'AWS::Lambda::Url',
  schema: {
    handled: ['TargetFunctionArn', 'Qualifier', 'AuthType', 'Cors', 'InvokeMode'],
    ignored: [],
    check({ need }) {
      need('TargetFunctionArn', ' (the function name or ARN)');
      need('AuthType', ' (NONE or AWS_IAM)');
    },
  },
  replacedOnRename: true,
  deleteOrder: -1,
  physicalId(d, ctx) {
    const pr = ctx.props(d);
    return `${bareName(String(pr.TargetFunctionArn))}:${pr.Qualifier === undefined ? '$LATEST' : String(pr.Qualifier)}`;
  },
  // CloudFormation: Ref gives the function's ARN (as FunctionArn).
  ref: (d, ctx) => ctx.state[d.id]?.arn ?? ctx.known(d.id, undefined),
  getAtt(d, attr, p, ctx) {
    if (attr === 'FunctionUrl') return ctx.state[d.id]?.ref ?? ctx.known(d.id, undefined);
    if (attr === 'FunctionArn') return ctx.state[d.id]?.arn ?? ctx.known(d.id, undefined);
    throw ctx.error(p, `${d.id} (AWS::Lambda::Url) has the attributes FunctionUrl and FunctionArn, not ${attr}`);
  },
  async plan(d, ctx) {
    const want = urlConfig(ctx, d, ctx.props(d));
    const pl: Planned = { decl: d, action: 'create', reasons: [], physical: ctx.physicalOf(d) };
    const pending = pendingRefs(want);
    if (pendingRefs([want.FunctionName, want.Qualifier]).length) return { ...pl, reasons: [`depends on ${pending.join(', ')}`] };
    let have: GetFunctionUrlConfigCommandOutput | undefined;
    try {
      have = await feature(what(d), 'GetFunctionUrlConfig', () =>
        ctx.client.send(new GetFunctionUrlConfigCommand({ FunctionName: want.FunctionName, Qualifier: want.Qualifier })),
      );
    } catch (e) {
      // Not found: no URL yet, or the function (or alias) itself is made by this deploy.
      if (!notFound(e)) throw e;
    }
    if (!have) return pl;
    if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
    else pl.reasons.push(...urlConfigDiff(want, have));
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    if (pl.action === 'unchanged') {
      ctx.state[d.id] = { ...(ctx.prev[d.id] ?? {}), type: d.type, physicalId: pl.physical, ref: have.FunctionUrl, arn: have.FunctionArn, functionName: bareName(want.FunctionName), version: want.Qualifier ?? '$LATEST' };
    }
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const want = urlConfig(ctx, d, ctx.props(d));
    const rec = (url: string | undefined, arn: string | undefined) => ({
      type: d.type, physicalId: pl.physical, ref: url, arn, functionName: bareName(want.FunctionName), version: want.Qualifier ?? '$LATEST',
    });
    if (pl.action === 'unchanged') {
      const s = ctx.state[d.id];
      ctx.out(`  ${d.id}: ${s?.ref}`);
      return rec(s?.ref, s?.arn);
    }
    const input = { FunctionName: want.FunctionName, Qualifier: want.Qualifier, AuthType: want.AuthType as never, InvokeMode: want.InvokeMode as never, Cors: want.Cors ?? {} };
    const out = pl.action === 'create'
      ? await feature(what(d), 'CreateFunctionUrlConfig', () => ctx.client.send(new CreateFunctionUrlConfigCommand(input)))
      : await feature(what(d), 'UpdateFunctionUrlConfig', () => ctx.client.send(new UpdateFunctionUrlConfigCommand(input)));
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: ${out.FunctionUrl} (${want.AuthType}${pl.reasons.length ? `; ${pl.reasons.join(', ')}` : ''})`);
    const r = rec(out.FunctionUrl, out.FunctionArn);
    ctx.state[d.id] = r;
    return r;
  },
  async remove(r, ctx) {
    await ignoreMissing(() =>
      feature('function URLs', 'DeleteFunctionUrlConfig', () =>
        ctx.client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: r.functionName!, Qualifier: r.version === '$LATEST' ? undefined : r.version })),
      ),
    );
  },
  deletedWith: deletedWithItsFunction,
});
