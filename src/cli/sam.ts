import { createHash } from 'node:crypto';
import path from 'node:path';
import { referencedIds } from './intrinsics';
import type { PropertySchema } from './deploy/kind';
import type { ParsedTemplate } from './template';

/**
 * The template's structure, checked before anything is resolved or deployed:
 * sections, Parameters (with overrides), resources and their properties,
 * Globals merged into SAM functions, and the dependency order.
 */

export const samTransform = 'AWS::Serverless-2016-10-31';

const topLevel = new Set(['AWSTemplateFormatVersion', 'Description', 'Transform', 'Globals', 'Parameters', 'Mappings', 'Conditions', 'Resources', 'Outputs', 'Metadata', 'Rules']);
const resourceKeys = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'Metadata', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'CreationPolicy']);

/** What a resource type accepts, from the kind that deploys it (deploy/registry.ts); undefined: a type Kumo does not deploy. */
export type SchemaOf = (type: string) => PropertySchema | undefined;

export const isFunctionType = (t: string) => t === 'AWS::Serverless::Function' || t === 'AWS::Lambda::Function';

export interface ResourceDecl {
  id: string;
  type: string;
  /** Properties with Globals merged (unresolved). */
  props: Record<string, unknown>;
  condition?: string;
  dependsOn: string[];
  /** Logical ids this resource refers to or depends on. */
  deps: string[];
  /** For a resource a SAM resource expanded into: that resource's logical id. */
  partOf?: string;
}

export interface TemplateModel {
  tpl: ParsedTemplate;
  dir: string;
  params: Record<string, string | string[]>;
  mappings: Record<string, unknown>;
  conditions: Record<string, unknown>;
  resources: ResourceDecl[];
  outputs: Record<string, { Value?: unknown; Condition?: string; Description?: string }>;
  notes: string[];
  /** Ids SAM's translator makes that the template did not declare (`<Fn>Role`) → the resource they belong to. */
  implicit: Record<string, string>;
  /** Parameters whose value is read from the server's Parameter Store at deploy time (their `params` entry holds the parameter's name until then). */
  ssmParams: SsmParameterRef[];
}

/** A template parameter of an AWS::SSM::Parameter type. */
export interface SsmParameterRef {
  param: string;
  /** The Parameter Store name the Default or override gives. */
  ssmName: string;
  /** Value<List<String>> / Value<CommaDelimitedList>: the value split at commas. */
  list: boolean;
  /** AWS::SSM::Parameter::Name: the value is the name itself (CloudFormation only checks that it exists). */
  nameOnly: boolean;
  /** The template path its name came from (for template.yaml:LINE:COL). */
  where: string;
}

/**
 * CloudFormation's SSM parameter types: the parameter's value is a Parameter
 * Store name, and CloudFormation reads that parameter at deploy time.
 * `AWS::SSM::Parameter::Value<AWS::EC2::…>` types name EC2 resources Kumo
 * does not have.
 */
function ssmParameterType(type: string): 'string' | 'list' | 'name' | 'unsupported' | undefined {
  if (type === 'AWS::SSM::Parameter::Name') return 'name';
  if (type === 'AWS::SSM::Parameter::Value<String>') return 'string';
  if (type === 'AWS::SSM::Parameter::Value<List<String>>' || type === 'AWS::SSM::Parameter::Value<CommaDelimitedList>') return 'list';
  return type.startsWith('AWS::SSM::') ? 'unsupported' : undefined;
}

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** K=V words (several per argument allowed), or ParameterKey=K,ParameterValue=V. */
export function parseOverrides(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const m = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(item);
    if (m) {
      out[m[1]!] = m[2]!;
      continue;
    }
    for (const word of item.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new Error(`--parameter-overrides wants Key=Value, got '${word}'`);
      out[word.slice(0, eq)] = word.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2');
    }
  }
  return out;
}

/** Merges Globals into a resource's properties as SAM does: maps merged, lists appended, scalars replaced. */
export function mergeGlobals(global: unknown, local: unknown): unknown {
  if (local === undefined) return global;
  const intrinsic = (v: unknown) => isMapping(v) && Object.keys(v).length === 1 && /^(Ref|Fn::)/.test(Object.keys(v)[0]!);
  if (isMapping(global) && isMapping(local) && !intrinsic(global) && !intrinsic(local)) {
    const out: Record<string, unknown> = { ...global };
    for (const [k, v] of Object.entries(local)) out[k] = mergeGlobals(global[k], v);
    return out;
  }
  if (Array.isArray(global) && Array.isArray(local)) return [...global, ...local];
  return local;
}

export function buildModel(tpl: ParsedTemplate, overrides: Record<string, string>, schemaOf: SchemaOf): TemplateModel {
  const t = tpl.value;
  const notes: string[] = [];
  for (const k of Object.keys(t)) {
    if (!topLevel.has(k)) throw tpl.error(k, `unknown section '${k}' (sections: ${[...topLevel].join(', ')})`);
  }
  if (t.AWSTemplateFormatVersion !== undefined && String(t.AWSTemplateFormatVersion) !== '2010-09-09') {
    throw tpl.error('AWSTemplateFormatVersion', `AWSTemplateFormatVersion must be '2010-09-09'`);
  }
  const transforms = t.Transform === undefined ? [] : Array.isArray(t.Transform) ? t.Transform : [t.Transform];
  for (const [i, tr] of transforms.entries()) {
    if (tr !== samTransform) {
      throw tpl.error(Array.isArray(t.Transform) ? `Transform[${i}]` : 'Transform', `transform ${JSON.stringify(tr)} is not supported (only ${samTransform})`);
    }
  }
  const hasSam = transforms.includes(samTransform);
  if (!isMapping(t.Resources) || Object.keys(t.Resources).length === 0) {
    throw tpl.error(t.Resources === undefined ? '' : 'Resources', 'the template needs a Resources section with at least one resource');
  }
  for (const section of ['Parameters', 'Mappings', 'Conditions', 'Outputs', 'Globals'] as const) {
    if (t[section] !== undefined && t[section] !== null && !isMapping(t[section])) throw tpl.error(section, `${section} must be a mapping`);
  }

  // Parameters.
  const params: Record<string, string | string[]> = {};
  const ssmParams: SsmParameterRef[] = [];
  const decls = (t.Parameters ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(overrides)) {
    if (!(k in decls)) throw tpl.error('Parameters', `--parameter-overrides names '${k}', which is not a parameter (parameters: ${Object.keys(decls).join(', ') || 'none'})`);
  }
  for (const [name, d] of Object.entries(decls)) {
    const p = `Parameters.${name}`;
    if (!isMapping(d)) throw tpl.error(p, 'a parameter is a mapping with at least Type');
    const type = d.Type;
    if (typeof type !== 'string') throw tpl.error(p, 'the parameter has no Type');
    const known = ['String', 'Number', 'List<Number>', 'CommaDelimitedList'];
    // AWS-specific types, alone or as a List<…> (List<AWS::EC2::Subnet::Id>).
    const awsType = /^(List<)?AWS::/.test(type);
    if (!known.includes(type) && !awsType) throw tpl.error(`${p}.Type`, `unknown parameter type '${type}' (String, Number, List<Number>, CommaDelimitedList, AWS::…)`);
    const ssm = ssmParameterType(type);
    if (awsType && !ssm) {
      throw tpl.error(`${p}.Type`, `parameter ${name}: type ${type} names ${type.replace(/^List</, '').split('::')[1]} resources, which Kumo does not have; use String`);
    }
    if (ssm === 'unsupported') {
      throw tpl.error(`${p}.Type`, `parameter ${name}: ${type} is not supported: Kumo resolves AWS::SSM::Parameter::Value<String>, <List<String>> and <CommaDelimitedList> (and AWS::SSM::Parameter::Name); values naming EC2 resources have nothing to name here`);
    }
    let raw: string | undefined = overrides[name] ?? (d.Default !== undefined ? String(Array.isArray(d.Default) ? d.Default.join(',') : d.Default) : undefined);
    const from = name in overrides ? 'from --parameter-overrides ' : 'Default ';
    if (raw === undefined) throw tpl.error(p, `parameter ${name} has no Default: give it with --parameter-overrides ${name}=VALUE`);
    const where = name in overrides ? p : `${p}.Default`;
    if (Array.isArray(d.AllowedValues) && !d.AllowedValues.map(String).includes(raw)) {
      throw tpl.error(where, `value '${raw}' ${from}is not one of AllowedValues [${d.AllowedValues.join(', ')}]`);
    }
    if (typeof d.AllowedPattern === 'string' && !new RegExp(`^(?:${d.AllowedPattern})$`).test(raw)) {
      throw tpl.error(where, `value '${raw}' ${from}does not match AllowedPattern ${d.AllowedPattern}${typeof d.ConstraintDescription === 'string' ? ` (${d.ConstraintDescription})` : ''}`);
    }
    if (d.MinLength !== undefined && raw.length < Number(d.MinLength)) throw tpl.error(where, `value '${raw}' ${from}is shorter than MinLength ${d.MinLength}`);
    if (d.MaxLength !== undefined && raw.length > Number(d.MaxLength)) throw tpl.error(where, `value '${raw}' ${from}is longer than MaxLength ${d.MaxLength}`);
    if (type === 'Number' || type === 'List<Number>') {
      for (const x of type === 'Number' ? [raw] : raw.split(',')) {
        if (x.trim() === '' || Number.isNaN(Number(x))) throw tpl.error(where, `value '${raw}' ${from}is not a number`);
        if (d.MinValue !== undefined && Number(x) < Number(d.MinValue)) throw tpl.error(where, `value '${x}' ${from}is below MinValue ${d.MinValue}`);
        if (d.MaxValue !== undefined && Number(x) > Number(d.MaxValue)) throw tpl.error(where, `value '${x}' ${from}is above MaxValue ${d.MaxValue}`);
      }
    }
    if (ssm) {
      // The Default (or override) names a Parameter Store parameter; its value is read from the server at deploy time (deploy/ssm.ts).
      ssmParams.push({ param: name, ssmName: raw, list: ssm === 'list', nameOnly: ssm === 'name', where });
      params[name] = raw;
      continue;
    }
    params[name] = type === 'CommaDelimitedList' || type === 'List<Number>' || type.startsWith('List<') ? raw.split(',').map((s) => s.trim()) : raw;
    raw = undefined;
  }

  // Globals.
  const globals = (t.Globals ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(globals)) {
    if (!hasSam) throw tpl.error('Globals', `Globals needs Transform: ${samTransform}`);
    if (k !== 'Function') notes.push(`Globals.${k} ignored (Kumo deploys functions and layers only)`);
  }
  const gFn = (globals.Function ?? {}) as Record<string, unknown>;
  if (!isMapping(gFn)) throw tpl.error('Globals.Function', 'Globals.Function must be a mapping');
  const fnSchema = schemaOf('AWS::Serverless::Function')!;
  const okKeys = [...fnSchema.handled, ...fnSchema.ignored].filter((x) => !['FunctionName', 'Events', 'InlineCode'].includes(x));
  for (const k of Object.keys(gFn)) {
    if (!okKeys.includes(k)) throw tpl.error(`Globals.Function.${k}`, `'${k}' cannot be set in Globals.Function`);
  }

  // Resources.
  const resources: ResourceDecl[] = [];
  const ids = new Set(Object.keys(t.Resources as object));
  // SAM's implicit resources (`<Fn>Role`…) may be named like declared ones; a declared id wins.
  const implicit: Record<string, string> = {};
  for (const [id, r] of Object.entries(t.Resources as Record<string, unknown>)) {
    if (!isMapping(r) || typeof r.Type !== 'string') continue;
    const props = isMapping(r.Properties) ? r.Properties : {};
    const merged = r.Type === 'AWS::Serverless::Function' ? (mergeGlobals(t.Globals && isMapping(t.Globals) ? (t.Globals as Record<string, unknown>).Function : undefined, props) as Record<string, unknown>) : props;
    for (const x of schemaOf(r.Type)?.implicit?.(id, merged) ?? []) if (!ids.has(x)) implicit[x] = id;
  }
  // Ids SAM makes under a name that depends on the packaged code (`<Fn>Version<hash>`): those the template names.
  const named = referencedIds([t.Resources, t.Outputs ?? {}]);
  for (const x of named) {
    if (ids.has(x) || implicit[x] !== undefined) continue;
    for (const [id, r] of Object.entries(t.Resources as Record<string, unknown>)) {
      if (!isMapping(r) || typeof r.Type !== 'string') continue;
      const props = isMapping(r.Properties) ? r.Properties : {};
      const merged = r.Type === 'AWS::Serverless::Function' ? (mergeGlobals(t.Globals && isMapping(t.Globals) ? (t.Globals as Record<string, unknown>).Function : undefined, props) as Record<string, unknown>) : props;
      if (schemaOf(r.Type)?.implicitMatch?.(id, merged, x)) implicit[x] = id;
    }
  }
  for (const x of Object.keys(implicit)) ids.add(x);
  const conditionNames = new Set(Object.keys((t.Conditions ?? {}) as object));
  for (const [id, r] of Object.entries(t.Resources as Record<string, unknown>)) {
    const p = `Resources.${id}`;
    if (!/^[A-Za-z0-9]+$/.test(id)) throw tpl.error(p, `logical ID '${id}' must be alphanumeric`);
    if (!isMapping(r)) throw tpl.error(p, 'a resource is a mapping with Type and Properties');
    const type = r.Type;
    if (typeof type !== 'string' || !type) throw tpl.error(p, 'the resource has no Type');
    for (const k of Object.keys(r)) {
      // `Description` beside Type is documentation: SAM's translator keeps it on CloudFormation
      // resources and drops it from SAM ones; real templates carry it (issue 20).
      if (resourceKeys.has(k) || k === 'Description') continue;
      // The translator drops any other attribute of a SAM resource without complaint; say so.
      if (type.startsWith('AWS::Serverless::')) notes.push(`${id}: resource attribute '${k}' has no effect (SAM's translator drops it)`);
      else throw tpl.error(`${p}.${k}`, `unknown resource attribute '${k}' (${[...resourceKeys, 'Description'].join(', ')})`);
    }
    if (type.startsWith('AWS::Serverless::') && !hasSam) throw tpl.error(`${p}.Type`, `${type} needs 'Transform: ${samTransform}' at the top of the template`);
    if (r.Properties !== undefined && r.Properties !== null && !isMapping(r.Properties)) throw tpl.error(`${p}.Properties`, 'Properties must be a mapping');
    let props = (r.Properties ?? {}) as Record<string, unknown>;
    if (r.Condition !== undefined && (typeof r.Condition !== 'string' || !conditionNames.has(r.Condition))) {
      throw tpl.error(`${p}.Condition`, `condition ${JSON.stringify(r.Condition)} is not declared in Conditions`);
    }
    const dependsOn = r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn.map(String) : [String(r.DependsOn)];
    for (const d of dependsOn) if (!ids.has(d)) throw tpl.error(`${p}.DependsOn`, `DependsOn names '${d}', which is not a resource of this template`);
    const schema = schemaOf(type);
    if (schema) {
      if (type === 'AWS::Serverless::Function') props = mergeGlobals(gFn, props) as Record<string, unknown>;
      const { handled, ignored } = schema;
      for (const k of Object.keys(props)) {
        if (handled.includes(k)) continue;
        if (ignored.includes(k)) {
          notes.push(`${id}: ${k} has no effect on Kumo (ignored)`);
          continue;
        }
        throw tpl.error(`${p}.Properties.${k}`, `unknown property '${k}' of ${type} (known: ${handled.join(', ')})`);
      }
      checkRequired(tpl, id, type, props, schema);
    } else if (!type.startsWith('AWS::Serverless::') && !/^(AWS|Custom|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+$/.test(type) && !type.startsWith('Custom::')) {
      throw tpl.error(`${p}.Type`, `'${type}' is not a resource type`);
    }
    // A type no kind deploys is listed once in the plan, grouped ("Not deployed"), not noted here.
    // A function's HttpApi / Api event naming its API (ApiId / RestApiId) makes a route of that API, not a
    // dependency of the function (the API's DefinitionBody may name the function: no cycle, as at AWS).
    const refs = [...new Set([...referencedIds(type === 'AWS::Serverless::Function' ? withoutApiIds(props) : props)].map((x) => implicit[x] ?? x))].filter((x) => ids.has(x) && x !== id);
    for (const x of referencedIds(props)) {
      if (x === id) throw tpl.error(`${p}.Properties`, `${id} refers to itself`);
    }
    resources.push({ id, type, props, condition: r.Condition as string | undefined, dependsOn, deps: [...new Set([...refs, ...dependsOn])] });
  }
  const outputs = (t.Outputs ?? {}) as TemplateModel['outputs'];
  for (const [k, o] of Object.entries(outputs)) {
    if (!isMapping(o) || o.Value === undefined) throw tpl.error(`Outputs.${k}`, `output ${k} needs a Value`);
    for (const x of referencedIds(o.Value)) {
      if (!ids.has(x) && !(x in params) && !x.startsWith('AWS::')) throw tpl.error(`Outputs.${k}.Value`, `'${x}' is not a parameter or resource of this template`);
    }
  }
  return {
    tpl,
    dir: path.dirname(tpl.file),
    params,
    mappings: (t.Mappings ?? {}) as Record<string, unknown>,
    conditions: (t.Conditions ?? {}) as Record<string, unknown>,
    resources: topoSort(tpl, resources),
    outputs,
    notes,
    implicit,
    ssmParams,
  };
}

/** A function's properties without its events' ApiId / RestApiId (for its dependencies). */
function withoutApiIds(props: Record<string, unknown>): Record<string, unknown> {
  const evs = props.Events;
  if (!isMapping(evs)) return props;
  const events = Object.fromEntries(Object.entries(evs).map(([k, ev]) => {
    if (!isMapping(ev) || !isMapping(ev.Properties)) return [k, ev];
    const { ApiId: _a, RestApiId: _r, ...rest } = ev.Properties;
    return [k, { ...ev, Properties: rest }];
  }));
  return { ...props, Events: events };
}

function checkRequired(tpl: ParsedTemplate, id: string, type: string, props: Record<string, unknown>, schema: PropertySchema): void {
  const p = `Resources.${id}`;
  schema.check?.({
    id,
    props,
    need: (k, why = '') => {
      if (props[k] === undefined) throw tpl.error(p, `${type} ${id} needs ${k}${why}`);
    },
    fail: (k, message) => {
      throw tpl.error(k === undefined ? p : `${p}.Properties.${k}`, message);
    },
  });
}

function topoSort(tpl: ParsedTemplate, rs: ResourceDecl[]): ResourceDecl[] {
  const byId = new Map(rs.map((r) => [r.id, r]));
  const out: ResourceDecl[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (r: ResourceDecl, chain: string[]) => {
    const s = state.get(r.id);
    if (s === 'done') return;
    if (s === 'visiting') throw tpl.error(`Resources.${r.id}`, `circular dependency: ${[...chain, r.id].join(' → ')}`);
    state.set(r.id, 'visiting');
    for (const d of r.deps) visit(byId.get(d)!, [...chain, r.id]);
    state.set(r.id, 'done');
    out.push(r);
  };
  for (const r of rs) visit(r, []);
  return out;
}

/** The function name a stack gives a resource without FunctionName: <stack>-<LogicalId>, at most 64 characters. */
export function physicalName(stack: string, id: string, max = 64): string {
  const n = `${stack}-${id}`;
  if (n.length <= max) return n;
  const h = createHash('sha256').update(n).digest('hex').slice(0, 8);
  return `${n.slice(0, max - 9)}-${h}`;
}

/** How a SAM event kind can be exercised locally until Kumo wires it. */
export const eventHints: Record<string, string> = {
  Api: 'apigateway aws-proxy',
  HttpApi: 'apigateway http-api-proxy',
  SQS: 'sqs receive-message',
  S3: 's3 put',
  SNS: 'sns notification',
  Kinesis: 'kinesis get-records',
  DynamoDB: 'dynamodb update',
  Schedule: 'cloudwatch scheduled-event',
  ScheduleV2: 'cloudwatch scheduled-event',
  CloudWatchEvent: 'cloudwatch scheduled-event',
  EventBridgeRule: 'cloudwatch scheduled-event',
};
