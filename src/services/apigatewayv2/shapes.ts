import type { HttpApiRecord, HttpIntegration, HttpRoute, HttpStage } from '../../http-apis/records';

/** The model's output shapes, lowerCamel JSON names; timestamps ISO 8601 (`__timestampIso8601`). */
const iso = (ms: number) => new Date(ms).toISOString();

export function apiShape(a: HttpApiRecord, endpoint: string): Record<string, unknown> {
  return {
    apiEndpoint: endpoint, apiId: a.apiId, apiKeySelectionExpression: a.apiKeySelectionExpression,
    ...(a.cors ? { corsConfiguration: a.cors } : {}),
    createdDate: iso(a.createdMs),
    ...(a.description !== undefined ? { description: a.description } : {}),
    disableExecuteApiEndpoint: a.disableExecuteApiEndpoint, ipAddressType: 'ipv4', name: a.name, protocolType: a.protocolType,
    routeSelectionExpression: a.routeSelectionExpression, tags: a.tags,
    ...(a.version !== undefined ? { version: a.version } : {}),
  };
}

export function integrationShape(i: HttpIntegration): Record<string, unknown> {
  return {
    connectionType: 'INTERNET', integrationId: i.integrationId, integrationMethod: i.integrationMethod ?? 'POST',
    integrationType: i.integrationType, integrationUri: i.integrationUri, payloadFormatVersion: i.payloadFormatVersion,
    timeoutInMillis: i.timeoutInMillis, ...(i.description !== undefined ? { description: i.description } : {}),
  };
}

export function routeShape(r: HttpRoute): Record<string, unknown> {
  return { apiKeyRequired: false, authorizationType: 'NONE', routeId: r.routeId, routeKey: r.routeKey, ...(r.target !== undefined ? { target: r.target } : {}) };
}

export function stageShape(s: HttpStage): Record<string, unknown> {
  return {
    autoDeploy: s.autoDeploy, createdDate: iso(s.createdMs), defaultRouteSettings: { detailedMetricsEnabled: false },
    ...(s.description !== undefined ? { description: s.description } : {}),
    lastUpdatedDate: iso(s.lastUpdatedMs), routeSettings: {}, stageName: s.stageName,
    stageVariables: s.stageVariables ?? {}, tags: s.tags ?? {},
  };
}
