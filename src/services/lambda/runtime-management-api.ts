import type { FunctionService } from '../../control/functions';
import { invalidParameter, validationFailed } from '../../domain/errors';
import { jsonBody, type Route } from './http';

/** A PutRuntimeManagementConfig body is two short members. */
const bodyBytesMax = 16 * 1024;
/** RuntimeVersionArn: 26–2,048 characters of AWS's runtime ARN form (model). */
const runtimeVersionArnRe = /^arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}::runtime:.+$/;
const updateModes = ['Auto', 'Manual', 'FunctionUpdate'] as const;

/**
 * GetRuntimeManagementConfig / PutRuntimeManagementConfig (API version
 * 2021-07-20). Kumo runs each runtime on the interpreter the host has
 * installed (src/runtimes/registry.ts), so the one mode it can honour is
 * `Auto`: a function always runs the runtime version present now. `Manual`
 * (pin a runtime version) and `FunctionUpdate` (change it only when the
 * function is updated) are refused with that reason rather than stored and
 * ignored; Get answers `Auto` without a RuntimeVersionArn, as AWS does for
 * that mode.
 */
export function runtimeManagementRoutes(deps: { functions: FunctionService }): Route[] {
  const fns = deps.functions;
  const path = ['2021-07-20', 'functions', '{name}', 'runtime-management-config'];
  const common = { bodyBytesMax, auth: true };
  /** $LATEST or a published version (AWS: "This can be $LATEST or a published version number"); the function must exist. */
  const target = async (name: string, qualifier: string | null): Promise<string> => {
    if (qualifier !== null && qualifier !== '$LATEST' && !/^[0-9]+$/.test(qualifier)) {
      throw validationFailed([{ value: qualifier, path: 'qualifier', constraint: 'Member must satisfy regular expression pattern: ((?!^[0-9]+$)([a-zA-Z0-9-_]+))|([0-9]+)|(\\$LATEST)' }]);
    }
    await fns.get(name, qualifier ?? undefined); // ResourceNotFoundException for a function or version that does not exist
    return fns.arn(fns.ref(name, qualifier ?? undefined, 'get').name, qualifier ?? undefined);
  };
  return [
    {
      method: 'GET', path, operation: 'GetRuntimeManagementConfig', ...common,
      handle: async (req, p) => ({ status: 200, json: { UpdateRuntimeOn: 'Auto', FunctionArn: await target(p.name!, req.query.get('Qualifier')) } }),
    },
    {
      method: 'PUT', path, operation: 'PutRuntimeManagementConfig', ...common,
      handle: async (req, p) => {
        const body = jsonBody(req) as { UpdateRuntimeOn?: unknown; RuntimeVersionArn?: unknown };
        const failures: { value: unknown; path: string; constraint: string }[] = [];
        const mode = body.UpdateRuntimeOn;
        if (mode === undefined || mode === null) failures.push({ value: null, path: 'updateRuntimeOn', constraint: 'Member must not be null' });
        else if (typeof mode !== 'string' || !(updateModes as readonly string[]).includes(mode)) {
          failures.push({ value: mode, path: 'updateRuntimeOn', constraint: `Member must satisfy enum value set: [${updateModes.join(', ')}]` });
        }
        const arn = body.RuntimeVersionArn;
        if (arn !== undefined && (typeof arn !== 'string' || arn.length < 26 || arn.length > 2048 || !runtimeVersionArnRe.test(arn))) {
          failures.push({ value: arn, path: 'runtimeVersionArn', constraint: `Member must satisfy regular expression pattern: ${runtimeVersionArnRe.source.slice(1, -1)}` });
        }
        if (failures.length) throw validationFailed(failures);
        const fnArn = await target(p.name!, req.query.get('Qualifier'));
        if (mode !== 'Auto') {
          throw invalidParameter(`UpdateRuntimeOn ${String(mode)} is not supported by this Kumo server: functions run the runtime version the host has installed (Auto).`);
        }
        if (arn !== undefined) throw invalidParameter('RuntimeVersionArn can be given only with UpdateRuntimeOn Manual.');
        return { status: 200, json: { UpdateRuntimeOn: 'Auto', FunctionArn: fnArn } };
      },
    },
  ];
}
