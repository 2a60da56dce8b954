import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { limits } from '../config';
import { ApiError } from './errors';
import { verifySigV4 } from './sigv4';

/** Body bytes drained (and discarded) from an over-long request before the connection is cut. */
const drainBytesMax = 128 * 1024 * 1024;

export interface ApiRequest {
  method: string;
  /** Path split into decoded segments. */
  segments: string[];
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  /** `http://host:port` as the client addressed this server. */
  baseUrl: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialisable object, raw bytes, or nothing. */
  json?: unknown;
  raw?: Buffer;
}

export interface Route {
  method: string;
  /** Path template segments; `{x}` captures one segment. */
  path: string[];
  /** The AWS operation, used in size-limit messages. */
  operation: string;
  /** Largest body accepted (AWS's per-operation request limit). */
  bodyBytesMax: number;
  /** Whether SigV4 is required (everything but pre-signed code downloads). */
  auth: boolean;
  handle(req: ApiRequest, params: Record<string, string>): Promise<ApiResponse>;
}

export interface FrontendOptions {
  region: string;
  lookupSecret(accessKeyId: string): string | undefined;
  routes: Route[];
  /** Called with unexpected errors (never shown to the caller). */
  onInternalError(e: unknown): void;
}

/**
 * The AWS-compatible HTTP front end: reads the body within the operation's
 * limit, verifies SigV4, routes, and maps every failure to AWS's error shape.
 * The caller never sees a stack trace.
 */
/** While closing, how often connections that have become idle are closed. */
const closeSweepMs = 50;

export class Frontend {
  readonly server: http.Server;

  constructor(private readonly opts: FrontendOptions) {
    this.server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.headersTimeout = 65_000;
    this.server.requestTimeout = 15 * 60 * 1000 + 30_000;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(this.server.address() as AddressInfo));
    });
  }

  /**
   * Stops accepting connections and resolves once every connection is
   * closed. Idle keep-alive connections are closed at once, and again as
   * requests finish (a client keeping its connection open must not hold
   * the server up); after `graceMs`, or on `closeAllConnections()`, the
   * rest are cut.
   */
  close(graceMs: number): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => {
        clearInterval(sweep);
        clearTimeout(cut);
        r();
      });
      this.server.closeIdleConnections();
      const sweep = setInterval(() => this.server.closeIdleConnections(), closeSweepMs);
      const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
    });
  }

  /** Cuts every connection now (the server is stopping and will not wait for requests in flight). */
  closeAllConnections(): void {
    this.server.closeAllConnections();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q === -1 ? url : url.slice(0, q);
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      let segments: string[];
      try {
        segments = rawPath.split('/').filter((s) => s !== '').map(decodeURIComponent);
      } catch {
        throw new ApiError('UnknownOperationException', 'Unknown operation');
      }
      const match = this.match(req.method ?? 'GET', segments);
      if (!match) {
        req.resume();
        throw new ApiError('UnknownOperationException', 'Unknown operation');
      }
      const { route, params } = match;
      const body = await readBody(req, route);
      if (route.auth) {
        const auth = verifySigV4(
          {
            method: req.method ?? 'GET',
            url,
            headers: req.headers,
            bodySha256Hex: createHash('sha256').update(body).digest('hex'),
          },
          {
            region: this.opts.region,
            service: 'lambda',
            lookupSecret: this.opts.lookupSecret,
            nowMs: Date.now(),
            clockSkewMs: limits.sigV4ClockSkewMs,
          },
        );
        if (!auth.ok) throw new ApiError(auth.error, auth.message);
      }
      const host = req.headers.host ?? 'localhost';
      const out = await route.handle(
        { method: req.method ?? 'GET', segments, query, headers: req.headers, body, requestId, baseUrl: `http://${host}` },
        params,
      );
      send(res, out, requestId);
    } catch (e) {
      let err: ApiError;
      if (e instanceof ApiError) err = e;
      else {
        this.opts.onInternalError(e);
        err = new ApiError('ServiceException', 'An internal error occurred. Try again.');
      }
      const text = err.body();
      if (!res.headersSent) {
        res.writeHead(err.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': err.errorName,
        });
        res.end(text);
      } else res.destroy();
    }
  }

  private match(method: string, segments: string[]): { route: Route; params: Record<string, string> } | undefined {
    outer: for (const r of this.opts.routes) {
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

function send(res: http.ServerResponse, out: ApiResponse, requestId: string): void {
  const headers: Record<string, string | number> = { 'x-amzn-requestid': requestId, ...out.headers };
  let body: Buffer | string | undefined;
  if (out.raw !== undefined) body = out.raw;
  else if (out.json !== undefined) {
    body = JSON.stringify(out.json);
    headers['content-type'] = 'application/json';
  }
  headers['content-length'] = body === undefined ? 0 : Buffer.byteLength(body);
  res.writeHead(out.status, headers);
  res.end(body);
}

/** Reads the body up to the route's limit; past it, drains and answers AWS's size error. */
function readBody(req: http.IncomingMessage, route: Route): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () =>
      route.operation === 'Invoke'
        ? new ApiError('RequestTooLargeException', `Request must be smaller than ${limits.syncPayloadBytesMax} bytes for the InvokeFunction operation`)
        : new ApiError('RequestEntityTooLargeException', `Request must be smaller than ${route.bodyBytesMax} bytes for the ${route.operation} operation`);
    if (declared > drainBytesMax) {
      req.destroy();
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > route.bodyBytesMax) {
        over = true;
        chunks.length = 0;
        if (size > drainBytesMax) req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(tooLarge());
    });
  });
}

/** Parses a JSON object body with AWS's error for malformed content. */
export function jsonBody(req: ApiRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new ApiError('InvalidRequestContentException', `Could not parse request body into json: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ApiError('InvalidRequestContentException', 'Could not parse request body into json: expected a JSON object');
  }
  return v as Record<string, unknown>;
}
