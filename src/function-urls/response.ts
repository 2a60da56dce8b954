/** What the URL listener sends for a function's answer. */
export interface UrlResponse {
  status: number;
  /** Header name/value pairs (Set-Cookie once per cookie). */
  headers: [string, string][];
  body: Buffer;
}

/**
 * A function's response payload as a function URL answers it (AWS,
 * urls-invocation.html, "Response payload format"):
 *  - a JSON object with `statusCode`: that status, its `headers`, each of
 *    `cookies` as a Set-Cookie header, `body` (base64-decoded when
 *    `isBase64Encoded`), `content-type: application/json` unless the
 *    function set one;
 *  - any other JSON (an object without statusCode, an array, a number):
 *    200, application/json, the JSON text as the body; a JSON string: its
 *    value as the body (recorded: LocalStack test_lambda.snapshot.json,
 *    test_lambda_url_invocation[string|integer|list-mixed|dict]).
 * `undefined` is a response AWS cannot map (a statusCode that is not an
 * integer in 100–599, headers that are not a string map, cookies that are
 * not strings, a body that is not a string, bad base64): the caller
 * answers 502 as AWS does.
 */
export function interpretResponse(payload: Buffer): UrlResponse | undefined {
  const text = payload.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const json: [string, string] = ['content-type', 'application/json'];
  if (typeof v === 'string') return { status: 200, headers: [json], body: Buffer.from(v, 'utf8') };
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !('statusCode' in v)) {
    return { status: 200, headers: [json], body: payload };
  }
  const o = v as Record<string, unknown>;
  const status = o.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: [string, string][] = [];
  if (o.headers !== undefined && o.headers !== null) {
    if (typeof o.headers !== 'object' || Array.isArray(o.headers)) return undefined;
    for (const [k, val] of Object.entries(o.headers as Record<string, unknown>)) {
      if (typeof val === 'string') headers.push([k, val]);
      else if (typeof val === 'number' || typeof val === 'boolean') headers.push([k, String(val)]);
      else return undefined;
    }
  }
  if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(json);
  if (o.cookies !== undefined && o.cookies !== null) {
    if (!Array.isArray(o.cookies) || o.cookies.some((c) => typeof c !== 'string')) return undefined;
    for (const c of o.cookies as string[]) headers.push(['set-cookie', c]);
  }
  let body = Buffer.alloc(0);
  if (o.body !== undefined && o.body !== null) {
    if (typeof o.body !== 'string') return undefined;
    if (o.isBase64Encoded === true) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(o.body.replace(/\s/g, ''))) return undefined;
      body = Buffer.from(o.body, 'base64');
    } else body = Buffer.from(o.body, 'utf8');
  }
  return { status, headers, body };
}
