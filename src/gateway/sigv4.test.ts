import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { requirePythonModule, tool } from '../../test/tools';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 as NodeSha256 } from '../../test/sha256';
import type { CallerResolver } from '../identity/types';
import type { HttpRequest as SmithyRequest } from '@smithy/types';
import {
  LambdaClient,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import {
  verifySigV4,
  canonicalUri,
  signingKey,
  signingKeyCacheSize,
  formatAmzDate,
  MSG_MISSING_TOKEN,
  MSG_UNRECOGNIZED_CLIENT,
  MSG_SIGNATURE_MISMATCH,
  MSG_HOST_NOT_SIGNED,
  MSG_TOKEN_NOT_SIGNED,
  MSG_EXPIRED_TOKEN,
  MSG_INVALID_REGION,
  MSG_BOTH_AUTH,
  type SigV4Result,
  type SigV4Request,
} from './sigv4';

// ---------------------------------------------------------------------------
// The real signer, fed node:crypto.


const REGION = 'us-east-1';
const SERVICE = 'lambda';
const KEY = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const HOST = '127.0.0.1:9001';
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const SKEW = 15 * 60_000;

const sha256Hex = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/** RFC 3986 encoding, as every SDK puts query strings on the wire. */
const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function wireUrl(path: string, query: SmithyRequest['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === null || v === undefined) parts.push(enc(k));
    else if (Array.isArray(v)) for (const x of v) parts.push(`${enc(k)}=${enc(x)}`);
    else parts.push(`${enc(k)}=${enc(v)}`);
  }
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

interface SignOpts {
  method?: string;
  /** Encoded path, as the SDK's serializer produces it. */
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  key?: string;
  secret?: string;
  region?: string;
  service?: string;
  dateMs?: number;
  /** Adds x-amz-content-sha256 (the signer's applyChecksum). */
  checksumHeader?: boolean;
  presignExpires?: number;
  sessionToken?: string;
}

/** Sign with @smithy/signature-v4 and return the request as the server would see it. */
async function sdkSign(o: SignOpts): Promise<SigV4Request & { body: string }> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: o.key ?? KEY, secretAccessKey: o.secret ?? SECRET, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) },
    region: o.region ?? REGION,
    service: o.service ?? SERVICE,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: o.checksumHeader ?? false,
  });
  const body = o.body ?? '';
  const request: SmithyRequest = {
    method: o.method ?? 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 9001,
    path: o.path,
    query: o.query ?? {},
    headers: { host: HOST, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...o.headers },
    body: body || undefined,
  };
  const signingDate = new Date(o.dateMs ?? T0);
  const signed =
    o.presignExpires !== undefined
      ? await signer.presign(request, { signingDate, expiresIn: o.presignExpires })
      : await signer.sign(request, { signingDate });
  const headers: http.IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return { method: signed.method, url: wireUrl(signed.path, signed.query), headers, bodySha256Hex: sha256Hex(body), body };
}

/** A resolver over a key → secret map (each key a root caller); what it was asked is kept in `asked`. */
function mapCallers(m: Record<string, string>, asked: { key: string; token: string | undefined }[] = []): CallerResolver {
  return {
    resolve: (key, token) => {
      asked.push({ key, token });
      const secret = m[key];
      return secret === undefined ? { refused: 'unknown' } : { secret, principal: { type: 'Root', accountId: '000000000000', arn: 'arn:aws:iam::000000000000:root', principalId: '000000000000', accessKeyId: key } };
    },
  };
}
/** The result without the caller object (compared by key). */
const okKey = (r: SigV4Result) => (r.ok ? { ok: true, accessKeyId: r.accessKeyId } : r);

const secrets: Record<string, string> = { [KEY]: SECRET };
const baseOpts = { region: REGION, service: SERVICE, callers: mapCallers(secrets), nowMs: T0 + 1000, clockSkewMs: SKEW };
const verify = (r: SigV4Request, over: Partial<typeof baseOpts> = {}): SigV4Result => verifySigV4(r, { ...baseOpts, ...over });

function assertOk(r: SigV4Result): void {
  assert.deepEqual(okKey(r), { ok: true, accessKeyId: KEY });
}
function assertErr(r: SigV4Result, error: string, message?: string | RegExp): void {
  assert.equal(r.ok, false, `expected ${error}, got ok`);
  if (r.ok) return;
  assert.equal(r.error, error, r.message);
  if (typeof message === 'string') assert.equal(r.message, message);
  else if (message) assert.match(r.message, message);
}

// ---------------------------------------------------------------------------

describe('sigv4: round trip with @smithy/signature-v4', () => {
  test("AWS's published get-vanilla example (known answer, independent of the SDK)", () => {
    const req: SigV4Request = {
      method: 'GET',
      url: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
          'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      bodySha256Hex: sha256Hex(''),
    };
    assertOk(verifySigV4(req, { ...baseOpts, service: 'service', nowMs: Date.UTC(2015, 7, 30, 12, 36, 0) }));
  });

  const okCases: [string, SignOpts][] = [
    ['GET without query', { path: '/2015-03-31/account-settings/' }],
    ['POST with body and query', { method: 'POST', path: '/2015-03-31/functions/my-fn/invocations', query: { Qualifier: '1' }, body: '{"hello":"world"}' }],
    ['ARN in path (%3A double-encoded)', { path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af%3A1' }],
    ['space and unicode in path', { path: '/2015-03-31/functions/my%20fn%20%C3%A9/configuration' }],
    ['reserved characters in path', { path: "/2015-03-31/tags/a%2Fb%2Bc%3Dd!'()*" }],
    ['repeated, empty and odd query values', { path: '/2015-03-31/functions/', query: { Marker: '', Tag: ['b', 'a', 'a b', ''], 'we ird': 'v/+=&%', FunctionVersion: 'ALL' } }],
    ['x-amz-content-sha256 header signed', { method: 'POST', path: '/2015-03-31/functions/f/invocations', body: 'payload', checksumHeader: true }],
    ['extra signed header with inner whitespace', { path: '/2015-03-31/functions/', headers: { 'x-amz-meta-thing': '  a   b  c ' } }],
    ['presigned GET', { path: '/2015-03-31/functions/f%3A1/configuration', query: { Qualifier: '$LATEST' }, presignExpires: 300 }],
  ];
  for (const [name, o] of okCases) {
    test(`ok: ${name}`, async () => {
      const r = await sdkSign(o);
      assertOk(verify(r));
    });
  }

  test('canonical URI encodes the already-encoded path again', () => {
    assert.equal(canonicalUri('/2015-03-31/functions/my%3Afn/invocations'), '/2015-03-31/functions/my%253Afn/invocations');
    assert.equal(canonicalUri('/a//b/./c/../d/'), '/a/b/d/');
    assert.equal(canonicalUri(''), '/');
  });

  test('a one-byte body change is rejected', async () => {
    const r = await sdkSign({ method: 'POST', path: '/2015-03-31/functions/f/invocations', body: '{"a":1}' });
    assertErr(verify({ ...r, bodySha256Hex: sha256Hex('{"a":2}') }), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
  });

  test('a body change is rejected even when x-amz-content-sha256 claims the signed hash', async () => {
    const r = await sdkSign({ method: 'POST', path: '/2015-03-31/functions/f/invocations', body: '{"a":1}', checksumHeader: true });
    assert.ok(r.headers['x-amz-content-sha256']);
    assertErr(verify({ ...r, bodySha256Hex: sha256Hex('{"a":2}') }), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
  });

  test('UNSIGNED-PAYLOAD is accepted as the payload hash', async () => {
    const r = await sdkSign({ method: 'POST', path: '/2015-03-31/functions/f/invocations', body: 'x', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    assertOk(verify({ ...r, bodySha256Hex: sha256Hex('something else') }));
  });

  test('a changed signed header is rejected', async () => {
    const r = await sdkSign({ method: 'POST', path: '/2015-03-31/functions/f/invocations', body: '{}' });
    assertErr(verify({ ...r, headers: { ...r.headers, 'content-type': 'text/plain' } }), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
    assertErr(verify({ ...r, headers: { ...r.headers, host: '127.0.0.1:9002' } }), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
  });

  test('a changed path, method or query is rejected', async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/my%3Afn', query: { Qualifier: '1' } });
    assertOk(verify(r));
    assertErr(verify({ ...r, url: r.url.replace('%3A', ':') }), 'InvalidSignatureException');
    assertErr(verify({ ...r, url: r.url.replace('my%3Afn', 'other') }), 'InvalidSignatureException');
    assertErr(verify({ ...r, url: r.url.replace('Qualifier=1', 'Qualifier=2') }), 'InvalidSignatureException');
    assertErr(verify({ ...r, url: r.url + '&Extra=1' }), 'InvalidSignatureException');
    assertErr(verify({ ...r, method: 'DELETE' }), 'InvalidSignatureException');
  });

  test('a wrong secret is rejected', async () => {
    assertErr(verify(await sdkSign({ path: '/2015-03-31/functions/', secret: SECRET + 'x' })), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
  });

  test('a tampered signature of the right length is rejected', async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/' });
    const auth = String(r.headers.authorization);
    const last = auth.at(-1) === '0' ? '1' : '0';
    assertErr(verify({ ...r, headers: { ...r.headers, authorization: auth.slice(0, -1) + last } }), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
    assertErr(verify({ ...r, headers: { ...r.headers, authorization: auth.slice(0, -1) } }), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
  });

  test('an unknown key is UnrecognizedClientException', async () => {
    assertErr(verify(await sdkSign({ path: '/2015-03-31/functions/', key: 'AKIDUNKNOWN' })), 'UnrecognizedClientException', MSG_UNRECOGNIZED_CLIENT);
  });

  test("a stale date gives AWS's 'Signature expired' message", async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/' });
    const now = T0 + 16 * 60_000;
    assertErr(
      verify(r, { nowMs: now }),
      'InvalidSignatureException',
      `Signature expired: 20250601T120000Z is now earlier than 20250601T120100Z (20250601T121600Z - 15 min.)`,
    );
    assertOk(verify(r, { nowMs: T0 + 14 * 60_000 }));
  });

  test("a future date gives AWS's 'Signature not yet current' message", async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/' });
    assertErr(
      verify(r, { nowMs: T0 - 20 * 60_000 }),
      'InvalidSignatureException',
      'Signature not yet current: 20250601T120000Z is still later than 20250601T115500Z (20250601T114000Z + 15 min.)',
    );
  });

  test('a wrong region / service in the scope gives AWS messages', async () => {
    assertErr(verify(await sdkSign({ path: '/2015-03-31/functions/', region: 'eu-west-1' })), 'InvalidSignatureException', MSG_INVALID_REGION);
    assertErr(
      verify(await sdkSign({ path: '/2015-03-31/functions/', service: 'execute-api' })),
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'lambda'. ",
    );
    assertErr(
      verify(await sdkSign({ path: '/2015-03-31/functions/', region: 'eu-west-1', service: 's3' })),
      'InvalidSignatureException',
      "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'lambda'. ",
    );
  });

  test('presigned URLs expire after X-Amz-Expires and must not be tampered with', async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/f/configuration', presignExpires: 60 });
    assert.match(r.url, /X-Amz-Signature=/);
    assert.equal(r.headers.authorization, undefined);
    assertOk(verify(r, { nowMs: T0 + 59_000 }));
    assertErr(verify(r, { nowMs: T0 + 61_000 }), 'InvalidSignatureException', /^Signature expired: 20250601T120000Z is now earlier than /);
    assertErr(verify({ ...r, url: r.url.replace('X-Amz-Expires=60', 'X-Amz-Expires=600') }, { nowMs: T0 + 61_000 }), 'InvalidSignatureException', MSG_SIGNATURE_MISMATCH);
    const long = await sdkSign({ path: '/2015-03-31/functions/f/configuration', presignExpires: 3600 });
    assertOk(verify(long, { nowMs: T0 + 50 * 60_000 }));
    assertErr(verify(long, { nowMs: T0 - 20 * 60_000 }), 'InvalidSignatureException', /^Signature not yet current/);
    const missing = { ...r, url: r.url.replace(/&?X-Amz-Signature=[0-9a-f]+/, '') };
    assertErr(verify(missing), 'IncompleteSignatureException', "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.");
  });

  test('header and query auth together are refused', async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/', presignExpires: 60 });
    assertErr(verify({ ...r, headers: { ...r.headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } }), 'InvalidSignatureException', MSG_BOTH_AUTH);
  });

  test('no authentication at all is MissingAuthenticationTokenException', () => {
    assertErr(verify({ method: 'GET', url: '/2015-03-31/functions/', headers: { host: HOST }, bodySha256Hex: sha256Hex('') }), 'MissingAuthenticationTokenException', MSG_MISSING_TOKEN);
  });

  test('an unsupported algorithm is answered like a missing token', async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/' });
    const auth = String(r.headers.authorization).replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1');
    assertErr(verify({ ...r, headers: { ...r.headers, authorization: auth } }), 'MissingAuthenticationTokenException', MSG_MISSING_TOKEN);
  });

  test("malformed Authorization headers give AWS's IncompleteSignatureException wording", () => {
    const b64 = (s: string): string => createHash('sha256').update(s).digest('base64');
    const base = { method: 'GET', url: '/2015-03-31/functions/', bodySha256Hex: sha256Hex('') };
    const a1 = 'AWS4-HMAC-SHA256 Foo=bar';
    assertErr(
      verify({ ...base, headers: { host: HOST, authorization: a1 } }),
      'IncompleteSignatureException',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        `(Hashed with SHA-256 and encoded with Base64) Authorization=${b64(a1)}`,
    );
    const a2 = 'Bearer abcdef';
    assertErr(
      verify({ ...base, headers: { host: HOST, authorization: a2 } }),
      'IncompleteSignatureException',
      `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${b64(a2)}'.`,
    );
    const a3 = `AWS4-HMAC-SHA256 Credential=${KEY}/20250601/${REGION}/${SERVICE}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;
    assertErr(
      verify({ ...base, headers: { host: HOST, authorization: a3, 'x-amz-date': '2025-06-01T12:00:00Z' } }),
      'IncompleteSignatureException',
      "Date must be in ISO-8601 'basic format'. Got '2025-06-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
    const a4 = `AWS4-HMAC-SHA256 Credential=${KEY}/20250601/${REGION}/${SERVICE}, SignedHeaders=host;x-amz-date, Signature=00`;
    assertErr(
      verify({ ...base, headers: { host: HOST, authorization: a4, 'x-amz-date': '20250601T120000Z' } }),
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${KEY}/20250601/${REGION}/${SERVICE}'`,
    );
  });

  test('host must be a signed header', async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/' });
    const auth = String(r.headers.authorization).replace('SignedHeaders=host;', 'SignedHeaders=');
    assertErr(verify({ ...r, headers: { ...r.headers, authorization: auth } }), 'InvalidSignatureException', MSG_HOST_NOT_SIGNED);
  });

  test('a session token (header or pre-signed query) reaches the resolver; an unsigned token header is refused', async () => {
    const asked: { key: string; token: string | undefined }[] = [];
    const callers = mapCallers(secrets, asked);
    assertOk(verify(await sdkSign({ path: '/2015-03-31/functions', sessionToken: 'TOKEN-1' }), { callers }));
    assert.deepEqual(asked.at(-1), { key: KEY, token: 'TOKEN-1' });
    assertOk(verify(await sdkSign({ path: '/2015-03-31/functions', sessionToken: 'TOKEN-2', presignExpires: 60 }), { callers }));
    assert.deepEqual(asked.at(-1), { key: KEY, token: 'TOKEN-2' });
    assertOk(verify(await sdkSign({ path: '/2015-03-31/functions' }), { callers }));
    assert.deepEqual(asked.at(-1), { key: KEY, token: undefined });
    // A token header added after signing is not covered by the signature.
    const r = await sdkSign({ path: '/2015-03-31/functions' });
    r.headers['x-amz-security-token'] = 'TOKEN-3';
    assertErr(verify(r, { callers }), 'InvalidSignatureException', MSG_TOKEN_NOT_SIGNED);
  });

  test('an expired session is ExpiredTokenException, an unknown one UnrecognizedClientException', async () => {
    const req = await sdkSign({ path: '/2015-03-31/functions', sessionToken: 'T' });
    assertErr(verify(req, { callers: { resolve: () => ({ refused: 'expired' }) } }), 'ExpiredTokenException', MSG_EXPIRED_TOKEN);
    assertErr(verify(req, { callers: { resolve: () => ({ refused: 'unknown' }) } }), 'UnrecognizedClientException', MSG_UNRECOGNIZED_CLIENT);
  });

  test('credential date must match X-Amz-Date', async () => {
    const r = await sdkSign({ path: '/2015-03-31/functions/' });
    const auth = String(r.headers.authorization).replace('/20250601/', '/20250531/');
    assertErr(
      verify({ ...r, headers: { ...r.headers, authorization: auth } }),
      'InvalidSignatureException',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20250531' != '20250601', from '20250601T120000Z'.",
    );
  });

  test('the signing-key cache stays bounded and agrees with an uncached derivation', () => {
    for (let i = 0; i < 200; i++) signingKey(SECRET, formatAmzDate(T0 + i * 86_400_000).slice(0, 8), REGION, SERVICE);
    assert.ok(signingKeyCacheSize() <= 64, `cache grew to ${signingKeyCacheSize()}`);
    const h = (k: Buffer | string, d: string): Buffer => createHmac('sha256', k).update(d).digest();
    const expected = h(h(h(h('AWS4' + SECRET, '20250601'), REGION), SERVICE), 'aws4_request');
    assert.deepEqual(signingKey(SECRET, '20250601', REGION, SERVICE), expected);
    assert.deepEqual(signingKey(SECRET, '20250601', REGION, SERVICE), expected);
  });
});

// ---------------------------------------------------------------------------
// Real clients against a tiny server.

interface Seen {
  method: string;
  url: string;
  keyId: string;
  result: SigV4Result;
}

describe('sigv4: real clients end to end', () => {
  const clientSecrets: Record<string, string> = {
    AKIDSDKV3: 'sdk-v3-secret/+=',
    AKIDCLIV2: 'cli-v2-secret/+=',
    AKIDCLIV1: 'cli-v1-secret/+=',
    AKIDBOTO3: 'boto3-secret/+=',
    AKIDWRONG: 'the-right-secret',
  };
  const seen: Seen[] = [];
  let server: http.Server;
  let endpoint = '';

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const result = verifySigV4(
          { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, bodySha256Hex: sha256Hex(body) },
          { region: 'us-east-1', service: 'lambda', callers: mapCallers(clientSecrets), nowMs: Date.now(), clockSkewMs: SKEW },
        );
        const keyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
        seen.push({ method: req.method ?? '', url: req.url ?? '', keyId, result });
        if (result.ok) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else {
          res
            .writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': result.error })
            .end(JSON.stringify({ Type: 'User', message: result.message }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const seenFor = (keyId: string): Seen[] => seen.filter((s) => s.keyId === keyId);

  function sdkClient(keyId: string, secret: string): LambdaClient {
    return new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: keyId, secretAccessKey: secret }, maxAttempts: 1 });
  }

  test('@aws-sdk/client-lambda v3', async () => {
    const client = sdkClient('AKIDSDKV3', clientSecrets.AKIDSDKV3!);
    try {
      await client.send(new GetAccountSettingsCommand({}));
      await client.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:f:1' }));
      await client.send(new GetFunctionCommand({ FunctionName: 'f', Qualifier: '$LATEST' }));
      await client.send(new ListFunctionsCommand({ MaxItems: 5, Marker: 'a b/c+d=', FunctionVersion: 'ALL' }));
      await client.send(new InvokeCommand({ FunctionName: 'my-fn', Payload: Buffer.from(JSON.stringify({ hello: 'wörld' })) }));
    } finally {
      client.destroy();
    }
    const mine = seenFor('AKIDSDKV3');
    assert.equal(mine.length, 5);
    assert.ok(mine.some((s) => s.url.includes('arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af%3A1')), JSON.stringify(mine.map((s) => s.url)));
    assert.ok(mine.some((s) => s.method === 'POST'));
    for (const s of mine) assert.deepEqual(okKey(s.result), { ok: true, accessKeyId: 'AKIDSDKV3' }, s.url);
  });

  test('@aws-sdk/client-lambda v3 with a wrong secret gets InvalidSignatureException', async () => {
    const client = sdkClient('AKIDWRONG', 'not-the-secret');
    try {
      await assert.rejects(client.send(new GetAccountSettingsCommand({})), (e: Error) => {
        assert.equal(e.name, 'InvalidSignatureException');
        assert.equal(e.message, MSG_SIGNATURE_MISMATCH);
        return true;
      });
    } finally {
      client.destroy();
    }
    const mine = seenFor('AKIDWRONG');
    assert.ok(mine.length >= 1);
    for (const s of mine) assert.deepEqual(s.result, { ok: false, error: 'InvalidSignatureException', message: MSG_SIGNATURE_MISMATCH });
    seen.length = 0;
  });

  function run(file: string, args: string[], keyId: string, secret: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: keyId,
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
    });
    return new Promise((resolve) => {
      execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  // Debian's aws CLI v2 and python3-boto3 (scripts/tools.manifest, installed by `make deps`),
  // never whichever `aws` or `python3` comes first on PATH. Run one at a time:
  // parallel Python start-ups on a 2-core CI machine hit the timeout.
  const cliArgs = (...a: string[]): string[] => ['lambda', ...a, '--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json'];

  test('aws CLI v2 and boto3: ok with the right secret, InvalidSignatureException with a wrong one', async () => {
    const CLI_V2 = tool('aws');
    const PYTHON = tool('python3');
    requirePythonModule('boto3');
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:f:1';
    const boto3Script = [
      'import boto3, sys',
      'from botocore.config import Config',
      "c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1', config=Config(retries={'total_max_attempts': 1}))",
      'c.get_account_settings()',
      `c.get_function(FunctionName='${arn}')`,
      "c.list_functions(MaxItems=3, Marker='a b/c+d=')",
      "c.invoke(FunctionName='my fn', Payload=b'{\"k\": \"v\"}')",
      "print('done')",
    ].join('\n');
    const v2a = await run(CLI_V2, cliArgs('get-account-settings'), 'AKIDCLIV2', clientSecrets.AKIDCLIV2!);
    const v2b = await run(CLI_V2, cliArgs('get-function', '--function-name', arn), 'AKIDCLIV2', clientSecrets.AKIDCLIV2!);
    const v2c = await run(CLI_V2, cliArgs('list-functions', '--max-items', '3', '--function-version', 'ALL'), 'AKIDCLIV2', clientSecrets.AKIDCLIV2!);
    const py = await run(PYTHON, ['-c', boto3Script, endpoint], 'AKIDBOTO3', clientSecrets.AKIDBOTO3!);
    const bad2 = await run(CLI_V2, cliArgs('get-account-settings'), 'AKIDWRONG', 'not-the-secret');
    for (const [name, r] of Object.entries({ v2a, v2b, v2c, py })) assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(py.stdout, /done/);
    for (const [keyId, n] of [['AKIDCLIV2', 3], ['AKIDBOTO3', 4]] as const) {
      const mine = seenFor(keyId);
      assert.equal(mine.length, n, `${keyId}: ${JSON.stringify(mine)}`);
      for (const s of mine) assert.deepEqual(okKey(s.result), { ok: true, accessKeyId: keyId }, `${keyId} ${s.method} ${s.url}`);
    }
    assert.ok(seenFor('AKIDCLIV2').some((s) => s.url.includes('%3Afunction%3Af%3A1')));
    assert.ok(seenFor('AKIDBOTO3').some((s) => s.url.includes('my%20fn')));
    assert.notEqual(bad2.code, 0);
    assert.match(bad2.stderr, /InvalidSignatureException/);
    const bad = seenFor('AKIDWRONG');
    assert.ok(bad.length >= 1);
    for (const s of bad) assert.deepEqual(s.result, { ok: false, error: 'InvalidSignatureException', message: MSG_SIGNATURE_MISMATCH });
  });
});
