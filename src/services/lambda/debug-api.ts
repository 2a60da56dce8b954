import type { FunctionDebugging } from '../../placement/debug';
import { debugHostPortDefault } from '../../placement/debug';
import { DomainError } from '../../domain/errors';
import { bool, int } from './decode';
import { jsonBody, type Route } from './http';

const bodyBytesMax = 4 * 1024;
/** Host ports a session may ask for: above the privileged range. */
const hostPortMin = 1024;
const hostPortMax = 65535;

/**
 * Kumo's own operations (not AWS's; signed and authorised like the rest, as
 * `lambda:UpdateFunctionCode` of the function, which is the same power:
 * running any code in it): `kumo dev --debug` opens and closes a function's
 * debugger forward (placement/debug.ts). Refused (AccessDeniedException)
 * unless the server was started with KUMO_DEBUG_FUNCTIONS.
 */
export function debugRoutes(deps: { debugging: FunctionDebugging }): Route[] {
  const d = deps.debugging;
  const common = { bodyBytesMax, auth: true };
  const shape = (s: { functionName: string; port: number; brk: boolean; protocol: string }) => ({
    FunctionName: s.functionName, Address: '127.0.0.1', Port: s.port, Break: s.brk, Protocol: s.protocol,
  });
  return [
    {
      method: 'GET', path: ['kumo', 'debug'], operation: 'KumoGetDebugSessions', ...common,
      handle: async () => ({ status: 200, json: { Enabled: d.enabled, Sessions: d.list().map(shape) } }),
    },
    {
      method: 'PUT', path: ['kumo', 'functions', '{name}', 'debug'], operation: 'KumoPutFunctionDebug', ...common,
      handle: async (req, p) => {
        const body = jsonBody(req);
        const port = int(body.Port, 'port') ?? debugHostPortDefault;
        if (port < hostPortMin || port > hostPortMax) {
          throw new DomainError('InvalidParameter', `Port must be between ${hostPortMin} and ${hostPortMax}, got ${port}`);
        }
        const brk = bool(body.Break, 'break') ?? false;
        return { status: 200, json: shape(await d.open(p.name!, port, brk)) };
      },
    },
    {
      method: 'DELETE', path: ['kumo', 'functions', '{name}', 'debug'], operation: 'KumoDeleteFunctionDebug', ...common,
      handle: async (_req, p) => {
        await d.close(p.name!);
        return { status: 204 };
      },
    },
  ];
}
