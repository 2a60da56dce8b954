import http from 'node:http';
import { frontDoorTraceHeader } from '../tracing/trace-header';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { limits } from '../config';
import { DomainError } from '../domain/errors';
import type { FunctionUrlService } from '../function-urls/service';
import type { FunctionPolicyService } from '../control/function-policies';
import type { InvokeService } from '../invoke/service';
import { buildEvent, type UrlRequest } from '../function-urls/event';
import { interpretResponse } from '../function-urls/response';
import { isPreflight, preflightHeaders, withCorsHeaders } from '../function-urls/cors';
import { urlPayloadBytesMax } from '../function-urls/limits';
import { urlIdRe } from '../function-urls/url-id';
import { verifySigV4 } from './sigv4';
import { conditionContext } from './gateway';
import type { AuditSink } from './gateway';
import { accessDeniedMessage, type Authorizer, type CallerResolver } from '../identity/types';
import { Readable } from 'node:stream';
import type { StreamedInvokeResult } from '../invoke/streamed';
import { HttpPreludeSplitter, httpIntegrationContentType } from '../invoke/response-stream';
import { apiNotFound, executeApiHostRe, executeApiPrefix, serveHttpApi, type HttpApiServeDeps } from './http-api-serve';
import { requestPayloadBytesMax } from '../http-apis/limits';

/** What an AWS_IAM URL call needs of a signer other than the account's root (AWS: urls-auth). */
const urlActions = ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'] as const;
const urlImplicitDeny = { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' } as const;

/** While closing, how often connections that have become idle are closed. */
const closeSweepMs = 50;

/**
 * Path-based form of a URL (Kumo's choice, ARCHITECTURE.md "Choices"):
 * `http://<kumo host>:<url port>/lambda-url/<url-id>/<path>`, for clients
 * that cannot send a Host of their own; the function sees `/<path>`.
 */
export const pathPrefix = '/lambda-url/';
/** Host-based form: `<url-id>.lambda-url.<region>.<anything>` (Kumo reports `….localhost:<port>`). */
const hostRe = /^([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\./i;

export interface UrlListenerDeps {
  urls: FunctionUrlService;
  /** The functions' resource-based policies: a NONE URL serves only what its policy makes public (cached, no read per request). */
  policies: Pick<FunctionPolicyService, 'allowsPublicUrl'>;
  invoker: InvokeService;
  region: string;
  accountId: string;
  /** Access key (and session token) → who signed, for AWS_IAM URLs. */
  callers: CallerResolver;
  /** Decides `lambda:InvokeFunctionUrl` for a signer other than the account's root (absent: such signers are refused). */
  authorizer?: Authorizer;
  /** Where refusals are recorded (an allowed URL call is a data event: not audited). */
  audit?: AuditSink;
  /** HTTP APIs served on the same listener (host `<api-id>.execute-api.<region>.…` or `/execute-api/<api-id>/…`). */
  httpApis?: Pick<HttpApiServeDeps, 'byId'>;
  onInternalError(e: unknown): void;
  /**
   * The server's other accounts (issue 18): a URL or API id not found in this
   * account is looked up in theirs (ids are random and unique across accounts),
   * and served with that account's services.
   */
  others?(): readonly UrlListenerDeps[];
}

/** `stream`: the rest of the body, written to the client as the function writes it (RESPONSE_STREAM URLs), then `done` awaited. */
export type Reply = { status: number; headers: [string, string][]; body: Buffer | string; stream?: { rest: Readable; first: Buffer; done: Promise<unknown> } };

/** AWS's answers of the URL front end itself (not the function's): JSON `{"Message": …}` with x-amzn-ErrorType. */
const message = (status: number, errorType: string, msg: string | null): Reply => ({
  status,
  headers: [['content-type', 'application/json'], ['x-amzn-errortype', errorType]],
  body: JSON.stringify({ Message: msg }),
});
/** No URL with that id (recorded: test_lambda_url_non_existing_url: 403, `{"Message":null}`, AccessDeniedException). */
const noSuchUrl = () => message(403, 'AccessDeniedException', null);
/**
 * A NONE URL whose function policy does not grant public access (recorded:
 * test_lambda_permission_url_invocation: 403, AccessDeniedException), and an
 * AWS_IAM URL whose signer IAM does not allow (Kumo answers it the same way).
 */
const forbidden = () =>
  message(403, 'AccessDeniedException', 'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html');
/** A function error or a response the URL cannot map (recorded: test_lambda_url_invocation_exception: 502, "Internal Server Error"). */
const badGateway = (): Reply => ({ status: 502, headers: [['content-type', 'application/json']], body: 'Internal Server Error' });

/**
 * Kumo's listener for function URLs (its own port, KUMO_URL_PORT): finds the
 * URL config by the id in the Host (or the path-based prefix), checks
 * SigV4 (service `lambda`) for AWS_IAM, answers CORS preflights itself when
 * the config has Cors, builds the payload 2.0 event, invokes the function
 * through the same invoke path as Invoke (BUFFERED: the response is sent
 * once the function has finished) and maps its answer.
 */
export class UrlListener {
  private readonly server: http.Server;

  constructor(private readonly deps: UrlListenerDeps) {
    this.server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => void this.handle(req, res));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Accepts no new connection; requests in flight get `graceMs`, then the rest are cut. */
  close(graceMs: number): Promise<void> {
    return new Promise((r) => {
      const sweep = setInterval(() => this.server.closeIdleConnections(), closeSweepMs);
      const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearInterval(sweep);
        clearTimeout(cut);
        r();
      });
      this.server.closeIdleConnections();
    });
  }

  closeAllConnections(): void {
    this.server.closeAllConnections();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let reply: Reply;
    try {
      reply = await this.serve(req, requestId);
    } catch (e) {
      this.deps.onInternalError(e);
      reply = message(500, 'ServiceException', 'Internal Server Error');
    }
    if (res.headersSent || res.destroyed) return;
    const headers: [string, string][] = [...reply.headers, ['x-amzn-requestid', requestId]];
    const grouped: Record<string, string | string[]> = {};
    for (const [k, v] of headers) {
      const name = k.toLowerCase();
      const cur = grouped[name];
      if (cur === undefined) grouped[name] = v;
      else grouped[name] = Array.isArray(cur) ? [...cur, v] : [cur, v];
    }
    try {
      res.writeHead(reply.status, grouped);
      if (reply.stream) return pipeStream(res, reply.stream);
      res.end(reply.body);
    } catch (e) {
      // A header value the function returned that HTTP cannot carry (a newline…): AWS answers 502.
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
        res.end('Internal Server Error');
      } else res.destroy(e as Error);
    }
  }

  private async serve(req: http.IncomingMessage, requestId: string): Promise<Reply> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    let rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQueryString = q < 0 ? '' : rawUrl.slice(q + 1);
    let urlId: string | undefined;
    const host = req.headers.host ?? '';
    const apiReply = await this.serveApi(req, host, rawPath, rawQueryString, requestId);
    if (apiReply) return apiReply;
    const m = hostRe.exec(host);
    if (m) urlId = m[1]!.toLowerCase();
    else if (rawPath.startsWith(pathPrefix)) {
      const rest = rawPath.slice(pathPrefix.length);
      const slash = rest.indexOf('/');
      urlId = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
      rawPath = slash < 0 ? '/' : rest.slice(slash);
    }
    if (!urlId || !urlIdRe.test(urlId)) return this.drain(req, noSuchUrl());
    let deps = this.deps;
    let cfg = await deps.urls.byId(urlId);
    for (const o of cfg ? [] : (deps.others?.() ?? [])) {
      cfg = await o.urls.byId(urlId);
      if (cfg) {
        deps = o;
        break;
      }
    }
    if (!cfg) return this.drain(req, noSuchUrl());

    const body = await readBody(req, urlPayloadBytesMax);
    if (body === 'too-large') {
      // AWS: a request over the 6 MB invoke payload limit is refused before the function runs.
      return message(413, 'RequestEntityTooLargeException', `Request must be smaller than ${urlPayloadBytesMax} bytes for the InvokeFunction operation`);
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    };

    // A browser never signs a preflight: the URL answers it before any authentication (AWS_IAM URLs too).
    const method = req.method ?? 'GET';
    if (cfg.cors && isPreflight(method, header)) {
      return { status: 200, headers: preflightHeaders(cfg.cors, header), body: '' };
    }

    let iam: UrlRequest['iam'];
    if (cfg.authType === 'AWS_IAM') {
      const auth = verifySigV4(
        { method: req.method ?? 'GET', url: rawUrl, headers: req.headers, bodySha256Hex: createHash('sha256').update(body).digest('hex') },
        { region: deps.region, service: 'lambda', callers: deps.callers, nowMs: Date.now(), clockSkewMs: limits.sigV4ClockSkewMs },
      );
      // AWS answers every failed authentication of an AWS_IAM URL 403 AccessDeniedException; an unsigned request says only "Forbidden".
      if (!auth.ok) return message(403, 'AccessDeniedException', auth.error === 'MissingAuthenticationTokenException' ? 'Forbidden' : auth.message);
      const p = auth.caller.principal;
      if (p.type !== 'Root' || p.accountId !== deps.accountId) {
        // AWS (urls-auth): lambda:InvokeFunctionUrl and lambda:InvokeFunction on the function or alias, the context saying AWS_IAM and that the call came through the URL.
        const resource = deps.urls.arn(cfg);
        const context = { ...conditionContext(p, req, deps.region), 'lambda:FunctionUrlAuthType': 'AWS_IAM', 'lambda:InvokedViaFunctionUrl': 'true' };
        for (const action of urlActions) {
          const request = { action, resource, context };
          const d = deps.authorizer ? await deps.authorizer.authorize(p, request) : urlImplicitDeny;
          if (d.allowed) continue;
          // The URL front end says only "Forbidden…"; the trail keeps AWS's full message.
          deps.audit?.record({
            service: 'lambda', eventName: 'InvokeFunctionUrl', accessKeyId: p.accessKeyId, principal: p,
            sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), userAgent: header('user-agent'), requestId,
            region: deps.region, accountId: deps.accountId, timeMs: Date.now(), readOnly: false,
            input: { functionName: cfg.functionName, qualifier: cfg.qualifier }, error: { code: 'AccessDeniedException', message: accessDeniedMessage(p, request, d) },
            resource: { type: 'AWS::Lambda::Function', name: cfg.functionName },
          }).catch((e) => deps.onInternalError(e));
          return forbidden();
        }
      }
      iam = { accessKey: auth.accessKeyId, accountId: p.accountId, userArn: p.arn, userId: p.principalId };
    } else {
      // AuthType NONE: Lambda authenticates nobody, but the function's resource-based policy must allow the public (AWS: urls-auth).
      const ok = deps.policies.allowsPublicUrl(cfg.functionName, cfg.qualifier);
      if (!(typeof ok === 'boolean' ? ok : await ok)) return forbidden();
    }

    const sock = req.socket;
    const nowMs = Date.now();
    const traceId = frontDoorTraceHeader(req.headers['x-amzn-trace-id'], nowMs);
    const event = buildEvent(
      {
        method, rawPath, rawQueryString, body, iam,
        headers: pairs(req.rawHeaders),
        sourceIp: (sock.remoteAddress ?? '').replace(/^::ffff:/, ''),
        protocol: `HTTP/${req.httpVersion}`,
      },
      {
        urlId, region: deps.region, domainName: m ? host.replace(/:\d+$/, '') : host, requestId, nowMs,
        added: {
          'x-amzn-trace-id': traceId,
          'x-forwarded-for': (sock.remoteAddress ?? '').replace(/^::ffff:/, ''),
          'x-forwarded-port': String(sock.localPort ?? ''),
          'x-forwarded-proto': 'http',
        },
      },
    );
    const payload = Buffer.from(JSON.stringify(event), 'utf8');
    if (payload.length > urlPayloadBytesMax) {
      return message(413, 'RequestEntityTooLargeException', `Request must be smaller than ${urlPayloadBytesMax} bytes for the InvokeFunction operation`);
    }
    const qualifier = cfg.qualifier === '$LATEST' ? undefined : cfg.qualifier;
    let result;
    try {
      const target = await deps.invoker.resolve(cfg.functionName, qualifier);
      if (cfg.invokeMode === 'RESPONSE_STREAM') {
        const streamed = await deps.invoker.invokeStream({ name: cfg.functionName, qualifier, payload, tail: false, requestId, traceId }, target);
        const reply = await streamReply(streamed, method);
        const headers = cfg.cors ? withCorsHeaders(cfg.cors, header('origin'), reply.headers) : reply.headers;
        return { ...reply, headers };
      }
      result = await deps.invoker.invoke({ name: cfg.functionName, qualifier, payload, tail: false, requestId, traceId, answerFirst: true }, target);
    } catch (e) {
      if (e instanceof DomainError) {
        if (e.kind === 'Throttled') return message(429, 'TooManyRequestsException', 'Rate Exceeded.');
        // The URL's function or alias is gone (a deleted alias takes its URL with it; between the two, AWS says 403).
        if (e.kind === 'NotFound') return noSuchUrl();
        if (e.kind === 'PayloadTooLarge') return message(413, 'RequestEntityTooLargeException', e.message);
        return badGateway();
      }
      throw e;
    }
    if (result.functionError) return badGateway();
    const mapped = interpretResponse(result.payload);
    if (!mapped) return badGateway();
    const headers = cfg.cors ? withCorsHeaders(cfg.cors, header('origin'), mapped.headers) : mapped.headers;
    return { status: mapped.status, headers, body: method === 'HEAD' ? '' : mapped.body };
  }

  /** A request to an HTTP API (undefined: not one; the function URL forms are tried). */
  private async serveApi(req: http.IncomingMessage, host: string, rawPath: string, rawQueryString: string, requestId: string): Promise<Reply | undefined> {
    const apis = this.deps.httpApis;
    // A function URL's own host keeps every path for its function (`/execute-api/…` included).
    if (!apis || hostRe.test(host)) return undefined;
    let apiId: string;
    let path: string;
    let domainName = host.replace(/:\d+$/, '');
    const m = executeApiHostRe.exec(host);
    if (m) {
      apiId = m[1]!.toLowerCase();
      path = rawPath;
    } else if (rawPath.startsWith(executeApiPrefix)) {
      const rest = rawPath.slice(executeApiPrefix.length);
      const slash = rest.indexOf('/');
      apiId = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
      path = slash < 0 ? '/' : rest.slice(slash);
      domainName = `${apiId}.execute-api.${this.deps.region}.localhost`;
    } else return undefined;
    const body = await readBody(req, requestPayloadBytesMax);
    if (body === 'too-large') return { status: 413, headers: [['content-type', 'application/json']], body: JSON.stringify({ message: 'Request Entity Too Large' }) };
    if (!/^[a-z0-9]{10}$/.test(apiId)) return apiNotFound();
    // Another account's API (several accounts): served with that account's invoke path.
    let deps = this.deps;
    const others = deps.others?.() ?? [];
    if (others.length && !(await apis.byId(apiId))) {
      for (const o of others) {
        if (o.httpApis && (await o.httpApis.byId(apiId))) {
          deps = o;
          break;
        }
      }
    }
    const found = deps.httpApis ?? apis;
    return serveHttpApi(
      { byId: (id) => found.byId(id), invoker: deps.invoker, region: deps.region, accountId: deps.accountId },
      { apiId, path, rawQueryString, domainName, req, body, headerPairs: pairs(req.rawHeaders), requestId },
    );
  }

  /** Answers without reading a body the client may still send: it is discarded. */
  private drain(req: http.IncomingMessage, reply: Reply): Reply {
    req.resume();
    return reply;
  }
}

/**
 * A RESPONSE_STREAM URL's answer. A function that streams with
 * `awslambda.HttpResponseStream.from` sends a JSON prelude (statusCode,
 * headers, cookies) and 8 NUL bytes first: the status and headers come from
 * it, and everything after it is the body, written to the client as it
 * arrives (chunked; time to first byte does not wait for the function's end).
 * A stream without a prelude is the body as it is, 200, under the content
 * type the runtime sent. A function that did not stream (a buffered answer)
 * is mapped as a BUFFERED URL maps it, and a failure before any byte is
 * AWS's 502; a failure after the first byte can only end the response.
 */
async function streamReply(r: StreamedInvokeResult, method: string): Promise<Reply> {
  if (!r.streamed) {
    const chunks: Buffer[] = [];
    for await (const c of r.body) chunks.push(c as Buffer);
    const done = await r.completion;
    if (done.error) return badGateway();
    const mapped = interpretResponse(Buffer.concat(chunks));
    if (!mapped) return badGateway();
    return { status: mapped.status, headers: mapped.headers, body: method === 'HEAD' ? '' : mapped.body };
  }
  if (r.contentType !== httpIntegrationContentType) {
    return { status: 200, headers: [['content-type', r.contentType ?? 'application/octet-stream']], body: '', stream: { rest: r.body, first: Buffer.alloc(0), done: r.completion } };
  }
  const split = new HttpPreludeSplitter();
  const it = r.body[Symbol.asyncIterator]();
  for (;;) {
    const next = await it.next();
    if (next.done) {
      // The stream ended before its prelude did: the bytes are the body, under a plain 200.
      const rest = split.end();
      const done = await r.completion;
      if (done.error && rest.length === 0) return badGateway();
      return { status: 200, headers: [['content-type', 'application/octet-stream']], body: rest };
    }
    let part;
    try {
      part = split.push(next.value as Buffer);
    } catch {
      r.body.destroy();
      return badGateway();
    }
    if (!part || !('prelude' in part)) continue;
    const p = part.prelude;
    const headers: [string, string][] = Object.entries(p.headers ?? {}).map(([k, v]) => [k, String(v)]);
    if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/octet-stream']);
    for (const c of p.cookies ?? []) headers.push(['set-cookie', c]);
    const status = Number.isInteger(p.statusCode) ? p.statusCode! : 200;
    return { status, headers, body: '', stream: { rest: Readable.from(iteratorRest(it)), first: part.body, done: r.completion } };
  }
}

async function* iteratorRest(it: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  for (;;) {
    const n = await it.next();
    if (n.done) return;
    yield n.value as Buffer;
  }
}

/** Writes a streamed body with backpressure; a client that goes away stops the reading (the function runs on, as AWS's). */
async function pipeStream(res: http.ServerResponse, s: NonNullable<Reply['stream']>): Promise<void> {
  const gone = () => s.rest.destroy();
  res.once('close', gone);
  try {
    if (s.first.length) res.write(s.first);
    // Send the head and what came with it now: the client sees the first bytes before the function ends.
    (res as unknown as { flushHeaders?: () => void }).flushHeaders?.();
    for await (const chunk of s.rest) {
      if (res.destroyed) break;
      if (!res.write(chunk as Buffer)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
    }
    await s.done;
    if (!res.destroyed) res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', gone);
  }
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** The body, or 'too-large' as soon as it passes `max` bytes (the rest is discarded). */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => over || resolve(Buffer.concat(chunks)));
    req.on('error', (e) => (over ? undefined : reject(e)));
  });
}
