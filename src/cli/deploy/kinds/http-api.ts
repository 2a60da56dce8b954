import {
  CreateApiCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand, DeleteApiCommand, DeleteIntegrationCommand, DeleteRouteCommand,
  GetApiCommand, GetIntegrationsCommand, GetRoutesCommand, GetStagesCommand, type GetApiCommandOutput,
} from '@aws-sdk/client-apigatewayv2';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { ignoreMissing, notFound } from '../values';

/**
 * SAM's implicit APIs, made by `sam-events.ts` from function events:
 * `ServerlessHttpApi` (AWS::Serverless::HttpApi, `Type: HttpApi` events,
 * stage `$default`) and `ServerlessRestApi` (AWS::Serverless::Api, `Type:
 * Api` events). Kumo serves both as HTTP APIs (API Gateway v2) on its URL
 * listener; a REST API's events get payload format 1.0 and the stage `Prod`,
 * as `sam local start-api` serves them. Each route is an AWS_PROXY
 * integration to its function and a route key `METHOD /path`. A change of
 * the routes replaces the API's routes and integrations (the API id, and so
 * its address, stays).
 */
export interface ApiRouteSpec {
  RouteKey: string;
  /** The function's name or ARN (its alias's with AutoPublishAlias). */
  Function: string;
  PayloadFormatVersion: '1.0' | '2.0';
}

interface ApiPlan {
  apiId?: string;
  endpoint?: string;
}

const what = (d: ResourceDecl) => `HTTP APIs (${d.id}, ${d.type})`;

function wanted(ctx: DeployContext, d: ResourceDecl): { stage: string; routes: ApiRouteSpec[] } {
  const pr = ctx.props(d);
  const routes = (pr.Routes as ApiRouteSpec[] | undefined) ?? [];
  return {
    stage: String(pr.StageName),
    routes: routes.map((r) => ({ ...r, Function: String(r.Function).startsWith('arn:') ? String(r.Function) : ctx.fnArn(String(r.Function)) })),
  };
}

const key = (r: ApiRouteSpec) => `${r.RouteKey} → ${r.Function} (${r.PayloadFormatVersion})`;

/** The address of a route as Kumo serves it (a `{param}` shown as written). */
function routeUrl(endpoint: string, stage: string, routeKey: string): string {
  const base = stage === '$default' ? endpoint : `${endpoint}/${stage}`;
  if (routeKey === '$default') return `${base}/`;
  return `${base}${routeKey.slice(routeKey.indexOf(' ') + 1)}`;
}

async function serverRoutes(ctx: DeployContext, d: ResourceDecl, apiId: string): Promise<{ routes: { id: string; spec: string }[]; integrations: string[]; stages: string[] }> {
  const c = ctx.apiGateway;
  const ints = (await feature(what(d), 'GetIntegrations', () => c.send(new GetIntegrationsCommand({ ApiId: apiId })))).Items ?? [];
  const routes = (await c.send(new GetRoutesCommand({ ApiId: apiId }))).Items ?? [];
  const stages = (await c.send(new GetStagesCommand({ ApiId: apiId }))).Items ?? [];
  const byId = new Map(ints.map((i) => [i.IntegrationId!, i]));
  return {
    routes: routes.map((r) => {
      const i = byId.get((r.Target ?? '').replace(/^integrations\//, ''));
      return { id: r.RouteId!, spec: `${r.RouteKey} → ${i?.IntegrationUri} (${i?.PayloadFormatVersion})` };
    }),
    integrations: ints.map((i) => i.IntegrationId!),
    stages: stages.map((s) => s.StageName!),
  };
}

function printRoutes(ctx: DeployContext, d: ResourceDecl, endpoint: string, stage: string, routes: ApiRouteSpec[]): void {
  for (const r of routes) ctx.out(`    ${r.RouteKey === '$default' ? '$default' : r.RouteKey}  ${routeUrl(endpoint, stage, r.RouteKey)}  (${d.id})`);
}

/** SAM's AWS::Serverless::HttpApi and AWS::Serverless::Api properties (sam-resource-httpapi / sam-resource-api). */
const samHttpApiProps = ['Name', 'StageVariables', 'CorsConfiguration', 'Auth', 'DefinitionBody', 'DefinitionUri', 'Description', 'FailOnWarnings',
  'AccessLogSettings', 'DefaultRouteSettings', 'RouteSettings', 'Domain', 'Tags', 'DisableExecuteApiEndpoint', 'PropagateTags'];
const samRestApiProps = ['Name', 'Variables', 'Cors', 'Auth', 'DefinitionBody', 'DefinitionUri', 'Description', 'EndpointConfiguration', 'BinaryMediaTypes',
  'MinimumCompressionSize', 'GatewayResponses', 'AccessLogSetting', 'CanarySetting', 'CacheClusterEnabled', 'CacheClusterSize', 'MethodSettings',
  'TracingEnabled', 'OpenApiVersion', 'Models', 'Domain', 'Tags', 'DisableExecuteApiEndpoint', 'ApiKeySourceType', 'AlwaysDeploy', 'Mode',
  'MergeDefinitions', 'PropagateTags', 'FailOnWarnings'];

function apiKind(type: 'AWS::Serverless::HttpApi' | 'AWS::Serverless::Api') {
  return defineKind<ApiPlan>({
    type,
    // `StageName` and `Routes` are what sam-events.ts gives the implicit API; the rest are SAM's properties of a
    // declared API, accepted so such a template still deploys its functions: plan reports the declared API as not deployed.
    schema: { handled: ['StageName', 'Routes', ...(type === 'AWS::Serverless::HttpApi' ? samHttpApiProps : samRestApiProps)], ignored: [] },
    replacedOnRename: false,
    deleteOrder: -1,
    physicalId: (d, ctx) => ctx.state[d.id]?.physicalId ?? ctx.prev[d.id]?.physicalId ?? `${d.id} (new)`,
    // CloudFormation: Ref gives the API id.
    ref: (d, ctx) => (d.partOf === undefined ? d.id : ctx.known(d.id, ctx.state[d.id]?.physicalId)),
    getAtt(d, attr, p, ctx) {
      if (d.partOf === undefined) return d.id;
      if (attr === 'ApiEndpoint' && type === 'AWS::Serverless::HttpApi') return ctx.known(d.id, ctx.state[d.id]?.arn);
      if (attr === 'RootResourceId' && type === 'AWS::Serverless::Api') return ctx.known(d.id, ctx.state[d.id]?.physicalId);
      throw ctx.error(p, `${d.id} (${type}) has the attribute ${type === 'AWS::Serverless::Api' ? 'RootResourceId' : 'ApiEndpoint'}, not ${attr}`);
    },
    async plan(d, ctx) {
      if (d.partOf === undefined) {
        return { decl: d, action: 'skip', reasons: [], physical: d.id, unsupported: "not supported by Kumo yet (kumo deploy makes SAM's implicit APIs of HttpApi / Api events only)" };
      }
      const pl: Planned<ApiPlan> = { decl: d, action: 'create', reasons: [], physical: ctx.physicalOf(d), data: {} };
      const prevId = ctx.prev[d.id]?.physicalId;
      if (!prevId) return pl;
      let have: GetApiCommandOutput | undefined;
      try {
        have = await feature(what(d), 'GetApi', () => ctx.apiGateway.send(new GetApiCommand({ ApiId: prevId })));
      } catch (e) {
        if (!notFound(e)) throw e;
      }
      if (!have) return pl;
      pl.data = { apiId: prevId, endpoint: have.ApiEndpoint };
      const want = wanted(ctx, d);
      const pending = pendingRefs(want);
      if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
      else {
        const srv = await serverRoutes(ctx, d, prevId);
        const a = want.routes.map(key).sort().join('\n');
        const b = srv.routes.map((r) => r.spec).sort().join('\n');
        if (a !== b) pl.reasons.push('routes');
        if (!srv.stages.includes(want.stage)) pl.reasons.push('stage');
      }
      pl.action = pl.reasons.length ? 'update' : 'unchanged';
      if (pl.action === 'unchanged') ctx.state[d.id] = { type: d.type, physicalId: prevId, ref: prevId, arn: have.ApiEndpoint };
      return pl;
    },
    async apply(pl, ctx) {
      const d = pl.decl;
      const c = ctx.apiGateway;
      const want = wanted(ctx, d);
      let apiId = pl.data?.apiId;
      let endpoint = pl.data?.endpoint;
      if (pl.action !== 'unchanged') {
        if (!apiId || pl.action === 'create') {
          const api = await feature(what(d), 'CreateApi', () => c.send(new CreateApiCommand({ Name: `${ctx.stackName}-${d.id}`, ProtocolType: 'HTTP' })));
          apiId = api.ApiId!;
          endpoint = api.ApiEndpoint!;
        } else {
          // A change of the routes: the old routes and integrations go, the template's are made (the API id stays).
          const srv = await serverRoutes(ctx, d, apiId);
          for (const r of srv.routes) await ignoreMissing(() => c.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: r.id })));
          for (const i of srv.integrations) await ignoreMissing(() => c.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: i })));
        }
        for (const r of want.routes) {
          const integ = await c.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: r.Function, PayloadFormatVersion: r.PayloadFormatVersion }));
          await c.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: r.RouteKey, Target: `integrations/${integ.IntegrationId}` }));
        }
        const stages = (await c.send(new GetStagesCommand({ ApiId: apiId }))).Items ?? [];
        if (!stages.some((s) => s.StageName === want.stage)) await c.send(new CreateStageCommand({ ApiId: apiId, StageName: want.stage, AutoDeploy: true }));
        ctx.markChanged(d.id);
        ctx.out(`  ✓ ${d.id}: ${endpoint} (${pl.action === 'create' ? 'created' : pl.reasons.join(', ')})`);
      } else {
        apiId = ctx.state[d.id]!.physicalId;
        endpoint = ctx.state[d.id]!.arn;
        ctx.out(`  ${d.id}: ${endpoint}`);
      }
      printRoutes(ctx, d, endpoint!, want.stage, want.routes);
      const rec = { type: d.type, physicalId: apiId!, ref: apiId!, arn: endpoint };
      ctx.state[d.id] = rec;
      return rec;
    },
    async remove(r, ctx) {
      await ignoreMissing(() => feature('HTTP APIs', 'DeleteApi', () => ctx.apiGateway.send(new DeleteApiCommand({ ApiId: r.physicalId }))));
    },
  });
}

export const serverlessHttpApi = apiKind('AWS::Serverless::HttpApi');
export const serverlessRestApi = apiKind('AWS::Serverless::Api');

/**
 * Kumo's address for what a template names AWS's
 * (`https://<api-id>.execute-api.<region>.amazonaws.com/Prod/`, the usual
 * `!Sub` in SAM's Outputs): the API's Kumo endpoint in its place, so the
 * printed output is an address Kumo serves.
 */
export function kumoApiAddress(v: string, ctx: DeployContext): string {
  return v.replace(/https:\/\/([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com/g, (m, id: string) => {
    const rec = Object.values(ctx.state).find((s) => (s?.type === 'AWS::Serverless::HttpApi' || s?.type === 'AWS::Serverless::Api') && s.physicalId === id);
    return rec?.arn ?? m;
  });
}
