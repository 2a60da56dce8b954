import type { InvokeService } from '../../invoke/service';
import type { AsyncQueue } from '../../async/queue';
import type { FunctionService } from '../../control/functions';
import { limits } from '../../config';
import { ApiError, validationError } from './errors';
import type { ApiRequest } from '../../gateway/service';
import type { ApiResponse, Route } from './http';

const invocationTypes = ['Event', 'RequestResponse', 'DryRun'] as const;

/** Invoke (POST /2015-03-31/functions/{name}/invocations): sync, async (Event) and DryRun. */
export function invokeRoutes(deps: { functions: FunctionService; invoker: InvokeService; queue: AsyncQueue }): Route[] {
  return [
    {
      method: 'POST',
      path: ['2015-03-31', 'functions', '{name}', 'invocations'],
      operation: 'Invoke',
      tooLarge: () =>
        new ApiError('RequestTooLargeException', `Request must be smaller than ${limits.syncPayloadBytesMax} bytes for the InvokeFunction operation`),
      bodyBytesMax: limits.syncPayloadBytesMax,
      auth: true,
      handle: async (req, p): Promise<ApiResponse> => {
        const { type, logType, name, qualifier, clientContext, payload } = decodeInvoke(req, p.name!, deps.functions, invocationTypes);

        if (type === 'DryRun') {
          await deps.invoker.resolve(name, qualifier);
          return { status: 204 };
        }
        if (type === 'Event') {
          await deps.invoker.resolve(name, qualifier);
          const requestId = await deps.queue.enqueue(name, qualifier, payload, clientContext, header(req.headers['x-amzn-trace-id']));
          return { status: 202, headers: { 'x-amzn-requestid': requestId } };
        }
        const target = await deps.invoker.resolve(name, qualifier);
        const r = await deps.invoker.invoke({
          name,
          qualifier,
          payload,
          tail: logType === 'Tail',
          clientContext,
          traceId: header(req.headers['x-amzn-trace-id']),
          answerFirst: true,
        }, target);
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-amz-executed-version': r.executedVersion,
          'x-amzn-requestid': r.requestId,
        };
        if (r.functionError) headers['x-amz-function-error'] = r.functionError;
        if (r.logResult !== undefined) headers['x-amz-log-result'] = r.logResult;
        return { status: 200, headers, raw: r.payload };
      },
    },
  ];
}

const emptyEvent = Buffer.from('{}');

export function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** AWS requires the payload to be JSON; it answers anything else with InvalidRequestContentException. */
export function checkJson(payload: Buffer): void {
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new ApiError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
    );
  }
}

/** X-Amz-Client-Context: base64 of a JSON object, at most 3,583 bytes; the runtime gets the decoded JSON. */
export function decodeClientContext(b64: string | undefined): string | undefined {
  if (b64 === undefined) return undefined;
  const bad = () => new ApiError('InvalidParameterValueException', 'Client context must be a valid Base64-encoded JSON object.');
  if (b64.length > limits.clientContextBytesMax || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw bad();
  const text = Buffer.from(b64, 'base64').toString('utf8');
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad();
  } catch {
    throw bad();
  }
  return text;
}

/**
 * What Invoke and InvokeWithResponseStream read alike: the invocation and log
 * types (checked against `types`, all failures in one ValidationException),
 * the function and Qualifier, the client context, and the payload (empty:
 * `{}`; else it must be JSON).
 */
export function decodeInvoke(req: ApiRequest, rawName: string, functions: FunctionService, types: readonly string[]) {
  const type = header(req.headers['x-amz-invocation-type']) ?? 'RequestResponse';
  const logType = header(req.headers['x-amz-log-type']) ?? 'None';
  const failures = [];
  if (!types.includes(type)) {
    failures.push({ value: type, path: 'invocationType', constraint: `Member must satisfy enum value set: [${types.join(', ')}]` });
  }
  if (logType !== 'None' && logType !== 'Tail') {
    failures.push({ value: logType, path: 'logType', constraint: 'Member must satisfy enum value set: [None, Tail]' });
  }
  if (failures.length) throw validationError(failures);
  const { name, qualifier } = functions.ref(rawName, req.query.get('Qualifier') ?? undefined, 'get');
  const clientContext = decodeClientContext(header(req.headers['x-amz-client-context']));
  const payload = req.body.length === 0 ? emptyEvent : req.body;
  checkJson(payload);
  return { type, logType, name, qualifier, clientContext, payload };
}
