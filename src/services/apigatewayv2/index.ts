import type { ApiRequest, Route, ServiceDefinition } from '../../gateway/service';
import { apiGatewayIam } from './iam';
import type { HttpApiService } from '../../http-apis/service';
import { apiGatewayV2Error, apiGatewayV2Errors, mapApiGatewayV2Error } from './errors';
import { decodeCreateApi, decodeCreateIntegration, decodeCreateRoute, decodeCreateStage, decodeUpdateApi, decodeUpdateStage, jsonBody } from './decode';
import { apiShape, integrationShape, routeShape, stageShape } from './shapes';

export interface ApiGatewayV2Deps {
  httpApis: HttpApiService;
}

/** Request bodies of the management API are small (an API with CORS, a route…). */
const bodyBytesMax = 256 * 1024;

/**
 * Amazon API Gateway v2 (2018-11-29), the HTTP API subset: rest-json under
 * `/v2/apis…`, SigV4 service `apigateway`, the routes of the model's `http`
 * traits and their status codes (201 for creates, 204 for deletes).
 */
export function apiGatewayV2Service(d: ApiGatewayV2Deps): ServiceDefinition {
  const s = d.httpApis;
  const route = (method: string, path: string[], operation: string, status: number, handle: (req: ApiRequest, p: Record<string, string>) => Promise<unknown>): Route => ({
    method, path, operation, bodyBytesMax, auth: true,
    handle: async (req, p) => {
      const out = await handle(req, p);
      return status === 204 ? { status } : { status, json: out ?? {} };
    },
  });
  const api = (a: Parameters<typeof apiShape>[0]) => apiShape(a, s.endpointOf(a.apiId));
  return {
    name: 'apigateway',
    signingName: 'apigateway',
    // Every operation's IAM action and resources (./iam.ts).
    iam: apiGatewayIam,
    errors: apiGatewayV2Errors,
    internalErrorName: 'InternalFailure',
    mapError: mapApiGatewayV2Error,
    restJson: {
      errorType: false,
      paramMembers: { apiId: 'ApiId', integrationId: 'IntegrationId', routeId: 'RouteId', stageName: 'StageName', resourceArn: 'ResourceArn' },
      routes: [
        route('POST', ['v2', 'apis'], 'CreateApi', 201, async (req) => api(await s.createApi(decodeCreateApi(jsonBody(req))))),
        route('GET', ['v2', 'apis'], 'GetApis', 200, async (req) => {
          const r = await s.getApis(req.query.get('nextToken') ?? undefined);
          return { items: r.items.map(api), ...(r.nextToken ? { nextToken: r.nextToken } : {}) };
        }),
        route('GET', ['v2', 'apis', '{apiId}'], 'GetApi', 200, async (_req, p) => api(await s.getApi(p.apiId!))),
        route('DELETE', ['v2', 'apis', '{apiId}'], 'DeleteApi', 204, (_req, p) => s.deleteApi(p.apiId!)),
        route('PATCH', ['v2', 'apis', '{apiId}'], 'UpdateApi', 200, async (req, p) => api(await s.updateApi(p.apiId!, decodeUpdateApi(jsonBody(req))))),
        route('DELETE', ['v2', 'apis', '{apiId}', 'cors'], 'DeleteCorsConfiguration', 204, (_req, p) => s.deleteCors(p.apiId!)),

        route('POST', ['v2', 'apis', '{apiId}', 'integrations'], 'CreateIntegration', 201, async (req, p) =>
          integrationShape(await s.createIntegration(p.apiId!, decodeCreateIntegration(jsonBody(req))))),
        route('GET', ['v2', 'apis', '{apiId}', 'integrations'], 'GetIntegrations', 200, async (_req, p) =>
          ({ items: (await s.getIntegrations(p.apiId!)).map(integrationShape) })),
        route('GET', ['v2', 'apis', '{apiId}', 'integrations', '{integrationId}'], 'GetIntegration', 200, async (_req, p) =>
          integrationShape(await s.getIntegration(p.apiId!, p.integrationId!))),
        route('DELETE', ['v2', 'apis', '{apiId}', 'integrations', '{integrationId}'], 'DeleteIntegration', 204, (_req, p) =>
          s.deleteIntegration(p.apiId!, p.integrationId!)),
        route('PATCH', ['v2', 'apis', '{apiId}', 'integrations', '{integrationId}'], 'UpdateIntegration', 200, async (req, p) =>
          integrationShape(await s.updateIntegration(p.apiId!, p.integrationId!, decodeCreateIntegration(jsonBody(req))))),

        route('POST', ['v2', 'apis', '{apiId}', 'routes'], 'CreateRoute', 201, async (req, p) =>
          routeShape(await s.createRoute(p.apiId!, decodeCreateRoute(jsonBody(req))))),
        route('GET', ['v2', 'apis', '{apiId}', 'routes'], 'GetRoutes', 200, async (_req, p) => ({ items: (await s.getRoutes(p.apiId!)).map(routeShape) })),
        route('GET', ['v2', 'apis', '{apiId}', 'routes', '{routeId}'], 'GetRoute', 200, async (_req, p) => routeShape(await s.getRoute(p.apiId!, p.routeId!))),
        route('DELETE', ['v2', 'apis', '{apiId}', 'routes', '{routeId}'], 'DeleteRoute', 204, (_req, p) => s.deleteRoute(p.apiId!, p.routeId!)),
        route('PATCH', ['v2', 'apis', '{apiId}', 'routes', '{routeId}'], 'UpdateRoute', 200, async (req, p) =>
          routeShape(await s.updateRoute(p.apiId!, p.routeId!, decodeCreateRoute(jsonBody(req))))),

        route('POST', ['v2', 'apis', '{apiId}', 'stages'], 'CreateStage', 201, async (req, p) =>
          stageShape(await s.createStage(p.apiId!, decodeCreateStage(jsonBody(req))))),
        route('GET', ['v2', 'apis', '{apiId}', 'stages'], 'GetStages', 200, async (_req, p) => ({ items: (await s.getStages(p.apiId!)).map(stageShape) })),
        route('GET', ['v2', 'apis', '{apiId}', 'stages', '{stageName}'], 'GetStage', 200, async (_req, p) => stageShape(await s.getStage(p.apiId!, p.stageName!))),
        route('DELETE', ['v2', 'apis', '{apiId}', 'stages', '{stageName}'], 'DeleteStage', 204, (_req, p) => s.deleteStage(p.apiId!, p.stageName!)),
        route('POST', ['v2', 'tags', '{resourceArn}'], 'TagResource', 201, async (req, p) => {
          const b = jsonBody(req);
          const tags = b.tags;
          if (tags !== undefined && (typeof tags !== 'object' || tags === null || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== 'string'))) {
            throw apiGatewayV2Error('BadRequestException', 'tags must be a map of strings');
          }
          await s.tagResource(p.resourceArn!, tags as Record<string, string> | undefined);
          return {};
        }),
        route('DELETE', ['v2', 'tags', '{resourceArn}'], 'UntagResource', 204, (req, p) => s.untagResource(p.resourceArn!, req.query.getAll('tagKeys'))),
        route('GET', ['v2', 'tags', '{resourceArn}'], 'GetTags', 200, async (_req, p) => ({ tags: await s.getTags(p.resourceArn!) })),
        route('PATCH', ['v2', 'apis', '{apiId}', 'stages', '{stageName}'], 'UpdateStage', 200, async (req, p) =>
          stageShape(await s.updateStage(p.apiId!, p.stageName!, decodeUpdateStage(jsonBody(req))))),
      ],
    },
  };
}
