import { conflict, invalidParameter, notFound } from '../domain/errors';
import type { HttpApiCors, HttpApiRecord, HttpIntegration, HttpRoute, HttpStage } from './records';
import type { HttpApiStore } from './store';
import { newApiId, newSubId } from './ids';
import { parseRouteKey } from './route-key';
import {
  apiNameCharsMax, corsMaxAgeSecondsMax, descriptionCharsMax, integrationTimeoutMsMax, integrationTimeoutMsMin,
  integrationsPerApiMax, pageItemsMax, routesPerApiMax, stageNameCharsMax, stagesPerApiMax,
} from './limits';

export interface CreateApiInput {
  name?: string;
  protocolType?: string;
  description?: string;
  version?: string;
  cors?: HttpApiCors;
  tags?: Record<string, string>;
  /** Quick create: a Lambda ARN; AWS then makes the integration, the route (`routeKey`, default `$default`) and the `$default` stage. */
  target?: string;
  routeKey?: string;
  disableExecuteApiEndpoint?: boolean;
  routeSelectionExpression?: string;
  /** Members Kumo cannot honour (CredentialsArn…): present ones are refused by name. */
  unsupported: string[];
}

export interface CreateIntegrationInput {
  integrationType?: string;
  integrationUri?: string;
  payloadFormatVersion?: string;
  timeoutInMillis?: number;
  description?: string;
  integrationMethod?: string;
  unsupported: string[];
}

export interface CreateRouteInput {
  routeKey?: string;
  target?: string;
  authorizationType?: string;
  unsupported: string[];
}

export interface CreateStageInput {
  stageName?: string;
  autoDeploy?: boolean;
  stageVariables?: Record<string, string>;
  description?: string;
  tags?: Record<string, string>;
  unsupported: string[];
}

const bad = (m: string) => invalidParameter(m);

function refuseUnsupported(names: string[]): void {
  if (names.length) throw bad(`Kumo does not support ${names.join(', ')} on HTTP APIs yet`);
}

/**
 * A Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`),
 * alone or inside API Gateway's invocation URI form
 * (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`),
 * as AWS_PROXY integrations name them.
 */
export function functionOfUri(uri: string): { functionName: string; qualifier?: string } | undefined {
  const inner = /^arn:aws:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(uri);
  const arn = inner ? inner[1]! : uri;
  const m = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/.exec(arn);
  if (!m) return undefined;
  return { functionName: m[1]!, ...(m[2] && m[2] !== '$LATEST' ? { qualifier: m[2] } : {}) };
}

function checkCors(c: HttpApiCors | undefined): void {
  if (!c) return;
  if (c.maxAge !== undefined && (c.maxAge < -1 || c.maxAge > corsMaxAgeSecondsMax)) throw bad(`MaxAge must be between -1 and ${corsMaxAgeSecondsMax}`);
  // AWS: allowCredentials cannot be combined with a wildcard origin.
  if (c.allowCredentials && c.allowOrigins?.includes('*')) throw bad('allow-credentials is not supported with wildcard origin');
}

/**
 * HTTP APIs (API Gateway v2, ProtocolType HTTP): APIs with their
 * integrations (AWS_PROXY to Lambda), routes and stages, kept in the store;
 * the URL listener serves them (src/gateway/http-api-serve.ts).
 */
export class HttpApiService {
  constructor(
    private readonly store: HttpApiStore,
    private readonly accountId: string,
    /** ApiEndpoint of an API (names the URL listener's port, known once it listens). */
    readonly endpointOf: (apiId: string) => string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  private apiNotFound(apiId: string) {
    return notFound(`Invalid API identifier specified ${this.accountId}:${apiId}`);
  }

  async createApi(i: CreateApiInput): Promise<HttpApiRecord> {
    refuseUnsupported(i.unsupported);
    if (!i.name) throw bad('Name is required');
    if (i.name.length > apiNameCharsMax) throw bad(`Name must be at most ${apiNameCharsMax} characters`);
    if (!i.protocolType) throw bad('ProtocolType is required');
    if (i.protocolType === 'WEBSOCKET') throw bad('Kumo serves HTTP APIs only: ProtocolType WEBSOCKET is not supported');
    if (i.protocolType !== 'HTTP') throw bad(`Invalid protocol type: ${i.protocolType}`);
    if (i.description && i.description.length > descriptionCharsMax) throw bad(`Description must be at most ${descriptionCharsMax} characters`);
    if (i.routeSelectionExpression !== undefined && i.routeSelectionExpression !== '${request.method} ${request.path}') {
      throw bad('Unsupported route selection expression for HTTP API');
    }
    checkCors(i.cors);
    if (i.routeKey !== undefined && i.target === undefined) throw bad('RouteKey can only be specified with Target for quick create');
    const now = this.nowMs();
    const rec: HttpApiRecord = {
      apiId: newApiId(),
      name: i.name,
      protocolType: 'HTTP',
      ...(i.description !== undefined ? { description: i.description } : {}),
      ...(i.version !== undefined ? { version: i.version } : {}),
      ...(i.cors ? { cors: i.cors } : {}),
      disableExecuteApiEndpoint: i.disableExecuteApiEndpoint ?? false,
      routeSelectionExpression: '${request.method} ${request.path}',
      apiKeySelectionExpression: '$request.header.x-api-key',
      tags: i.tags ?? {},
      createdMs: now,
      integrations: [],
      routes: [],
      stages: [],
    };
    if (i.target !== undefined) {
      // Quick create (AWS): an AWS_PROXY integration (payload 2.0), the route and an auto-deploying $default stage.
      const fn = functionOfUri(i.target);
      if (!fn) throw bad(`Invalid target: ${i.target}; Kumo integrates Lambda function ARNs`);
      const routeKey = i.routeKey ?? '$default';
      if (!parseRouteKey(routeKey)) throw bad(`Unable to create route ${routeKey}. Route key is invalid.`);
      const integ: HttpIntegration = {
        integrationId: newSubId(), integrationType: 'AWS_PROXY', integrationUri: i.target, ...fn,
        payloadFormatVersion: '2.0', timeoutInMillis: integrationTimeoutMsMax, integrationMethod: 'POST',
      };
      rec.integrations.push(integ);
      rec.routes.push({ routeId: newSubId(), routeKey, target: `integrations/${integ.integrationId}` });
      rec.stages.push({ stageName: '$default', autoDeploy: true, createdMs: now, lastUpdatedMs: now });
    }
    if (!(await this.store.createHttpApi(rec))) throw conflict('API id collision; retry');
    return rec;
  }

  async getApi(apiId: string): Promise<HttpApiRecord> {
    const rec = await this.store.getHttpApi(apiId);
    if (!rec) throw this.apiNotFound(apiId);
    return rec;
  }

  /** Every API (Kumo answers them in one page, up to `pageItemsMax`; `nextToken` is the last id). */
  async getApis(nextToken: string | undefined): Promise<{ items: HttpApiRecord[]; nextToken?: string }> {
    const items = await this.store.listHttpApis(nextToken, pageItemsMax + 1);
    if (items.length > pageItemsMax) {
      items.length = pageItemsMax;
      return { items, nextToken: items[items.length - 1]!.apiId };
    }
    return { items };
  }

  async deleteApi(apiId: string): Promise<void> {
    if (!(await this.store.deleteHttpApi(apiId))) throw this.apiNotFound(apiId);
  }

  private async change<T>(apiId: string, f: (cur: HttpApiRecord) => { next: HttpApiRecord; out: T }): Promise<T> {
    let out: T | undefined;
    const r = await this.store.updateHttpApi(apiId, (cur) => {
      const x = f(cur);
      out = x.out;
      return x.next;
    });
    if (!r) throw this.apiNotFound(apiId);
    return out as T;
  }

  // ---- integrations

  createIntegration(apiId: string, i: CreateIntegrationInput): Promise<HttpIntegration> {
    refuseUnsupported(i.unsupported);
    if (!i.integrationType) throw bad('IntegrationType is required');
    if (i.integrationType !== 'AWS_PROXY') throw bad(`Kumo integrates HTTP APIs with Lambda only: IntegrationType ${i.integrationType} is not supported`);
    if (!i.integrationUri) throw bad('IntegrationUri is required for AWS_PROXY integrations');
    const fn = functionOfUri(i.integrationUri);
    if (!fn) throw bad(`Invalid integration URI specified: ${i.integrationUri}; Kumo integrates Lambda function ARNs`);
    // AWS: an HTTP API's Lambda integration must say its payload format (1.0 or 2.0).
    if (i.payloadFormatVersion === undefined) throw bad('PayloadFormatVersion is required for AWS_PROXY integrations');
    if (i.payloadFormatVersion !== '1.0' && i.payloadFormatVersion !== '2.0') throw bad(`Invalid payload format version specified: ${i.payloadFormatVersion}`);
    const timeout = i.timeoutInMillis ?? integrationTimeoutMsMax;
    if (timeout < integrationTimeoutMsMin || timeout > integrationTimeoutMsMax) {
      throw bad(`TimeoutInMillis must be between ${integrationTimeoutMsMin} and ${integrationTimeoutMsMax}`);
    }
    if (i.integrationMethod !== undefined && i.integrationMethod !== 'POST') throw bad('IntegrationMethod must be POST for AWS_PROXY integrations with Lambda');
    const integ: HttpIntegration = {
      integrationId: newSubId(), integrationType: 'AWS_PROXY', integrationUri: i.integrationUri, ...fn,
      payloadFormatVersion: i.payloadFormatVersion, timeoutInMillis: timeout, integrationMethod: 'POST',
      ...(i.description !== undefined ? { description: i.description } : {}),
    };
    return this.change(apiId, (cur) => {
      if (cur.integrations.length >= integrationsPerApiMax) throw bad(`An API can have at most ${integrationsPerApiMax} integrations`);
      return { next: { ...cur, integrations: [...cur.integrations, integ] }, out: integ };
    });
  }

  async getIntegration(apiId: string, id: string): Promise<HttpIntegration> {
    const it = (await this.getApi(apiId)).integrations.find((x) => x.integrationId === id);
    if (!it) throw notFound(`Invalid Integration identifier specified ${id}`);
    return it;
  }

  async getIntegrations(apiId: string): Promise<HttpIntegration[]> {
    return (await this.getApi(apiId)).integrations;
  }

  deleteIntegration(apiId: string, id: string): Promise<void> {
    return this.change(apiId, (cur) => {
      if (!cur.integrations.some((x) => x.integrationId === id)) throw notFound(`Invalid Integration identifier specified ${id}`);
      // AWS refuses to delete an integration a route still targets.
      if (cur.routes.some((r) => r.target === `integrations/${id}`)) throw conflict(`Integration ${id} is in use by a route. Delete the route first.`);
      return { next: { ...cur, integrations: cur.integrations.filter((x) => x.integrationId !== id) }, out: undefined };
    });
  }

  // ---- routes

  createRoute(apiId: string, i: CreateRouteInput): Promise<HttpRoute> {
    refuseUnsupported(i.unsupported);
    if (!i.routeKey) throw bad('RouteKey is required');
    if (!parseRouteKey(i.routeKey)) throw bad(`Unable to create route ${i.routeKey}. Route key is invalid.`);
    if (i.authorizationType !== undefined && i.authorizationType !== 'NONE') {
      throw bad(`Kumo does not support authorizers yet: AuthorizationType ${i.authorizationType}`);
    }
    return this.change(apiId, (cur) => {
      if (i.target !== undefined) {
        const m = /^integrations\/([a-z0-9]+)$/.exec(i.target);
        if (!m || !cur.integrations.some((x) => x.integrationId === m[1])) throw bad(`Invalid target specified: ${i.target}`);
      }
      if (cur.routes.some((r) => r.routeKey === i.routeKey)) throw conflict(`Route with key ${i.routeKey} already exists for this API`);
      if (cur.routes.length >= routesPerApiMax) throw bad(`An API can have at most ${routesPerApiMax} routes`);
      const route: HttpRoute = { routeId: newSubId(), routeKey: i.routeKey!, ...(i.target !== undefined ? { target: i.target } : {}) };
      return { next: { ...cur, routes: [...cur.routes, route] }, out: route };
    });
  }

  async getRoute(apiId: string, id: string): Promise<HttpRoute> {
    const r = (await this.getApi(apiId)).routes.find((x) => x.routeId === id);
    if (!r) throw notFound(`Invalid Route identifier specified ${id}`);
    return r;
  }

  async getRoutes(apiId: string): Promise<HttpRoute[]> {
    return (await this.getApi(apiId)).routes;
  }

  deleteRoute(apiId: string, id: string): Promise<void> {
    return this.change(apiId, (cur) => {
      if (!cur.routes.some((x) => x.routeId === id)) throw notFound(`Invalid Route identifier specified ${id}`);
      return { next: { ...cur, routes: cur.routes.filter((x) => x.routeId !== id) }, out: undefined };
    });
  }

  // ---- stages

  createStage(apiId: string, i: CreateStageInput): Promise<HttpStage> {
    refuseUnsupported(i.unsupported);
    const name = i.stageName;
    if (!name) throw bad('StageName is required');
    if (name.length > stageNameCharsMax || (name !== '$default' && !/^[A-Za-z0-9_-]+$/.test(name))) {
      throw bad(`Stage name only allows a-zA-Z0-9_- or $default, up to ${stageNameCharsMax} characters`);
    }
    for (const [k, v] of Object.entries(i.stageVariables ?? {})) {
      // AWS: names [A-Za-z0-9_]+, values of letters, digits and -._~:/?#&=, (stage-variables.html).
      if (!/^[A-Za-z0-9_]{1,64}$/.test(k)) throw bad(`Invalid stage variable name: ${k}`);
      if (!/^[A-Za-z0-9\-._~:/?#&=,]{0,512}$/.test(v)) throw bad(`Invalid stage variable value for ${k}`);
    }
    const now = this.nowMs();
    return this.change(apiId, (cur) => {
      if (cur.stages.some((s) => s.stageName === name)) throw conflict(`Stage already exists: ${name}`);
      if (cur.stages.length >= stagesPerApiMax) throw bad(`An API can have at most ${stagesPerApiMax} stages`);
      const stage: HttpStage = {
        stageName: name, autoDeploy: i.autoDeploy ?? false, createdMs: now, lastUpdatedMs: now,
        ...(i.stageVariables ? { stageVariables: i.stageVariables } : {}),
        ...(i.description !== undefined ? { description: i.description } : {}),
        ...(i.tags ? { tags: i.tags } : {}),
      };
      return { next: { ...cur, stages: [...cur.stages, stage] }, out: stage };
    });
  }

  async getStage(apiId: string, name: string): Promise<HttpStage> {
    const s = (await this.getApi(apiId)).stages.find((x) => x.stageName === name);
    if (!s) throw notFound(`Invalid stage identifier specified`);
    return s;
  }

  async getStages(apiId: string): Promise<HttpStage[]> {
    return (await this.getApi(apiId)).stages;
  }

  deleteStage(apiId: string, name: string): Promise<void> {
    return this.change(apiId, (cur) => {
      if (!cur.stages.some((x) => x.stageName === name)) throw notFound(`Invalid stage identifier specified`);
      return { next: { ...cur, stages: cur.stages.filter((x) => x.stageName !== name) }, out: undefined };
    });
  }

  /** The API the URL listener serves for `apiId` (undefined: none). */
  byId(apiId: string): Promise<HttpApiRecord | undefined> {
    return this.store.getHttpApi(apiId);
  }
}
