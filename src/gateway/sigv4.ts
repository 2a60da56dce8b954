/**
 * Server-side verification of AWS Signature Version 4 (AWS4-HMAC-SHA256), the
 * scheme every AWS SDK and the `aws` CLI use to sign requests. Kumo runs this
 * on every API request, so the SDKs and CLI work against it unmodified.
 *
 * Written against node:crypto alone, on purpose: the SigV4 libraries on npm
 * are signers (client side). None verifies a request as it arrives on the
 * wire: they want a request object they serialise themselves, re-derive the
 * canonical path from a decoded path (which loses the client's encoding),
 * have no skew/expiry/scope checks and return none of AWS's error names or
 * messages. Verification is a small amount of code; owning it is simpler and
 * safer than adapting a signer.
 *
 * What is checked, in the order AWS's front end reports problems:
 *   1. Authorization header or presigned query (`X-Amz-Algorithm` …), not both;
 *   2. required parameters present (IncompleteSignatureException);
 *   3. algorithm AWS4-HMAC-SHA256;
 *   4. `X-Amz-Date` (or `Date`) in ISO-8601 basic format, within `clockSkewMs`
 *      of now; for presigned URLs also within `X-Amz-Expires`;
 *   5. `host` is a signed header;
 *   6. credential `keyid/date/region/service/aws4_request`, scoped to the
 *      configured region and service and to the request's date;
 *   7. the access key is known (UnrecognizedClientException);
 *   8. `x-amz-content-sha256`, when sent, equals the body's hash (unless
 *      UNSIGNED-PAYLOAD);
 *   9. the signature: canonical request per AWS's spec for services other
 *      than S3 (path normalised, then every segment URI-encoded again),
 *      HMAC chain, constant-time comparison.
 *
 * Messages are AWS's (as AWS's JSON front ends return them; trailing spaces
 * included where AWS sends them). Signing keys are cached per
 * (secret, date, region, service) in a small bounded map.
 *
 * Session tokens: the request's `X-Amz-Security-Token` (header, or query
 * parameter of a pre-signed URL) goes to the resolver with the access key;
 * a header token must be among the signed headers, as SigV4 requires (a
 * pre-signed URL's query is signed whole). An expired session is refused
 * before its signature is checked (ExpiredTokenException).
 *
 * Not supported: AWS4-ECDSA-P256-SHA256 (SigV4a), and duplicate request
 * headers beyond what Node's header object keeps.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller, CallerResolver } from '../identity/types';

export interface SigV4Request {
  method: string;
  /** Path and query exactly as received on the wire (req.url), e.g. '/2015-03-31/functions/my%3Afn/invocations?Qualifier=1'. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Hex SHA-256 of the raw body bytes. */
  bodySha256Hex: string;
}

export type SigV4ErrorName =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'ExpiredTokenException';

export type SigV4Result = { ok: true; accessKeyId: string; caller: Caller } | { ok: false; error: SigV4ErrorName; message: string };

export interface SigV4Options {
  region: string;
  service: string;
  /** Access key (and session token) → the caller and its secret (src/identity/types.ts). */
  callers: CallerResolver;
  nowMs: number;
  clockSkewMs: number;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const TERMINATOR = 'aws4_request';
/** Longest X-Amz-Expires AWS accepts: seven days. */
const MAX_PRESIGN_EXPIRES_S = 7 * 24 * 60 * 60;

export const MSG_MISSING_TOKEN = 'Missing Authentication Token';
export const MSG_UNRECOGNIZED_CLIENT = 'The security token included in the request is invalid.';
export const MSG_EXPIRED_TOKEN = 'The security token included in the request is expired';
/** A session token sent as a header that the signature does not cover (Kumo's wording, modelled on the Host one). */
export const MSG_TOKEN_NOT_SIGNED = "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.";
export const MSG_SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const MSG_BOTH_AUTH = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";
export const MSG_HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
export const MSG_INVALID_REGION = 'Credential should be scoped to a valid region. ';
export const msgInvalidService = (service: string): string => `Credential should be scoped to correct service: '${service}'. `;
export const MSG_INVALID_TERMINATOR = `Credential should be scoped with a valid terminator: '${TERMINATOR}'. `;

const fail = (error: SigV4ErrorName, message: string): SigV4Result => ({ ok: false, error, message });

// ---------------------------------------------------------------------------
// Encoding helpers

const HEX = '0123456789ABCDEF';

/** True for RFC 3986 unreserved bytes: A-Z a-z 0-9 - . _ ~ */
function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  );
}

/** How a wire string becomes bytes again: what arrives on the wire is bytes, which Node hands over as latin1. */
function wireEncoding(s: string): 'latin1' | 'utf8' {
  // eslint-disable-next-line no-control-regex
  return /^[\u0000-\u00ff]*$/.test(s) ? 'latin1' : 'utf8';
}

/** Bytes of a wire string. */
function wireBytes(s: string): Buffer {
  return Buffer.from(s, wireEncoding(s));
}

/** AWS's UriEncode: every byte outside the unreserved set as %XX (upper-case hex). */
export function uriEncode(s: string): string {
  if (/^[A-Za-z0-9\-._~]*$/.test(s)) return s;
  return uriEncodeBytes(wireBytes(s));
}

function uriEncodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += isUnreserved(b) ? String.fromCharCode(b) : '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decode to bytes. A '%' not followed by two hex digits stays literal; '+' stays '+'. */
function percentDecodeBytes(s: string): Buffer {
  const src = wireBytes(s);
  if (!src.includes(0x25)) return src;
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexVal(src[i + 1]!);
      const lo = hexVal(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** A query component as AWS canonicalises it: decoded, then UriEncoded. */
function canonicalQueryComponent(raw: string): string {
  if (/^[A-Za-z0-9\-._~]*$/.test(raw)) return raw;
  return uriEncodeBytes(percentDecodeBytes(raw));
}

function decodeQueryComponent(raw: string): string {
  return percentDecodeBytes(raw).toString('utf8');
}

// ---------------------------------------------------------------------------
// Canonical request pieces

/**
 * Canonical URI for services other than S3: remove empty and dot segments
 * (as the SDKs do before signing), then URI-encode each segment of the path
 * as received, i.e. the already-encoded path is encoded a second time.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '' || rawPath === '/') return '/';
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(uriEncode(seg));
  }
  const lead = rawPath.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return lead + segments.join('/') + trail;
}

interface QueryPair {
  rawKey: string;
  rawValue: string;
}

function splitQuery(rawQuery: string): QueryPair[] {
  const pairs: QueryPair[] = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? { rawKey: part, rawValue: '' } : { rawKey: part.slice(0, eq), rawValue: part.slice(eq + 1) });
  }
  return pairs;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical query string: each key and value UriEncoded, sorted by key then value; `skipKey` (decoded) left out. */
export function canonicalQuery(pairs: QueryPair[], skipKey?: string): string {
  const enc: [string, string][] = [];
  for (const p of pairs) {
    if (skipKey !== undefined && decodeQueryComponent(p.rawKey) === skipKey) continue;
    enc.push([canonicalQueryComponent(p.rawKey), canonicalQueryComponent(p.rawValue)]);
  }
  enc.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
  return enc.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** Trim and collapse runs of whitespace to one space, as the signers do. */
function canonicalHeaderValue(v: string): string {
  // Most values have no whitespace to trim or collapse: no new string for them.
  if (!/^\s|\s$|\s\s|[^\S ]/.test(v)) return v;
  return v.trim().replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------
// Dates

/** ISO-8601 basic format as AWS uses it: 20150830T123600Z */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Milliseconds for an X-Amz-Date (basic format) or, for the Date header, also an RFC 7231 date. */
function parseRequestDate(value: string, allowHttpDate: boolean): number | undefined {
  const m = AMZ_DATE_RE.exec(value);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const ms = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(ms);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
      return undefined;
    }
    return ms;
  }
  if (allowHttpDate && /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

const msgBadDate = (v: string): string => `Date must be in ISO-8601 'basic format'. Got '${v}'. See http://en.wikipedia.org/wiki/ISO_8601`;

function skewError(requestMs: number, nowMs: number, windowMs: number, windowText: string): SigV4Result | undefined {
  if (requestMs < nowMs - windowMs) {
    return fail(
      'InvalidSignatureException',
      `Signature expired: ${formatAmzDate(requestMs)} is now earlier than ${formatAmzDate(nowMs - windowMs)} (${formatAmzDate(nowMs)} - ${windowText})`,
    );
  }
  return undefined;
}

function futureError(requestMs: number, nowMs: number, skewMs: number): SigV4Result | undefined {
  if (requestMs > nowMs + skewMs) {
    return fail(
      'InvalidSignatureException',
      `Signature not yet current: ${formatAmzDate(requestMs)} is still later than ${formatAmzDate(nowMs + skewMs)} (${formatAmzDate(nowMs)} + ${minutesText(skewMs)})`,
    );
  }
  return undefined;
}

function minutesText(ms: number): string {
  const min = ms / 60_000;
  return `${Number.isInteger(min) ? min : Math.round(min * 100) / 100} min.`;
}

// ---------------------------------------------------------------------------
// Signing-key cache

const KEY_CACHE_MAX = 64;
const keyCache = new Map<string, Buffer>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"), cached. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secret}`;
  const hit = keyCache.get(cacheKey);
  if (hit) return hit;
  const kDate = createHmac('sha256', 'AWS4' + secret).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  const kSigning = createHmac('sha256', kService).update(TERMINATOR).digest();
  if (keyCache.size >= KEY_CACHE_MAX) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = keyCache.keys().next().value;
    if (oldest !== undefined) keyCache.delete(oldest);
  }
  keyCache.set(cacheKey, kSigning);
  return kSigning;
}

/** For tests: how many signing keys are cached. */
export function signingKeyCacheSize(): number {
  return keyCache.size;
}

// ---------------------------------------------------------------------------
// Parsing the two forms into one shape

interface ParsedAuth {
  presigned: boolean;
  algorithm: string;
  credential: string;
  signedHeaders: string;
  signature: string;
  /** The date string as sent (X-Amz-Date, or the Date header). */
  dateText: string;
  /** Whether dateText came from the `Date` header (may be an HTTP date). */
  fromDateHeader: boolean;
  /** Presigned only: X-Amz-Expires as sent, if any. */
  expires?: string;
  /** Presigned only: X-Amz-Security-Token, if any. */
  token?: string;
}

const b64Sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

function parseAuthorizationHeader(auth: string, headers: IncomingHttpHeaders): ParsedAuth | SigV4Result {
  const trimmed = auth.trim();
  const sp = trimmed.search(/\s/);
  const algorithm = sp < 0 ? trimmed : trimmed.slice(0, sp);
  const rest = sp < 0 ? '' : trimmed.slice(sp + 1);
  const params = new Map<string, string>();
  for (const piece of rest.split(/[\s,]+/)) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 0) {
      return fail(
        'IncompleteSignatureException',
        `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${b64Sha256(auth)}'.`,
      );
    }
    const k = piece.slice(0, eq);
    if (!params.has(k)) params.set(k, piece.slice(eq + 1));
  }
  const amzDate = headerValue(headers, 'x-amz-date');
  const httpDate = headerValue(headers, 'date');
  const missing: string[] = [];
  for (const p of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(p)) missing.push(`Authorization header requires '${p}' parameter.`);
  }
  if (!amzDate && !httpDate) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (missing.length > 0) {
    return fail('IncompleteSignatureException', `${missing.join(' ')} (Hashed with SHA-256 and encoded with Base64) Authorization=${b64Sha256(auth)}`);
  }
  return {
    presigned: false,
    algorithm,
    credential: params.get('Credential')!,
    signedHeaders: params.get('SignedHeaders')!,
    signature: params.get('Signature')!,
    dateText: amzDate || httpDate!,
    fromDateHeader: !amzDate,
  };
}

const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

function parsePresigned(pairs: QueryPair[]): ParsedAuth | SigV4Result {
  const q = new Map<string, string>();
  for (const p of pairs) {
    const k = decodeQueryComponent(p.rawKey);
    if (k.startsWith('X-Amz-') && !q.has(k)) q.set(k, decodeQueryComponent(p.rawValue));
  }
  const missing = QUERY_AUTH_PARAMS.filter((k) => !q.get(k)).map((k) => `AWS query-string parameters must include '${k}'.`);
  if (missing.length > 0) {
    return fail('IncompleteSignatureException', `${missing.join(' ')} Re-examine the query-string parameters.`);
  }
  return {
    presigned: true,
    algorithm: q.get('X-Amz-Algorithm')!,
    credential: q.get('X-Amz-Credential')!,
    signedHeaders: q.get('X-Amz-SignedHeaders')!,
    signature: q.get('X-Amz-Signature')!,
    dateText: q.get('X-Amz-Date')!,
    fromDateHeader: false,
    expires: q.get('X-Amz-Expires'),
    token: q.get('X-Amz-Security-Token'),
  };
}

const isResult = (x: ParsedAuth | SigV4Result): x is SigV4Result => 'ok' in x;

// ---------------------------------------------------------------------------
// Verification

export function verifySigV4(req: SigV4Request, opts: SigV4Options): SigV4Result {
  const { headers } = req;
  const qIdx = req.url.indexOf('?');
  const rawPath = qIdx < 0 ? req.url : req.url.slice(0, qIdx);
  const pairs = splitQuery(qIdx < 0 ? '' : req.url.slice(qIdx + 1));
  const hasQueryAuth = pairs.some((p) => p.rawKey === 'X-Amz-Algorithm' || decodeQueryComponent(p.rawKey) === 'X-Amz-Algorithm');
  const authHeader = headerValue(headers, 'authorization');

  // 1. Which form, if any.
  if (authHeader !== undefined && hasQueryAuth) return fail('InvalidSignatureException', MSG_BOTH_AUTH);
  if ((authHeader === undefined || authHeader.trim() === '') && !hasQueryAuth) {
    return fail('MissingAuthenticationTokenException', MSG_MISSING_TOKEN);
  }

  // 2. Required parameters.
  const parsed = hasQueryAuth ? parsePresigned(pairs) : parseAuthorizationHeader(authHeader!, headers);
  if (isResult(parsed)) return parsed;

  // 3. Algorithm. AWS answers an unknown scheme as if no token had been sent.
  if (parsed.algorithm !== ALGORITHM) return fail('MissingAuthenticationTokenException', MSG_MISSING_TOKEN);

  // 4. Date: format, then the time window.
  const requestMs = parseRequestDate(parsed.dateText, parsed.fromDateHeader);
  if (requestMs === undefined) return fail('IncompleteSignatureException', msgBadDate(parsed.dateText));
  // A valid basic-format date is its own canonical form (parseRequestDate checked every field); an HTTP date is reformatted.
  const amzDate = AMZ_DATE_RE.test(parsed.dateText) ? parsed.dateText : formatAmzDate(requestMs);
  const future = futureError(requestMs, opts.nowMs, opts.clockSkewMs);
  if (future) return future;
  if (parsed.presigned && parsed.expires !== undefined) {
    if (!/^\d{1,9}$/.test(parsed.expires)) {
      return fail('IncompleteSignatureException', `X-Amz-Expires must be a number of seconds. Got '${parsed.expires}'.`);
    }
    const expiresS = Number(parsed.expires);
    if (expiresS < 1 || expiresS > MAX_PRESIGN_EXPIRES_S) {
      return fail('IncompleteSignatureException', `X-Amz-Expires must be between 1 and ${MAX_PRESIGN_EXPIRES_S} seconds. Got '${parsed.expires}'.`);
    }
    const expired = skewError(requestMs, opts.nowMs, expiresS * 1000, `${expiresS} sec.`);
    if (expired) return expired;
  } else {
    const expired = skewError(requestMs, opts.nowMs, opts.clockSkewMs, minutesText(opts.clockSkewMs));
    if (expired) return expired;
  }

  // 5. Host must be signed.
  const signedNames = parsed.signedHeaders.split(';');
  // Over HTTP/2 the SDKs sign `:authority` (the host's pseudo-header) instead of `host`; AWS accepts either.
  if (!signedNames.some((h) => h.toLowerCase() === 'host' || h === ':authority')) return fail('InvalidSignatureException', MSG_HOST_NOT_SIGNED);

  // 6. Credential scope.
  const cred = parsed.credential.split('/');
  if (cred.length !== 5 || cred[0] === '') {
    return fail(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${parsed.credential}'`,
    );
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerm] = cred as [string, string, string, string, string];
  let scopeMsg = '';
  if (scopeRegion !== opts.region) scopeMsg += MSG_INVALID_REGION;
  if (scopeService !== opts.service) scopeMsg += msgInvalidService(opts.service);
  if (scopeTerm !== TERMINATOR) scopeMsg += MSG_INVALID_TERMINATOR;
  if (scopeDate !== amzDate.slice(0, 8)) {
    scopeMsg += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${parsed.dateText}'.`;
  }
  if (scopeMsg) return fail('InvalidSignatureException', scopeMsg);

  // 7. Known key (and session token, which a header must sign).
  let token: string | undefined;
  if (parsed.presigned) token = parsed.token;
  else {
    token = headerValue(headers, 'x-amz-security-token');
    if (token !== undefined && !signedNames.some((h) => h.toLowerCase() === 'x-amz-security-token')) return fail('InvalidSignatureException', MSG_TOKEN_NOT_SIGNED);
  }
  const caller = opts.callers.resolve(accessKeyId, token);
  if ('refused' in caller) {
    return caller.refused === 'expired' ? fail('ExpiredTokenException', MSG_EXPIRED_TOKEN) : fail('UnrecognizedClientException', MSG_UNRECOGNIZED_CLIENT);
  }
  const secret = caller.secret;

  // 8. Payload hash: the header the client signed with, which must be the body's.
  const declared = headerValue(headers, 'x-amz-content-sha256');
  let payloadHash = req.bodySha256Hex;
  if (declared !== undefined) {
    if (declared !== UNSIGNED_PAYLOAD && declared.toLowerCase() !== req.bodySha256Hex.toLowerCase()) {
      return fail('InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
    }
    payloadHash = declared;
  }

  // 9. Signature.
  let canonicalHeaders = '';
  for (const name of signedNames) {
    canonicalHeaders += `${name}:${canonicalHeaderValue(headerValue(headers, name.toLowerCase()) ?? '')}\n`;
  }
  const canonicalRequest =
    `${req.method}\n${canonicalUri(rawPath)}\n${canonicalQuery(pairs, parsed.presigned ? 'X-Amz-Signature' : undefined)}\n` +
    `${canonicalHeaders}\n${parsed.signedHeaders}\n${payloadHash}`;
  const scope = `${scopeDate}/${scopeRegion}/${scopeService}/${scopeTerm}`;
  const stringToSign = `${ALGORITHM}\n${parsed.fromDateHeader ? amzDate : parsed.dateText}\n${scope}\n${createHash('sha256')
    .update(canonicalRequest, wireEncoding(canonicalRequest))
    .digest('hex')}`;
  const expected = Buffer.from(createHmac('sha256', signingKey(secret, scopeDate, scopeRegion, scopeService)).update(stringToSign, 'utf8').digest('hex'));
  const given = Buffer.from(parsed.signature.toLowerCase());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail('InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
  }
  return { ok: true, accessKeyId, caller };
}
