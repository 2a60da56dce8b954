import {
  CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand, DeleteIntegrationCommand, DeleteRouteCommand, DeleteStageCommand,
  GetIntegrationCommand, GetRouteCommand, GetStageCommand, UpdateIntegrationCommand, UpdateRouteCommand, UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { StackResource } from '../../stack';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping } from '../values';
import { gwNotFound, ignoreGone, isApiType, retag } from './http-api';

/**
 * CloudFormation's AWS::ApiGatewayV2::Integration, ::Route and ::Stage of an
 * HTTP API (the API itself is `http-api.ts`): each made by its Create call,
 * compared with its Get, changed by its Update, deleted with its Delete (a
 * resource deleted with its API is only struck from the record). `!Ref`
 * gives the IntegrationId, RouteId and the stage name, as CloudFormation's.
 * A change of ApiId makes the resource anew on the other API (the old one
 * goes). Their properties are the API's members; what Kumo cannot honour is
 * refused by name (the server refuses the rest with AWS's errors).
 */

type V2Kind = 'Integration' | 'Route' | 'Stage';
interface V2Plan {
  /** The members to send (PascalCase, as the SDK takes them). */
  input: Record<string, unknown>;
  apiId: string;
  /** The existing resource's id (integration id, route id, stage name) when it is updated in place. */
  id?: string;
  /** A stage's tags on the server, when they differ from the template's. */
  tags?: Record<string, string>;
}

const props: Record<V2Kind, { handled: string[]; refused: string[]; ignored: string[] }> = {
  Integration: {
    handled: ['ApiId', 'IntegrationType', 'IntegrationUri', 'PayloadFormatVersion', 'TimeoutInMillis', 'Description', 'IntegrationMethod', 'ConnectionType'],
    refused: ['ConnectionId', 'ContentHandlingStrategy', 'CredentialsArn', 'IntegrationSubtype', 'PassthroughBehavior', 'RequestParameters',
      'RequestTemplates', 'ResponseParameters', 'TemplateSelectionExpression', 'TlsConfig'],
    ignored: [],
  },
  Route: {
    handled: ['ApiId', 'RouteKey', 'Target', 'AuthorizationType'],
    refused: ['ApiKeyRequired', 'AuthorizationScopes', 'AuthorizerId', 'ModelSelectionExpression', 'OperationName', 'RequestModels', 'RequestParameters',
      'RouteResponseSelectionExpression'],
    ignored: [],
  },
  Stage: {
    handled: ['ApiId', 'StageName', 'AutoDeploy', 'StageVariables', 'Description', 'Tags'],
    refused: ['AccessLogSettings', 'ClientCertificateId', 'DefaultRouteSettings', 'DeploymentId', 'RouteSettings'],
    ignored: [],
  },
};

function input(k: V2Kind, pr: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of props[k].handled) if (pr[key] !== undefined && key !== 'ApiId') out[key] = pr[key];
  if (k === 'Integration' && out.TimeoutInMillis !== undefined) out.TimeoutInMillis = Number(out.TimeoutInMillis);
  if (k === 'Stage' && out.AutoDeploy !== undefined) out.AutoDeploy = out.AutoDeploy === true || out.AutoDeploy === 'true';
  if (k === 'Integration' && out.ConnectionType === 'INTERNET') delete out.ConnectionType;
  return out;
}

const idOf = (k: V2Kind, o: Record<string, unknown>) => String(k === 'Integration' ? o.IntegrationId : k === 'Route' ? o.RouteId : o.StageName);

const canon = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (isMapping(x) ? Object.fromEntries(Object.entries(x).sort(([m], [n]) => m.localeCompare(n))) : x));

/** The members the template sets that differ on the server (absent ones compared with the defaults AWS fills in). */
function differs(k: V2Kind, want: Record<string, unknown>, have: Record<string, unknown>): string[] {
  const defaults: Record<string, unknown> = k === 'Integration' ? { TimeoutInMillis: 30000, IntegrationMethod: 'POST' }
    : k === 'Route' ? { AuthorizationType: 'NONE' } : { AutoDeploy: false, StageVariables: {} };
  const keys = new Set([...Object.keys(want), ...Object.keys(defaults), ...(k === 'Stage' ? [] : ['Description']), ...(k === 'Route' ? ['Target'] : [])]);
  return [...keys].filter((key) => key !== 'Tags' && key !== 'StageName' && canon(want[key] ?? defaults[key] ?? null) !== canon(have[key] ?? defaults[key] ?? null));
}

/** The id of a resource an update keeps, once planned. */
function kept(ctx: DeployContext, d: ResourceDecl): string | undefined {
  const pl = ctx.plans.get(d.id);
  return pl?.action === 'update' ? (pl.data as V2Plan | undefined)?.id : undefined;
}

function v2Kind(k: V2Kind) {
  const type = `AWS::ApiGatewayV2::${k}`;
  const what = (d: ResourceDecl) => `HTTP API ${k.toLowerCase()}s (${d.id})`;
  return defineKind<V2Plan>({
    type,
    schema: {
      handled: [...props[k].handled, ...props[k].refused],
      ignored: props[k].ignored,
      check({ props: pr, need, fail }) {
        need('ApiId');
        for (const r of props[k].refused) if (pr[r] !== undefined) fail(r, `${r} is not supported by Kumo`);
        if (k === 'Route') need('RouteKey');
        if (k === 'Stage') need('StageName');
        if (k === 'Integration') need('IntegrationType');
      },
    },
    replacedOnRename: true,
    // Routes before integrations (an integration a route targets cannot be deleted), both before stages and APIs.
    deleteOrder: k === 'Route' ? -4 : k === 'Integration' ? -3 : -2,
    physicalId: (d, ctx) => ctx.state[d.id]?.physicalId ?? ctx.prev[d.id]?.physicalId ?? `${d.id} (new)`,
    // An update in place keeps the id (known from the plan); a new one is known after apply.
    ref: (d, ctx) => kept(ctx, d) ?? ctx.known(d.id, ctx.state[d.id]?.physicalId),
    getAtt(d, attr, p, ctx) {
      if (k === 'Integration' && attr === 'IntegrationId') return kept(ctx, d) ?? ctx.known(d.id, ctx.state[d.id]?.physicalId);
      if (k === 'Route' && attr === 'RouteId') return kept(ctx, d) ?? ctx.known(d.id, ctx.state[d.id]?.physicalId);
      throw ctx.error(p, `${d.id} (${type}) has ${k === 'Stage' ? 'no attributes' : `the attribute ${k}Id`}, not ${attr}`);
    },
    async plan(d, ctx) {
      const pr = ctx.props(d);
      const apiId = String(pr.ApiId);
      const want = input(k, pr);
      const prev = ctx.prev[d.id];
      const pl: Planned<V2Plan> = { decl: d, action: 'create', reasons: [], physical: `${d.id} (new)`, data: { input: want, apiId } };
      const pending = pendingRefs({ apiId, want });
      if (!prev || prev.apiId !== apiId) {
        if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
        return pl;
      }
      let have: Record<string, unknown> | undefined;
      try {
        const c = ctx.apiGateway;
        have = (k === 'Integration' ? await feature(what(d), 'GetIntegration', () => c.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: prev.physicalId })))
          : k === 'Route' ? await feature(what(d), 'GetRoute', () => c.send(new GetRouteCommand({ ApiId: apiId, RouteId: prev.physicalId })))
            : await feature(what(d), 'GetStage', () => c.send(new GetStageCommand({ ApiId: apiId, StageName: prev.physicalId })))) as unknown as Record<string, unknown>;
      } catch (e) {
        if (!gwNotFound(e)) throw e;
      }
      if (!have) return pl;
      pl.physical = prev.physicalId;
      pl.data!.id = prev.physicalId;
      // A new StageName is a new stage (CloudFormation replaces it).
      if (k === 'Stage' && want.StageName !== prev.physicalId) {
        pl.physical = `${d.id} (new)`;
        pl.data!.id = undefined;
        return pl;
      }
      if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
      else pl.reasons.push(...differs(k, want, have));
      if (k === 'Stage' && !pending.length && canon(have.Tags ?? {}) !== canon(want.Tags ?? {})) {
        pl.reasons.push('Tags');
        pl.data!.tags = (have.Tags ?? {}) as Record<string, string>;
      }
      pl.action = pl.reasons.length ? 'update' : 'unchanged';
      return pl;
    },
    async apply(pl, ctx) {
      const d = pl.decl;
      const c = ctx.apiGateway;
      const pr = ctx.props(d);
      const apiId = String(pr.ApiId);
      const want = input(k, pr);
      let id = pl.data?.id;
      if (pl.action === 'unchanged' && id) {
        const rec = ctx.state[d.id] ?? ctx.prev[d.id]!;
        ctx.state[d.id] = rec;
        return rec;
      }
      if (id && pl.action === 'update') {
        if (k === 'Integration') await c.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: id, ...want }));
        else if (k === 'Route') await c.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: id, ...want }));
        else {
          const { Tags: tags, ...rest } = want;
          if (pl.reasons.some((r) => r !== 'Tags')) await c.send(new UpdateStageCommand({ ApiId: apiId, StageName: id, ...rest }));
          if (pl.data?.tags) await retag(ctx, `arn:aws:apigateway:${ctx.cfg.region}::/apis/${apiId}/stages/${id}`, pl.data.tags, (tags ?? {}) as Record<string, string>);
        }
      } else {
        const made = (k === 'Integration' ? await feature(what(d), 'CreateIntegration', () => c.send(new CreateIntegrationCommand({ ApiId: apiId, ...want } as never)))
          : k === 'Route' ? await feature(what(d), 'CreateRoute', () => c.send(new CreateRouteCommand({ ApiId: apiId, ...want } as never)))
            : await feature(what(d), 'CreateStage', () => c.send(new CreateStageCommand({ ApiId: apiId, ...want } as never)))) as unknown as Record<string, unknown>;
        id = idOf(k, made);
      }
      const rec: StackResource = { type: d.type, physicalId: id, ref: id, apiId };
      ctx.record.resources[d.id] = rec;
      ctx.state[d.id] = rec;
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: ${k.toLowerCase()} ${id} of API ${apiId} (${pl.action === 'create' ? 'created' : pl.reasons.join(', ')})`);
      return rec;
    },
    async remove(r, ctx) {
      const c = ctx.apiGateway;
      const apiId = r.apiId!;
      if (k === 'Integration') await ignoreGone(() => c.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: r.physicalId })));
      else if (k === 'Route') await ignoreGone(() => c.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: r.physicalId })));
      else await ignoreGone(() => c.send(new DeleteStageCommand({ ApiId: apiId, StageName: r.physicalId })));
    },
    deletedWith(r, gone) {
      const api = gone.find((g) => isApiType(g.type) && g.physicalId === r.apiId);
      return api ? api.physicalId : undefined;
    },
  });
}

export const apiGatewayV2Integration = v2Kind('Integration');
export const apiGatewayV2Route = v2Kind('Route');
export const apiGatewayV2Stage = v2Kind('Stage');
