import type { ServiceError } from '../errors';
import type { ApiResponse, Route } from '../service';
import type { WireResponse } from './wire';

/**
 * AWS restJson1 (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html):
 * the operation is the method + path; each route decodes its own path,
 * query, headers and JSON body, and encodes its own answer. Errors: header
 * `x-amzn-ErrorType: <Name>` and a JSON body with the message under the
 * model's member name; Lambda also sends `Type: User | Service`.
 */
export class RouteTable {
  constructor(private readonly routes: readonly Route[]) {}

  match(method: string, segments: string[]): { route: Route; params: Record<string, string> } | undefined {
    outer: for (const r of this.routes) {
      if (r.method !== method || r.path.length !== segments.length) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < r.path.length; i++) {
        const p = r.path[i]!;
        if (p.startsWith('{')) params[p.slice(1, -1)] = segments[i]!;
        else if (p !== segments[i]) continue outer;
      }
      return { route: r, params };
    }
    return undefined;
  }
}

export function encodeRest(out: ApiResponse): WireResponse {
  const headers: Record<string, string> = { ...out.headers };
  let body: Buffer | string | undefined;
  if (out.raw !== undefined) body = out.raw;
  else if (out.json !== undefined) {
    body = JSON.stringify(out.json);
    headers['content-type'] = 'application/json';
  }
  return { status: out.status, headers, body, ...(out.stream ? { stream: out.stream } : {}) };
}

export function encodeRestError(e: ServiceError, withType: boolean): WireResponse {
  const body = JSON.stringify({
    ...(withType ? { Type: e.spec.fault === 'client' ? 'User' : 'Service' } : {}),
    [e.spec.messageKey]: e.message,
    ...e.extra,
  });
  return { status: e.status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.errorName }, body };
}
