import type { FunctionUrlService } from '../../function-urls/service';
import { urlConfigsPageMax } from '../../function-urls/limits';
import type { FunctionUrlInput } from '../../function-urls/inputs';
import type { FunctionUrlRecord } from '../../control/records';
import { bool, int, str, stringList, struct } from './decode';
import { jsonBody, type Route } from './http';
import { maxItems } from './versions-api';

const bodyBytesMax = 64 * 1024;

/**
 * Function URL timestamps as AWS writes them: ISO-8601 in UTC with six
 * fraction digits and `Z` (e.g. 2023-10-09T20:45:23.213867Z), unlike the
 * `+0000` of FunctionConfiguration.LastModified; Kumo keeps milliseconds.
 */
function urlTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

function corsShape(r: FunctionUrlRecord): Record<string, unknown> | undefined {
  const c = r.cors;
  if (!c) return undefined;
  return {
    ...(c.allowCredentials !== undefined ? { AllowCredentials: c.allowCredentials } : {}),
    ...(c.allowHeaders ? { AllowHeaders: c.allowHeaders } : {}),
    ...(c.allowMethods ? { AllowMethods: c.allowMethods } : {}),
    ...(c.allowOrigins ? { AllowOrigins: c.allowOrigins } : {}),
    ...(c.exposeHeaders ? { ExposeHeaders: c.exposeHeaders } : {}),
    ...(c.maxAge !== undefined ? { MaxAge: c.maxAge } : {}),
  };
}

/**
 * The FunctionUrlConfig shape. AWS's answers differ by operation (recorded:
 * LocalStack test_lambda_api.snapshot.json, TestLambdaUrl, and
 * test_lambda.snapshot.json, test_lambda_update_function_url_config):
 * Create has no LastModifiedTime; Create and Update say InvokeMode only
 * when it was set; Get and List always say it (BUFFERED by default).
 */
export function urlConfigShape(svc: FunctionUrlService, r: FunctionUrlRecord, view: 'create' | 'update' | 'get'): Record<string, unknown> {
  const cors = corsShape(r);
  return {
    FunctionUrl: svc.urlOf(r.urlId),
    FunctionArn: svc.arn(r),
    AuthType: r.authType,
    ...(cors ? { Cors: cors } : {}),
    CreationTime: urlTimestamp(r.createdMs),
    ...(view !== 'create' ? { LastModifiedTime: urlTimestamp(r.lastModifiedMs) } : {}),
    ...(view === 'get' ? { InvokeMode: r.invokeMode ?? 'BUFFERED' } : r.invokeMode ? { InvokeMode: r.invokeMode } : {}),
  };
}

function decodeUrlConfig(b: Record<string, unknown>): FunctionUrlInput {
  const c = struct(b.Cors, 'cors');
  return {
    AuthType: str(b.AuthType, 'authType'),
    InvokeMode: str(b.InvokeMode, 'invokeMode'),
    Cors: c && {
      AllowCredentials: bool(c.AllowCredentials, 'cors.allowCredentials'),
      AllowHeaders: stringList(c.AllowHeaders, 'cors.allowHeaders'),
      AllowMethods: stringList(c.AllowMethods, 'cors.allowMethods'),
      AllowOrigins: stringList(c.AllowOrigins, 'cors.allowOrigins'),
      ExposeHeaders: stringList(c.ExposeHeaders, 'cors.exposeHeaders'),
      MaxAge: int(c.MaxAge, 'cors.maxAge'),
    },
  };
}

/** Create/Get/Update/Delete/ListFunctionUrlConfig(s) (API version 2021-10-31). */
export function functionUrlRoutes(deps: { urls: FunctionUrlService }): Route[] {
  const base = '2021-10-31';
  const common = { bodyBytesMax, auth: true };
  const svc = deps.urls;
  const path = [base, 'functions', '{name}', 'url'];
  const qualifier = (q: URLSearchParams) => q.get('Qualifier') ?? undefined;
  return [
    {
      method: 'POST', path, operation: 'CreateFunctionUrlConfig', ...common,
      handle: async (req, p) => ({ status: 201, json: urlConfigShape(svc, await svc.create(p.name!, qualifier(req.query), decodeUrlConfig(jsonBody(req))), 'create') }),
    },
    {
      method: 'PUT', path, operation: 'UpdateFunctionUrlConfig', ...common,
      handle: async (req, p) => ({ status: 200, json: urlConfigShape(svc, await svc.update(p.name!, qualifier(req.query), decodeUrlConfig(jsonBody(req))), 'update') }),
    },
    {
      method: 'GET', path, operation: 'GetFunctionUrlConfig', ...common,
      handle: async (req, p) => ({ status: 200, json: urlConfigShape(svc, await svc.get(p.name!, qualifier(req.query)), 'get') }),
    },
    {
      method: 'DELETE', path, operation: 'DeleteFunctionUrlConfig', ...common,
      handle: async (req, p) => {
        await svc.delete(p.name!, qualifier(req.query));
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: [base, 'functions', '{name}', 'urls'], operation: 'ListFunctionUrlConfigs', ...common,
      handle: async (req, p) => {
        const { items, next } = await svc.list(p.name!, req.query.get('Marker') ?? undefined, maxItems(req, urlConfigsPageMax, urlConfigsPageMax));
        return { status: 200, json: { FunctionUrlConfigs: items.map((r) => urlConfigShape(svc, r, 'get')), ...(next ? { NextMarker: next } : {}) } };
      },
    },
  ];
}
