/** A function's answer as the HTTP API sends it to the client. */
export interface ApiResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/**
 * A payload format 1.0 response (http-api-develop-integrations-lambda.html,
 * "Lambda function response for format 1.0"): a JSON object with an integer
 * `statusCode`, string `headers`, `multiValueHeaders` (arrays of strings;
 * their values are sent along with `headers`' for the same name), a string
 * `body` (base64-decoded when `isBase64Encoded`). Format 1.0 infers nothing:
 * anything else is a response API Gateway cannot map (undefined; the
 * listener answers `{"message":"Internal Server Error"}`).
 */
export function interpretV1Response(payload: Buffer): ApiResponse | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const status = o.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: [string, string][] = [];
  const single = new Map<string, string>();
  if (o.headers !== undefined && o.headers !== null) {
    if (typeof o.headers !== 'object' || Array.isArray(o.headers)) return undefined;
    for (const [k, val] of Object.entries(o.headers as Record<string, unknown>)) {
      if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') return undefined;
      single.set(k.toLowerCase(), String(val));
      headers.push([k, String(val)]);
    }
  }
  if (o.multiValueHeaders !== undefined && o.multiValueHeaders !== null) {
    if (typeof o.multiValueHeaders !== 'object' || Array.isArray(o.multiValueHeaders)) return undefined;
    for (const [k, vals] of Object.entries(o.multiValueHeaders as Record<string, unknown>)) {
      if (!Array.isArray(vals) || vals.some((x) => typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')) return undefined;
      for (const x of vals) if (single.get(k.toLowerCase()) !== String(x)) headers.push([k, String(x)]);
    }
  }
  let body = Buffer.alloc(0);
  if (o.body !== undefined && o.body !== null) {
    if (typeof o.body !== 'string') return undefined;
    if (o.isBase64Encoded === true) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(o.body.replace(/\s/g, ''))) return undefined;
      body = Buffer.from(o.body, 'base64');
    } else body = Buffer.from(o.body, 'utf8');
  }
  if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
  return { status, headers, body };
}
