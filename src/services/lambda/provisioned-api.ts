import type { ProvisionedConcurrencyService, ProvisionedView } from '../../control/provisioned-concurrency';
import { decodePutProvisionedConcurrencyConfig } from './decode';
import { jsonBody, type Route } from './http';
import { maxItems } from './versions-api';

const bodyBytesMax = 64 * 1024;
/** ListProvisionedConcurrencyConfigs' MaxItems: 1–50 (the API model's MaxProvisionedConcurrencyConfigListItems); 50 when not given. */
const listPageMax = 50;

/** AWS's LastModified here is an ISO 8601 string (the model's Timestamp shape as a string, e.g. 2020-07-30T18:41:13.190+0000). */
function isoLastModified(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function shape(v: ProvisionedView): Record<string, unknown> {
  return {
    RequestedProvisionedConcurrentExecutions: v.requested,
    AvailableProvisionedConcurrentExecutions: v.available,
    AllocatedProvisionedConcurrentExecutions: v.allocated,
    Status: v.status,
    ...(v.reason !== undefined ? { StatusReason: v.reason } : {}),
    LastModified: isoLastModified(v.lastModifiedMs),
  };
}

/**
 * Put/Get/Delete/ListProvisionedConcurrencyConfigs (API version 2019-09-30),
 * on the model's paths: List is the GET of the same path with `List=ALL`.
 */
export function provisionedRoutes(deps: { provisioned: ProvisionedConcurrencyService }): Route[] {
  const svc = deps.provisioned;
  const common = { bodyBytesMax, auth: true };
  const path = ['2019-09-30', 'functions', '{name}', 'provisioned-concurrency'];
  const qualifier = (q: URLSearchParams) => q.get('Qualifier') ?? undefined;
  return [
    {
      method: 'PUT', path, operation: 'PutProvisionedConcurrencyConfig', ...common,
      handle: async (req, p) => {
        const b = decodePutProvisionedConcurrencyConfig(jsonBody(req));
        return { status: 202, json: shape(await svc.put(p.name!, qualifier(req.query), b.ProvisionedConcurrentExecutions)) };
      },
    },
    {
      method: 'GET', path, operation: 'GetProvisionedConcurrencyConfig', ...common,
      handle: async (req, p) => {
        if (req.query.get('List') === 'ALL') {
          const { items, next } = await svc.list(p.name!, req.query.get('Marker') ?? undefined, maxItems(req, listPageMax, listPageMax));
          return {
            status: 200,
            json: { ProvisionedConcurrencyConfigs: items.map((v) => ({ FunctionArn: svc.arn(v), ...shape(v) })), ...(next ? { NextMarker: next } : {}) },
          };
        }
        return { status: 200, json: shape(await svc.get(p.name!, qualifier(req.query))) };
      },
    },
    {
      method: 'DELETE', path, operation: 'DeleteProvisionedConcurrencyConfig', ...common,
      handle: async (req, p) => {
        await svc.delete(p.name!, qualifier(req.query));
        return { status: 204 };
      },
    },
  ];
}
