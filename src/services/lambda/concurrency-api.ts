import type { ReservedConcurrencyService } from '../../control/reserved-concurrency';
import { decodePutFunctionConcurrency } from './decode';
import { jsonBody, type Route } from './http';

const bodyBytesMax = 64 * 1024;

/**
 * PutFunctionConcurrency and DeleteFunctionConcurrency (API version
 * 2017-10-31) and GetFunctionConcurrency (2019-09-30), on the paths of the
 * API model. A function without a reservation answers `{}` to Get
 * (recorded: get_function_concurrency_after_delete).
 */
export function concurrencyRoutes(deps: { reserved: ReservedConcurrencyService }): Route[] {
  const svc = deps.reserved;
  const common = { bodyBytesMax, auth: true };
  return [
    {
      method: 'PUT', path: ['2017-10-31', 'functions', '{name}', 'concurrency'], operation: 'PutFunctionConcurrency', ...common,
      handle: async (req, p) => {
        const n = await svc.put(p.name!, decodePutFunctionConcurrency(jsonBody(req)).ReservedConcurrentExecutions);
        return { status: 200, json: { ReservedConcurrentExecutions: n } };
      },
    },
    {
      method: 'GET', path: ['2019-09-30', 'functions', '{name}', 'concurrency'], operation: 'GetFunctionConcurrency', ...common,
      handle: async (_req, p) => {
        const n = await svc.get(p.name!);
        return { status: 200, json: n === undefined ? {} : { ReservedConcurrentExecutions: n } };
      },
    },
    {
      method: 'DELETE', path: ['2017-10-31', 'functions', '{name}', 'concurrency'], operation: 'DeleteFunctionConcurrency', ...common,
      handle: async (_req, p) => {
        await svc.delete(p.name!);
        return { status: 204 };
      },
    },
  ];
}
