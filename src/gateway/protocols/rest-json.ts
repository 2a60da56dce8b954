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
  /** The routes by method and segment count, in declaration order (the first match wins, as in one list). */
  private readonly byShape = new Map<string, { route: Route; params: (string | undefined)[] }[]>();

  constructor(routes: readonly Route[]) {
    for (const r of routes) {
      const key = `${r.method} ${r.path.length}`;
      let list = this.byShape.get(key);
      if (!list) this.byShape.set(key, (list = []));
      list.push({ route: r, params: r.path.map((p) => (p.startsWith('{') ? p.slice(1, -1) : undefined)) });
    }
  }

  match(method: string, segments: string[]): { route: Route; params: Record<string, string> } | undefined {
    const list = this.byShape.get(`${method} ${segments.length}`);
    if (!list) return undefined;
    outer: for (const { route: r, params: names } of list) {
      for (let i = 0; i < names.length; i++) if (names[i] === undefined && r.path[i] !== segments[i]) continue outer;
      const params: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) if (names[i] !== undefined) params[names[i]!] = segments[i]!;
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
