import type { FunctionDebugging } from '../../placement/debug';
import { debugHostPortDefault } from '../../placement/debug';
import { DomainError } from '../../domain/errors';
import { bool, int, str } from './decode';
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
  const shape = (s: { functionName: string; port: number; brk: boolean; protocol: string; qualifier: string | undefined }) => ({
    FunctionName: s.functionName, Address: '127.0.0.1', Port: s.port, Break: s.brk, Protocol: s.protocol, ...(s.qualifier !== undefined ? { Qualifier: s.qualifier } : {}),
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
        // The version or alias the debugger's connection starts an EE of (an AutoPublishAlias function is invoked through its alias).
        const qualifier = str(body.Qualifier, 'qualifier');
        if (qualifier !== undefined && !/^(\$LATEST|[0-9]+|[a-zA-Z0-9_-]{1,128})$/.test(qualifier)) {
          throw new DomainError('InvalidParameter', `Qualifier must be $LATEST, a version number or an alias name, got '${qualifier}'`);
        }
        return { status: 200, json: shape(await d.open(p.name!, port, brk, qualifier)) };
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
