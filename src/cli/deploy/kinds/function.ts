import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type Architecture,
  type FunctionConfiguration,
  type GetFunctionCommandOutput,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { CliError, feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import { mb, type Package } from '../../package';
import { isFunctionType, physicalName, type ResourceDecl } from '../../sam';
import type { StackResource } from '../../stack';
import { packageCode } from '../code';
import type { DeployContext } from '../context';
import { defineKind, type CodeSource, type Planned, type PropertySchema, type ResourceKind } from '../kind';
import { ignoreMissing, nameProp, notFound, num } from '../values';
import { configDiff, functionConfig, type DesiredConfig } from './function-config';
import { stackTag, templateTag } from './ownership';
import { nearestRuntime, recordedChoice, refusedArchitecture, refusedRuntime, type FallbackChoice } from '../fallback';

/**
 * What AWS::Lambda::Function and AWS::Serverless::Function share: a function
 * created or updated through CreateFunction / UpdateFunctionCode /
 * UpdateFunctionConfiguration, its reserved concurrency, and ownership (a
 * function this stack did not create is never taken over).
 */

/** Longest wait for a function to become Active / finish an update. */
const waitSeconds = 300;

export interface FunctionPlan {
  pkg: Package;
  remote?: { config?: FunctionConfiguration; reserved?: number };
}

/** Where the two function types differ. */
export interface FunctionFlavour {
  type: string;
  schema: PropertySchema;
  code: CodeSource;
  /** Runs first when planning (SAM: reports the Events it cannot wire). */
  notes?(d: ResourceDecl, pr: Record<string, unknown>, ctx: DeployContext): void;
  /** More reasons to update an existing function (SAM: AutoPublishAlias). */
  reasons?(d: ResourceDecl, pr: Record<string, unknown>, prevRec: StackResource | undefined): string[];
  /**
   * Before the function is created or updated (SAM: the implicit execution
   * role `<Fn>Role` when Role is absent); returns the role's name to record
   * when it made one (removed with the function), and whether it changed anything.
   */
  beforeApply?(d: ResourceDecl, pr: Record<string, unknown>, ctx: DeployContext): Promise<{ role?: string; changed: boolean }>;
  /** After the function is deleted (SAM: its implicit role). */
  afterRemove?(rec: StackResource, ctx: DeployContext): Promise<void>;
  /** After the function is in place (SAM: publish a version and move the alias); returns whether it changed anything. */
  afterApply?(step: AppliedFunction, ctx: DeployContext): Promise<boolean>;
  refAttribute?: ResourceKind['refAttribute'];
  /** SAM: `<Fn>Role`, `<Fn>Alias<name>`. */
  implicitRef?: ResourceKind['implicitRef'];
  /** The resources the function's own properties stand for (SAM: Events, EventInvokeConfig). */
  expand?: ResourceKind['expand'];
}

/** A function just created or updated, handed to the flavour's `afterApply`. */
export interface AppliedFunction {
  decl: ResourceDecl;
  props: Record<string, unknown>;
  name: string;
  rec: StackResource;
  prevRec?: StackResource;
  touched: boolean;
}

export function functionKind(f: FunctionFlavour): ResourceKind {
  return defineKind<FunctionPlan>({
    type: f.type,
    schema: f.schema,
    code: f.code,
    replacedOnRename: true,
    deleteOrder: 2,
    physicalId: (d, ctx) => nameProp(ctx, d.props, d.id, 'FunctionName') ?? physicalName(ctx.stackName, d.id),
    ref: (d, ctx) => ctx.physicalOf(d),
    getAtt(d, attr, p, ctx) {
      if (attr === 'Arn') return ctx.fnArn(ctx.physicalOf(d));
      throw ctx.error(p, `${d.id} (${d.type}) has the attribute Arn, not ${attr}`);
    },
    refAttribute: f.refAttribute,
    implicitRef: f.implicitRef,
    expand: f.expand,
    plan: (d, ctx) => planFunction(f, d, ctx),
    apply: (pl, ctx) => applyFunction(f, pl, ctx),
    async remove(r, ctx) {
      await ignoreMissing(() => ctx.client.send(new DeleteFunctionCommand({ FunctionName: r.physicalId })));
      await f.afterRemove?.(r, ctx);
    },
  });
}

/** For a version or alias: deleting its function (in the same deploy) deleted it too. */
export function deletedWithItsFunction(r: StackResource, gone: readonly StackResource[]): string | undefined {
  return gone.some((g) => isFunctionType(g.type) && g.physicalId === r.functionName) ? r.functionName : undefined;
}

async function planFunction(f: FunctionFlavour, d: ResourceDecl, ctx: DeployContext): Promise<Planned<FunctionPlan>> {
  const pr = ctx.props(d);
  const pl: Planned<FunctionPlan> = { decl: d, action: 'unchanged', reasons: [], physical: ctx.physicalOf(d) };
  const prevRec = ctx.prev[d.id];
  // Events, EventInvokeConfig and FunctionUrlConfig are resources of their own after expand: what they name is not the function's to wait for.
  const { Events: _e, EventInvokeConfig: _i, FunctionUrlConfig: _u, ...own } = pr;
  const pending = pendingRefs(own);
  f.notes?.(d, pr, ctx);
  const { want } = desiredConfig(ctx, d, pr);
  const pkg = await packageCode(ctx, d, pr, f.code);
  pl.data = { pkg };
  let remote: GetFunctionCommandOutput | undefined;
  try {
    remote = await ctx.client.send(new GetFunctionCommand({ FunctionName: pl.physical }));
  } catch (e) {
    if (!notFound(e)) throw e;
  }
  if (!remote?.Configuration) return { ...pl, action: 'create', reasons: [`${mb(pkg.zip.length)} zip`] };
  // A function this stack did not create is never taken over (two projects must not overwrite each other).
  if (!prevRec && remote.Tags?.[templateTag] !== ctx.templateFile) {
    const owner = remote.Tags?.[templateTag];
    const conflict = `a function named ${pl.physical} already exists and ${owner ? `belongs to ${owner}` : 'was not created by this stack'}; set FunctionName, use --stack-name, or kumo rm it`;
    return { ...pl, action: 'skip', conflict, reasons: ['name taken'] };
  }
  const reserved = remote.Concurrency?.ReservedConcurrentExecutions;
  pl.data.remote = { config: remote.Configuration, reserved };
  if (remote.Configuration.CodeSha256 !== pkg.sha256) pl.reasons.push('code');
  pl.reasons.push(...configDiff(want, remote.Configuration).filter((x) => !(x === 'Layers' && pending.length)));
  if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
  if (reservedOf(ctx, d, pr) !== reserved) pl.reasons.push('ReservedConcurrentExecutions');
  pl.reasons.push(...(f.reasons?.(d, pr, prevRec) ?? []));
  pl.action = pl.reasons.length ? 'update' : 'unchanged';
  return pl;
}

const reservedOf = (ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>) =>
  num(ctx, pr.ReservedConcurrentExecutions, `Resources.${d.id}.Properties.ReservedConcurrentExecutions`, 'ReservedConcurrentExecutions');

async function applyFunction(f: FunctionFlavour, pl: Planned<FunctionPlan>, ctx: DeployContext): Promise<StackResource> {
  const d = pl.decl;
  // Re-resolve now that what this depends on exists.
  const pr = ctx.props(d);
  const name = ctx.physicalOf(d);
  const prevRec = ctx.prev[d.id];
  const { want, choice } = desiredConfig(ctx, d, pr);
  const { pkg, remote } = pl.data!;
  const rec: StackResource = { type: d.type, physicalId: name, ref: name, arn: ctx.fnArn(name), codeSha256: pkg.sha256 };
  const t0 = Date.now();
  let touched = false;
  // The execution role first: CreateFunction requires a role Lambda can assume.
  const before = await f.beforeApply?.(d, pr, ctx);
  if (before?.role) rec.implicitRole = before.role;
  if (before?.changed) touched = true;
  // At most one fallback of each kind: a third refusal is the server's answer.
  for (let attempt = 0; ; attempt++) {
    try {
      if (pl.action === 'create') {
        rec.arn = (await createFunction(ctx, d, name, want, pkg)) ?? rec.arn;
        touched = true;
      } else touched = await updateFunction(ctx, d, name, want, pkg, attempt ? undefined : remote?.config);
      break;
    } catch (e) {
      if (attempt >= 2 || !fallBack(ctx, d, e, want, choice)) throw e;
    }
  }
  if (choice.runtime || choice.architecture) rec.fallback = choice;
  // The function itself is in place: record it now, so a later step failing never orphans it.
  ctx.record.resources[d.id] = { ...(prevRec?.type === d.type ? prevRec : {}), ...rec, version: prevRec?.version, alias: prevRec?.alias };
  touched = (await applyConcurrency(ctx, d, name, reservedOf(ctx, d, pr), remote?.reserved)) || touched;
  if (f.afterApply) touched = await f.afterApply({ decl: d, props: pr, name, rec, prevRec, touched }, ctx);
  if (touched) {
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  return rec;
}

/** The template's configuration, with the runtime / architecture an earlier fallback chose when the flags still ask for it. */
function desiredConfig(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): { want: DesiredConfig; choice: FallbackChoice } {
  const want = functionConfig(ctx, d, pr);
  const choice = recordedChoice(ctx.prev[d.id], ctx.fallback, want.Runtime, want.Architectures[0]);
  if (choice.runtime) want.Runtime = choice.runtime.to;
  if (choice.architecture) want.Architectures = [choice.architecture.to];
  return { want, choice };
}

/**
 * After the server refused the runtime or architecture: with the flag, pick
 * the nearest runtime / the host's architecture, say so, and retry (true);
 * without it, name the flag in the error.
 */
function fallBack(ctx: DeployContext, d: ResourceDecl, e: unknown, want: DesiredConfig, choice: FallbackChoice): boolean {
  const message = (e as { message?: string }).message ?? '';
  if ((e as { name?: string }).name !== 'InvalidParameterValueException') return false;
  const rt = refusedRuntime(message);
  if (rt && want.Runtime === rt.runtime) {
    const to = nearestRuntime(rt.runtime, rt.supported);
    if (!to) throw new CliError(`${message} (no runtime of the same language for --runtime-fallback)`);
    if (!ctx.fallback.runtime) throw new CliError(`${message} (kumo deploy --runtime-fallback would deploy ${d.id} on ${to})`);
    ctx.out(`  ! ${d.id}: this server does not run ${rt.runtime}; deploying on ${to} (--runtime-fallback)`);
    choice.runtime = { from: choice.runtime?.from ?? rt.runtime, to };
    want.Runtime = to;
    return true;
  }
  const arch = refusedArchitecture(message);
  if (arch && want.Architectures[0] === arch.architecture) {
    if (!ctx.fallback.architecture) throw new CliError(`${message} (kumo deploy --architecture-fallback would deploy ${d.id} on ${arch.host})`);
    ctx.out(`  ! ${d.id}: this server does not run ${want.Runtime} on ${arch.architecture}; deploying for ${arch.host} instead (--architecture-fallback)`);
    choice.architecture = { from: arch.architecture, to: arch.host };
    want.Architectures = [arch.host];
    return true;
  }
  return false;
}

/** The configuration fields CreateFunction and UpdateFunctionConfiguration share. */
const apiConfig = (name: string, want: DesiredConfig) => ({
  FunctionName: name,
  Runtime: want.Runtime as Runtime,
  Handler: want.Handler,
  Role: want.Role,
  MemorySize: want.MemorySize,
  Timeout: want.Timeout,
  Description: want.Description,
  Environment: want.Environment,
  EphemeralStorage: want.EphemeralStorage,
  // An empty TargetArn removes the dead-letter queue (UpdateFunctionConfiguration).
  DeadLetterConfig: { TargetArn: want.DeadLetterTarget },
  TracingConfig: { Mode: want.TracingMode },
});

/** CreateFunction, tagged with the stack and template that own it; returns its ARN. */
async function createFunction(ctx: DeployContext, d: ResourceDecl, name: string, want: DesiredConfig, pkg: Package): Promise<string | undefined> {
  ctx.out(`  + ${d.id}: uploading ${name} (${mb(pkg.zip.length)}, ${pkg.files} files)…`);
  const r = await ctx.client.send(
    new CreateFunctionCommand({
      ...apiConfig(name, want),
      Code: { ZipFile: pkg.zip },
      Layers: want.Layers.length ? want.Layers : undefined,
      Architectures: want.Architectures as Architecture[],
      Tags: { [stackTag]: ctx.stackName, [templateTag]: ctx.templateFile },
    }),
  );
  ctx.out(`    waiting for ${name} to be Active…`);
  await waitFor(ctx, name, 'active');
  return r.FunctionArn;
}

/** New code if its CodeSha256 differs, new configuration if a field differs; returns whether anything changed. */
async function updateFunction(ctx: DeployContext, d: ResourceDecl, name: string, want: DesiredConfig, pkg: Package, known?: FunctionConfiguration): Promise<boolean> {
  const config = known ?? (await ctx.client.send(new GetFunctionCommand({ FunctionName: name }))).Configuration;
  let touched = false;
  if (config?.CodeSha256 !== pkg.sha256) {
    ctx.out(`  ~ ${d.id}: uploading new code for ${name} (${mb(pkg.zip.length)})…`);
    await ctx.client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: pkg.zip }));
    await waitFor(ctx, name, 'updated');
    touched = true;
  }
  const diff = config ? configDiff(want, config) : ['all'];
  if (!diff.length) return touched;
  ctx.out(`  ~ ${d.id}: updating configuration of ${name} (${diff.join(', ')})…`);
  await ctx.client.send(
    new UpdateFunctionConfigurationCommand({
      ...apiConfig(name, want),
      Layers: want.Layers,
    }),
  );
  await waitFor(ctx, name, 'updated');
  return true;
}

/** PutFunctionConcurrency / DeleteFunctionConcurrency when ReservedConcurrentExecutions changed; returns whether it did. */
async function applyConcurrency(ctx: DeployContext, d: ResourceDecl, name: string, want: number | undefined, have: number | undefined): Promise<boolean> {
  const what = `ReservedConcurrentExecutions (${d.id})`;
  if (want !== undefined && want !== have) {
    await feature(what, 'PutFunctionConcurrency', () => ctx.client.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: want })));
    ctx.out(`    reserved concurrency of ${name}: ${want}`);
    return true;
  }
  if (want === undefined && have !== undefined) {
    await feature(what, 'DeleteFunctionConcurrency', () => ctx.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name })));
    return true;
  }
  return false;
}

/** Kumo activates in milliseconds: look once right away, then leave it to the SDK's waiters (function-active-v2 / function-updated-v2). */
async function waitFor(ctx: DeployContext, name: string, what: 'active' | 'updated'): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const c = await ctx.client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (what === 'active' && c.State === 'Active') return;
    if (what === 'updated' && c.LastUpdateStatus === 'Successful') return;
    if (c.State === 'Failed' || c.LastUpdateStatus === 'Failed') {
      throw new CliError(`${name} ${what === 'active' ? 'failed to activate' : 'update failed'}: ${c.StateReasonCode ?? c.LastUpdateStatusReasonCode ?? ''} ${c.StateReason ?? c.LastUpdateStatusReason ?? ''}`.trim());
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const w = what === 'active' ? waitUntilFunctionActiveV2 : waitUntilFunctionUpdatedV2;
  await w({ client: ctx.client, maxWaitTime: waitSeconds, minDelay: 1, maxDelay: 2 }, { FunctionName: name });
}
