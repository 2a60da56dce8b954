import { conflict, invalidParameter, notFound } from '../domain/errors';
import type { HttpApiCors, HttpApiRecord, HttpIntegration, HttpRoute, HttpStage } from './records';
import type { HttpApiStore } from './store';
import { newApiId, newSubId } from './ids';
import { parseRouteKey } from './route-key';
import {
  apiNameCharsMax, corsMaxAgeSecondsMax, descriptionCharsMax, integrationTimeoutMsMax, integrationTimeoutMsMin,
  integrationsPerApiMax, pageItemsMax, routesPerApiMax, stageNameCharsMax, stagesPerApiMax, tagKeyCharsMax, tagValueCharsMax, tagsPerResourceMax,
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

/** UpdateApi: the members given replace the API's (CorsConfiguration whole); absent ones stay. */
export interface UpdateApiInput {
  name?: string;
  description?: string;
  version?: string;
  cors?: HttpApiCors;
  disableExecuteApiEndpoint?: boolean;
  routeSelectionExpression?: string;
  /** Members Kumo cannot honour on update (Target, RouteKey, CredentialsArn…): refused by name. */
  unsupported: string[];
}

/** UpdateIntegration / UpdateRoute / UpdateStage take the create members, each optional. */
export type UpdateIntegrationInput = CreateIntegrationInput;
export type UpdateRouteInput = CreateRouteInput;
export type UpdateStageInput = Omit<CreateStageInput, 'stageName' | 'tags'>;

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

function checkRouteSelection(e: string | undefined): void {
  if (e !== undefined && e !== '${request.method} ${request.path}') throw bad('Unsupported route selection expression for HTTP API');
}

function checkAuthorization(t: string | undefined): void {
  if (t !== undefined && t !== 'NONE') throw bad(`Kumo does not support authorizers yet: AuthorizationType ${t}`);
}

/** A route's Target: `integrations/<id>` of an integration of this API. */
function checkTarget(api: HttpApiRecord, target: string): void {
  const m = /^integrations\/([a-z0-9]+)$/.exec(target);
  if (!m || !api.integrations.some((x) => x.integrationId === m[1])) throw bad(`Invalid target specified: ${target}`);
}

function checkStageVariables(vars: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(vars ?? {})) {
    // AWS: names [A-Za-z0-9_]+, values of letters, digits and -._~:/?#&=, (stage-variables.html).
    if (!/^[A-Za-z0-9_]{1,64}$/.test(k)) throw bad(`Invalid stage variable name: ${k}`);
    if (!/^[A-Za-z0-9\-._~:/?#&=,]{0,512}$/.test(v)) throw bad(`Invalid stage variable value for ${k}`);
  }
}

/** The members of a create or update of an integration that are given, checked as AWS checks them (Kumo: AWS_PROXY to Lambda only). */
function checkIntegration(i: Partial<CreateIntegrationInput>): { fn?: { functionName: string; qualifier?: string } } {
  if (i.integrationType !== undefined && i.integrationType !== 'AWS_PROXY') {
    throw bad(`Kumo integrates HTTP APIs with Lambda only: IntegrationType ${i.integrationType} is not supported`);
  }
  let fn: { functionName: string; qualifier?: string } | undefined;
  if (i.integrationUri !== undefined) {
    fn = functionOfUri(i.integrationUri);
    if (!fn) throw bad(`Invalid integration URI specified: ${i.integrationUri}; Kumo integrates Lambda function ARNs`);
  }
  if (i.payloadFormatVersion !== undefined && i.payloadFormatVersion !== '1.0' && i.payloadFormatVersion !== '2.0') {
    throw bad(`Invalid payload format version specified: ${i.payloadFormatVersion}`);
  }
  if (i.timeoutInMillis !== undefined && (i.timeoutInMillis < integrationTimeoutMsMin || i.timeoutInMillis > integrationTimeoutMsMax)) {
    throw bad(`TimeoutInMillis must be between ${integrationTimeoutMsMin} and ${integrationTimeoutMsMax}`);
  }
  if (i.integrationMethod !== undefined && i.integrationMethod !== 'POST') throw bad('IntegrationMethod must be POST for AWS_PROXY integrations with Lambda');
  if (i.description !== undefined && i.description.length > descriptionCharsMax) throw bad(`Description must be at most ${descriptionCharsMax} characters`);
  return { fn };
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
    checkRouteSelection(i.routeSelectionExpression);
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

  /** UpdateApi: Name, Description, Version, CorsConfiguration (replaced whole), DisableExecuteApiEndpoint. */
  updateApi(apiId: string, i: UpdateApiInput): Promise<HttpApiRecord> {
    refuseUnsupported(i.unsupported);
    if (i.name !== undefined && (i.name.length < 1 || i.name.length > apiNameCharsMax)) throw bad(`Name must be between 1 and ${apiNameCharsMax} characters`);
    if (i.description !== undefined && i.description.length > descriptionCharsMax) throw bad(`Description must be at most ${descriptionCharsMax} characters`);
    checkRouteSelection(i.routeSelectionExpression);
    checkCors(i.cors);
    return this.change(apiId, (cur) => {
      const next: HttpApiRecord = {
        ...cur,
        ...(i.name !== undefined ? { name: i.name } : {}),
        ...(i.description !== undefined ? { description: i.description } : {}),
        ...(i.version !== undefined ? { version: i.version } : {}),
        ...(i.cors !== undefined ? { cors: i.cors } : {}),
        ...(i.disableExecuteApiEndpoint !== undefined ? { disableExecuteApiEndpoint: i.disableExecuteApiEndpoint } : {}),
      };
      return { next, out: next };
    });
  }

  /** DeleteCorsConfiguration: the API answers without CORS headers again. */
  deleteCors(apiId: string): Promise<void> {
    return this.change(apiId, (cur) => {
      const { cors: _gone, ...rest } = cur;
      return { next: rest, out: undefined };
    });
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
    checkIntegration({ integrationType: i.integrationType });
    if (!i.integrationUri) throw bad('IntegrationUri is required for AWS_PROXY integrations');
    // AWS: an HTTP API's Lambda integration must say its payload format (1.0 or 2.0).
    if (i.payloadFormatVersion === undefined) throw bad('PayloadFormatVersion is required for AWS_PROXY integrations');
    const checked = checkIntegration(i);
    const integ: HttpIntegration = {
      integrationId: newSubId(), integrationType: 'AWS_PROXY', integrationUri: i.integrationUri, ...checked.fn!,
      payloadFormatVersion: i.payloadFormatVersion as '1.0' | '2.0', timeoutInMillis: i.timeoutInMillis ?? integrationTimeoutMsMax, integrationMethod: 'POST',
      ...(i.description !== undefined ? { description: i.description } : {}),
    };
    return this.change(apiId, (cur) => {
      if (cur.integrations.length >= integrationsPerApiMax) throw bad(`An API can have at most ${integrationsPerApiMax} integrations`);
      return { next: { ...cur, integrations: [...cur.integrations, integ] }, out: integ };
    });
  }

  /** UpdateIntegration: the members given replace the integration's, checked as CreateIntegration checks them. */
  updateIntegration(apiId: string, id: string, i: UpdateIntegrationInput): Promise<HttpIntegration> {
    refuseUnsupported(i.unsupported);
    const checked = checkIntegration(i);
    return this.change(apiId, (cur) => {
      const at = cur.integrations.findIndex((x) => x.integrationId === id);
      if (at < 0) throw notFound(`Invalid Integration identifier specified ${id}`);
      const old = cur.integrations[at]!;
      const next: HttpIntegration = {
        ...old,
        ...(i.integrationUri !== undefined ? { integrationUri: i.integrationUri, functionName: checked.fn!.functionName, qualifier: checked.fn!.qualifier } : {}),
        ...(i.payloadFormatVersion !== undefined ? { payloadFormatVersion: i.payloadFormatVersion as '1.0' | '2.0' } : {}),
        ...(i.timeoutInMillis !== undefined ? { timeoutInMillis: i.timeoutInMillis } : {}),
        ...(i.description !== undefined ? { description: i.description } : {}),
      };
      if (next.qualifier === undefined) delete next.qualifier;
      const integrations = [...cur.integrations];
      integrations[at] = next;
      return { next: { ...cur, integrations }, out: next };
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
    checkAuthorization(i.authorizationType);
    return this.change(apiId, (cur) => {
      if (i.target !== undefined) checkTarget(cur, i.target);
      if (cur.routes.some((r) => r.routeKey === i.routeKey)) throw conflict(`Route with key ${i.routeKey} already exists for this API`);
      if (cur.routes.length >= routesPerApiMax) throw bad(`An API can have at most ${routesPerApiMax} routes`);
      const route: HttpRoute = { routeId: newSubId(), routeKey: i.routeKey!, ...(i.target !== undefined ? { target: i.target } : {}) };
      return { next: { ...cur, routes: [...cur.routes, route] }, out: route };
    });
  }

  /** UpdateRoute: a new RouteKey (unique in the API) and/or Target (an integration of the API; "" removes it). */
  updateRoute(apiId: string, id: string, i: UpdateRouteInput): Promise<HttpRoute> {
    refuseUnsupported(i.unsupported);
    if (i.routeKey !== undefined && !parseRouteKey(i.routeKey)) throw bad(`Unable to update route ${i.routeKey}. Route key is invalid.`);
    checkAuthorization(i.authorizationType);
    return this.change(apiId, (cur) => {
      const at = cur.routes.findIndex((x) => x.routeId === id);
      if (at < 0) throw notFound(`Invalid Route identifier specified ${id}`);
      if (i.target) checkTarget(cur, i.target);
      if (i.routeKey !== undefined && cur.routes.some((r) => r.routeKey === i.routeKey && r.routeId !== id)) {
        throw conflict(`Route with key ${i.routeKey} already exists for this API`);
      }
      const next: HttpRoute = { ...cur.routes[at]!, ...(i.routeKey !== undefined ? { routeKey: i.routeKey } : {}) };
      if (i.target === '') delete next.target;
      else if (i.target !== undefined) next.target = i.target;
      const routes = [...cur.routes];
      routes[at] = next;
      return { next: { ...cur, routes }, out: next };
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
    checkStageVariables(i.stageVariables);
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

  /**
   * UpdateStage: AutoDeploy, Description and StageVariables (the map given
   * replaces the stage's; Kumo's choice, ARCHITECTURE.md "Choices").
   */
  updateStage(apiId: string, name: string, i: UpdateStageInput): Promise<HttpStage> {
    refuseUnsupported(i.unsupported);
    checkStageVariables(i.stageVariables);
    if (i.description !== undefined && i.description.length > descriptionCharsMax) throw bad(`Description must be at most ${descriptionCharsMax} characters`);
    const now = this.nowMs();
    return this.change(apiId, (cur) => {
      const at = cur.stages.findIndex((x) => x.stageName === name);
      if (at < 0) throw notFound(`Invalid stage identifier specified`);
      const next: HttpStage = {
        ...cur.stages[at]!, lastUpdatedMs: now,
        ...(i.autoDeploy !== undefined ? { autoDeploy: i.autoDeploy } : {}),
        ...(i.description !== undefined ? { description: i.description } : {}),
        ...(i.stageVariables !== undefined ? { stageVariables: i.stageVariables } : {}),
      };
      const stages = [...cur.stages];
      stages[at] = next;
      return { next: { ...cur, stages }, out: next };
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

  // ---- tags (TagResource / UntagResource / GetTags of an API or a stage)

  /** The API (and stage) a resource ARN names: `arn:aws:apigateway:<region>::/apis/<api-id>[/stages/<stage>]`. */
  private tagged(arn: string): { apiId: string; stage?: string } {
    const m = /^arn:aws:apigateway:[a-z0-9-]+::\/apis\/([a-z0-9]+)(?:\/stages\/([^/]+))?$/.exec(arn);
    if (!m) throw bad(`Invalid resource ARN specified: ${arn}; Kumo tags HTTP APIs and their stages`);
    return { apiId: m[1]!, ...(m[2] !== undefined ? { stage: m[2] } : {}) };
  }

  private changeTags(arn: string, f: (cur: Record<string, string>) => Record<string, string>): Promise<void> {
    const r = this.tagged(arn);
    return this.change(r.apiId, (cur) => {
      if (r.stage === undefined) return { next: { ...cur, tags: f(cur.tags) }, out: undefined };
      const at = cur.stages.findIndex((x) => x.stageName === r.stage);
      if (at < 0) throw notFound('Invalid stage identifier specified');
      const stages = [...cur.stages];
      stages[at] = { ...stages[at]!, tags: f(stages[at]!.tags ?? {}) };
      return { next: { ...cur, stages }, out: undefined };
    });
  }

  tagResource(arn: string, tags: Record<string, string> | undefined): Promise<void> {
    if (!tags) throw bad('Tags is required');
    for (const [k, v] of Object.entries(tags)) {
      if (k.length < 1 || k.length > tagKeyCharsMax) throw bad(`Tag keys must be between 1 and ${tagKeyCharsMax} characters`);
      if (v.length > tagValueCharsMax) throw bad(`Tag values must be at most ${tagValueCharsMax} characters`);
    }
    return this.changeTags(arn, (cur) => {
      const next = { ...cur, ...tags };
      if (Object.keys(next).length > tagsPerResourceMax) throw bad(`A resource can have at most ${tagsPerResourceMax} tags`);
      return next;
    });
  }

  untagResource(arn: string, keys: string[]): Promise<void> {
    if (!keys.length) throw bad('TagKeys is required');
    return this.changeTags(arn, (cur) => Object.fromEntries(Object.entries(cur).filter(([k]) => !keys.includes(k))));
  }

  async getTags(arn: string): Promise<Record<string, string>> {
    const r = this.tagged(arn);
    const api = await this.getApi(r.apiId);
    if (r.stage === undefined) return api.tags;
    const st = api.stages.find((x) => x.stageName === r.stage);
    if (!st) throw notFound('Invalid stage identifier specified');
    return st.tags ?? {};
  }

  /** The API the URL listener serves for `apiId` (undefined: none). */
  byId(apiId: string): Promise<HttpApiRecord | undefined> {
    return this.store.getHttpApi(apiId);
  }
}
