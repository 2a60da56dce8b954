import { createHash, createHmac } from 'node:crypto';

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const sha256Hex = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const hmac = (k: Buffer | string, s: string) => createHmac('sha256', k).update(s).digest();

/**
 * Signs a request with SigV4 (service "lambda") for Kumo's own `/kumo/...`
 * routes, which the Lambda SDK has no command for. Path segments are given
 * decoded; returns the URL and headers to send.
 */
export function signRequest(opts: {
  method: string;
  endpoint: string;
  segments: string[];
  query?: Record<string, string | undefined>;
  body?: Buffer;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  now?: Date;
}): { url: string; headers: Record<string, string> } {
  const base = new URL(opts.endpoint);
  const wirePath = '/' + opts.segments.map(uriEncode).join('/');
  const pairs = Object.entries(opts.query ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  const query = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  const amzDate = (opts.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const body = opts.body ?? Buffer.alloc(0);
  const payloadHash = sha256Hex(body);
  const headers: Record<string, string> = { host: base.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash };
  if (opts.credentials.sessionToken) headers['x-amz-security-token'] = opts.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  // Services other than S3 encode each (already encoded) path segment a second time.
  const canonicalPath = '/' + opts.segments.map((s) => uriEncode(uriEncode(s))).join('/');
  const canonical = [opts.method, canonicalPath, query, names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), payloadHash].join('\n');
  const scope = `${day}/${opts.region}/lambda/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const key = hmac(hmac(hmac(hmac('AWS4' + opts.credentials.secretAccessKey, day), opts.region), 'lambda'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${opts.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { url: `${base.origin}${wirePath}${query ? '?' + query : ''}`, headers };
}
