import type { EventInvokeConfigService } from '../../async/invoke-configs';
import { invokeConfigsPageMax } from '../../async/invoke-configs';
import type { EventInvokeConfigRecord } from '../../control/records';
import { decodeEventInvokeConfig } from './decode';
import { jsonBody, type Route } from './http';
import { maxItems } from './versions-api';

const bodyBytesMax = 64 * 1024;

/** The FunctionEventInvokeConfig shape: LastModified in epoch seconds (a rest-json timestamp), members only as set, DestinationConfig always. */
export function invokeConfigShape(svc: EventInvokeConfigService, r: EventInvokeConfigRecord): Record<string, unknown> {
  return {
    LastModified: r.lastModifiedMs / 1000,
    FunctionArn: svc.arn(r.functionName, r.qualifier),
    ...(r.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: r.maximumRetryAttempts } : {}),
    ...(r.maximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: r.maximumEventAgeInSeconds } : {}),
    DestinationConfig: {
      OnSuccess: r.onSuccess ? { Destination: r.onSuccess } : {},
      OnFailure: r.onFailure ? { Destination: r.onFailure } : {},
    },
  };
}

/** Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s) (API version 2019-09-25). */
export function invokeConfigRoutes(deps: { invokeConfigs: EventInvokeConfigService }): Route[] {
  const base = '2019-09-25';
  const common = { bodyBytesMax, auth: true };
  const svc = deps.invokeConfigs;
  const path = [base, 'functions', '{name}', 'event-invoke-config'];
  const qualifier = (q: URLSearchParams) => q.get('Qualifier') ?? undefined;
  return [
    {
      method: 'PUT', path, operation: 'PutFunctionEventInvokeConfig', ...common,
      handle: async (req, p) => ({ status: 200, json: invokeConfigShape(svc, await svc.put(p.name!, qualifier(req.query), decodeEventInvokeConfig(jsonBody(req)))) }),
    },
    {
      method: 'POST', path, operation: 'UpdateFunctionEventInvokeConfig', ...common,
      handle: async (req, p) => ({ status: 200, json: invokeConfigShape(svc, await svc.update(p.name!, qualifier(req.query), decodeEventInvokeConfig(jsonBody(req)))) }),
    },
    {
      method: 'GET', path, operation: 'GetFunctionEventInvokeConfig', ...common,
      handle: async (req, p) => ({ status: 200, json: invokeConfigShape(svc, await svc.get(p.name!, qualifier(req.query))) }),
    },
    {
      method: 'DELETE', path, operation: 'DeleteFunctionEventInvokeConfig', ...common,
      handle: async (req, p) => {
        await svc.delete(p.name!, qualifier(req.query));
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: [...path, 'list'], operation: 'ListFunctionEventInvokeConfigs', ...common,
      handle: async (req, p) => {
        const { items, next } = await svc.list(p.name!, req.query.get('Marker') ?? undefined, maxItems(req, invokeConfigsPageMax, invokeConfigsPageMax));
        return { status: 200, json: { FunctionEventInvokeConfigs: items.map((r) => invokeConfigShape(svc, r)), ...(next ? { NextMarker: next } : {}) } };
      },
    },
  ];
}
