import type { HttpRoute } from './records';

/** The methods a route key may name (API Gateway's HTTP API route keys; `ANY` matches every method). */
const methods = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

type Seg = { kind: 'literal'; text: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

export interface ParsedRouteKey {
  method: string;
  segments: Seg[];
}

/**
 * Parses a route key (`GET /pets/{id}`, `ANY /{proxy+}`, `$default`) as
 * API Gateway reads it (http-api-develop-routes.html): a method, one space,
 * a path starting with `/`; `{name}` captures one segment, `{name+}` the
 * rest of the path and only as the last segment. Returns undefined when the
 * key is not one API Gateway accepts; `$default` is answered as `default`.
 */
export function parseRouteKey(key: string): ParsedRouteKey | 'default' | undefined {
  if (key === '$default') return 'default';
  const sp = key.indexOf(' ');
  if (sp < 0) return undefined;
  const method = key.slice(0, sp);
  const path = key.slice(sp + 1);
  if (!methods.has(method) || !path.startsWith('/') || /\s/.test(path)) return undefined;
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments: Seg[] = [];
  const names = new Set<string>();
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '') return undefined;
    const m = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(p);
    if (m) {
      if (names.has(m[1]!)) return undefined;
      names.add(m[1]!);
      if (m[2]) {
        if (i !== parts.length - 1) return undefined;
        segments.push({ kind: 'greedy', name: m[1]! });
      } else segments.push({ kind: 'param', name: m[1]! });
    } else {
      if (p.includes('{') || p.includes('}')) return undefined;
      segments.push({ kind: 'literal', text: p });
    }
  }
  return { method, segments };
}

export interface RouteMatch {
  route: HttpRoute;
  pathParameters: Record<string, string>;
}

/**
 * Specificity of a match, compared segment by segment: a literal beats a
 * `{param}`, which beats a `{proxy+}`; then a route naming the method beats
 * `ANY` (AWS: "API Gateway selects the route with the most-specific match",
 * full matches before greedy ones, `$default` last).
 */
function rank(p: ParsedRouteKey): number[] {
  const r: number[] = p.segments.map((s) => (s.kind === 'literal' ? 3 : s.kind === 'param' ? 2 : 1));
  r.push(p.method === 'ANY' ? 0 : 1);
  return r;
}

function better(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if (x !== y) return x > y;
  }
  return false;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function matchOne(p: ParsedRouteKey, method: string, parts: string[]): Record<string, string> | undefined {
  if (p.method !== 'ANY' && p.method !== method) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.segments.length; i++) {
    const s = p.segments[i]!;
    if (s.kind === 'greedy') {
      // `{proxy+}` needs at least one segment (AWS: `/pets/{proxy+}` does not match `/pets`).
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.every((x) => x === '')) return undefined;
      out[s.name] = decode(rest.join('/'));
      return out;
    }
    const part = parts[i];
    if (part === undefined || part === '') return undefined;
    if (s.kind === 'literal') {
      if (s.text !== decode(part)) return undefined;
    } else out[s.name] = decode(part);
  }
  return parts.length === p.segments.length ? out : undefined;
}

/**
 * The route a request takes: the most specific route whose key matches the
 * method and path (the path after any stage name, percent-encoded as it
 * arrived), else `$default` when the API has one, else undefined (AWS
 * answers 404 `{"message":"Not Found"}`). A trailing slash is one empty
 * segment less (`/pets/` takes `GET /pets`), as API Gateway does.
 */
export function matchRoute(routes: readonly HttpRoute[], method: string, path: string): RouteMatch | undefined {
  let parts = path.replace(/^\/+/, '').split('/');
  if (parts.length && parts[parts.length - 1] === '') parts = parts.slice(0, -1);
  let best: { route: HttpRoute; params: Record<string, string>; rank: number[] } | undefined;
  let fallback: HttpRoute | undefined;
  for (const route of routes) {
    const p = parseRouteKey(route.routeKey);
    if (p === 'default') {
      fallback = route;
      continue;
    }
    if (!p) continue;
    const params = matchOne(p, method, parts);
    if (!params) continue;
    const r = rank(p);
    if (!best || better(r, best.rank)) best = { route, params, rank: r };
  }
  if (best) return { route: best.route, pathParameters: best.params };
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}
