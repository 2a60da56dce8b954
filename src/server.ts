import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { KumoConfig } from './config';
import { SqliteStore } from './store/sqlite/sqlite-store';
import { PostgresStore } from './store/postgres/postgres-store';
import type { Store } from './store/types';
import { Keyring } from './keys/keyring';
import { FsBlobStore } from './blobs/blob-store';
import { CodeCache } from './blobs/code-cache';
import { collectCode, type FunctionService } from './control/functions';
import { RuntimeApiServer } from './runtime-api/server';
import { InvokeTracer, tracingFromEnv } from './tracing/tracer';
import { XrayDaemon } from './tracing/xray-daemon';
import { Placement } from './placement/placement';
import { Gateway } from './gateway/gateway';
import { CodeUrlSigner } from './services/lambda/code-url';
import { loadCredentials, type Credentials } from './gateway/credentials';
import { RuncDriver } from './sandbox/runc/driver';
import type { SandboxDriver } from './sandbox/driver';
import { egressPolicyFromEnv } from './sandbox/runc/egress';
import { DebugSessions } from './placement/debug';
import type { Deliveries } from './domain/delivery';
import type { QueueSource } from './domain/queue-source';
import { MessageSigner } from './topics/signer';
import type { IdentityService } from './identity/identity-service';
import type { IdentityAuthorizer } from './identity/authorizer';
import { prometheusRegistry } from './metrics/prometheus';
import { MetricsListener } from './gateway/metrics-listener';
import type { FunctionUrlService } from './function-urls/service';
import type { FunctionPolicyService } from './control/function-policies';
import { UrlListener } from './gateway/url-listener';
import type { Caller, CallerRefusal, CallerResolver } from './identity/types';
import type { HttpApiService } from './http-apis/service';
import type { BusScheduledRules } from './events/scheduled-rules';
import type { ScheduleEngine } from './schedules/engine';
import type { ScheduledRuleSource } from './domain/scheduled-rules';
import { AccountCell } from './account-cell';
import { pruneOptTrees } from './control/layers';

/**
 * On stop, how long requests and queued invocations in flight may still run
 * before their EEs are destroyed. Lambda has no equivalent (it never stops
 * under a caller); short, so a SIGTERM'd server exits within a few seconds,
 * well inside the 10–30 s a supervisor waits before SIGKILL.
 */
export const stopGraceMs = 2_000;

/**
 * The composition root: one process holding the front end, control plane,
 * invoke path, async poller, Runtime API and sandbox driver. Start-up order
 * matters: the driver cleans a crash's leftovers before anything runs, and
 * interrupted activations are finished before the API listens.
 */
export class KumoServer {
  port = 0;
  /** The function URL listener's port, once it listens. */
  urlPort = 0;
  credentials!: Credentials;
  /** The server's own store (KUMO_ACCOUNT_ID's resources, and every account's IAM). */
  store!: Store;
  /** The server's own account and the others (KUMO_ACCOUNTS), by id. */
  readonly cells = new Map<string, AccountCell>();
  private home!: AccountCell;
  private gateway!: Gateway;
  /** The data-plane listener (Invoke only), when KUMO_INVOKE_PORT is set. */
  private invokeGateway: Gateway | undefined;
  /** Its port, once it listens. */
  invokePort?: number;
  private urlListener: UrlListener | undefined;
  /** AWS_ENDPOINT_URL of EEs, once the API listens for them. */
  private eeApiEndpoint: string | undefined;
  private runtimeApi!: RuntimeApiServer;
  /** OTLP spans (src/tracing/), when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set. */
  private tracer?: InvokeTracer;
  private xrayDaemon?: XrayDaemon;
  private driver!: SandboxDriver & { killAllNow(): void };
  private hurried: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private hurryRequested = false;
  private placement!: Placement;
  private debugSessions: DebugSessions | undefined;
  private metricsListener?: MetricsListener;
  /** The Prometheus listener's port, when KUMO_METRICS_PORT is set. */
  metricsPort?: number;

  /**
   * `driver`: the sandbox driver to use instead of an in-process RuncDriver
   * (`kumo server` as root passes the supervisor's RemoteSandboxDriver; the
   * API process then holds no privilege, see SECURITY.md).
   */
  constructor(
    readonly cfg: KumoConfig,
    private readonly opts: {
      driver?: SandboxDriver & { killAllNow(): void };
      /** EventBridge rules with a ScheduleExpression (src/events/'s source, once the event-bus service is composed). */
      scheduledRules?: ScheduledRuleSource;
    } = {},
  ) {}

  // The server's own account's parts, as before several accounts (tests and `kumo dev` use them).
  /** IAM and STS (src/identity/): users, keys, roles, policies; the CallerResolver, RoleSessions and RoleDirectory. */
  get identity(): IdentityService {
    return this.home.identity;
  }
  /** The Authorizer over `identity` (services register their resource policies here). */
  get authorizer(): IdentityAuthorizer {
    return this.home.authorizer;
  }
  get functions(): FunctionService {
    return this.home.functions;
  }
  get functionUrls(): FunctionUrlService {
    return this.home.functionUrls;
  }
  /** Function policies (AddPermission): Lambda's ResourcePolicySource for the authorizer, and the NONE URL check. */
  get functionPolicies(): FunctionPolicyService {
    return this.home.functionPolicies;
  }
  get httpApis(): HttpApiService {
    return this.home.httpApis;
  }
  /** Where services send messages to each other's resources (a queue, a topic, a function) by ARN. */
  get deliveries(): Deliveries {
    return this.home.deliveries;
  }
  /** The queue service's QueueSource (by queue ARN), for Lambda's event source mappings. */
  get queues(): QueueSource {
    return this.home.queues;
  }
  /** EventBridge rules with a ScheduleExpression, for the schedule engine (src/domain/scheduled-rules.ts). */
  get scheduledRules(): BusScheduledRules {
    return this.home.scheduledRules;
  }
  /** EventBridge Scheduler's engine (schedules, and EventBridge's scheduled rules when a source is given). */
  get schedulerEngine(): ScheduleEngine | undefined {
    return this.home?.schedulerEngine;
  }

  async start(): Promise<void> {
    const cfg = this.cfg;
    // 1. Data dir (0700: it holds the master key, credentials and the database).
    fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(cfg.dataDir, 0o700);
    this.credentials = loadCredentials(cfg.dataDir, cfg);
    // 2. Storage: metadata, keys, blobs, unpacked code. Each other account has its own database (SQLite) or schema (PostgreSQL).
    this.store = await openStore(cfg, undefined);
    const keyring = await Keyring.open(cfg.dataDir);
    const blobs = new FsBlobStore(path.join(cfg.dataDir, 'blobs'), keyring);
    const code = new CodeCache(path.join(cfg.dataDir, 'code'), blobs);
    await code.init();
    const shared = {
      cfg, identityStore: this.store, keyring, blobs, code,
      placement: () => this.placement,
      tracer: undefined as InvokeTracer | undefined,
      signer: MessageSigner.open(cfg.dataDir),
      codeUrls: new CodeUrlSigner(),
      eeApiEndpoint: () => this.eeApiEndpoint,
      apiPort: () => this.port,
      urlPort: () => this.urlPort,
      peer: (id: string) => this.cells.get(id),
    };
    // Layers' merged /opt trees: one root for every account (content-addressed), emptied before the accounts compose.
    const optRoot = path.join(cfg.dataDir, 'opt');
    this.home = new AccountCell(shared, this.store, this.credentials, cfg.accountId, optRoot, { scheduledRules: this.opts.scheduledRules });
    this.cells.set(cfg.accountId, this.home);
    for (const id of cfg.accounts) {
      const dir = accountDir(cfg.dataDir, id);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Trees an earlier Kumo kept per account (<data>/accounts/<id>/opt), which the supervisor never mounted.
      await pruneOptTrees(path.join(dir, 'opt'));
      this.cells.set(id, new AccountCell(shared, await openStore(cfg, id), loadCredentials(dir, {}), id, optRoot));
    }
    // 3. Sandboxes: clean leftovers of a crash, prepare the network; then the Runtime API on its host address.
    this.driver =
      this.opts.driver ??
      new RuncDriver({
        dataDir: cfg.dataDir,
        egress: egressPolicyFromEnv({ KUMO_EGRESS_DENY: cfg.egressDeny, KUMO_EGRESS_ALLOW: cfg.egressAllow }),
        debug: cfg.debugFunctions,
      });
    await this.driver.init();
    this.runtimeApi = new RuntimeApiServer({
      onInitError: (ee, errorType, body) => ee.initFailed(errorType, body),
    });
    const runtimeApiPort = await this.runtimeApi.listen(this.driver.runtimeApiListenHost());
    this.driver.setRuntimeApiPort(runtimeApiPort);
    // Tracing: off (nothing on the invoke path) unless an OTLP collector is configured.
    const tracing = tracingFromEnv(process.env);
    if (tracing) {
      this.tracer = shared.tracer = new InvokeTracer(tracing, cfg.region);
      // The X-Ray SDK's segments (AWS_XRAY_DAEMON_ADDRESS) arrive over UDP on the Runtime API's address and port number.
      const daemon = new XrayDaemon(this.tracer);
      try {
        await daemon.listen(this.driver.runtimeApiListenHost(), runtimeApiPort);
        this.xrayDaemon = daemon;
      } catch (e) {
        console.error(`kumo: X-Ray daemon receiver not started (${(e as Error).message}): functions' X-Ray segments are not collected`);
      }
    }
    // The host's EEs, for every account (the server's own account is placement's default scope).
    this.placement = new Placement(cfg, this.driver, this.runtimeApi, code, this.home.logs, this.home.eeContext);
    // Debuggers of functions (kumo dev --debug): only with KUMO_DEBUG_FUNCTIONS, for the server's own account; each on 127.0.0.1, to the function's one EE.
    if (cfg.debugFunctions) {
      const placement = this.placement;
      this.debugSessions = placement.debug = new DebugSessions(async (fn, qualifier) => {
        // An EE that takes no invocation yet: a debugger attached before the first invoke sets its breakpoints first.
        const { rec } = await this.home.invoker.resolve(fn, qualifier);
        placement.release((await placement.acquire(rec)).ee);
      }, (line) => console.error(line));
      this.home.debugSessions = this.debugSessions;
    }
    // 4. Every account's services (finishing what a crash interrupted), then serve.
    const callers = this.callerResolver();
    const invokeHost = cfg.invokeHost ?? cfg.host;
    const plane = { invokeListener: cfg.invokePort !== undefined, invokeAddress: undefined as string | undefined };
    if (plane.invokeListener) {
      // The invoke listener's address is known only once it listens: a getter, read when a management call is refused.
      Object.defineProperty(plane, 'invokeAddress', { get: () => `http://${invokeHost.includes(':') ? `[${invokeHost}]` : invokeHost}:${this.invokePort}` });
    }
    await pruneOptTrees(optRoot);
    for (const cell of this.cells.values()) await cell.compose(callers, plane);
    // Code no account references any more (blobs and the code cache are every account's).
    await collectCode([...this.cells.values()].map((c) => c.store), blobs, code);
    const many = this.cells.size > 1;
    // Control plane vs data plane (KUMO_INVOKE_PORT): Lambda's invoke operations on their own listener, and only there.
    if (cfg.invokePort !== undefined) {
      this.invokeGateway = this.home.invokeGateway!;
      if (many) for (const cell of this.cells.values()) cell.invokeGateway!.setPeers((id) => this.cells.get(id)?.invokeGateway);
      this.invokePort = (await this.invokeGateway.listen(cfg.invokePort, invokeHost)).port;
    }
    this.gateway = this.home.gateway;
    // With several accounts, the API listener's gateway (the server's own account's) hands each verified call to the account it belongs to.
    if (many) for (const cell of this.cells.values()) cell.gateway.setPeers((id) => this.cells.get(id)?.gateway);
    // Function URLs on their own listener (same host; KUMO_URL_PORT, else the API port + 1), before the API: FunctionUrl names its port.
    const others = [...this.cells.values()].filter((c) => c !== this.home).map((c) => c.urlDeps);
    this.urlListener = new UrlListener({ ...this.home.urlDeps, ...(others.length ? { others: () => others } : {}) });
    this.urlPort = (await this.urlListener.listen(cfg.urlPort ?? (cfg.port === 0 ? 0 : cfg.port + 1), cfg.urlHost ?? cfg.host)).port;
    if (cfg.metricsPort !== undefined) {
      // Prometheus text at /metrics on its own port (src/gateway/metrics-listener.ts says why not on the gateway): every account, by its `account` label.
      const prom = prometheusRegistry([...this.cells.values()].map((c) => ({
        accountId: c.accountId, lambda: c.lambdaMetrics, reg: c.metrics,
        concurrency: () => ({ inFlight: c.limiter.current, unreservedInFlight: c.limiter.unreservedInFlight }),
      })));
      this.metricsListener = new MetricsListener(prom, (e) => console.error('kumo: metrics scrape failed:', e));
      this.metricsPort = (await this.metricsListener.listen(cfg.metricsPort, cfg.host)).port;
    }
    const addr = await this.gateway.listen(cfg.port, cfg.host);
    this.port = addr.port;
    await this.openApiToEes(addr.port);
    // Background work of every account, once EEs can reach the API (no EE starts before).
    for (const cell of this.cells.values()) await cell.run();
  }

  /**
   * Who signed (every account's root keys, IAM users' keys and role
   * sessions): each account's IdentityService knows its own account's IAM
   * keys (every account's rows are in the server's store, each service
   * unseals only its own) and opens role sessions; the other accounts' root
   * keys are their cells' own.
   */
  private callerResolver(): CallerResolver {
    const roots = new Map<string, Caller>();
    for (const cell of this.cells.values()) {
      if (cell === this.home) continue;
      const c = cell.credentials;
      roots.set(c.accessKeyId, {
        secret: c.secretAccessKey,
        principal: { type: 'Root', accountId: cell.accountId, arn: `arn:aws:iam::${cell.accountId}:root`, principalId: cell.accountId, accessKeyId: c.accessKeyId },
      });
    }
    if (roots.size === 0) return { resolve: (id, token) => this.home.identity.resolve(id, token) };
    // A key is its own account's IdentityService's (which reloads at once after its own write, and within its 1 s poll
    // after another server's): each is asked in turn, the server's own account first.
    const cells = [...this.cells.values()];
    return {
      resolve: (id, token): Caller | CallerRefusal => {
        const root = roots.get(id);
        if (root) return root;
        let first: Caller | CallerRefusal | undefined;
        for (const cell of cells) {
          const r = cell.identity.resolve(id, token);
          if ('principal' in r) return r;
          first ??= r;
        }
        return first!;
      },
    };
  }

  /**
   * Kumo's AWS API from inside EEs (issue 18; ARCHITECTURE.md, sandbox
   * network): the gateway also listens on the sandbox bridge's address, same
   * port (unless it listens on a wildcard address, which covers it), the
   * driver lets EEs reach that port and redirects, inside each EE,
   * 127.0.0.1:<port> (and the API's own IPv4 address) to it. AWS_ENDPOINT_URL
   * is then the URL the host side uses, so URLs Kumo builds from a request's
   * Host (queue URLs) are the same inside and outside an EE.
   */
  private async openApiToEes(port: number): Promise<void> {
    if (!this.driver.setApiPath) return;
    const host = this.cfg.host;
    const wildcard = host === '0.0.0.0' || host === '::';
    const ownV4 = net.isIPv4(host) && !wildcard ? host : undefined;
    if (!wildcard) await this.gateway.listenAlso(port, this.driver.runtimeApiListenHost());
    this.driver.setApiPath({ port, redirected: ownV4 && ownV4 !== '127.0.0.1' ? ['127.0.0.1', ownV4] : ['127.0.0.1'] });
    this.eeApiEndpoint = `http://${ownV4 ?? '127.0.0.1'}:${port}`;
  }

  /**
   * Stops cleanly and promptly: no EE process (frozen or not), container,
   * cgroup, netns, veth, mount or rule is left behind. Safe on a server whose
   * start failed half-way.
   *   1. No new work: the front end accepts no connection and closes idle
   *      keep-alive ones (again as requests finish); the queue leases no
   *      event; the event source pollers receive no message; the schedule
   *      engine claims no due time (fires in flight finish or are retried after the start).
   *   2. Requests, queued invocations and event source batches in flight get `stopGraceMs`
   *      (cut short by `hurry()`, on a second signal); then so do the END and
   *      REPORT lines of invocations that answered first.
   *   3. Every EE is destroyed; invocations still running end with an
   *      error now (a queued one is retried on the next start, counted as an
   *      attempt), and remaining connections are cut.
   *   4. Runtime API, driver (network, cgroups, state, owner record), logs, store.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const gatewayClosed = this.gateway?.close(stopGraceMs) ?? Promise.resolve();
    const invokeClosed = this.invokeGateway?.close(stopGraceMs) ?? Promise.resolve();
    const urlsClosed = this.urlListener?.close(stopGraceMs) ?? Promise.resolve();
    const scrapesClosed = this.metricsListener?.close() ?? Promise.resolve();
    const cells = [...this.cells.values()];
    const drained = Promise.all([gatewayClosed, invokeClosed, urlsClosed, scrapesClosed, ...cells.map((c) => c.drain())]);
    const hurried = new Promise<void>((r) => {
      this.hurried = r;
      if (this.hurryRequested) r();
    });
    await raceTimeout([drained, hurried], stopGraceMs);
    // Requests are answered; invocations that answered first still write their END and REPORT (milliseconds) before their EEs go.
    await raceTimeout([Promise.all(cells.map((c) => c.invoker?.finished())), hurried], stopGraceMs);
    this.gateway?.closeAllConnections();
    this.invokeGateway?.closeAllConnections();
    this.urlListener?.closeAllConnections();
    await this.debugSessions?.shutdown();
    await this.placement?.shutdown();
    // With their EEs gone, what was in flight ends within moments; an
    // invocation that still does not end must not hold the stop up.
    await raceTimeout([drained], stopGraceMs);
    await this.runtimeApi?.close();
    await this.xrayDaemon?.close();
    await this.tracer?.shutdown().catch((e) => console.error('kumo: exporting the last spans failed:', e));
    await this.driver?.shutdown();
    for (const cell of cells) await cell.finish();
    for (const cell of cells) if (cell !== this.home) await cell.store.close();
    await this.store?.close();
  }

  /** Ends the grace of a stop under way: work in flight is not waited for any more. */
  hurry(): void {
    this.hurryRequested = true; // also when the stop has not begun yet (a start still under way)
    this.hurried?.();
  }

  /**
   * Last resort when a stop does not finish in time: kills every EE process
   * at once (file writes, nothing spawned); the rest is removed by the next
   * server to start on this host.
   */
  killSandboxesNow(): void {
    this.driver?.killAllNow();
  }

  /** Log lines of a function's log group, for `kumo logs`. */
  async flushLogs(): Promise<void> {
    await this.home.logs.flush();
  }
}

/** Waits for the first of `promises` or `ms`, whichever comes first; the timer keeps the process alive meanwhile and is cleared after. */
async function raceTimeout(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([...promises, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** `<dataDir>/accounts/<id>`: another account's root key (and its SQLite database). */
export function accountDir(dataDir: string, accountId: string): string {
  return path.join(dataDir, 'accounts', accountId);
}

/** The server's own store (accountId undefined) or another account's: its own SQLite file, or its own schema on the PostgreSQL. */
async function openStore(cfg: KumoConfig, accountId: string | undefined): Promise<Store> {
  if (cfg.databaseUrl) return PostgresStore.open(cfg.databaseUrl, {}, accountId === undefined ? undefined : `kumo_account_${accountId}`);
  return new SqliteStore(path.join(accountId === undefined ? cfg.dataDir : accountDir(cfg.dataDir, accountId), 'kumo.db'));
}
