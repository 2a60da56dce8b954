import {
  CreateApiCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand, DeleteApiCommand, DeleteCorsConfigurationCommand,
  DeleteIntegrationCommand, DeleteRouteCommand, DeleteStageCommand, GetApiCommand, GetIntegrationsCommand, GetRoutesCommand, GetStagesCommand,
  TagResourceCommand, UntagResourceCommand, UpdateApiCommand, UpdateStageCommand, type GetApiCommandOutput,
} from '@aws-sdk/client-apigatewayv2';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { StackResource } from '../../stack';
import type { DeployContext } from '../context';
import { defineKind, type Planned, type PropertySchema } from '../kind';
import { readDefinitionUri, routesOfDefinition, type SdkCors } from '../openapi';
import { isMapping } from '../values';
import { explicitApiRoutes } from './sam-events';

/**
 * HTTP APIs a template declares or SAM implies, deployed through API
 * Gateway v2 and served on Kumo's URL listener:
 * - `AWS::Serverless::HttpApi`: SAM's implicit `ServerlessHttpApi` (made by
 *   `sam-events.ts` from `Type: HttpApi` events without ApiId, stage
 *   `$default`) or one the template declares (StageName, default `$default`;
 *   StageVariables; CorsConfiguration; DefinitionBody / DefinitionUri;
 *   Name, Description, DisableExecuteApiEndpoint, Tags) with the routes of
 *   the events whose `ApiId` is `!Ref` it;
 * - `AWS::Serverless::Api`: a REST API as Kumo maps it, an HTTP API with
 *   payload format 1.0 routes, as `sam local start-api` serves them
 *   (implicit `ServerlessRestApi`, stage `Prod`; or declared, StageName,
 *   Variables, Cors, DefinitionBody, events with `RestApiId`);
 * - `AWS::ApiGatewayV2::Api` (Body, or quick create with Target/RouteKey,
 *   which makes the `$default` stage as AWS's does).
 * Each route is an AWS_PROXY integration and a route; the stack record
 * keeps the ids of the routes, integrations and stage the API's own
 * resource made, so a change replaces those (the API id, and so its
 * address, stays) and never touches AWS::ApiGatewayV2::Route /
 * Integration / Stage resources declared beside it (`apigatewayv2.ts`).
 */
export interface ApiRouteSpec {
  RouteKey: string;
  /** The function's name or ARN (its alias's with AutoPublishAlias), or an invocations URI. */
  Function: string;
  PayloadFormatVersion: '1.0' | '2.0';
  TimeoutInMillis?: number;
}

/** What the template wants of one API. */
interface ApiWant {
  name: string;
  description?: string;
  version?: string;
  cors?: SdkCors;
  disableExecuteApiEndpoint: boolean;
  tags?: Record<string, string>;
  /** The stage this resource owns (undefined: AWS::ApiGatewayV2::Api without Target, whose stages are resources of their own). */
  stage?: { name: string; variables: Record<string, string> };
  routes: ApiRouteSpec[];
}

interface ApiPlan {
  apiId?: string;
  endpoint?: string;
}

const integrationTimeoutMsDefault = 30_000;
const apiTypes = ['AWS::Serverless::HttpApi', 'AWS::Serverless::Api', 'AWS::ApiGatewayV2::Api'];
export const isApiType = (t: string | undefined) => t !== undefined && apiTypes.includes(t);
/** API Gateway v2's NotFoundException (its SDK name; Lambda's is ResourceNotFoundException). */
export const gwNotFound = (e: unknown) => (e as { name?: string })?.name === 'NotFoundException';
export async function ignoreGone(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!gwNotFound(e)) throw e;
  }
}

const what = (d: ResourceDecl) => `HTTP APIs (${d.id}, ${d.type})`;

/** The API an update keeps (same id and endpoint), once planned. */
function keptApi(ctx: DeployContext, d: ResourceDecl): { apiId: string; endpoint: string } | undefined {
  const pl = ctx.plans.get(d.id);
  const data = pl?.action === 'update' ? (pl.data as ApiPlan | undefined) : undefined;
  return data?.apiId && data.endpoint ? { apiId: data.apiId, endpoint: data.endpoint } : undefined;
}

/** SAM's quoted REST CORS values ("'*'", "'GET,POST'"), unquoted. */
const unquote = (v: unknown) => String(v).replace(/^'(.*)'$/, '$1');
const list = (v: unknown) => unquote(v).split(',').map((x) => x.trim()).filter(Boolean);

function strMap(ctx: DeployContext, v: unknown, p: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isMapping(v)) throw ctx.error(p, 'must be a mapping of names to strings');
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

function fnTarget(ctx: DeployContext, f: unknown): string {
  const s = String(f);
  return s.startsWith('arn:') || pendingRefs(s).length ? s : ctx.fnArn(s);
}

/**
 * SAM's CorsConfiguration of an HttpApi: `true` is `AllowOrigins: ['*']`
 * (as aws-sam-translator 1.110 writes it), else the HTTP API's own members.
 */
function httpApiCors(ctx: DeployContext, v: unknown, p: string): SdkCors | undefined {
  if (v === undefined || v === false || v === 'false') return undefined;
  if (v === true || v === 'true') return { AllowOrigins: ['*'] };
  if (!isMapping(v)) throw ctx.error(p, 'CorsConfiguration is true or {AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders, MaxAge, AllowCredentials}');
  const out: SdkCors = {};
  for (const [k, x] of Object.entries(v)) {
    if (['AllowOrigins', 'AllowMethods', 'AllowHeaders', 'ExposeHeaders'].includes(k)) {
      if (!Array.isArray(x)) throw ctx.error(`${p}.${k}`, `${k} is a list of strings`);
      (out as Record<string, unknown>)[k] = x.map(String);
    } else if (k === 'MaxAge') out.MaxAge = Number(x);
    else if (k === 'AllowCredentials') out.AllowCredentials = x === true || x === 'true';
    else throw ctx.error(`${p}.${k}`, `unknown CORS setting ${k}`);
  }
  return out;
}

/**
 * SAM's Cors of a REST API (a quoted origin string, or AllowOrigin /
 * AllowMethods / AllowHeaders / MaxAge quoted as SAM wants them, and
 * AllowCredentials) as HTTP API CORS. SAM's default Access-Control-Allow-Methods
 * is the path's methods and OPTIONS; Kumo takes every method of the API's
 * routes (`*` when one is ANY).
 */
function restApiCors(ctx: DeployContext, v: unknown, p: string, routes: ApiRouteSpec[]): SdkCors | undefined {
  if (v === undefined) return undefined;
  const routeMethods = () => {
    const ms = new Set(routes.map((r) => r.RouteKey.split(' ')[0]!));
    return ms.has('ANY') ? ['*'] : [...ms, 'OPTIONS'].sort();
  };
  if (typeof v === 'string') return { AllowOrigins: [unquote(v)], AllowMethods: routeMethods() };
  if (!isMapping(v)) throw ctx.error(p, "Cors is an origin (\"'*'\") or {AllowOrigin, AllowMethods, AllowHeaders, MaxAge, AllowCredentials}");
  const out: SdkCors = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'AllowOrigin') out.AllowOrigins = [unquote(x)];
    else if (k === 'AllowMethods') out.AllowMethods = list(x);
    else if (k === 'AllowHeaders') out.AllowHeaders = list(x);
    else if (k === 'MaxAge') out.MaxAge = Number(unquote(x));
    else if (k === 'AllowCredentials') out.AllowCredentials = x === true || x === 'true';
    else throw ctx.error(`${p}.${k}`, `unknown Cors setting ${k}`);
  }
  if (!out.AllowOrigins) throw ctx.error(p, 'Cors needs AllowOrigin');
  out.AllowMethods ??= routeMethods();
  return out;
}

/** Routes defined in DefinitionBody / DefinitionUri / Body, and the event routes expansion put in `Routes`, checked for duplicates. */
function definitionRoutes(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>, flavour: 'http' | 'rest'): { routes: ApiRouteSpec[]; cors?: SdkCors } {
  const base = `Resources.${d.id}.Properties`;
  const bodyKey = d.type === 'AWS::ApiGatewayV2::Api' ? 'Body' : 'DefinitionBody';
  let doc: Record<string, unknown> | undefined;
  let at = `${base}.${bodyKey}`;
  if (pr[bodyKey] !== undefined) {
    if (!isMapping(pr[bodyKey])) throw ctx.error(at, `${bodyKey} is an OpenAPI document (a mapping)`);
    doc = pr[bodyKey] as Record<string, unknown>;
  }
  if (pr.DefinitionUri !== undefined) {
    if (doc) throw ctx.error(`${base}.DefinitionUri`, 'give DefinitionBody or DefinitionUri, not both');
    at = `${base}.DefinitionUri`;
    doc = readDefinitionUri(ctx, pr.DefinitionUri, at);
  }
  const out: ApiRouteSpec[] = [];
  const seen = new Map<string, string>();
  const add = (r: ApiRouteSpec, where: string) => {
    const other = seen.get(r.RouteKey);
    if (other) throw ctx.error(where, `${r.RouteKey} is already a route of ${d.id} (${other})`);
    seen.set(r.RouteKey, where);
    out.push({ RouteKey: r.RouteKey, Function: fnTarget(ctx, r.Function), PayloadFormatVersion: r.PayloadFormatVersion, ...(r.TimeoutInMillis !== undefined ? { TimeoutInMillis: Number(r.TimeoutInMillis) } : {}) });
  };
  let cors: SdkCors | undefined;
  if (doc) {
    const defined = routesOfDefinition(ctx, doc, at, flavour);
    cors = defined.cors;
    for (const r of defined.routes) add(r, r.at);
  }
  for (const r of (pr.Routes as (ApiRouteSpec & { At?: string })[] | undefined) ?? []) add(r, r.At ?? base);
  return { routes: out, ...(cors ? { cors } : {}) };
}

function wanted(ctx: DeployContext, d: ResourceDecl): ApiWant {
  const pr = ctx.props(d);
  const p = `Resources.${d.id}.Properties`;
  const defaultName = `${ctx.stackName}-${d.id}`;
  const bool = (v: unknown) => v === true || v === 'true';
  if (d.type === 'AWS::ApiGatewayV2::Api') {
    if (pr.ProtocolType !== undefined && pr.ProtocolType !== 'HTTP') throw ctx.error(`${p}.ProtocolType`, `Kumo serves HTTP APIs only: ProtocolType ${String(pr.ProtocolType)} is not supported`);
    if (pr.Body === undefined && pr.ProtocolType === undefined) throw ctx.error(p, 'AWS::ApiGatewayV2::Api needs ProtocolType (HTTP) or Body');
    const def = definitionRoutes(ctx, d, pr, 'http');
    if (pr.Target !== undefined) {
      if (pr.Body !== undefined) throw ctx.error(`${p}.Target`, 'Target (quick create) and Body cannot be combined');
      def.routes.push({ RouteKey: String(pr.RouteKey ?? '$default'), Function: fnTarget(ctx, pr.Target), PayloadFormatVersion: '2.0' });
    } else if (pr.RouteKey !== undefined) throw ctx.error(`${p}.RouteKey`, 'RouteKey is a setting of quick create: give Target too');
    const bodyTitle = isMapping(pr.Body) && isMapping(pr.Body.info) && typeof pr.Body.info.title === 'string' ? pr.Body.info.title : undefined;
    const cors = pr.CorsConfiguration !== undefined ? httpApiCors(ctx, pr.CorsConfiguration, `${p}.CorsConfiguration`) : def.cors;
    return {
      name: pr.Name !== undefined ? String(pr.Name) : bodyTitle ?? defaultName,
      ...(pr.Description !== undefined ? { description: String(pr.Description) } : {}),
      ...(pr.Version !== undefined ? { version: String(pr.Version) } : {}),
      ...(cors ? { cors } : {}),
      disableExecuteApiEndpoint: bool(pr.DisableExecuteApiEndpoint),
      tags: strMap(ctx, pr.Tags, `${p}.Tags`),
      ...(pr.Target !== undefined ? { stage: { name: '$default', variables: {} } } : {}),
      routes: def.routes,
    };
  }
  const rest = d.type === 'AWS::Serverless::Api';
  const def = definitionRoutes(ctx, d, pr, rest ? 'rest' : 'http');
  let cors: SdkCors | undefined;
  if (rest) cors = restApiCors(ctx, pr.Cors, `${p}.Cors`, def.routes);
  else {
    if (pr.CorsConfiguration !== undefined && def.cors) throw ctx.error(`${p}.CorsConfiguration`, 'CorsConfiguration and the definition\'s x-amazon-apigateway-cors cannot both be given');
    cors = httpApiCors(ctx, pr.CorsConfiguration, `${p}.CorsConfiguration`) ?? def.cors;
  }
  return {
    name: pr.Name !== undefined ? String(pr.Name) : defaultName,
    ...(pr.Description !== undefined ? { description: String(pr.Description) } : {}),
    ...(cors ? { cors } : {}),
    disableExecuteApiEndpoint: bool(pr.DisableExecuteApiEndpoint),
    tags: strMap(ctx, pr.Tags, `${p}.Tags`),
    stage: {
      name: pr.StageName !== undefined ? String(pr.StageName) : '$default',
      variables: strMap(ctx, rest ? pr.Variables : pr.StageVariables, `${p}.${rest ? 'Variables' : 'StageVariables'}`),
    },
    routes: def.routes,
  };
}

const routeSpec = (r: ApiRouteSpec) => `${r.RouteKey} → ${r.Function} (${r.PayloadFormatVersion}, ${r.TimeoutInMillis ?? integrationTimeoutMsDefault} ms)`;

/** The address of a route as Kumo serves it (a `{param}` shown as written). */
function routeUrl(endpoint: string, stage: string, routeKey: string): string {
  const base = stage === '$default' ? endpoint : `${endpoint}/${stage}`;
  if (routeKey === '$default') return `${base}/`;
  return `${base}${routeKey.slice(routeKey.indexOf(' ') + 1)}`;
}

interface ServerApi {
  api: GetApiCommandOutput;
  /** The routes this resource made (all of them for SAM's APIs recorded before the record kept ids). */
  owned: { id: string; spec: string; integrationId?: string }[];
  ownedIntegrations: string[];
  stages: { name: string; variables: Record<string, string> }[];
}

async function readServer(ctx: DeployContext, d: ResourceDecl, apiId: string, rec: StackResource | undefined): Promise<ServerApi | undefined> {
  const c = ctx.apiGateway;
  let api: GetApiCommandOutput;
  try {
    api = await feature(what(d), 'GetApi', () => c.send(new GetApiCommand({ ApiId: apiId })));
  } catch (e) {
    if (gwNotFound(e)) return undefined;
    throw e;
  }
  const ints = (await c.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items ?? [];
  const routes = (await c.send(new GetRoutesCommand({ ApiId: apiId }))).Items ?? [];
  const stages = (await c.send(new GetStagesCommand({ ApiId: apiId }))).Items ?? [];
  const byId = new Map(ints.map((i) => [i.IntegrationId!, i]));
  const allOwned = rec?.routeIds === undefined && d.type !== 'AWS::ApiGatewayV2::Api';
  const ownedRoutes = routes.filter((r) => allOwned || rec?.routeIds?.includes(r.RouteId!));
  const owned = ownedRoutes.map((r) => {
    const iid = (r.Target ?? '').replace(/^integrations\//, '');
    const i = byId.get(iid);
    return { id: r.RouteId!, integrationId: i ? iid : undefined, spec: `${r.RouteKey} → ${i?.IntegrationUri} (${i?.PayloadFormatVersion}, ${i?.TimeoutInMillis ?? integrationTimeoutMsDefault} ms)` };
  });
  const ownedIntegrations = allOwned ? ints.map((i) => i.IntegrationId!) : (rec?.integrationIds ?? []).filter((x) => byId.has(x));
  return { api, owned, ownedIntegrations, stages: stages.map((s) => ({ name: s.StageName!, variables: s.StageVariables ?? {} })) };
}

const canon = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (isMapping(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

function differences(want: ApiWant, srv: ServerApi): string[] {
  const out: string[] = [];
  if (want.routes.map(routeSpec).sort().join('\n') !== srv.owned.map((r) => r.spec).sort().join('\n')) out.push('routes');
  if (want.stage) {
    const st = srv.stages.find((s) => s.name === want.stage!.name);
    if (!st) out.push('stage');
    else if (canon(st.variables) !== canon(want.stage.variables)) out.push('stage variables');
  }
  if (srv.api.Name !== want.name) out.push('Name');
  if ((srv.api.Description || undefined) !== want.description) out.push('Description');
  if (canon(srv.api.CorsConfiguration ?? null) !== canon(want.cors ?? null)) out.push('CORS');
  if ((srv.api.DisableExecuteApiEndpoint ?? false) !== want.disableExecuteApiEndpoint) out.push('DisableExecuteApiEndpoint');
  if (want.version !== undefined && srv.api.Version !== want.version) out.push('Version');
  return out;
}

/** Makes a resource's tags `want` (TagResource for new or changed ones, UntagResource for the ones gone). */
export async function retag(ctx: DeployContext, arn: string, have: Record<string, string>, want: Record<string, string>): Promise<void> {
  const set = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
  const gone = Object.keys(have).filter((k) => !(k in want));
  if (Object.keys(set).length) await ctx.apiGateway.send(new TagResourceCommand({ ResourceArn: arn, Tags: set }));
  if (gone.length) await ctx.apiGateway.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: gone }));
}

/** SAM's AWS::Serverless::HttpApi properties (sam-resource-httpapi), each handled, ignored or refused by name. */
const httpApiSchema: PropertySchema = {
  handled: ['Name', 'StageName', 'StageVariables', 'CorsConfiguration', 'Auth', 'DefinitionBody', 'DefinitionUri', 'Description', 'DisableExecuteApiEndpoint', 'Tags',
    'AccessLogSettings', 'DefaultRouteSettings', 'RouteSettings', 'Domain'],
  // FailOnWarnings is about the import's warnings; PropagateTags tags the resources SAM makes.
  ignored: ['FailOnWarnings', 'PropagateTags'],
  implicit: (id, props) => (typeof props.StageName === 'string' && props.StageName !== '$default' ? [`${id}${props.StageName}Stage`] : [`${id}ApiGatewayDefaultStage`]),
  check({ props, fail }) {
    for (const k of ['AccessLogSettings', 'DefaultRouteSettings', 'RouteSettings', 'Domain']) {
      if (props[k] !== undefined) {
        fail(k, `${k} is not supported by Kumo (${k === 'Domain' ? 'no custom domains' : k === 'AccessLogSettings' ? 'no access logs' : 'no throttling or detailed metrics per route'}); remove it to deploy this API`);
      }
    }
    refuseAuth(props.Auth, fail, ['Authorizers', 'DefaultAuthorizer', 'EnableIamAuthorizer']);
  },
};

/** SAM's AWS::Serverless::Api properties (sam-resource-api): what Kumo's HTTP API engine can do, the rest refused by name. */
const restApiRefused = ['BinaryMediaTypes', 'MinimumCompressionSize', 'GatewayResponses', 'AccessLogSetting', 'CanarySetting', 'CacheClusterEnabled',
  'CacheClusterSize', 'MethodSettings', 'Models', 'Domain', 'ApiKeySourceType', 'Mode', 'MergeDefinitions'];
const restApiSchema: PropertySchema = {
  handled: ['Name', 'StageName', 'Variables', 'Cors', 'Auth', 'DefinitionBody', 'DefinitionUri', 'Description', 'DisableExecuteApiEndpoint', 'Tags', ...restApiRefused],
  // Endpoint types, tracing, the OpenAPI version SAM writes and forced redeployments have no local meaning.
  ignored: ['EndpointConfiguration', 'TracingEnabled', 'OpenApiVersion', 'AlwaysDeploy', 'FailOnWarnings', 'PropagateTags'],
  implicit: (id, props) => (typeof props.StageName === 'string' ? [`${id}${props.StageName}Stage`] : []),
  check({ props, need, fail }) {
    need('StageName');
    for (const k of restApiRefused) {
      if (props[k] !== undefined) fail(k, `${k} is not supported by Kumo (it serves REST APIs through its HTTP API engine); remove it to deploy this API`);
    }
    refuseAuth(props.Auth, fail, ['Authorizers', 'DefaultAuthorizer', 'ApiKeyRequired', 'UsagePlan', 'ResourcePolicy', 'InvokeRole']);
  },
};

/** Auth of a declared API: Kumo has no authorizers, so any of them (or a key SAM does not have) is refused by name; `false` settings are fine. */
function refuseAuth(auth: unknown, fail: (k: string | undefined, m: string) => never, names: string[]): void {
  if (auth === undefined) return;
  if (!isMapping(auth)) fail('Auth', 'Auth is a mapping');
  for (const [k, v] of Object.entries(auth)) {
    if (k === 'AddDefaultAuthorizerToCorsPreflight' || v === false || v === 'false') continue;
    fail('Auth', names.includes(k) ? `Kumo has no API authorizers yet: Auth.${k} is not supported` : `unknown Auth setting ${k} (SAM's are ${names.join(', ')})`);
  }
}

/** AWS::ApiGatewayV2::Api (CloudFormation's properties). */
const v2ApiRefused = ['BodyS3Location', 'CredentialsArn', 'DisableSchemaValidation', 'RouteSelectionExpression', 'ApiKeySelectionExpression', 'IpAddressType'];
const v2ApiSchema: PropertySchema = {
  handled: ['Name', 'ProtocolType', 'Description', 'Version', 'CorsConfiguration', 'Tags', 'Target', 'RouteKey', 'DisableExecuteApiEndpoint', 'Body', ...v2ApiRefused],
  ignored: ['FailOnWarnings', 'BasePath'],
  check({ props, fail }) {
    for (const k of v2ApiRefused) {
      if (props[k] === undefined) continue;
      if (k === 'RouteSelectionExpression' && props[k] === '$request.method $request.path') continue;
      if (k === 'ApiKeySelectionExpression' && props[k] === '$request.header.x-api-key') continue;
      if (k === 'IpAddressType' && props[k] === 'ipv4') continue;
      fail(k, `${k} is not supported by Kumo`);
    }
  },
};

function apiKind(type: 'AWS::Serverless::HttpApi' | 'AWS::Serverless::Api' | 'AWS::ApiGatewayV2::Api', schema: PropertySchema) {
  return defineKind<ApiPlan>({
    type,
    schema,
    replacedOnRename: false,
    deleteOrder: -1,
    definitionFiles: (pr) => (typeof pr.DefinitionUri === 'string' && !pr.DefinitionUri.startsWith('s3://') ? [pr.DefinitionUri] : []),
    physicalId: (d, ctx) => ctx.state[d.id]?.physicalId ?? ctx.prev[d.id]?.physicalId ?? `${d.id} (new)`,
    // CloudFormation: Ref gives the API id. An API updated in place keeps its id and address, known from the plan.
    ref: (d, ctx) => keptApi(ctx, d)?.apiId ?? ctx.known(d.id, ctx.state[d.id]?.physicalId),
    getAtt(d, attr, p, ctx) {
      if (attr === 'ApiEndpoint' && type !== 'AWS::Serverless::Api') return keptApi(ctx, d)?.endpoint ?? ctx.known(d.id, ctx.state[d.id]?.arn);
      if (attr === 'ApiId' && type === 'AWS::ApiGatewayV2::Api') return keptApi(ctx, d)?.apiId ?? ctx.known(d.id, ctx.state[d.id]?.physicalId);
      // A REST API's root resource: Kumo's HTTP API engine has no resources; the API id stands in.
      if (attr === 'RootResourceId' && type === 'AWS::Serverless::Api') return keptApi(ctx, d)?.apiId ?? ctx.known(d.id, ctx.state[d.id]?.physicalId);
      throw ctx.error(p, `${d.id} (${type}) has the attribute${type === 'AWS::Serverless::Api' ? ' RootResourceId' : type === 'AWS::ApiGatewayV2::Api' ? 's ApiEndpoint and ApiId' : ' ApiEndpoint'}, not ${attr}`);
    },
    // `<Id><Stage>Stage` / `<Id>ApiGatewayDefaultStage`, the stage SAM's translator makes: !Ref gives its name.
    implicitRef(d, x, attr, p, ctx) {
      if (attr !== undefined) throw ctx.error(p, `${x} (the stage SAM makes for ${d.id}) has no attributes`);
      return String(ctx.resolver.value(d.props.StageName ?? '$default', `Resources.${d.id}.Properties.StageName`));
    },
    expand: type === 'AWS::ApiGatewayV2::Api' ? undefined : (d, ctx) => [{ ...d, props: { ...d.props, Routes: explicitApiRoutes(d, ctx) } }],
    async plan(d, ctx) {
      const pl: Planned<ApiPlan> = { decl: d, action: 'create', reasons: [], physical: ctx.physicalOf(d), data: {} };
      const want = wanted(ctx, d);
      const prev = ctx.prev[d.id];
      if (!prev?.physicalId) return pl;
      const srv = await readServer(ctx, d, prev.physicalId, prev);
      if (!srv) return pl;
      pl.data = { apiId: prev.physicalId, endpoint: srv.api.ApiEndpoint };
      const pending = pendingRefs(want);
      if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
      else pl.reasons.push(...differences(want, srv));
      if (!pending.length && canon(srv.api.Tags ?? {}) !== canon(want.tags ?? {})) pl.reasons.push('Tags');
      pl.action = pl.reasons.length ? 'update' : 'unchanged';
      if (pl.action === 'unchanged') ctx.state[d.id] = { ...prev, type: d.type, physicalId: prev.physicalId, ref: prev.physicalId, arn: srv.api.ApiEndpoint };
      return pl;
    },
    async apply(pl, ctx) {
      const d = pl.decl;
      const c = ctx.apiGateway;
      const want = wanted(ctx, d);
      let apiId = pl.data?.apiId;
      let endpoint = pl.data?.endpoint;
      const prev = ctx.prev[d.id];
      let rec: StackResource;
      if (pl.action === 'unchanged') {
        rec = ctx.state[d.id]!;
        endpoint = rec.arn;
        ctx.out(`  ${d.id}: ${endpoint}`);
      } else {
        let srv: ServerApi | undefined;
        if (!apiId || pl.action === 'create') {
          const api = await feature(what(d), 'CreateApi', () => c.send(new CreateApiCommand({
            Name: want.name, ProtocolType: 'HTTP', Description: want.description, Version: want.version, CorsConfiguration: want.cors,
            DisableExecuteApiEndpoint: want.disableExecuteApiEndpoint || undefined, Tags: want.tags && Object.keys(want.tags).length ? want.tags : undefined,
          })));
          apiId = api.ApiId!;
          endpoint = api.ApiEndpoint!;
        } else {
          srv = (await readServer(ctx, d, apiId, prev))!;
          const a = srv.api;
          if (a.Name !== want.name || (a.Description || undefined) !== want.description || (a.DisableExecuteApiEndpoint ?? false) !== want.disableExecuteApiEndpoint
            || (want.cors && canon(a.CorsConfiguration ?? null) !== canon(want.cors)) || (want.version !== undefined && a.Version !== want.version)) {
            await c.send(new UpdateApiCommand({
              ApiId: apiId, Name: want.name, Description: want.description ?? '', Version: want.version, CorsConfiguration: want.cors, DisableExecuteApiEndpoint: want.disableExecuteApiEndpoint,
            }));
          }
          if (!want.cors && a.CorsConfiguration) await c.send(new DeleteCorsConfigurationCommand({ ApiId: apiId }));
          await retag(ctx, `arn:aws:apigateway:${ctx.cfg.region}::/apis/${apiId}`, a.Tags ?? {}, want.tags ?? {});
        }
        // Recorded as soon as the API exists, so a failure below never orphans it.
        rec = { type: d.type, physicalId: apiId, ref: apiId, arn: endpoint, routeIds: prev?.routeIds ?? [], integrationIds: prev?.integrationIds ?? [], ...(prev?.stageName ? { stageName: prev.stageName } : {}) };
        ctx.record.resources[d.id] = rec;
        const sameRoutes = srv && want.routes.map(routeSpec).sort().join('\n') === srv.owned.map((r) => r.spec).sort().join('\n');
        if (srv && sameRoutes) {
          rec.routeIds = srv.owned.map((r) => r.id);
          rec.integrationIds = srv.ownedIntegrations;
        } else {
          // A change of the routes: the ones this resource made go, the template's are made (the API id stays).
          for (const r of srv?.owned ?? []) await ignoreGone(() => c.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: r.id })));
          for (const i of srv?.ownedIntegrations ?? []) await ignoreGone(() => c.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: i })));
          rec.routeIds = [];
          rec.integrationIds = [];
          for (const r of want.routes) {
            const integ = await c.send(new CreateIntegrationCommand({
              ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: r.Function, PayloadFormatVersion: r.PayloadFormatVersion, TimeoutInMillis: r.TimeoutInMillis,
            }));
            rec.integrationIds.push(integ.IntegrationId!);
            const route = await c.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: r.RouteKey, Target: `integrations/${integ.IntegrationId}` }));
            rec.routeIds.push(route.RouteId!);
          }
        }
        if (want.stage) {
          const stages = (await c.send(new GetStagesCommand({ ApiId: apiId }))).Items ?? [];
          const have = stages.find((s) => s.StageName === want.stage!.name);
          if (!have) await c.send(new CreateStageCommand({ ApiId: apiId, StageName: want.stage.name, AutoDeploy: true, StageVariables: want.stage.variables }));
          else if (canon(have.StageVariables ?? {}) !== canon(want.stage.variables)) {
            await c.send(new UpdateStageCommand({ ApiId: apiId, StageName: want.stage.name, StageVariables: want.stage.variables }));
          }
          if (rec.stageName && rec.stageName !== want.stage.name) await ignoreGone(() => c.send(new DeleteStageCommand({ ApiId: apiId, StageName: rec.stageName })));
          rec.stageName = want.stage.name;
        }
        ctx.markChanged(d.id);
        ctx.out(`  ✓ ${d.id}: ${endpoint} (${pl.action === 'create' ? 'created' : pl.reasons.join(', ')})`);
      }
      for (const r of want.routes) {
        ctx.out(`    ${r.RouteKey}  ${want.stage ? routeUrl(endpoint!, want.stage.name, r.RouteKey) : `${endpoint} (served by the API's stages)`}  (${d.id})`);
      }
      ctx.state[d.id] = rec;
      return rec;
    },
    async remove(r, ctx) {
      await ignoreGone(() => feature('HTTP APIs', 'DeleteApi', () => ctx.apiGateway.send(new DeleteApiCommand({ ApiId: r.physicalId }))));
    },
  });
}

export const serverlessHttpApi = apiKind('AWS::Serverless::HttpApi', httpApiSchema);
export const serverlessRestApi = apiKind('AWS::Serverless::Api', restApiSchema);
export const apiGatewayV2Api = apiKind('AWS::ApiGatewayV2::Api', v2ApiSchema);

/**
 * Kumo's address for what a template names AWS's
 * (`https://<api-id>.execute-api.<region>.amazonaws.com/Prod/`, the usual
 * `!Sub` in SAM's Outputs): the API's Kumo endpoint in its place, so the
 * printed output is an address Kumo serves.
 */
export function kumoApiAddress(v: string, ctx: DeployContext): string {
  return v.replace(/https:\/\/([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com/g, (m, id: string) => {
    const rec = Object.values(ctx.state).find((s) => isApiType(s?.type) && s.physicalId === id);
    return rec?.arn ?? m;
  });
}
