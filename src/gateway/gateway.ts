import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { pipeline } from 'node:stream';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { limits } from '../config';
import { verifySigV4, type SigV4ErrorName } from './sigv4';
import { clientError, gatewayError, ServiceError, type ErrorSpec } from './errors';
import type { Members, Operation, OperationContext, ProtocolName, Route, ServiceDefinition, ServiceIam } from './service';
import { accessDeniedMessage, type Authorizer, type AuthzDecision, type CallerResolver, type ConditionContext, type Principal } from '../identity/types';
import { decodeJson, encodeJson, encodeJsonError } from './protocols/json';
import { decodeQuery, encodeQuery, encodeQueryError } from './protocols/query';
import { decodeCbor, encodeCbor, encodeCborError } from './protocols/cbor';
import { encodeRest, encodeRestError, RouteTable } from './protocols/rest-json';
import type { WireResponse } from './protocols/wire';
import type { ApiCall } from '../audit/record';
import { isReadOnly, resourceOf } from '../audit/resources';
import { auditPendingEventsMax } from '../audit/limits';

/** Body bytes drained (and discarded) from an over-long request before the connection is cut. */
const drainBytesMax = 128 * 1024 * 1024;
/** Request body limit of an RPC operation that names none (AWS's JSON services accept about 1 MB). */
const rpcBodyBytesMaxDefault = 1024 * 1024;
/**
 * Request body limit of a query-protocol request before its Action is known:
 * this, or the largest `bodyBytesMax` among the service's operations (SQS's
 * SendMessage carries a 1 MiB message, form-encoded); the operation's own
 * limit is applied once the Action is read.
 */
const queryBodyBytesMax = 1024 * 1024;

const queryBodyLimits = new WeakMap<ServiceDefinition, number>();
function queryBodyLimit(service: ServiceDefinition): number {
  let max = queryBodyLimits.get(service);
  if (max === undefined) {
    max = queryBodyBytesMax;
    for (const op of Object.values(service.operations ?? {})) if (op.bodyBytesMax !== undefined && op.bodyBytesMax > max) max = op.bodyBytesMax;
    queryBodyLimits.set(service, max);
  }
  return max;
}
/** While closing, how often connections that have become idle are closed. */
const closeSweepMs = 50;

export interface GatewayOptions {
  region: string;
  /** The account the audit trail names (recipientAccountId). */
  accountId?: string;
  /** Access key (and session token) → who signed (src/identity/types.ts): the account's root, an IAM user, a role session. */
  callers: CallerResolver;
  /**
   * Decides each call of a principal other than the account's root, for
   * services that declare `iam`. Absent: such callers are refused every such
   * call (fail closed).
   */
  authorizer?: Authorizer;
  /**
   * Control plane vs data plane (KUMO_INVOKE_PORT): `management` refuses
   * Lambda's invoke operations (they are served at `invokeAddress`);
   * `invoke` serves those and nothing else. Absent: everything here.
   */
  plane?: { serve: 'management'; invokeAddress: string } | { serve: 'invoke' };
  services: readonly ServiceDefinition[];
  /** Called with unexpected errors (never shown to the caller). */
  onInternalError(e: unknown): void;
  /** Where management calls are recorded (the audit trail); a write's record is durable before it is answered. */
  audit?: AuditSink;
}

/** What the gateway needs of the audit trail. */
export interface AuditSink {
  record(c: ApiCall): Promise<void>;
  /** Events not yet stored: above `auditPendingEventsMax`, reads wait for their record too. */
  readonly backlog: number;
}

/** How a request was recognised: enough to encode an error the way the caller expects it. */
interface Dispatch {
  service: ServiceDefinition | undefined;
  protocol: ProtocolName;
  /** A JSON-RPC request whose body (and answer) is CBOR, with this content type. */
  cborContentType?: string;
  /** Set once the request is authenticated and its operation known: what the audit trail records. */
  call?: { operation: string; eventName: string; accessKeyId: string; principal: Principal; input: unknown; output?: unknown };
  /** The gateway of the account that serves the call, when not the one that received it (several accounts): it authorises, runs and audits it. */
  owner?: Gateway;
}

/** Lambda's data-plane operations: what an invoke listener serves (KUMO_INVOKE_PORT), and all it serves. */
export const invokeOperations: ReadonlySet<string> = new Set(['Invoke', 'InvokeAsync', 'InvokeWithResponseStream']);
/** The refusal of an operation on the wrong listener (Kumo's choice, ARCHITECTURE.md "Choices"). */
const wrongPlane = { name: 'AccessDeniedException', spec: clientError(403, 'Message') } as const;
const implicitDeny: AuthzDecision = { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' };

/**
 * One HTTP listener for every AWS service Kumo speaks. For each request, in
 * order:
 *   1. recognise the service and protocol: `X-Amz-Target` (JSON 1.0/1.1),
 *      `smithy-protocol: rpc-v2-cbor` (CBOR), the SigV4 credential scope's
 *      service with a form-encoded `Action=` (query), else that service's
 *      REST routes (method + path); unsigned requests only reach routes that
 *      need no signature (pre-signed code downloads);
 *   2. read the body within the operation's limit;
 *   3. verify SigV4 for that service's signing name;
 *   4. decode with the protocol, call the operation with its members;
 *   5. encode the output, or the error, the way that protocol and service do.
 * The caller never sees a stack trace: unexpected errors become the service's
 * internal error and are logged on the server.
 */
export class Gateway {
  readonly server: http.Server;
  /**
   * HTTP/2 over cleartext with prior knowledge (h2c): @aws-sdk/client-kinesis
   * sends every request through its HTTP/2 handler by default. The listening
   * socket is `front`, which reads a connection's first bytes and hands it to
   * the HTTP/2 server when they are HTTP/2's preface (`PRI * HTTP/2.0`), else
   * to the HTTP/1.1 server; both call the same `handle`.
   */
  private readonly h2: http2.Http2Server;
  private readonly front: net.Server;
  private readonly extraFronts: net.Server[] = [];
  private readonly h2Sessions = new Set<http2.ServerHttp2Session>();
  private readonly bySigningName = new Map<string, ServiceDefinition>();
  private readonly byTargetPrefix = new Map<string, ServiceDefinition>();
  private readonly byCborName = new Map<string, ServiceDefinition>();
  private readonly routes = new Map<ServiceDefinition, RouteTable>();
  /** Routes that need no signature, across services (tried for unsigned requests). */
  private readonly unsigned: { service: ServiceDefinition; table: RouteTable }[] = [];

  private readonly byName = new Map<string, ServiceDefinition>();

  /**
   * Several accounts (issue 18): every account's gateway of the same kind
   * (API or invoke listener), by account id. Once a request is verified and
   * decoded, the account whose resource it names (`ServiceDefinition.ownerAccount`:
   * a queue URL, a topic or function ARN), else the signer's account, serves
   * it: that gateway authorises it (a caller of another account by both
   * sides' policies), runs it with its services and audits it. So the caller
   * is resolved once, by the gateway that received the request. Unset on a
   * server with one account (no cost on its invoke path).
   */
  private peers: ((accountId: string) => Gateway | undefined) | undefined;

  setPeers(peers: (accountId: string) => Gateway | undefined): void {
    this.peers = peers;
  }

  constructor(private readonly opts: GatewayOptions) {
    for (const s of opts.services) {
      if (this.bySigningName.has(s.signingName)) throw new Error(`two services sign as ${s.signingName}`);
      this.bySigningName.set(s.signingName, s);
      this.byName.set(s.name, s);
      if (s.json) for (const p of [s.json.targetPrefix, ...(s.json.targetPrefixAliases ?? [])]) this.byTargetPrefix.set(p, s);
      if (s.cbor) this.byCborName.set(s.cbor.serviceName, s);
      if (s.restJson) {
        this.routes.set(s, new RouteTable(s.restJson.routes));
        const open = s.restJson.routes.filter((r) => !r.auth);
        if (open.length) this.unsigned.push({ service: s, table: new RouteTable(open) });
      }
    }
    this.server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.headersTimeout = 65_000;
    this.server.requestTimeout = 15 * 60 * 1000 + 30_000;
    // The HTTP/1.1 server never listens itself (the front does): its connection
    // tracking, which closeIdleConnections/closeAllConnections and the request
    // and headers timeouts rely on, starts on 'listening', so it is started here.
    this.server.emit('listening');
    this.h2 = http2.createServer({}, (req, res) => {
      // HTTP/2 names the host `:authority`; SigV4 signed it as `host`.
      if (req.headers.host === undefined && req.headers[':authority'] !== undefined) req.headers.host = req.headers[':authority'];
      void this.handle(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
    });
    this.h2.on('session', (s) => {
      this.h2Sessions.add(s);
      s.on('close', () => this.h2Sessions.delete(s));
    });
    this.front = this.createFront();
  }

  /** A listening socket that hands each connection to the HTTP/2 or the HTTP/1.1 server by its first bytes. */
  private createFront(): net.Server {
    return net.createServer({ noDelay: true }, (socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        if (first.subarray(0, 3).toString('latin1') === 'PRI') {
          // The HTTP/2 session reads what is buffered itself, then the socket's handle.
          this.h2.emit('connection', socket);
        } else {
          this.server.emit('connection', socket);
          socket.resume();
        }
      });
      socket.on('error', () => socket.destroy());
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listenOn(this.front, port, host);
  }

  /**
   * The same gateway on one more address (the sandbox bridge's, for EEs):
   * same handler, closed with the main listener.
   */
  async listenAlso(port: number, host: string): Promise<AddressInfo> {
    const f = this.createFront();
    const a = await listenOn(f, port, host);
    this.extraFronts.push(f);
    return a;
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
      // The front counts every connection it accepted, whichever server took it.
      this.server.close(() => undefined); // stops its timeout checker (it was never listening: the callback gets ERR_SERVER_NOT_RUNNING)
      const fronts = [this.front, ...this.extraFronts];
      let open = fronts.length;
      for (const f of fronts) {
        f.close(() => {
          if (--open > 0) return;
          clearInterval(sweep);
          clearTimeout(cut);
          r();
        });
      }
      const closeIdle = () => {
        this.server.closeIdleConnections();
        // An HTTP/2 session closes once its streams in flight have ended.
        for (const s of this.h2Sessions) s.close();
      };
      closeIdle();
      const sweep = setInterval(closeIdle, closeSweepMs);
      const cut = setTimeout(() => this.closeAllConnections(), graceMs);
    });
  }

  /** Cuts every connection now (the server is stopping and will not wait for requests in flight). */
  closeAllConnections(): void {
    this.server.closeAllConnections();
    for (const s of this.h2Sessions) s.destroy();
  }

  /** Serves one request (also called by another account's gateway, whose listener received it). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const d: Dispatch = { service: undefined, protocol: 'rest-json' };
    try {
      const w = await this.dispatch(req, requestId, d);
      if (d.call) await (d.owner ?? this).audited(req, requestId, d, undefined);
      send(res, w, requestId);
    } catch (e) {
      let err: ServiceError | undefined;
      if (e instanceof ServiceError) err = e;
      else err = d.service?.mapError?.(e);
      if (!err) {
        this.opts.onInternalError(e);
        const name = d.service?.internalErrorName ?? 'InternalFailure';
        err = new ServiceError(name, d.service?.errors[name] ?? { status: 500, fault: 'server', messageKey: 'message' }, 'An internal error occurred. Try again.');
      }
      if (d.call) void (d.owner ?? this).audited(req, requestId, d, err).catch((x) => this.opts.onInternalError(x));
      if (!res.headersSent) send(res, encodeError(d, err, requestId), requestId);
      else res.destroy();
    }
  }

  /**
   * Records a management call (never a data-plane one: `dataPlane`). A
   * successful write waits for its record to be durable, so no change is
   * answered without its trail; reads and failures are recorded on the side
   * (unless the trail is behind by `auditPendingEventsMax`).
   */
  private audits(service: ServiceDefinition, operation: string): boolean {
    return this.opts.audit !== undefined && !service.dataPlane?.has(operation);
  }

  private audited(req: http.IncomingMessage, requestId: string, d: Dispatch, err: ServiceError | undefined): Promise<void> {
    const audit = this.opts.audit!;
    const c = d.call!;
    const readOnly = isReadOnly(c.operation);
    const p = audit.record({
      service: d.service!.signingName,
      eventName: c.eventName,
      accessKeyId: c.accessKeyId,
      principal: c.principal,
      sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      userAgent: header(req, 'user-agent'),
      requestId,
      region: this.opts.region,
      accountId: this.opts.accountId ?? '000000000000',
      timeMs: Date.now(),
      readOnly,
      input: c.input,
      output: c.output,
      ...(err ? { error: { code: err.errorName, message: err.message } } : {}),
      resource: resourceOf(d.service!.signingName, c.input),
    });
    if (!err && (!readOnly || audit.backlog > auditPendingEventsMax)) return p;
    p.catch((x) => this.opts.onInternalError(x));
    return Promise.resolve();
  }

  private async dispatch(req: http.IncomingMessage, requestId: string, d: Dispatch): Promise<WireResponse> {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const ctx: OperationContext = { requestId, accessKeyId: undefined, region: this.opts.region, baseUrl: `http://${req.headers.host ?? 'localhost'}`, protocol: 'rest-json', path: rawPath };

    // 1. Which service, which protocol.
    const target = header(req, 'x-amz-target');
    if (target !== undefined) {
      d.protocol = ctx.protocol = 'json';
      const dot = target.lastIndexOf('.');
      if (this.opts.plane?.serve === 'invoke') return drainAnd(req, notOnInvokeListener(target.slice(dot + 1)));
      d.service = this.byTargetPrefix.get(target.slice(0, dot));
      const op = d.service?.operations?.[target.slice(dot + 1)];
      if (!d.service || !op) return drainAnd(req, unknownOperation(d.service));
      const body = await readBody(req, op.bodyBytesMax ?? rpcBodyBytesMaxDefault, target.slice(dot + 1), d.service);
      const cborType = d.service.json?.cborContentType;
      if (cborType && (header(req, 'content-type') ?? '').toLowerCase().startsWith(cborType)) d.cborContentType = cborType;
      const p = (ctx.principal = this.verify(req, url, body, d.service, d.protocol));
      ctx.accessKeyId = p.accessKeyId;
      const input = d.cborContentType ? decodeCbor(body) : decodeJson(body);
      if (!input.ok) throw gatewayError('SerializationException', input.error, d.service.errors);
      const name = target.slice(dot + 1);
      const out = await this.ownerOf(d, name, input.value, ctx).execute(req, d, name, input.value, ctx);
      return d.cborContentType ? encodeCbor(out, d.cborContentType) : encodeJson(d.service.json!.version, out);
    }
    if (header(req, 'smithy-protocol') === 'rpc-v2-cbor') {
      d.protocol = ctx.protocol = 'rpc-v2-cbor';
      const m = /^\/service\/([^/]+)\/operation\/([^/]+)$/.exec(rawPath);
      if (this.opts.plane?.serve === 'invoke') return drainAnd(req, notOnInvokeListener(m?.[2] ?? 'This operation'));
      d.service = m ? this.byCborName.get(m[1]!) : undefined;
      const op = m ? d.service?.operations?.[m[2]!] : undefined;
      if (!d.service || !op) return drainAnd(req, unknownOperation(d.service));
      const body = await readBody(req, op.bodyBytesMax ?? rpcBodyBytesMaxDefault, m![2]!, d.service);
      const p = (ctx.principal = this.verify(req, url, body, d.service, d.protocol));
      ctx.accessKeyId = p.accessKeyId;
      const input = decodeCbor(body);
      if (!input.ok) throw gatewayError('SerializationException', input.error, d.service.errors);
      const out = await this.ownerOf(d, m![2]!, input.value, ctx).execute(req, d, m![2]!, input.value, ctx);
      return encodeCbor(out);
    }
    const scope = scopeService(req, rawQuery);
    const service = scope !== undefined ? this.bySigningName.get(scope) : undefined;
    d.service = service;
    if (service?.query && isQueryRequest(req, method, rawQuery)) {
      d.protocol = ctx.protocol = 'query';
      const body = await readBody(req, queryBodyLimit(service), 'query', service);
      const form = new URLSearchParams(method === 'GET' ? rawQuery : body.toString('utf8'));
      const decoded = decodeQuery(form);
      if (!decoded.ok) throw gatewayError('ValidationException', decoded.error, service.errors);
      const { action, input } = decoded.value;
      const op: Operation | undefined = action ? service.operations?.[action] : undefined;
      // The query services' common errors (SQS's and SNS's Common Errors pages), not the JSON protocols' UnknownOperationException.
      if (!action) throw new ServiceError('MissingAction', clientError(400), 'The request is missing an action or a required parameter.');
      if (!op) throw new ServiceError('InvalidAction', clientError(400), 'The action or operation requested is invalid. Verify that the action is typed correctly.');
      if (op.bodyBytesMax !== undefined && body.length > op.bodyBytesMax) throw tooLarge(op.bodyBytesMax, action, service);
      if (this.opts.plane?.serve === 'invoke') throw notOnInvokeListener(action);
      const p = (ctx.principal = this.verify(req, url, body, service, 'query'));
      ctx.accessKeyId = p.accessKeyId;
      const out = await this.ownerOf(d, action, input, ctx).execute(req, d, action, input, ctx);
      return encodeQuery(action, service.query.xmlNamespace, requestId, out);
    }

    // REST: method + path within the signing service, or an unsigned route of any service.
    let segments: string[];
    try {
      segments = rawPath.split('/').filter((s) => s !== '').map(decodeURIComponent);
    } catch {
      return drainAnd(req, unknownOperation(service));
    }
    let match: { route: Route; params: Record<string, string> } | undefined;
    if (service) match = this.routes.get(service)?.match(method, segments);
    else if (scope === undefined) {
      for (const u of this.unsigned) {
        match = u.table.match(method, segments);
        if (match) {
          d.service = u.service;
          break;
        }
      }
      // Unsigned and matching no open route: the default REST service answers (AWS: MissingAuthenticationToken).
      if (!match) d.service = this.opts.services.find((s) => s.restJson);
      if (!match && d.service) match = this.routes.get(d.service)?.match(method, segments);
    }
    if (!match) return drainAnd(req, this.opts.plane?.serve === 'invoke' ? notOnInvokeListener('This operation') : unknownOperation(d.service));
    const { route, params } = match;
    const plane = this.opts.plane;
    if (plane) {
      const invoke = d.service!.name === 'lambda' && invokeOperations.has(route.operation);
      if (plane.serve === 'invoke' && !invoke) return drainAnd(req, notOnInvokeListener(route.operation));
      if (plane.serve === 'management' && invoke) return drainAnd(req, new ServiceError(wrongPlane.name, wrongPlane.spec, `${route.operation} is served on Kumo's invoke address (${plane.invokeAddress}), not on the management API.`));
    }
    const body = await readBody(req, route.bodyBytesMax, route.operation, d.service!, route.tooLarge);
    if (!route.auth) return this.executeRest(req, d, route, params, segments, body, rawQuery, ctx);
    const p = (ctx.principal = this.verify(req, url, body, d.service!, 'rest-json'));
    ctx.accessKeyId = p.accessKeyId;
    if (!this.peers) return this.executeRest(req, d, route, params, segments, body, rawQuery, ctx);
    const pathMembers = restInput(params, emptyBody, req, d.service!.restJson?.paramMembers);
    for (const [k, v] of new URLSearchParams(rawQuery)) if (!(k in pathMembers)) pathMembers[k] = v;
    const owner = this.ownerOf(d, route.operation, pathMembers, ctx);
    if (owner === this) return this.executeRest(req, d, route, params, segments, body, rawQuery, ctx);
    // The same route in the owner's table (every account's gateway has the same services and routes).
    const there = owner.routes.get(d.service!)?.match(method, segments);
    if (!there) return drainAnd(req, unknownOperation(d.service));
    return owner.executeRest(req, d, there.route, there.params, segments, body, rawQuery, ctx);
  }

  /** The operation of an RPC protocol, by the gateway that serves it (`ownerOf`): audit, authorisation, the operation. */
  private async execute(req: http.IncomingMessage, d: Dispatch, operation: string, input: Members, ctx: OperationContext): Promise<Members | void> {
    const service = d.service!;
    const p = ctx.principal!;
    if (this.audits(service, operation)) d.call = { operation, eventName: operation, accessKeyId: p.accessKeyId, principal: p, input };
    if (!this.isOwnRoot(p)) await this.authorise(req, d, service, operation, operation, input, ctx);
    const out = await service.operations![operation]!.handle(input, ctx);
    if (d.call) d.call.output = out;
    return out;
  }

  /**
   * With several accounts, the gateway that serves a verified call: the
   * account its resource names (`ownerAccount`), else the signer's; this
   * one when that account is this one or is not on this server (the call
   * then finds nothing here, as AWS finds nothing in an account it cannot
   * see). Sets `d.owner` and `d.service` to the owner's.
   */
  private ownerOf(d: Dispatch, operation: string, input: Members, ctx: OperationContext): Gateway {
    if (!this.peers) return this;
    const p = ctx.principal!;
    const named = d.service!.ownerAccount?.(operation, input, ctx);
    let g = named !== undefined ? this.peers(named) : undefined;
    g ??= this.peers(p.accountId);
    if (!g || g === this) return this;
    const s = g.byName.get(d.service!.name);
    if (!s) return this;
    d.owner = g;
    d.service = s;
    return g;
  }

  /** A REST route, by the gateway that serves it: audit, authorisation, the route's handler. */
  private async executeRest(
    req: http.IncomingMessage, d: Dispatch, route: Route, params: Record<string, string>, segments: string[], body: Buffer, rawQuery: string, ctx: OperationContext,
  ): Promise<WireResponse> {
    if (route.auth) {
      const p = ctx.principal!;
      const operation = route.operationOf?.(new URLSearchParams(rawQuery)) ?? route.operation;
      // Data-plane routes (Invoke) skip this entirely: their bodies are never parsed twice.
      if (this.audits(d.service!, operation)) d.call = { operation, eventName: restEventName(operation, segments), accessKeyId: p.accessKeyId, principal: p, input: restInput(params, body, req, d.service!.restJson?.paramMembers) };
      if (!this.isOwnRoot(p)) {
        // What `iam.resources` reads: path parameters, the query string's members, and the JSON body unless the route is data-plane (an Invoke payload is never parsed).
        const members = d.call ? { ...(d.call.input as Members) } : restInput(params, d.service!.dataPlane?.has(operation) ? emptyBody : body, req, d.service!.restJson?.paramMembers);
        for (const [k, v] of new URLSearchParams(rawQuery)) if (!(k in members)) members[k] = v;
        await this.authorise(req, d, d.service!, operation, restEventName(operation, segments), members, ctx);
      }
    }
    const out = await route.handle(
      {
        method: req.method ?? 'GET', segments, query: new URLSearchParams(rawQuery), headers: req.headers, body, requestId: ctx.requestId, baseUrl: ctx.baseUrl,
        accessKeyId: ctx.accessKeyId, principal: ctx.principal, ...(ctx.principal ? { conditions: () => conditionContext(ctx.principal!, req, ctx.region) } : {}),
      },
      params,
    );
    if (d.call) d.call.output = (out as { json?: unknown }).json;
    return encodeRest(out);
  }

  /**
   * Authorisation of a principal other than the account's root (the root's
   * requests never come here: no context is built for them). The action is
   * `<prefix>:<actions[op] ?? op>`; each resource of `iam.resources` is asked
   * of the Authorizer, and the first refusal is the service's AccessDenied
   * with AWS's message. A service without `iam`, or with no Authorizer, is
   * refused to such callers (fail closed). A refusal is audited, data-plane
   * operation or not.
   */
  private async authorise(req: http.IncomingMessage, d: Dispatch, service: ServiceDefinition, operation: string, eventName: string, input: Members, ctx: OperationContext): Promise<void> {
    const p = ctx.principal!;
    const iam = service.iam;
    const az = this.opts.authorizer;
    const action = `${iam?.prefix ?? service.signingName}:${iam?.actions?.[operation] ?? operation}`;
    const resources = iam ? iam.resources(operation, input, ctx) : ['*'];
    if (resources.length === 0) return;
    const context = conditionContext(p, req, ctx.region);
    for (const resource of resources) {
      const request = { action, resource, context };
      const decision = az && iam ? await az.authorize(p, request) : implicitDeny;
      if (decision.allowed) continue;
      const denied = iam?.accessDenied ?? { name: 'AccessDeniedException', spec: clientError(403) };
      const shown = iam?.messageAction ? { ...request, action: iam.messageAction(action) } : request;
      const err = new ServiceError(denied.name, denied.spec, accessDeniedMessage(p, shown, decision));
      if (this.opts.audit && !d.call) d.call = { operation, eventName, accessKeyId: p.accessKeyId, principal: p, input };
      throw err;
    }
  }

  /** The root of this gateway's account: allowed everything here (another account's root is authorised like any principal). */
  private isOwnRoot(p: Principal): boolean {
    return p.type === 'Root' && (this.opts.accountId === undefined || p.accountId === this.opts.accountId);
  }

  /** SigV4 for the service's signing name; returns who signed or throws AWS's error (named as the protocol names it). */
  private verify(req: http.IncomingMessage, url: string, body: Buffer, service: ServiceDefinition, protocol: ProtocolName): Principal {
    const auth = verifySigV4(
      { method: req.method ?? 'GET', url, headers: req.headers, bodySha256Hex: createHash('sha256').update(body).digest('hex') },
      { region: this.opts.region, service: service.signingName, callers: this.opts.callers, nowMs: Date.now(), clockSkewMs: limits.sigV4ClockSkewMs },
    );
    if (auth.ok) return auth.caller.principal;
    if (protocol === 'query') {
      const q = queryAuthErrors[auth.error];
      throw new ServiceError(q.name, q.spec, auth.message);
    }
    throw gatewayError(auth.error, auth.message, service.errors);
  }
}

/**
 * The query services (IAM, STS, SNS, SQS, CloudWatch) name the signature
 * errors without the `Exception` suffix and answer them with 403, as their
 * Common Errors pages list them.
 */
const queryAuthErrors: Record<SigV4ErrorName, { name: string; spec: ErrorSpec }> = {
  MissingAuthenticationTokenException: { name: 'MissingAuthenticationToken', spec: clientError(403) },
  IncompleteSignatureException: { name: 'IncompleteSignature', spec: clientError(400) },
  UnrecognizedClientException: { name: 'InvalidClientTokenId', spec: clientError(403) },
  InvalidSignatureException: { name: 'SignatureDoesNotMatch', spec: clientError(403) },
  ExpiredTokenException: { name: 'ExpiredToken', spec: clientError(403) },
};

const emptyBody = Buffer.alloc(0);

/** A call on the invoke listener that is not one of Lambda's invoke operations. */
function notOnInvokeListener(operation: string): ServiceError {
  return new ServiceError(wrongPlane.name, wrongPlane.spec, `${operation} is not served on Kumo's invoke address: only Invoke, InvokeAsync and InvokeWithResponseStream are; use the management API.`);
}

/**
 * The request's condition keys (IAM's global condition context keys) for a
 * principal other than root. `aws:SecureTransport` is 'false': Kumo's
 * listeners speak plain HTTP.
 */
export function conditionContext(p: Principal, req: http.IncomingMessage, region: string, nowMs = Date.now()): ConditionContext {
  const c: Record<string, string | undefined> = {
    'aws:SourceIp': (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    'aws:CurrentTime': new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(nowMs / 1000)),
    'aws:SecureTransport': 'false',
    'aws:PrincipalAccount': p.accountId,
    // For a role session AWS gives the role's ARN, not the session's.
    'aws:PrincipalArn': p.type === 'AssumedRole' ? (p.roleArn ?? p.arn) : p.arn,
    'aws:PrincipalType': p.type === 'IAMUser' ? 'User' : p.type === 'AssumedRole' ? 'AssumedRole' : 'Account',
    'aws:userid': p.principalId,
    'aws:RequestedRegion': region,
    'aws:UserAgent': header(req, 'user-agent'),
  };
  if (p.type === 'IAMUser') c['aws:username'] = p.userName;
  if (p.type === 'AssumedRole' && p.issuedAtMs !== undefined) c['aws:TokenIssueTime'] = new Date(p.issuedAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return c;
}

function encodeError(d: Dispatch, err: ServiceError, requestId: string): WireResponse {
  switch (d.protocol) {
    case 'json':
      if (d.cborContentType) return encodeCborError(err, d.cborContentType);
      return encodeJsonError(d.service?.json?.version ?? '1.1', err, d.service?.json?.queryCompatible);
    case 'rpc-v2-cbor':
      return encodeCborError(err);
    case 'query':
      return encodeQueryError(d.service?.query?.xmlNamespace ?? '', requestId, err);
    case 'rest-json':
      return encodeRestError(err, d.service?.restJson?.errorType ?? true);
  }
}

/**
 * CloudTrail names Lambda's events with the API version of their path
 * (`/2015-03-31/functions` → `CreateFunction20150331`); a REST path without
 * a date segment keeps the operation's name. (AWS adds a `v2`/`v3` to a few
 * Lambda names, e.g. `UpdateFunctionConfiguration20150331v2`; Kumo does not
 * reproduce those suffixes.)
 */
function restEventName(operation: string, segments: string[]): string {
  const v = segments[0];
  return v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? operation + v.replace(/-/g, '') : operation;
}

/** A REST call's members for the trail: path parameters and a JSON body (other bodies are not copied). */
function restInput(params: Record<string, string>, body: Buffer, req: http.IncomingMessage, members: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[members[k] ?? k] = v;
  if (body.length && /json/.test(header(req, 'content-type') ?? 'application/json')) {
    try {
      const j = JSON.parse(body.toString('utf8')) as unknown;
      if (j && typeof j === 'object' && !Array.isArray(j)) Object.assign(out, j);
    } catch {
      // Not JSON: the members in the path are what the trail keeps.
    }
  }
  return out;
}

function send(res: http.ServerResponse, w: WireResponse, requestId: string): void {
  const headers: Record<string, string | number> = { 'x-amzn-requestid': requestId, ...w.headers };
  if (w.stream) {
    // Written as it is read; a client that goes away destroys the source (pipeline), which ends what feeds it.
    res.writeHead(w.status, headers);
    pipeline(w.stream, res, () => undefined);
    return;
  }
  headers['content-length'] = w.body === undefined ? 0 : Buffer.byteLength(w.body);
  res.writeHead(w.status, headers);
  res.end(w.body);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The service named in the SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`,
 * from the Authorization header or a pre-signed URL's X-Amz-Credential), read without verifying anything yet.
 */
export function scopeService(req: http.IncomingMessage, rawQuery: string): string | undefined {
  const auth = header(req, 'authorization');
  let credential: string | undefined;
  if (auth !== undefined) {
    const i = auth.indexOf('Credential=');
    if (i === -1) return undefined;
    const end = auth.indexOf(',', i);
    credential = auth.slice(i + 11, end === -1 ? undefined : end).trim();
  } else if (rawQuery.includes('X-Amz-Credential=')) {
    credential = new URLSearchParams(rawQuery).get('X-Amz-Credential') ?? undefined;
  }
  const parts = credential?.split('/');
  return parts && parts.length >= 5 ? parts[parts.length - 2] : undefined;
}

/** A query-protocol request: a form POST, or a GET with `Action=` in the query string. */
function isQueryRequest(req: http.IncomingMessage, method: string, rawQuery: string): boolean {
  if (method === 'POST') return (header(req, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  return method === 'GET' && /(^|&)Action=/.test(rawQuery);
}

function unknownOperation(service: ServiceDefinition | undefined): ServiceError {
  return gatewayError('UnknownOperationException', 'Unknown operation', service?.errors);
}

function tooLarge(max: number, operation: string, service: ServiceDefinition): ServiceError {
  return gatewayError('RequestEntityTooLargeException', `Request must be smaller than ${max} bytes for the ${operation} operation`, service.errors);
}

/** Discards the body of a request that is answered without reading it, then throws the error. */
function drainAnd(req: http.IncomingMessage, e: ServiceError): never {
  req.resume();
  throw e;
}

/** Reads the body up to `max` bytes; past it, drains and answers the size error (the route's own, or AWS's generic one). */
function readBody(
  req: http.IncomingMessage,
  max: number,
  operation: string,
  service: ServiceDefinition,
  routeTooLarge?: () => ServiceError,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const err = () => routeTooLarge?.() ?? tooLarge(max, operation, service);
    if (declared > drainBytesMax) {
      req.destroy();
      return reject(err());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        if (size > drainBytesMax) req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => (over ? reject(err()) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(err());
    });
  });
}

export type { ErrorSpec };

function listenOn(front: net.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(port, host, () => {
      front.off('error', reject);
      resolve(front.address() as AddressInfo);
    });
  });
}
