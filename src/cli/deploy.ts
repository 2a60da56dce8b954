import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteLayerVersionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type Architecture,
  type FunctionConfiguration,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { UsageError, type Parsed } from './args';
import { CliError, describeError, feature, lambdaClient, loadCliConfig, type CliConfig } from './client';
import { afterApply, NoValue, pendingRefs, Resolver, showPending } from './intrinsics';
import { mb, packagePath, zipInline, type Package } from './package';
import { addUploadProgress } from './progress';
import { buildModel, eventHints, isFunctionType, isLayerType, parseOverrides, physicalName, type ResourceDecl, type TemplateModel } from './sam';
import { readStackRecord, writeStackRecord, type StackRecord, type StackResource } from './stack';
import { findTemplate, parseTemplate, TemplateError } from './template';

export interface DeployOptions {
  templateFile: string;
  overrides: Record<string, string>;
  stackName?: string;
  dryRun?: boolean;
  /** Stretch every function's Timeout (kumo dev --debug). */
  timeoutOverride?: number;
  /** Only these logical ids are looked at (kumo dev); the others are taken as unchanged from the record. */
  only?: Set<string>;
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

type Action = 'create' | 'update' | 'unchanged' | 'delete' | 'skip';

interface Planned {
  decl: ResourceDecl;
  action: Action;
  reasons: string[];
  physical: string;
  /** Resolved properties at plan time (may hold placeholders). */
  props?: Record<string, unknown>;
  pkg?: Package;
  remote?: { config?: FunctionConfiguration; reserved?: number };
  /** Why this resource cannot be deployed (reported as its failure). */
  conflict?: string;
}

/** Tags on every function a deploy creates: which stack and template own it. */
const stackTag = 'kumo:stack';
const templateTag = 'kumo:template';

const functionDefaults = { MemorySize: 128, Timeout: 3, EphemeralStorage: 512, Architectures: ['x86_64'] };
/** Longest wait for a function to become Active / finish an update. */
const waitSeconds = 300;

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const notFound = (e: unknown) => (e as { name?: string })?.name === 'ResourceNotFoundException';

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
  return buildModel(parseTemplate(templateFile), overrides);
}

function sanitizeStackName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return /^[A-Za-z]/.test(n) ? n.slice(0, 40) : `stack-${n}`.slice(0, 40);
}

/** Plans and applies a template. Template mistakes throw TemplateError before anything changes. */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const cfg = opts.cfg ?? loadCliConfig();
  let model: TemplateModel;
  try {
    model = loadModel(opts.templateFile, opts.overrides);
  } catch (e) {
    if (e instanceof TemplateError) throw new CliError(`template error: ${e.message}`, 2);
    throw e;
  }
  const stackFile = stackFileFor(opts.templateFile);
  const prev = readStackRecord(stackFile);
  const stackName = sanitizeStackName(opts.stackName ?? prev?.stackName ?? defaultStackName(opts.templateFile));
  const prevResources = prev && prev.endpoint === cfg.endpoint ? prev.resources : {};
  if (prev && prev.endpoint !== cfg.endpoint) out(`note: ${path.basename(stackFile)} was written for ${prev.endpoint}; nothing will be deleted on ${cfg.endpoint}`);
  const region = cfg.region;
  const account = cfg.accountId;
  const fnArn = (name: string) => `arn:aws:lambda:${region}:${account}:function:${name}`;
  const client = lambdaClient(cfg);
  addUploadProgress(client);

  // Outputs of resources as known so far (plan: from the record or deterministic; apply: real).
  const state: Record<string, StackResource> = {};
  const plans = new Map<string, Planned>();
  const active = new Set<string>();
  let phase: 'plan' | 'apply' = 'plan';

  const declById = new Map(model.resources.map((r) => [r.id, r]));
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:aws:cloudformation:${region}:${account}:stack/${stackName}/kumo`,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolver: Resolver = new Resolver({
    tpl: model.tpl,
    params: model.params,
    pseudo,
    mappings: model.mappings,
    conditionDefs: model.conditions,
    resourceIds: active,
    declaredIds: new Set(model.resources.map((r) => r.id)),
    ref: (name, p) => {
      const [id, sub] = name.split('.') as [string, string | undefined];
      const d = declById.get(id)!;
      if (sub) {
        if (d.type !== 'AWS::Serverless::Function') throw model.tpl.error(p, `${name}: only SAM functions have .Alias / .Version`);
        if (!d.props.AutoPublishAlias) throw model.tpl.error(p, `${name} needs AutoPublishAlias on ${id}`);
        if (sub === 'Alias') return `${fnArn(physicalOf(d))}:${String(resolver.value(d.props.AutoPublishAlias, `Resources.${id}.Properties.AutoPublishAlias`))}`;
        if (sub === 'Version') return known(id, state[id]?.version ? `${fnArn(physicalOf(d))}:${state[id]!.version}` : undefined);
        throw model.tpl.error(p, `${name}: a function has .Alias and .Version`);
      }
      return refOf(d);
    },
    getAtt: (id, attr, p) => {
      const d = declById.get(id)!;
      if (isFunctionType(d.type)) {
        if (attr === 'Arn') return fnArn(physicalOf(d));
        throw model.tpl.error(p, `${id} (${d.type}) has the attribute Arn, not ${attr}`);
      }
      if (isLayerType(d.type)) {
        if (attr === 'LayerVersionArn' || attr === 'Arn') return refOf(d);
        throw model.tpl.error(p, `${id} has the attribute LayerVersionArn, not ${attr}`);
      }
      if (d.type === 'AWS::Lambda::Version') {
        if (attr === 'Version') return known(id, state[id]?.version);
        if (attr === 'FunctionArn') return refOf(d);
        throw model.tpl.error(p, `${id} has the attributes Version and FunctionArn, not ${attr}`);
      }
      if (d.type === 'AWS::Lambda::Alias') {
        if (attr === 'AliasArn' || attr === 'Arn') return refOf(d);
        throw model.tpl.error(p, `${id} has the attribute AliasArn, not ${attr}`);
      }
      // Resources Kumo does not create: a stand-in that keeps the template deployable.
      const svc = d.type.split('::')[1]!.toLowerCase();
      if (/arn$/i.test(attr)) return `arn:aws:${svc}:${region}:${account}:${id}`;
      return id;
    },
  });
  const known = (id: string, v: string | undefined): string => {
    if (v !== undefined && (phase === 'apply' || plans.get(id)?.action === 'unchanged')) return v;
    return afterApply(id);
  };
  const physicalOf = (d: ResourceDecl): string => {
    const p = `Resources.${d.id}.Properties`;
    if (isFunctionType(d.type)) {
      const n = d.props.FunctionName !== undefined ? resolver.value(d.props.FunctionName, `${p}.FunctionName`) : undefined;
      if (n !== undefined && typeof n !== 'string') throw model.tpl.error(`${p}.FunctionName`, 'FunctionName must be a string');
      return (n as string | undefined) ?? physicalName(stackName, d.id);
    }
    if (isLayerType(d.type)) {
      const n = d.props.LayerName !== undefined ? resolver.value(d.props.LayerName, `${p}.LayerName`) : undefined;
      if (n !== undefined && typeof n !== 'string') throw model.tpl.error(`${p}.LayerName`, 'LayerName must be a string');
      return (n as string | undefined) ?? (d.type === 'AWS::Serverless::LayerVersion' ? d.id : physicalName(stackName, d.id, 140));
    }
    return d.id;
  };
  const refOf = (d: ResourceDecl): string => {
    if (isFunctionType(d.type)) return physicalOf(d);
    if (isLayerType(d.type) || d.type === 'AWS::Lambda::Version' || d.type === 'AWS::Lambda::Alias') return known(d.id, state[d.id]?.ref);
    return d.id;
  };

  const changed: string[] = [];
  const failed: string[] = [];
  let record: StackRecord = { stackName, endpoint: cfg.endpoint, template: path.basename(opts.templateFile), updatedAt: new Date().toISOString(), resources: { ...prevResources } };
  try {
    // ---- Conditions decide which resources exist.
    for (const d of model.resources) {
      if (d.condition && !resolver.condition(d.condition, `Resources.${d.id}.Condition`)) continue;
      active.add(d.id);
    }
    for (const n of model.notes) out(`note: ${n}`);

    // ---- Plan.
    out(`Stack ${stackName}: ${path.relative(process.cwd(), opts.templateFile) || opts.templateFile} → ${cfg.endpoint}`);
    for (const d of model.resources) {
      if (!active.has(d.id)) continue;
      const pl: Planned = { decl: d, action: 'unchanged', reasons: [], physical: d.id };
      plans.set(d.id, pl);
      if (opts.only && !opts.only.has(d.id)) {
        if (prevResources[d.id]) Object.assign((state[d.id] = { ...prevResources[d.id]! }), {});
        pl.physical = prevResources[d.id]?.physicalId ?? d.id;
        continue;
      }
      try {
        await planResource(pl);
      } catch (e) {
        if (e instanceof TemplateError) throw e;
        throw new CliError(`${d.id}: ${describeError(e, cfg)}`);
      }
      if (pl.action === 'unchanged' && prevResources[d.id]) state[d.id] = { ...prevResources[d.id]! };
    }
    const deletes: { id: string; r: StackResource }[] = [];
    if (!opts.only) {
      for (const [id, r] of Object.entries(prevResources)) {
        const pl = plans.get(id);
        if (!pl || pl.decl.type !== r.type || (pl.physical !== r.physicalId && isFunctionType(r.type))) deletes.push({ id, r });
      }
    }
    printPlan([...plans.values()], deletes);
    if (opts.dryRun) {
      out('dry run: nothing changed');
      return { ok: true, failed, changed, model, record };
    }

    // ---- Apply, in dependency order; a failure skips only what depends on it.
    phase = 'apply';
    const broken = new Set<string>();
    for (const pl of plans.values()) {
      const d = pl.decl;
      const badDep = d.deps.find((x) => broken.has(x));
      if (badDep) {
        broken.add(d.id);
        failed.push(d.id);
        out(`  ✗ ${d.id}: skipped, it depends on ${badDep}, which failed`);
        continue;
      }
      if (pl.conflict) {
        broken.add(d.id);
        failed.push(d.id);
        out(`  ✗ ${d.id} (${d.type}) failed: ${pl.conflict}`);
        continue;
      }
      if (pl.action === 'skip' || (opts.only && !opts.only.has(d.id))) continue;
      try {
        const r = await applyResource(pl);
        if (r) {
          state[d.id] = r;
          record.resources[d.id] = r;
        }
      } catch (e) {
        broken.add(d.id);
        failed.push(d.id);
        const msg = e instanceof TemplateError ? `template error: ${e.message}` : describeError(e, cfg);
        out(`  ✗ ${d.id} (${d.type}) failed: ${msg}`);
      }
    }
    // Deletes: aliases and versions before functions, functions before layers.
    const goneFunctions = new Set(deletes.filter((x) => isFunctionType(x.r.type)).map((x) => x.r.physicalId));
    const order = (t: string) => (t === 'AWS::Lambda::Alias' ? 0 : t === 'AWS::Lambda::Version' ? 1 : isFunctionType(t) ? 2 : 3);
    for (const { id, r } of deletes.sort((a, b) => order(a.r.type) - order(b.r.type))) {
      try {
        // Deleting a function deletes its versions and aliases with it.
        if ((r.type === 'AWS::Lambda::Alias' || r.type === 'AWS::Lambda::Version') && goneFunctions.has(r.functionName ?? '')) {
          delete record.resources[id];
          out(`  - ${id}: deleted with ${r.functionName}`);
          continue;
        }
        await deleteResource(r);
        if (!plans.has(id) || plans.get(id)!.decl.type !== r.type) delete record.resources[id];
        out(`  - ${id}: deleted ${r.physicalId}`);
        changed.push(id);
      } catch (e) {
        failed.push(id);
        out(`  ✗ ${id}: delete failed: ${describeError(e, cfg)}`);
      }
    }
    record.updatedAt = new Date().toISOString();
    record = { ...record, resources: Object.fromEntries(Object.entries(record.resources).sort(([a], [b]) => a.localeCompare(b))) };
    writeStackRecord(stackFile, record);
    printOutputs();
    if (failed.length) out(`deploy finished with ${failed.length} failed resource(s): ${failed.join(', ')}; the others are deployed and working`);
    else out(changed.length ? `deployed: ${changed.length} resource(s) changed` : 'deployed: no changes');
    return { ok: failed.length === 0, failed, changed, model, record };
  } catch (e) {
    if (e instanceof TemplateError) throw new CliError(`template error: ${e.message}`, 2);
    throw e;
  } finally {
    client.destroy();
  }

  // ---------------------------------------------------------------- helpers

  function printPlan(ps: Planned[], deletes: { id: string; r: StackResource }[]) {
    const sym: Record<Action, string> = { create: '+', update: '~', unchanged: '=', delete: '-', skip: '!' };
    const rows: string[][] = [];
    for (const p of ps) {
      if (opts.only && !opts.only.has(p.decl.id)) continue;
      rows.push([`${sym[p.action]} ${p.action}`, p.decl.id, p.decl.type, p.physical, p.reasons.join('; ')]);
    }
    for (const { id, r } of deletes) rows.push(['- delete', id, r.type, r.physicalId, 'removed from the template']);
    const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    out('Plan:');
    for (const r of rows) out(`  ${r.slice(0, 4).map((c, i) => c.padEnd(w[i]!)).join('  ')}${r[4] ? '  (' + showPending(r[4]) + ')' : ''}`.trimEnd());
  }

  function printOutputs() {
    const entries = Object.entries(model.outputs);
    if (!entries.length) return;
    out('Outputs:');
    for (const [k, o] of entries) {
      if (!isMapping(o)) continue;
      if (o.Condition && !resolver.condition(String(o.Condition), `Outputs.${k}.Condition`)) continue;
      let v: string;
      try {
        const r = resolver.value(o.Value, `Outputs.${k}.Value`);
        v = typeof r === 'string' ? r : JSON.stringify(r);
      } catch (e) {
        v = `(unavailable: ${(e as Error).message})`;
      }
      out(`  ${k} = ${showPending(v)}`);
    }
  }

  function props(d: ResourceDecl): Record<string, unknown> {
    const r = resolver.value(d.props, `Resources.${d.id}.Properties`);
    return (r === NoValue ? {} : r) as Record<string, unknown>;
  }

  function num(v: unknown, p: string, what: string): number | undefined {
    if (v === undefined) return undefined;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw model.tpl.error(p, `${what} must be a number, got ${JSON.stringify(v)}`);
    return n;
  }

  function str(v: unknown, p: string, what: string): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw model.tpl.error(p, `${what} must be a string, got ${JSON.stringify(v)}`);
  }

  /** The function's desired configuration, in the API's shape. */
  function functionConfig(d: ResourceDecl, pr: Record<string, unknown>) {
    const p = `Resources.${d.id}.Properties`;
    const env = pr.Environment;
    if (env !== undefined && (!isMapping(env) || (env.Variables !== undefined && !isMapping(env.Variables)))) {
      throw model.tpl.error(`${p}.Environment`, 'Environment is a mapping with Variables: {NAME: value}');
    }
    const vars = Object.fromEntries(Object.entries(((env as Record<string, unknown> | undefined)?.Variables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const layers = pr.Layers === undefined ? [] : pr.Layers;
    if (!Array.isArray(layers) || layers.some((x) => typeof x !== 'string')) throw model.tpl.error(`${p}.Layers`, 'Layers is a list of layer version ARNs (or !Ref to a LayerVersion)');
    const eph = pr.EphemeralStorage;
    if (eph !== undefined && !isMapping(eph)) throw model.tpl.error(`${p}.EphemeralStorage`, 'EphemeralStorage is {Size: MB}');
    const archs = pr.Architectures === undefined ? functionDefaults.Architectures : pr.Architectures;
    if (!Array.isArray(archs)) throw model.tpl.error(`${p}.Architectures`, 'Architectures is a list ([x86_64] or [arm64])');
    const timeout = opts.timeoutOverride ?? num(pr.Timeout, `${p}.Timeout`, 'Timeout') ?? functionDefaults.Timeout;
    return {
      Runtime: str(pr.Runtime, `${p}.Runtime`, 'Runtime'),
      Handler: str(pr.Handler, `${p}.Handler`, 'Handler'),
      MemorySize: num(pr.MemorySize, `${p}.MemorySize`, 'MemorySize') ?? functionDefaults.MemorySize,
      Timeout: timeout,
      Description: str(pr.Description, `${p}.Description`, 'Description') ?? '',
      Environment: { Variables: vars },
      Layers: layers as string[],
      EphemeralStorage: { Size: num((eph as Record<string, unknown> | undefined)?.Size, `${p}.EphemeralStorage.Size`, 'EphemeralStorage.Size') ?? functionDefaults.EphemeralStorage },
      Role: str(pr.Role, `${p}.Role`, 'Role') ?? `arn:aws:iam::${account}:role/kumo-${stackName}-${d.id}`.slice(0, 140),
      Architectures: archs.map(String),
    };
  }

  function configDiff(want: ReturnType<typeof functionConfig>, have: FunctionConfiguration): string[] {
    const diff: string[] = [];
    const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (want.Runtime !== have.Runtime) diff.push('Runtime');
    if (want.Handler !== (have.Handler ?? undefined)) diff.push('Handler');
    if (want.MemorySize !== have.MemorySize) diff.push('MemorySize');
    if (want.Timeout !== have.Timeout) diff.push('Timeout');
    if (want.Description !== (have.Description ?? '')) diff.push('Description');
    const sortObj = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
    if (!eq(sortObj(want.Environment.Variables), sortObj(have.Environment?.Variables ?? {}))) diff.push('Environment');
    if (!eq(want.Layers, (have.Layers ?? []).map((l) => l.Arn))) diff.push('Layers');
    if (want.EphemeralStorage.Size !== (have.EphemeralStorage?.Size ?? 512)) diff.push('EphemeralStorage');
    if (want.Role !== have.Role) diff.push('Role');
    if (!eq(want.Architectures, have.Architectures ?? ['x86_64'])) diff.push('Architectures');
    return diff;
  }

  async function packageCode(d: ResourceDecl, pr: Record<string, unknown>): Promise<Package> {
    const p = `Resources.${d.id}.Properties`;
    let key: string;
    let src: unknown;
    if (d.type === 'AWS::Serverless::Function') {
      if (pr.InlineCode !== undefined) {
        if (typeof pr.InlineCode !== 'string') throw model.tpl.error(`${p}.InlineCode`, 'InlineCode must be a string');
        return zipInline(pr.InlineCode, pr.Runtime as string | undefined);
      }
      key = 'CodeUri';
    } else if (d.type === 'AWS::Lambda::Function') {
      key = 'Code';
      if (isMapping(pr.Code) && typeof pr.Code.ZipFile === 'string') return zipInline(pr.Code.ZipFile, pr.Runtime as string | undefined);
    } else key = d.type === 'AWS::Serverless::LayerVersion' ? 'ContentUri' : 'Content';
    src = pr[key];
    if (typeof src !== 'string') {
      throw model.tpl.error(`${p}.${key}`, `${key} must be a local directory or .zip file (S3 locations are not supported by Kumo)`);
    }
    const abs = path.resolve(model.dir, src);
    if (!fs.existsSync(abs)) throw model.tpl.error(`${p}.${key}`, `${key} ${src} does not exist (looked at ${abs})`);
    try {
      return await packagePath(abs);
    } catch (e) {
      throw model.tpl.error(`${p}.${key}`, (e as Error).message);
    }
  }

  function wrongEvents(d: ResourceDecl, pr: Record<string, unknown>) {
    const evs = pr.Events;
    if (evs === undefined) return;
    if (!isMapping(evs)) throw model.tpl.error(`Resources.${d.id}.Properties.Events`, 'Events is a mapping of name → {Type, Properties}');
    for (const [name, ev] of Object.entries(evs)) {
      const type = isMapping(ev) ? String(ev.Type) : '?';
      const hint = eventHints[type];
      out(
        `note: ${d.id} event ${name} (${type}) is not wired: Kumo has no ${type} event source yet` +
          (hint ? `; try it with: kumo generate-event ${hint} | kumo invoke ${d.id} --event -` : ''),
      );
    }
  }

  async function planResource(pl: Planned): Promise<void> {
    const d = pl.decl;
    const prevRec = prevResources[d.id];
    if (!['AWS::Serverless::Function', 'AWS::Lambda::Function', 'AWS::Serverless::LayerVersion', 'AWS::Lambda::LayerVersion', 'AWS::Lambda::Version', 'AWS::Lambda::Alias'].includes(d.type)) {
      pl.action = 'skip';
      pl.reasons.push('not a Lambda resource: skipped');
      return;
    }
    const pr = props(d);
    pl.props = pr;
    pl.physical = physicalOf(d);
    const pending = pendingRefs(pr);
    if (isFunctionType(d.type)) {
      if (d.type === 'AWS::Serverless::Function') wrongEvents(d, pr);
      const want = functionConfig(d, pr);
      pl.pkg = await packageCode(d, pr);
      let remote: { Configuration?: FunctionConfiguration; Concurrency?: { ReservedConcurrentExecutions?: number }; Tags?: Record<string, string> } | undefined;
      try {
        remote = await client.send(new GetFunctionCommand({ FunctionName: pl.physical }));
      } catch (e) {
        if (!notFound(e)) throw e;
      }
      if (!remote?.Configuration) {
        pl.action = 'create';
        pl.reasons.push(`${mb(pl.pkg.zip.length)} zip`);
        return;
      }
      // A function this stack did not create is never taken over (two projects must not overwrite each other).
      if (!prevRec && remote.Tags?.[templateTag] !== opts.templateFile) {
        const owner = remote.Tags?.[templateTag];
        pl.action = 'skip';
        pl.conflict = `a function named ${pl.physical} already exists and ${owner ? `belongs to ${owner}` : 'was not created by this stack'}; set FunctionName, use --stack-name, or kumo rm it`;
        pl.reasons.push('name taken');
        return;
      }
      pl.remote = { config: remote.Configuration, reserved: remote.Concurrency?.ReservedConcurrentExecutions };
      if (remote.Configuration.CodeSha256 !== pl.pkg.sha256) pl.reasons.push('code');
      pl.reasons.push(...configDiff(want, remote.Configuration).filter((x) => !(x === 'Layers' && pending.length)));
      if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
      const reserved = num(pr.ReservedConcurrentExecutions, `Resources.${d.id}.Properties.ReservedConcurrentExecutions`, 'ReservedConcurrentExecutions');
      if (reserved !== pl.remote.reserved) pl.reasons.push('ReservedConcurrentExecutions');
      if (pr.AutoPublishAlias !== undefined && (!prevRec?.alias || prevRec.alias !== pr.AutoPublishAlias)) pl.reasons.push('AutoPublishAlias');
      pl.action = pl.reasons.length ? 'update' : 'unchanged';
      return;
    }
    if (isLayerType(d.type)) {
      pl.pkg = await packageCode(d, pr);
      const hash = layerConfigHash(pr);
      if (prevRec?.codeSha256 === pl.pkg.sha256 && prevRec.configHash === hash && prevRec.version) {
        try {
          await client.send(new GetLayerVersionCommand({ LayerName: pl.physical, VersionNumber: Number(prevRec.version) }));
          pl.action = 'unchanged';
          return;
        } catch (e) {
          if (!notFound(e)) throw e;
        }
      }
      pl.action = prevRec ? 'update' : 'create';
      pl.reasons.push(prevRec ? (prevRec.codeSha256 !== pl.pkg.sha256 ? 'content: publishes a new version' : 'publishes a new version') : `${mb(pl.pkg.zip.length)} zip`);
      return;
    }
    if (d.type === 'AWS::Lambda::Version') {
      const fnDep = d.deps.find((x) => isFunctionType(declById.get(x)?.type ?? ''));
      const fnChanged = fnDep ? plans.get(fnDep)?.action !== 'unchanged' : true;
      pl.action = !prevRec ? 'create' : fnChanged || pending.length ? 'update' : 'unchanged';
      if (pl.action !== 'unchanged') pl.reasons.push('publishes a version');
      return;
    }
    // Alias.
    const fnName = String(pr.FunctionName);
    const name = String(pr.Name);
    pl.physical = `${fnName}:${name}`;
    try {
      const a = await client.send(new GetAliasCommand({ FunctionName: fnName, Name: name }));
      const diffs: string[] = [];
      if (pending.length) diffs.push(`depends on ${pending.join(', ')}`);
      else {
        if (a.FunctionVersion !== String(pr.FunctionVersion)) diffs.push('FunctionVersion');
        if ((a.Description ?? '') !== String(pr.Description ?? '')) diffs.push('Description');
      }
      pl.action = diffs.length ? 'update' : 'unchanged';
      pl.reasons.push(...diffs);
      if (pl.action === 'unchanged') state[d.id] = { type: d.type, physicalId: name, ref: a.AliasArn, arn: a.AliasArn, functionName: fnName };
    } catch (e) {
      if (notFound(e) || (e as { name?: string }).name === 'UnknownOperationException') pl.action = 'create';
      else throw e;
    }
  }

  function layerConfigHash(pr: Record<string, unknown>): string {
    const pick = ['CompatibleRuntimes', 'CompatibleArchitectures', 'Description', 'LicenseInfo'].map((k) => pr[k] ?? null);
    return createHash('sha256').update(JSON.stringify(pick)).digest('hex').slice(0, 16);
  }

  async function applyResource(pl: Planned): Promise<StackResource | undefined> {
    const d = pl.decl;
    if (pl.action === 'skip') return undefined;
    // Re-resolve now that what this depends on exists.
    const pr = props(d);
    const name = physicalOf(d);
    const prevRec = prevResources[d.id];
    if (isFunctionType(d.type)) {
      const want = functionConfig(d, pr);
      const pkg = pl.pkg!;
      const rec: StackResource = { type: d.type, physicalId: name, ref: name, arn: fnArn(name), codeSha256: pkg.sha256 };
      let config: FunctionConfiguration | undefined = pl.remote?.config;
      const t0 = Date.now();
      let touched = false;
      if (pl.action === 'create') {
        out(`  + ${d.id}: uploading ${name} (${mb(pkg.zip.length)}, ${pkg.files} files)…`);
        const r = await client.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Runtime: want.Runtime as Runtime,
            Handler: want.Handler,
            Role: want.Role,
            Code: { ZipFile: pkg.zip },
            MemorySize: want.MemorySize,
            Timeout: want.Timeout,
            Description: want.Description,
            Environment: want.Environment,
            Layers: want.Layers.length ? want.Layers : undefined,
            EphemeralStorage: want.EphemeralStorage,
            Architectures: want.Architectures as Architecture[],
            Tags: { [stackTag]: stackName, [templateTag]: opts.templateFile },
          }),
        );
        rec.arn = r.FunctionArn ?? rec.arn;
        out(`    waiting for ${name} to be Active…`);
        await waitFor(name, 'active');
        touched = true;
      } else {
        if (!config) {
          const g = await client.send(new GetFunctionCommand({ FunctionName: name }));
          config = g.Configuration;
        }
        if (config?.CodeSha256 !== pkg.sha256) {
          out(`  ~ ${d.id}: uploading new code for ${name} (${mb(pkg.zip.length)})…`);
          await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: pkg.zip }));
          await waitFor(name, 'updated');
          touched = true;
        }
        const diff = config ? configDiff(want, config) : ['all'];
        if (diff.length) {
          out(`  ~ ${d.id}: updating configuration of ${name} (${diff.join(', ')})…`);
          await client.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: name,
              Runtime: want.Runtime as Runtime,
              Handler: want.Handler,
              Role: want.Role,
              MemorySize: want.MemorySize,
              Timeout: want.Timeout,
              Description: want.Description,
              Environment: want.Environment,
              Layers: want.Layers,
              EphemeralStorage: want.EphemeralStorage,
            }),
          );
          await waitFor(name, 'updated');
          touched = true;
        }
      }
      // The function itself is in place: record it now, so a later step failing never orphans it.
      record.resources[d.id] = { ...(prevRec?.type === d.type ? prevRec : {}), ...rec, version: prevRec?.version, alias: prevRec?.alias };
      const reserved = num(pr.ReservedConcurrentExecutions, `Resources.${d.id}.Properties.ReservedConcurrentExecutions`, 'ReservedConcurrentExecutions');
      if (reserved !== undefined && reserved !== pl.remote?.reserved) {
        await feature(`ReservedConcurrentExecutions (${d.id})`, 'PutFunctionConcurrency', () =>
          client.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: reserved })),
        );
        out(`    reserved concurrency of ${name}: ${reserved}`);
        touched = true;
      } else if (reserved === undefined && pl.remote?.reserved !== undefined) {
        await feature(`ReservedConcurrentExecutions (${d.id})`, 'DeleteFunctionConcurrency', () => client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name })));
        touched = true;
      }
      if (pr.AutoPublishAlias !== undefined) {
        const alias = String(pr.AutoPublishAlias);
        if (!/^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/.test(alias)) throw model.tpl.error(`Resources.${d.id}.Properties.AutoPublishAlias`, `alias name '${alias}' must be letters, digits, - and _ (not only digits)`);
        let version = prevRec?.version;
        if (touched || !version || prevRec?.alias !== alias) {
          const v = await feature(`AutoPublishAlias (${d.id})`, 'PublishVersion', () =>
            client.send(new PublishVersionCommand({ FunctionName: name, Description: typeof pr.VersionDescription === 'string' ? pr.VersionDescription : undefined })),
          );
          version = v.Version;
          await upsertAlias(name, alias, version!, undefined, `AutoPublishAlias (${d.id})`);
          out(`    published ${name} version ${version}, alias ${alias} → ${version}`);
          touched = true;
        }
        rec.version = version;
        rec.alias = alias;
      }
      if (touched) {
        changed.push(d.id);
        out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
      return rec;
    }
    if (isLayerType(d.type)) {
      if (pl.action === 'unchanged') return prevRec;
      const pkg = pl.pkg!;
      out(`  + ${d.id}: publishing layer ${name} (${mb(pkg.zip.length)})…`);
      const r = await feature(`layers (${d.id}, ${d.type})`, 'PublishLayerVersion', () =>
        client.send(
          new PublishLayerVersionCommand({
            LayerName: name,
            Content: { ZipFile: pkg.zip },
            CompatibleRuntimes: pr.CompatibleRuntimes as Runtime[] | undefined,
            CompatibleArchitectures: pr.CompatibleArchitectures as Architecture[] | undefined,
            Description: pr.Description as string | undefined,
            LicenseInfo: pr.LicenseInfo as string | undefined,
          }),
        ),
      );
      changed.push(d.id);
      out(`  ✓ ${d.id}: ${r.LayerVersionArn}`);
      return {
        type: d.type,
        physicalId: name,
        ref: r.LayerVersionArn,
        arn: r.LayerArn,
        version: String(r.Version),
        codeSha256: pkg.sha256,
        configHash: layerConfigHash(pr),
        layerVersions: [...(prevRec?.layerVersions ?? []), r.Version!],
      };
    }
    if (d.type === 'AWS::Lambda::Version') {
      const fn = String(pr.FunctionName);
      const fnDep = d.deps.find((x) => isFunctionType(declById.get(x)?.type ?? ''));
      if (prevRec && fnDep && !changed.includes(fnDep) && pl.action === 'unchanged') return prevRec;
      const v = await feature(`versions (${d.id}, AWS::Lambda::Version)`, 'PublishVersion', () =>
        client.send(new PublishVersionCommand({ FunctionName: fn, Description: pr.Description as string | undefined })),
      );
      if (v.Version !== prevRec?.version) {
        changed.push(d.id);
        out(`  ✓ ${d.id}: published ${fn} version ${v.Version}`);
      }
      return { type: d.type, physicalId: v.Version!, ref: v.FunctionArn, arn: v.FunctionArn, version: v.Version, functionName: fn };
    }
    // Alias.
    const fn = String(pr.FunctionName);
    const aliasName = String(pr.Name);
    const arn = await upsertAlias(fn, aliasName, String(pr.FunctionVersion), pr.Description as string | undefined, `aliases (${d.id}, AWS::Lambda::Alias)`, pr.RoutingConfig);
    if (pl.action !== 'unchanged') {
      changed.push(d.id);
      out(`  ✓ ${d.id}: alias ${fn}:${aliasName} → ${String(pr.FunctionVersion)}`);
    }
    return { type: d.type, physicalId: aliasName, ref: arn, arn, functionName: fn };
  }

  /** Kumo activates in milliseconds: look once right away, then leave it to the SDK's waiters (function-active-v2 / function-updated-v2). */
  async function waitFor(name: string, what: 'active' | 'updated'): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      if (what === 'active' && c.State === 'Active') return;
      if (what === 'updated' && c.LastUpdateStatus === 'Successful') return;
      if (c.State === 'Failed' || c.LastUpdateStatus === 'Failed') {
        throw new CliError(`${name} ${what === 'active' ? 'failed to activate' : 'update failed'}: ${c.StateReasonCode ?? c.LastUpdateStatusReasonCode ?? ''} ${c.StateReason ?? c.LastUpdateStatusReason ?? ''}`.trim());
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const w = what === 'active' ? waitUntilFunctionActiveV2 : waitUntilFunctionUpdatedV2;
    await w({ client, maxWaitTime: waitSeconds, minDelay: 1, maxDelay: 2 }, { FunctionName: name });
  }

  async function upsertAlias(fn: string, name: string, version: string, description: string | undefined, what: string, routing?: unknown): Promise<string> {
    const rc = isMapping(routing) && isMapping(routing.AdditionalVersionWeights) ? { AdditionalVersionWeights: routing.AdditionalVersionWeights as Record<string, number> } : undefined;
    let existing: { FunctionVersion?: string; Description?: string; AliasArn?: string } | undefined;
    try {
      existing = await feature(what, 'GetAlias', () => client.send(new GetAliasCommand({ FunctionName: fn, Name: name })));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
    if (!existing) {
      const r = await feature(what, 'CreateAlias', () =>
        client.send(new CreateAliasCommand({ FunctionName: fn, Name: name, FunctionVersion: version, Description: description, RoutingConfig: rc })),
      );
      return r.AliasArn!;
    }
    if (existing.FunctionVersion === version && (existing.Description ?? '') === (description ?? '') && !rc) return existing.AliasArn!;
    const r = await feature(what, 'UpdateAlias', () =>
      client.send(new UpdateAliasCommand({ FunctionName: fn, Name: name, FunctionVersion: version, Description: description, RoutingConfig: rc })),
    );
    out(`  ~ alias ${fn}:${name} → ${version}`);
    return r.AliasArn!;
  }

  async function deleteResource(r: StackResource): Promise<void> {
    const ignoreMissing = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    };
    if (isFunctionType(r.type)) await ignoreMissing(() => client.send(new DeleteFunctionCommand({ FunctionName: r.physicalId })));
    else if (r.type === 'AWS::Lambda::Alias') await ignoreMissing(() => feature('aliases', 'DeleteAlias', () => client.send(new DeleteAliasCommand({ FunctionName: r.functionName!, Name: r.physicalId }))));
    else if (r.type === 'AWS::Lambda::Version') await ignoreMissing(() => client.send(new DeleteFunctionCommand({ FunctionName: r.functionName!, Qualifier: r.physicalId })));
    else if (isLayerType(r.type)) {
      for (const v of r.layerVersions ?? (r.version ? [Number(r.version)] : [])) {
        await ignoreMissing(() => feature('layers', 'DeleteLayerVersion', () => client.send(new DeleteLayerVersionCommand({ LayerName: r.physicalId, VersionNumber: v }))));
      }
    }
  }
}
