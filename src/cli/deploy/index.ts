import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type Parsed } from '../args';
import { CliError, describeError, lambdaClient, loadCliConfig, ssmClient, type CliConfig } from '../client';
import { addUploadProgress } from '../progress';
import { buildModel, parseOverrides, type TemplateModel } from '../sam';
import { readStackRecord, writeStackRecord, type StackRecord } from '../stack';
import { findTemplate, parseTemplate, TemplateError } from '../template';
import { DeployContext } from './context';
import { activeResources, applyInOrder, planAll, removals, removeAll, type RemoveSteps, type Reporter } from './orchestrator';
import { kindOf, schemaOf } from './registry';
import { checkOutputs, printOutputs, printPlan } from './report';
import { resolveParameterStore } from './ssm';

/**
 * `kumo deploy`: read the template, plan every resource, print the plan, apply
 * it, delete what the template no longer has, write `.kumo-stack.json`. The
 * steps are in `orchestrator.ts`; each resource type's plan and apply are in
 * `kinds/`, found through `registry.ts`.
 */

export interface DeployOptions {
  templateFile: string;
  overrides: Record<string, string>;
  stackName?: string;
  dryRun?: boolean;
  /** Stretch every function's Timeout (kumo dev --debug). */
  timeoutOverride?: number;
  /** Only these logical ids are looked at (kumo dev); the others are taken as unchanged from the record. */
  only?: Set<string>;
  /** --runtime-fallback / --architecture-fallback: deploy on the nearest runtime / the host's architecture when the server refuses the template's (deploy/fallback.ts). */
  fallback?: { runtime: boolean; architecture: boolean };
  out?: (line: string) => void;
  cfg?: CliConfig;
}

export interface DeployResult {
  ok: boolean;
  failed: string[];
  changed: string[];
  model: TemplateModel;
  record: StackRecord;
}

/** `--parameter-overrides K=V …`, with a usage error for a malformed one (shared by deploy and dev). */
export function overridesOf(multi: Parsed['multi']): Record<string, string> {
  try {
    return parseOverrides(multi['parameter-overrides'] ?? []);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function deployCommand({ positional, flags, multi }: Parsed): Promise<number> {
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const overrides = overridesOf(multi);
  const r = await deploy({
    templateFile: findTemplate(typeof flags.template === 'string' ? flags.template : undefined),
    overrides,
    stackName: typeof flags['stack-name'] === 'string' ? flags['stack-name'] : undefined,
    dryRun: !!flags['dry-run'],
    fallback: { runtime: !!flags['runtime-fallback'], architecture: !!flags['architecture-fallback'] },
    cfg: loadCliConfig(flags),
  });
  return r.ok ? 0 : 1;
}

const defaultTemplateNames = ['template.yaml', 'template.yml', 'template.json'];

/** `.kumo-stack.json` beside template.yaml; `.kumo-stack.<name>.json` beside any other template, so two templates never share a record. */
export function stackFileFor(templateFile: string): string {
  const base = path.basename(templateFile);
  const name = defaultTemplateNames.includes(base) ? '.kumo-stack.json' : `.kumo-stack.${base.replace(/\.(ya?ml|json)$/, '')}.json`;
  return path.join(path.dirname(templateFile), name);
}

function defaultStackName(templateFile: string): string {
  const base = path.basename(templateFile);
  const dir = path.basename(path.dirname(templateFile));
  return defaultTemplateNames.includes(base) ? dir : `${dir}-${base.replace(/\.(ya?ml|json)$/, '')}`;
}

export function loadModel(templateFile: string, overrides: Record<string, string>): TemplateModel {
  if (!fs.existsSync(templateFile)) throw new CliError(`no template at ${path.relative(process.cwd(), templateFile) || templateFile} (use -t FILE, or kumo init to start a project)`, 2);
  return buildModel(parseTemplate(templateFile), overrides, schemaOf);
}

function sanitizeStackName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return /^[A-Za-z]/.test(n) ? n.slice(0, 40) : `stack-${n}`.slice(0, 40);
}

/** A template mistake is exit status 2 with template.yaml:LINE:COL, before anything changes. */
const asCliError = (e: unknown) => (e instanceof TemplateError ? new CliError(`template error: ${e.message}`, 2) : e);

/** Plans and applies a template. Template mistakes throw before anything changes. */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const cfg = opts.cfg ?? loadCliConfig();
  let model: TemplateModel;
  try {
    model = loadModel(opts.templateFile, opts.overrides);
  } catch (e) {
    throw asCliError(e);
  }
  const stackFile = stackFileFor(opts.templateFile);
  const prev = readStackRecord(stackFile);
  const stackName = sanitizeStackName(opts.stackName ?? prev?.stackName ?? defaultStackName(opts.templateFile));
  const prevResources = prev && prev.endpoint === cfg.endpoint ? prev.resources : {};
  if (prev && prev.endpoint !== cfg.endpoint) out(`note: ${path.basename(stackFile)} was written for ${prev.endpoint}; nothing will be deleted on ${cfg.endpoint}`);
  // Parameter Store values (SSM parameter types, {{resolve:ssm:…}}) are read before anything is planned, as CloudFormation does.
  let ssm: ReturnType<typeof ssmClient> | undefined;
  try {
    await resolveParameterStore(model, () => (ssm ??= ssmClient(cfg)));
  } catch (e) {
    throw asCliError(e);
  } finally {
    ssm?.destroy();
  }
  const client = lambdaClient(cfg);
  addUploadProgress(client);
  const record: StackRecord = { stackName, endpoint: cfg.endpoint, template: path.basename(opts.templateFile), updatedAt: new Date().toISOString(), resources: { ...prevResources } };
  const ctx = new DeployContext({ model, client, cfg, out, stackName, templateFile: opts.templateFile, prev: prevResources, record, timeoutOverride: opts.timeoutOverride, only: opts.only, fallback: opts.fallback });
  try {
    return await run(ctx, opts, stackFile);
  } catch (e) {
    throw asCliError(e);
  } finally {
    client.destroy();
    ctx.destroy();
  }
}

async function run(ctx: DeployContext, opts: DeployOptions, stackFile: string): Promise<DeployResult> {
  const { model, out } = ctx;
  const decls = activeResources(ctx);
  for (const n of model.notes) out(`note: ${n}`);
  out(`Stack ${ctx.stackName}: ${path.relative(process.cwd(), opts.templateFile) || opts.templateFile} → ${ctx.cfg.endpoint}`);
  await planAll(ctx, decls);
  checkOutputs(ctx);
  const removed = opts.only ? [] : removals(ctx.prev, ctx.plans);
  printPlan(ctx, removed);
  if (opts.dryRun) {
    out('dry run: nothing changed');
    return { ok: true, failed: [], changed: ctx.changed, model, record: ctx.record };
  }

  ctx.phase = 'apply';
  const rep: Reporter = { out, describe: (e) => describeError(e, ctx.cfg) };
  const failed = await applyInOrder(
    ctx.plans.values(),
    async (pl) => {
      const r = await kindOf(pl.decl.type).apply(pl, ctx);
      if (!r) return;
      ctx.state[pl.decl.id] = r;
      ctx.record.resources[pl.decl.id] = r;
    },
    rep,
    (d) => ctx.looksAt(d),
  );
  const steps: RemoveSteps = {
    record: ctx.record,
    plans: ctx.plans,
    remove: async (r) => kindOf(r.type).remove?.(r, ctx),
    changed: (id) => ctx.markChanged(id),
  };
  failed.push(...(await removeAll(removed, steps, rep)));
  const record: StackRecord = { ...ctx.record, updatedAt: new Date().toISOString(), resources: Object.fromEntries(Object.entries(ctx.record.resources).sort(([a], [b]) => a.localeCompare(b))) };
  writeStackRecord(stackFile, record);
  printOutputs(ctx);
  const changed = ctx.changed;
  if (failed.length) out(`deploy finished with ${failed.length} failed resource(s): ${failed.join(', ')}; the others are deployed and working`);
  else out(changed.length ? `deployed: ${changed.length} resource(s) changed` : 'deployed: no changes');
  return { ok: failed.length === 0, failed, changed, model, record };
}
