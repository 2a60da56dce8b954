import type { FunctionUrlCors } from '../domain/records';

/**
 * CORS of a function URL, applied by the URL itself as AWS does
 * (urls-configuration.html, "Cross-origin resource sharing (CORS)"): when
 * the config has Cors, the URL answers a preflight OPTIONS request itself
 * (the function is not invoked) and adds the Access-Control-* headers to the
 * function's responses for an allowed origin; CORS headers the function
 * returns are replaced by the configured ones. An origin or method that is
 * not allowed gets no Access-Control-* headers (the browser then refuses).
 */
const has = (list: string[] | undefined, v: string, caseless: boolean) =>
  !!list && list.some((x) => x === '*' || (caseless ? x.toLowerCase() === v.toLowerCase() : x === v));

function allowOrigin(cors: FunctionUrlCors, origin: string | undefined): string | undefined {
  if (!origin || !cors.allowOrigins) return undefined;
  if (cors.allowOrigins.includes(origin)) return origin;
  // "*" allows every origin; with credentials a browser needs the origin itself, so it is echoed.
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials ? origin : '*';
  return undefined;
}

/** Whether a request is a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method). */
export function isPreflight(method: string, header: (name: string) => string | undefined): boolean {
  return method === 'OPTIONS' && header('origin') !== undefined && header('access-control-request-method') !== undefined;
}

/** The headers of the URL's own answer to a preflight (status 200, empty body). */
export function preflightHeaders(cors: FunctionUrlCors, header: (name: string) => string | undefined): [string, string][] {
  const origin = allowOrigin(cors, header('origin'));
  const out: [string, string][] = [['vary', 'Origin']];
  if (!origin) return out;
  const method = header('access-control-request-method') ?? '';
  if (!has(cors.allowMethods, method, false)) return out;
  const requested = (header('access-control-request-headers') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  if (requested.some((h) => !has(cors.allowHeaders, h, true))) return out;
  out.push(['access-control-allow-origin', origin]);
  out.push(['access-control-allow-methods', cors.allowMethods!.join(',')]);
  if (requested.length) out.push(['access-control-allow-headers', cors.allowHeaders!.includes('*') ? requested.join(',') : cors.allowHeaders!.join(',')]);
  if (cors.allowCredentials) out.push(['access-control-allow-credentials', 'true']);
  if (cors.maxAge !== undefined) out.push(['access-control-max-age', String(cors.maxAge)]);
  return out;
}

/** The function's response headers with the configured CORS headers in place of any the function set. */
export function withCorsHeaders(cors: FunctionUrlCors, origin: string | undefined, headers: [string, string][]): [string, string][] {
  const out = headers.filter(([k]) => !k.toLowerCase().startsWith('access-control-'));
  const allowed = allowOrigin(cors, origin);
  if (!allowed) return out;
  out.push(['access-control-allow-origin', allowed]);
  if (cors.allowCredentials) out.push(['access-control-allow-credentials', 'true']);
  if (cors.exposeHeaders?.length) out.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
  out.push(['vary', 'Origin']);
  return out;
}
