import { buildEvent, requestTime, isTextType, type UrlRequest } from '../function-urls/event';
import type { HttpRoute } from './records';

/** What the listener knows about a request to an HTTP API (the path is without the stage name). */
export interface ApiRequest extends UrlRequest {
  /** The path the client sent, stage name included (2.0's rawPath, 1.0's requestContext.path). */
  fullPath: string;
}

export interface ApiEventContext {
  apiId: string;
  accountId: string;
  region: string;
  domainName: string;
  requestId: string;
  nowMs: number;
  stage: string;
  stageVariables?: Record<string, string>;
  route: HttpRoute;
  pathParameters: Record<string, string>;
  added: Record<string, string>;
}

const nonEmpty = (o: Record<string, string> | undefined) => (o && Object.keys(o).length ? o : undefined);

/**
 * Payload format 2.0 for an HTTP API (http-api-develop-integrations-lambda.html):
 * the function URL event's members (header joining, cookies, query joining,
 * base64 for binary types) with the route's key in `routeKey` and
 * `requestContext.routeKey`, `pathParameters` and `stageVariables` when
 * there are any, the stage, the API's id and the API owner's account id.
 * rawPath is the path as the client sent it (a named stage's name included).
 */
export function buildV2Event(req: ApiRequest, ctx: ApiEventContext): Record<string, unknown> {
  const e = buildEvent({ ...req, rawPath: req.fullPath, iam: undefined }, {
    urlId: ctx.apiId, region: ctx.region, domainName: ctx.domainName, requestId: ctx.requestId, nowMs: ctx.nowMs, added: ctx.added,
  });
  const rc = e.requestContext as Record<string, unknown>;
  const out: Record<string, unknown> = { ...e };
  out.routeKey = ctx.route.routeKey;
  out.requestContext = { ...rc, accountId: ctx.accountId, routeKey: ctx.route.routeKey, stage: ctx.stage };
  const pp = nonEmpty(ctx.pathParameters);
  const sv = nonEmpty(ctx.stageVariables);
  if (pp) out.pathParameters = pp;
  if (sv) out.stageVariables = sv;
  return out;
}

/** The route's path as 1.0's `resource` names it (`/pets/{id}`; `$default` for the default route). */
function resourceOf(route: HttpRoute): string {
  const sp = route.routeKey.indexOf(' ');
  return sp < 0 ? route.routeKey : route.routeKey.slice(sp + 1);
}

/**
 * Payload format 1.0 (the REST API proxy event, as HTTP APIs send it with
 * PayloadFormatVersion 1.0; http-api-develop-integrations-lambda.html):
 * `headers` with the last value of a repeated header and `multiValueHeaders`
 * with all of them (names as sent), query parameters likewise, null members
 * where there is nothing (no query, no path parameters, no body), the
 * Cookie header kept among the headers, `requestContext.identity` with the
 * caller's address and user agent.
 */
export function buildV1Event(req: ApiRequest, ctx: ApiEventContext): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of req.headers) {
    headers[name] = value;
    (multi[name] ??= []).push(value);
  }
  for (const [k, v] of Object.entries(ctx.added)) {
    headers[k] = v;
    multi[k] = [v];
  }
  let query: Record<string, string> | null = null;
  let multiQuery: Record<string, string[]> | null = null;
  if (req.rawQueryString) {
    const q = new URLSearchParams(req.rawQueryString);
    query = {};
    multiQuery = {};
    for (const [k, v] of q) {
      query[k] = v;
      (multiQuery[k] ??= []).push(v);
    }
  }
  const ct = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  const text = isTextType(ct);
  const hasBody = req.body.length > 0;
  const resource = resourceOf(ctx.route);
  const ua = Object.entries(headers).find(([k]) => k.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    version: '1.0',
    resource,
    path: req.fullPath,
    httpMethod: req.method,
    headers,
    multiValueHeaders: multi,
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      domainName: ctx.domainName,
      domainPrefix: ctx.apiId,
      extendedRequestId: ctx.requestId,
      httpMethod: req.method,
      identity: {
        accessKey: null, accountId: null, caller: null, cognitoAuthenticationProvider: null, cognitoAuthenticationType: null,
        cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null,
        sourceIp: req.sourceIp, user: null, userAgent: ua, userArn: null,
      },
      path: req.fullPath,
      protocol: req.protocol,
      requestId: ctx.requestId,
      requestTime: requestTime(ctx.nowMs),
      requestTimeEpoch: ctx.nowMs,
      resourceId: ctx.route.routeKey,
      resourcePath: resource,
      stage: ctx.stage,
    },
    pathParameters: nonEmpty(ctx.pathParameters) ?? null,
    stageVariables: nonEmpty(ctx.stageVariables) ?? null,
    body: hasBody ? (text ? req.body.toString('utf8') : req.body.toString('base64')) : null,
    isBase64Encoded: hasBody && !text,
  };
}
