import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionEnvironment, Invocation } from '../sandbox/execution-environment';
import { limits } from '../config';

/**
 * The Runtime API (2018-06-01) for every EE of this server, on one listener
 * bound to the sandbox network's host address. An EE is recognised by the
 * source address of its connection (unique per live EE, and not spoofable
 * from inside: EEs hold no CAP_NET_RAW/NET_ADMIN), so a runtime can only ever
 * see and answer its own invocations.
 *
 * Routes (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
 *   GET  /2018-06-01/runtime/invocation/next
 *   POST /2018-06-01/runtime/invocation/{id}/response
 *   POST /2018-06-01/runtime/invocation/{id}/error
 *   POST /2018-06-01/runtime/init/error
 */
const PREFIX = '/2018-06-01/runtime/';
/** Response bodies from the runtime are read up to this size; over it → Function.ResponseSizeTooLarge. AWS: 6,291,556 bytes. */
const responseBytesMax = limits.syncResponseBytesMax;
/** How long a request from a not-yet-registered address waits for its EE. */
const earlyWaitMs = 5000;
/** Requests parked per unknown address. */
const earlyRequestsMax = 4;
/** Error bodies posted by runtimes are truncated beyond this. */
const errorBodyBytesMax = 256 * 1024;

/**
 * A pre-initialised EE not bound to a function yet (placement/prewarm-pool.ts).
 * Its runtime makes one request, a GET of `pooledConfigurationPath` (Kumo's,
 * EE-only), parked until a cold start answers it with the function's
 * configuration; anything else from that address is refused.
 */
export interface PooledEndpoint {
  /** The runtime is up and waiting: `answer` sends it its configuration (false when its connection is gone). */
  waiting(answer: (configuration: object) => boolean): void;
  /** Its wait ended without an answer (the runtime or its connection went away). */
  gone(): void;
}
export const pooledConfigurationPath = '/2018-06-01/kumo/execution-environment/configuration';

export interface RuntimeApiHooks {
  /** The runtime reported an init failure. */
  onInitError(ee: ExecutionEnvironment, errorType: string, body: Buffer): void;
}

export class RuntimeApiServer {
  private readonly server: http.Server;
  private readonly byIp = new Map<string, ExecutionEnvironment>();
  /** Pre-initialised EEs not bound to a function yet (placement/prewarm-pool.ts): they get one Kumo-internal route only. */
  private readonly pooled = new Map<string, PooledEndpoint>();
  /** Requests from an address whose EE is being registered (the runtime can start before create() returns). */
  private readonly early = new Map<string, (() => void)[]>();

  constructor(private readonly hooks: RuntimeApiHooks) {
    this.server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => this.handle(req, res));
    // Long polls wait as long as an EE stays idle: no server-side timeouts.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 0;
    this.server.timeout = 0;
  }

  listen(host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  register(ip: string, ee: ExecutionEnvironment): void {
    this.byIp.set(ip, ee);
    this.wake(ip);
  }

  /** Requests that arrived before their address was registered go on now. */
  private wake(ip: string): void {
    const waiting = this.early.get(ip);
    if (waiting) {
      this.early.delete(ip);
      for (const w of waiting) w();
    }
  }

  unregister(ip: string, ee: ExecutionEnvironment): void {
    if (this.byIp.get(ip) === ee) this.byIp.delete(ip);
  }

  /** A pre-initialised EE's address: its requests go to `route` until it is unregistered (bound or destroyed). */
  registerPooled(ip: string, endpoint: PooledEndpoint): void {
    this.pooled.set(ip, endpoint);
    this.wake(ip);
  }

  unregisterPooled(ip: string, endpoint: PooledEndpoint): void {
    if (this.pooled.get(ip) === endpoint) this.pooled.delete(ip);
  }

  /** A pre-initialised EE's request: its one configuration wait, parked; nothing else. */
  private pooledRequest(endpoint: PooledEndpoint, req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    if (req.method !== 'GET' || req.url !== pooledConfigurationPath) {
      return reply(res, 403, { errorType: 'Forbidden', errorMessage: 'this execution environment has no function yet' });
    }
    let answered = false;
    res.once('close', () => {
      if (!answered) endpoint.gone();
    });
    endpoint.waiting((configuration) => {
      if (answered || res.destroyed) return false;
      answered = true;
      reply(res, 200, configuration);
      return true;
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const ip = normaliseIp(req.socket.remoteAddress);
    const ee = this.byIp.get(ip);
    if (ee) return this.route(ee, req, res);
    const pooled = this.pooled.get(ip);
    if (pooled) return this.pooledRequest(pooled, req, res);
    // The runtime may call before its EE is registered; wait briefly for it.
    let list = this.early.get(ip);
    if (!list) this.early.set(ip, (list = []));
    if (list.length >= earlyRequestsMax) return reply(res, 403, { errorType: 'Forbidden', errorMessage: 'unknown execution environment' });
    const timer = setTimeout(() => {
      const l = this.early.get(ip);
      if (l) {
        const i = l.indexOf(go);
        if (i >= 0) l.splice(i, 1);
        if (!l.length) this.early.delete(ip);
      }
      reply(res, 403, { errorType: 'Forbidden', errorMessage: 'unknown execution environment' });
    }, earlyWaitMs);
    const go = () => {
      clearTimeout(timer);
      const found = this.byIp.get(ip);
      if (found) this.route(found, req, res);
      else if (this.pooled.has(ip)) this.pooledRequest(this.pooled.get(ip)!, req, res);
    };
    list.push(go);
  }

  /**
   * A streamed response: the request body itself goes to the caller as it
   * arrives (the invoke path reads it, within its own limit); the EE is idle
   * again when the body has ended. A body cut off before its end leaves the
   * runtime in an unknown state: the EE fails and is not reused.
   */
  private streamed(ee: ExecutionEnvironment, id: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!ee.streamResponse(id, req, headerString(req, 'content-type'), () => trailerError(req))) {
      req.resume();
      return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
    }
    req.once('end', () => {
      ee.endStream(id);
      reply(res, 202, accepted);
    });
    req.once('close', () => {
      if (!req.complete) ee.fail('Runtime.ExitError', `RequestId: ${id} Error: the runtime's response stream ended before it was complete`);
    });
  }

  private route(ee: ExecutionEnvironment, req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return reply(res, 404, { errorType: 'NotFound', errorMessage: 'unknown route' });
    const rest = url.slice(PREFIX.length);

    if (req.method === 'GET' && rest === 'invocation/next') {
      req.resume();
      const waiter = { deliver: (inv: Invocation) => deliverNext(res, inv) };
      // A runtime that goes away (exit, or a client-side timeout on its long
      // poll) must not be handed work through the dead connection.
      res.once('close', () => ee.dropWaiter(waiter));
      return ee.onNext(waiter);
    }
    if (req.method === 'POST' && rest === 'init/error') {
      return readBody(req, errorBodyBytesMax, (body) => {
        this.hooks.onInitError(ee, headerString(req, 'lambda-runtime-function-error-type') ?? 'Runtime.Unknown', body);
        reply(res, 202, accepted);
      });
    }
    if (req.method === 'POST' && rest.startsWith('invocation/')) {
      const slash = rest.indexOf('/', 11);
      const id = decodeURIComponent(rest.slice(11, slash));
      const kind = rest.slice(slash + 1);
      if (kind === 'response' && headerString(req, 'lambda-runtime-function-response-mode') === 'streaming') {
        return this.streamed(ee, id, req, res);
      }
      if (kind === 'response') {
        return readBody(req, responseBytesMax, (body, tooLarge) => {
          if (tooLarge) {
            const ok = ee.complete(id, {
              kind: 'error',
              errorType: 'Function.ResponseSizeTooLarge',
              body: Buffer.from(
                JSON.stringify({
                  errorMessage: `Response payload size exceeded maximum allowed payload size (${responseBytesMax} bytes).`,
                  errorType: 'Function.ResponseSizeTooLarge',
                }),
              ),
            });
            return reply(res, ok ? 413 : 400, {
              errorType: ok ? 'RequestEntityTooLarge' : 'InvalidRequestID',
              errorMessage: ok ? 'Response payload too large' : 'Invalid request ID',
            });
          }
          const ok = ee.complete(id, { kind: 'response', body });
          reply(res, ok ? 202 : 400, ok ? accepted : { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
        });
      }
      if (kind === 'error') {
        return readBody(req, errorBodyBytesMax, (body) => {
          const errorType = headerString(req, 'lambda-runtime-function-error-type') ?? 'Unhandled';
          const ok = ee.complete(id, { kind: 'error', body, errorType });
          reply(res, ok ? 202 : 400, ok ? accepted : { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
        });
      }
    }
    req.resume();
    reply(res, 404, { errorType: 'NotFound', errorMessage: 'unknown route' });
  }
}

/** Answers a parked GET /next with an invocation; false if that connection has already closed. */
/** Errors a streaming runtime reports after its body, in HTTP trailers (AWS's Runtime API response streaming). */
function trailerError(req: http.IncomingMessage): { errorType: string; body: Buffer } | undefined {
  const type = req.trailers['lambda-runtime-function-error-type'];
  if (typeof type !== 'string' || type === '') return undefined;
  const body = req.trailers['lambda-runtime-function-error-body'];
  return { errorType: type, body: typeof body === 'string' ? Buffer.from(body, 'base64') : Buffer.alloc(0) };
}

function deliverNext(res: http.ServerResponse, inv: Invocation): boolean {
  if (res.destroyed || res.writableEnded || res.socket?.destroyed !== false) return false;
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': inv.payload.length,
    'lambda-runtime-aws-request-id': inv.requestId,
    'lambda-runtime-deadline-ms': String(inv.deadlineMs),
    'lambda-runtime-invoked-function-arn': inv.invokedFunctionArn,
    'lambda-runtime-trace-id': inv.traceId,
  };
  if (inv.clientContext !== undefined) headers['lambda-runtime-client-context'] = inv.clientContext;
  if (inv.cognitoIdentity !== undefined) headers['lambda-runtime-cognito-identity'] = inv.cognitoIdentity;
  res.writeHead(200, headers);
  res.end(inv.payload);
  return true;
}

/** The answer to every accepted response or error post (JSON text made once). */
const accepted = { status: 'OK' } as const;
const acceptedText = JSON.stringify(accepted);

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = body === accepted ? acceptedText : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function headerString(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a body up to `max` bytes; past it the rest is discarded and `tooLarge` is true. */
function readBody(req: http.IncomingMessage, max: number, done: (body: Buffer, tooLarge: boolean) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > max) {
      tooLarge = true;
      chunks.length = 0;
    } else if (!tooLarge) chunks.push(c);
  });
  req.on('end', () => done(tooLarge ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), tooLarge));
  req.on('error', () => undefined);
}

function normaliseIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
