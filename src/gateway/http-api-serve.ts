import type http from 'node:http';
import { frontDoorTraceHeader } from '../tracing/trace-header';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { InvokeService } from '../invoke/service';
import type { HttpApiRecord, HttpStage } from '../http-apis/records';
import { matchRoute } from '../http-apis/route-key';
import { buildV1Event, buildV2Event } from '../http-apis/events';
import { interpretV1Response } from '../http-apis/response-v1';
import { requestPayloadBytesMax } from '../http-apis/limits';
import { interpretResponse } from '../function-urls/response';
import { isPreflight, preflightHeaders, withCorsHeaders } from '../function-urls/cors';
import type { Reply } from './url-listener';

/**
 * Path-based form of an HTTP API (Kumo's choice, ARCHITECTURE.md "Choices"):
 * `http://<kumo host>:<url port>/execute-api/<api-id>/<stage>/<path>`, for
 * clients that cannot send a Host of their own; the API sees `/<stage>/<path>`.
 */
export const executeApiPrefix = '/execute-api/';
/** Host-based form: `<api-id>.execute-api.<region>.<anything>` (Kumo reports `….localhost:<port>`). */
export const executeApiHostRe = /^([a-z0-9]{10})\.execute-api\.([a-z0-9-]+)\./i;

export interface HttpApiServeDeps {
  byId(apiId: string): Promise<HttpApiRecord | undefined>;
  invoker: InvokeService;
  region: string;
  accountId: string;
}

/** API Gateway's own answers: JSON `{"message": …}` (lower-case, unlike function URLs' `Message`). */
const gatewayAnswer = (status: number, msg: string): Reply => ({
  status, headers: [['content-type', 'application/json'], ['apigw-requestid', randomUUID()]], body: JSON.stringify({ message: msg }),
});
export const apiNotFound = () => gatewayAnswer(404, 'Not Found');
const internalError = () => gatewayAnswer(500, 'Internal Server Error');

/**
 * The stage a path addresses: a named stage by its first segment (the rest
 * is the route's path), else the `$default` stage with the whole path. Only
 * a stage that is deployed serves: Kumo has no CreateDeployment, so that is
 * an AutoDeploy stage (a stage without AutoDeploy and without a deployment
 * serves nothing on AWS either).
 */
function stageOf(api: HttpApiRecord, path: string): { stage: HttpStage; routePath: string } | undefined {
  const m = /^\/([^/]+)(\/.*)?$/.exec(path);
  if (m) {
    const named = api.stages.find((s) => s.stageName === m[1] && s.stageName !== '$default');
    if (named) return named.autoDeploy ? { stage: named, routePath: m[2] ?? '/' } : undefined;
  }
  const def = api.stages.find((s) => s.stageName === '$default');
  return def?.autoDeploy ? { stage: def, routePath: path } : undefined;
}

export interface ApiCall {
  apiId: string;
  /** The path after the host (or after the path-based prefix and API id), stage name included. */
  path: string;
  rawQueryString: string;
  domainName: string;
  req: http.IncomingMessage;
  body: Buffer;
  headerPairs: [string, string][];
  requestId: string;
}

/**
 * Serves one request to an HTTP API as API Gateway does: CORS preflights
 * answered from the API's CorsConfiguration (the function is not invoked),
 * the most specific route (route-key.ts), its AWS_PROXY integration invoked
 * through the same invoke path as Invoke (so concurrent requests run in
 * concurrent EEs) with a payload 1.0 or 2.0 event, its answer mapped by
 * that format, and AWS's answers for the rest: 404 `Not Found` (no API,
 * stage or route), 500 `Internal Server Error` (a function error or a
 * response that cannot be mapped), 429 `Too Many Requests` (throttled), 503
 * `Service Unavailable` (the integration's timeout passed), 413 for a
 * request over the payload limit.
 */
export async function serveHttpApi(d: HttpApiServeDeps, c: ApiCall): Promise<Reply> {
  const api = await d.byId(c.apiId);
  if (!api || api.disableExecuteApiEndpoint) return apiNotFound();
  const method = c.req.method ?? 'GET';
  const header = (name: string) => {
    const v = c.req.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  if (api.cors && isPreflight(method, header)) return { status: 204, headers: preflightHeaders(api.cors, header), body: '' };
  const cors = (h: [string, string][]) => (api.cors ? withCorsHeaders(api.cors, header('origin'), h) : h);

  const st = stageOf(api, c.path);
  if (!st) return apiNotFound();
  const match = matchRoute(api.routes, method, st.routePath);
  const integ = match?.route.target && api.integrations.find((i) => `integrations/${i.integrationId}` === match.route.target);
  if (!match || !integ) return apiNotFound();

  const sock = c.req.socket;
  const sourceIp = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
  const nowMs = Date.now();
  const traceId = frontDoorTraceHeader(c.req.headers['x-amzn-trace-id'], nowMs);
  const request = {
    method, rawPath: st.routePath, fullPath: c.path, rawQueryString: c.rawQueryString, body: c.body,
    headers: c.headerPairs, sourceIp, protocol: `HTTP/${c.req.httpVersion}`,
  };
  const ctx = {
    apiId: api.apiId, accountId: d.accountId, region: d.region, domainName: c.domainName, requestId: c.requestId, nowMs,
    stage: st.stage.stageName, stageVariables: st.stage.stageVariables, route: match.route, pathParameters: match.pathParameters,
    added: {
      'x-amzn-trace-id': traceId,
      'x-forwarded-for': sourceIp,
      'x-forwarded-port': String(sock.localPort ?? ''),
      'x-forwarded-proto': 'http',
    },
  };
  const event = integ.payloadFormatVersion === '1.0' ? buildV1Event(request, ctx) : buildV2Event(request, ctx);
  const payload = Buffer.from(JSON.stringify(event), 'utf8');
  if (payload.length > requestPayloadBytesMax) return gatewayAnswer(413, 'Request Entity Too Large');

  let result;
  let timer: NodeJS.Timeout | undefined;
  try {
    const target = await d.invoker.resolve(integ.functionName, integ.qualifier);
    const invoked = d.invoker.invoke({ name: integ.functionName, qualifier: integ.qualifier, payload, tail: false, requestId: c.requestId, traceId, answerFirst: true }, target);
    // The integration's timeout (TimeoutInMillis, at most 30 s): AWS answers 503 and the function runs on.
    const timedOut = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), integ.timeoutInMillis); });
    invoked.catch(() => undefined);
    const first = await Promise.race([invoked, timedOut]);
    if (first === 'timeout') return gatewayAnswer(503, 'Service Unavailable');
    result = first;
  } catch (e) {
    if (e instanceof DomainError) {
      if (e.kind === 'Throttled') return gatewayAnswer(429, 'Too Many Requests');
      if (e.kind === 'PayloadTooLarge') return gatewayAnswer(413, 'Request Entity Too Large');
      return internalError();
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (result.functionError) return internalError();
  const mapped = integ.payloadFormatVersion === '1.0' ? interpretV1Response(result.payload) : interpretResponse(result.payload);
  if (!mapped) return internalError();
  return { status: mapped.status, headers: cors([...mapped.headers, ['apigw-requestid', c.requestId]]), body: method === 'HEAD' ? '' : mapped.body };
}
