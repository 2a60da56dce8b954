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
import { FunctionService } from './control/functions';
import { LogSink } from './observability/logs';
import { LogService } from './logs/log-service';
import { RetentionSweeper } from './logs/retention';
import { RuntimeApiServer } from './runtime-api/server';
import { InvokeTracer, tracingFromEnv } from './tracing/tracer';
import { XrayDaemon } from './tracing/xray-daemon';
import { Placement } from './placement/placement';
import { InvokeService } from './invoke/service';
import { streamLimitsFromEnv } from './invoke/limits';
import { ConcurrencyLimiter } from './invoke/concurrency';
import { ReservedConcurrencyService } from './control/reserved-concurrency';
import { ProvisionedConcurrencyService } from './control/provisioned-concurrency';
import { AsyncQueue } from './async/queue';
import { EventInvokeConfigService } from './async/invoke-configs';
import { Gateway } from './gateway/gateway';
import { allServices } from './services';
import { CodeUrlSigner } from './services/lambda/code-url';
import { LayerService } from './control/layers';
import { VersionService } from './control/versions';
import { AliasService } from './control/aliases';
import { TagService } from './control/tags';
import { loadCredentials, type Credentials } from './gateway/credentials';
import { RuncDriver } from './sandbox/runc/driver';
import type { SandboxDriver } from './sandbox/driver';
import { egressPolicyFromEnv } from './sandbox/runc/egress';
import { DebugSessions, FunctionDebugging } from './placement/debug';
import { debugCommand, debugProtocol, runtimeSpec } from './runtimes/registry';
import { Deliveries } from './domain/delivery';
import { topicSink } from './topics/sink';
import { parseLambdaArn } from './domain/arn';
import { DomainError } from './domain/errors';
import { LogSubscriptions } from './logs/subscriptions';
import type { QueueSource } from './domain/queue-source';
import { EventSourceMappingService } from './event-sources/mappings';
import { EventSourcePollers } from './event-sources/pollers';
import { TopicService } from './topics/topic-service';
import { Publisher } from './topics/publisher';
import { DeliveryWorker } from './topics/delivery-worker';
import { MessageSigner } from './topics/signer';
import { endpointPoster } from './services/sns/http-endpoint';
import { QueueService } from './queues/queue-service';
import { QueueSourceAdapter } from './queues/source';
import { MoveTasks } from './queues/move-tasks';
import { StreamService } from './streams/stream-service';
import { StreamSourceAdapter } from './streams/source';
import { ParameterService } from './parameters/parameter-service';
import { IdentityService } from './identity/identity-service';
import { IdentityAuthorizer } from './identity/authorizer';
import { RoleAccess, rolePrincipal } from './identity/role-access';
import { StreamRetentionSweeper } from './streams/retention';
import { streamTuningFromEnv } from './streams/limits';
import { AuditTrail } from './audit/audit-trail';
import { MetricsRegistry } from './metrics/registry';
import { LambdaMetrics } from './metrics/lambda-metrics';
import { IteratorAgeSampler } from './metrics/iterator-age-sampler';
import { emfFromBatches } from './metrics/emf';
import { prometheusRegistry } from './metrics/prometheus';
import { MetricsListener } from './gateway/metrics-listener';
import { flushIntervalMs as metricsFlushIntervalMs, rollupIntervalMs as metricsRollupIntervalMs } from './metrics/limits';
import { auditRetentionDaysFromEnv, auditSweepIntervalMs } from './audit/limits';
import { FunctionUrlService } from './function-urls/service';
import { FunctionPolicyService } from './control/function-policies';
import { functionUrlOf } from './function-urls/url-id';
import { UrlListener } from './gateway/url-listener';
import type { GatewayOptions } from './gateway/gateway';
import type { Authorizer, CallerResolver } from './identity/types';
import { HttpApiService } from './http-apis/service';
import { apiEndpointOf } from './http-apis/ids';
import { BusService } from './events/bus-service';
import { EventPublisher } from './events/put-events';
import { EventDeliveryWorker } from './events/delivery-worker';
import { BusScheduledRules } from './events/scheduled-rules';
import { eventBusSink } from './events/sink';
import { deliveryLeaseMsFromEnv } from './events/limits';
import { ScheduleService } from './schedules/schedule-service';
import { ScheduleEngine } from './schedules/engine';
import { schedulerSettingsFromEnv } from './schedules/limits';
import type { ScheduledRuleSource } from './domain/scheduled-rules';

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
  functionUrls!: FunctionUrlService;
  /** Function policies (AddPermission): Lambda's ResourcePolicySource for the authorizer, and the NONE URL check. */
  functionPolicies!: FunctionPolicyService;
  httpApis!: HttpApiService;
  credentials!: Credentials;
  /** IAM and STS (src/identity/): users, keys, roles, policies; the CallerResolver, RoleSessions and RoleDirectory. */
  identity!: IdentityService;
  /** The Authorizer over `identity` (services register their resource policies here). */
  authorizer!: IdentityAuthorizer;
  store!: Store;
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
  private streamSweeper?: StreamRetentionSweeper;
  private audit?: AuditTrail;
  private auditSweep?: NodeJS.Timeout;
  private metrics?: MetricsRegistry;
  private metricsTimers: NodeJS.Timeout[] = [];
  private metricsListener?: MetricsListener;
  /** The Prometheus listener's port, when KUMO_METRICS_PORT is set. */
  metricsPort?: number;
  private queue!: AsyncQueue;
  /** Where services send messages to each other's resources (a queue, a topic, a function) by ARN. */
  deliveries!: Deliveries;
  private logs!: LogSink;
  private retention: RetentionSweeper | undefined;
  /** CloudWatch Logs subscription filters and their delivery (src/logs/subscriptions.ts). */
  private subscriptions: LogSubscriptions | undefined;
  private topicDeliveries: DeliveryWorker | undefined;
  functions!: FunctionService;
  private mappings: EventSourceMappingService | undefined;
  private pollers: EventSourcePollers | undefined;
  private moveTasks: MoveTasks | undefined;
  /** EventBridge Scheduler's engine (schedules, and EventBridge's scheduled rules when a source is given). */
  schedulerEngine: ScheduleEngine | undefined;
  /** The queue service's QueueSource (by queue ARN), for Lambda's event source mappings. */
  queues!: QueueSource;
  private eventDeliveries: EventDeliveryWorker | undefined;
  /** EventBridge rules with a ScheduleExpression, for the schedule engine (src/domain/scheduled-rules.ts). */
  scheduledRules!: BusScheduledRules;

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

  async start(): Promise<void> {
    const cfg = this.cfg;
    // 1. Data dir (0700: it holds the master key, credentials and the database).
    fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(cfg.dataDir, 0o700);
    this.credentials = loadCredentials(cfg.dataDir, cfg);
    // 2. Storage: metadata, keys, blobs, unpacked code.
    this.store = cfg.databaseUrl ? await PostgresStore.open(cfg.databaseUrl) : new SqliteStore(path.join(cfg.dataDir, 'kumo.db'));
    const keyring = await Keyring.open(cfg.dataDir);
    const blobs = new FsBlobStore(path.join(cfg.dataDir, 'blobs'), keyring);
    const code = new CodeCache(path.join(cfg.dataDir, 'code'), blobs);
    await code.init();
    // IAM: the account's first start makes its default execution role (lambda-role); keys and roles are then held in memory.
    this.identity = new IdentityService(this.store, keyring, this.credentials, cfg.accountId);
    await this.identity.start();
    this.authorizer = new IdentityAuthorizer(this.identity);
    const layers = new LayerService(this.store, blobs, code, path.join(cfg.dataDir, 'opt'), cfg);
    await layers.pruneOpt();
    this.functions = new FunctionService(this.store, blobs, keyring, code, layers, cfg);
    // Execution roles (issue 18): CreateFunction/UpdateFunctionConfiguration need one Lambda can assume.
    this.functions.roles = this.identity;
    // What Lambda does as a function's role (pollers reading their source, destinations), asked of the authorizer.
    const identity = this.identity;
    const roleAccess = new RoleAccess(this.authorizer, async (roleArn, session) => {
      const name = /:role\/(?:.*\/)?([^/]+)$/.exec(roleArn)?.[1];
      const role = name ? await identity.getRole(name).catch(() => undefined) : undefined;
      return role && role.arn === roleArn ? rolePrincipal(roleArn, session, role.id) : undefined;
    });
    const versions = new VersionService(this.store, this.functions);
    const aliases = new AliasService(this.store, this.functions);
    const tags = new TagService(this.store, this.functions);
    this.logs = new LogSink(this.store);
    const logService = new LogService(this.store, { region: cfg.region, accountId: cfg.accountId });
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
      this.tracer = new InvokeTracer(tracing, cfg.region);
      // The X-Ray SDK's segments (AWS_XRAY_DAEMON_ADDRESS) arrive over UDP on the Runtime API's address and port number.
      const daemon = new XrayDaemon(this.tracer);
      try {
        await daemon.listen(this.driver.runtimeApiListenHost(), runtimeApiPort);
        this.xrayDaemon = daemon;
      } catch (e) {
        console.error(`kumo: X-Ray daemon receiver not started (${(e as Error).message}): functions' X-Ray segments are not collected`);
      }
    }
    this.placement = new Placement(cfg, this.driver, this.runtimeApi, code, this.logs, {
      env: (rec) => this.functions.openEnv(rec),
      optDir: (rec) => layers.optDir(rec.config.layers),
      apiEndpoint: () => this.eeApiEndpoint,
      // Each EE's credentials: a session of the function's role named after the function, as Lambda's.
      roleSession: (rec, durationMs) => this.identity.mint(rec.config.role, rec.functionName, durationMs),
    });
    // The account's concurrency pools: the invoke path takes from them, PutFunctionConcurrency shapes them.
    const limiter = new ConcurrencyLimiter(cfg.accountConcurrency);
    // CloudWatch metrics: recorded in memory on the invoke path, written to the store on a timer (and at stop).
    const metrics = this.metrics = new MetricsRegistry(this.store);
    const lambdaMetrics = new LambdaMetrics(metrics);
    this.metricsTimers.push(
      setInterval(() => void metrics.flush().catch((e) => console.error('kumo: metrics flush failed:', e)), metricsFlushIntervalMs),
      setInterval(() => void metrics.sweep().catch((e) => console.error('kumo: metrics retention sweep failed:', e)), metricsRollupIntervalMs),
    );
    // Embedded Metric Format: function log lines that carry `_aws.CloudWatchMetrics` become metrics, read once the lines are stored.
    this.logs.onStored = (batches) => {
      const points = emfFromBatches(batches);
      if (points.length) void metrics.put(points).catch((e) => console.error('kumo: storing embedded metrics failed:', e));
      this.subscriptions?.stored(batches);
    };
    const ageSampler = new IteratorAgeSampler(() => this.pollers?.iteratorAges() ?? [], (uuid) => this.store.getEventSourceMapping(uuid), lambdaMetrics);
    this.metricsTimers.push(setInterval(() => void ageSampler.sample().catch((e) => console.error('kumo: iterator age sample failed:', e)), metricsFlushIntervalMs));
    for (const t of this.metricsTimers) t.unref();
    const invoker = new InvokeService(this.store, this.functions, this.placement, this.logs, limiter, streamLimitsFromEnv(process.env), cfg.lambdaMetrics ? lambdaMetrics : undefined, this.tracer);
    // Debuggers of functions (kumo dev --debug): only with KUMO_DEBUG_FUNCTIONS; each on 127.0.0.1, to the function's one EE.
    if (cfg.debugFunctions) {
      const placement = this.placement;
      this.debugSessions = placement.debug = new DebugSessions(async (fn, qualifier) => {
        // An EE that takes no invocation yet: a debugger attached before the first invoke sets its breakpoints first.
        const { rec } = await invoker.resolve(fn, qualifier);
        placement.release((await placement.acquire(rec)).ee);
      }, (line) => console.error(line));
    }
    const debugging = new FunctionDebugging(this.debugSessions, {
      resolve: async (fn, qualifier) => {
        const { rec } = await invoker.resolve(fn, qualifier);
        return { functionName: rec.functionName, runtime: rec.config.runtime };
      },
      debuggerOf: (runtime) => {
        const spec = runtimeSpec(runtime);
        const protocol = spec && debugCommand(spec, false) ? debugProtocol(spec) : undefined;
        if (protocol) return { protocol };
        if (spec?.family === 'python') return { refused: `its debugger is debugpy, which is not installed on this host (Debian's python3-debugpy: make deps)` };
        return { refused: 'Kumo opens the debugger of Node.js (the inspector) and Python (debugpy) functions only' };
      },
      retire: (fn) => this.placement.retire(fn),
    });
    const reserved = new ReservedConcurrencyService(this.store, this.functions, limiter);
    await reserved.load();
    const provisioned = new ProvisionedConcurrencyService(this.store, this.functions, this.placement, limiter);
    // Messages between services (SNS fan-out, DLQs, destinations): each receiving service registers its sink.
    this.deliveries = new Deliveries();
    const invokeConfigs = new EventInvokeConfigService(this.store, this.functions);
    // Function URLs: configs in the store; FunctionUrl names the URL listener's port (known once it listens, before any request).
    this.functionUrls = new FunctionUrlService(this.store, this.functions, (id) => functionUrlOf(id, cfg.region, this.urlPort));
    this.functionPolicies = new FunctionPolicyService(this.store, this.functions);
    // Lambda's function policies are the resource policies of `lambda:` calls (identity/authorizer.ts).
    this.authorizer.registerResourcePolicies('lambda', this.functionPolicies);
    // HTTP APIs (API Gateway v2): served on the URL listener too, so ApiEndpoint names its port.
    this.httpApis = new HttpApiService(this.store, cfg.accountId, (id) => apiEndpointOf(id, cfg.region, this.urlPort));
    this.queue = new AsyncQueue(cfg, this.store, invoker, this.logs, this.deliveries, invokeConfigs, lambdaMetrics);
    this.queue.sendAs = { roleOf: async (fn, version) => (await invoker.resolve(fn, version)).rec.config.role, access: roleAccess };
    this.deliveries.register('lambda', {
      send: async (arn, msg) => {
        const fn = parseLambdaArn(arn);
        if (!fn || fn.type !== 'function') throw new DomainError('InvalidParameter', `${arn} is not a function ARN`);
        await invoker.resolve(fn.name, fn.qualifier); // NotFound for a function or qualifier that does not exist
        await this.queue.enqueue(fn.name, fn.qualifier, Buffer.from(msg.body, 'utf8'));
      },
    });
    // CloudWatch Logs subscription filters: new events of a group go to the filter's function through Deliveries (the async queue).
    this.subscriptions = new LogSubscriptions({
      store: this.store, deliveries: this.deliveries, accountId: cfg.accountId, log: (line) => console.error(line),
      functionLogGroup: async (name, qualifier) => {
        try {
          return (await invoker.resolve(name, qualifier)).rec.config.logGroup;
        } catch (e) {
          if (e instanceof DomainError) return undefined;
          throw e;
        }
      },
    });
    // SQS: queues (bodies sealed with the keyring); `sqs` targets are a SendMessage.
    const queueService = new QueueService(this.store, keyring, { region: cfg.region, accountId: cfg.accountId });
    const queueSource = new QueueSourceAdapter(queueService);
    this.moveTasks = new MoveTasks(queueService);
    this.queues = queueSource;
    this.deliveries.register('sqs', queueSource);
    // Kinesis: streams (records sealed with the keyring), and their retention sweep.
    const streamTuning = streamTuningFromEnv(process.env);
    const streams = new StreamService(this.store, keyring, { region: cfg.region, accountId: cfg.accountId }, streamTuning);
    this.streamSweeper = new StreamRetentionSweeper(streams, streamTuning.sweepIntervalMs, (e) => console.error('kumo: stream retention sweep failed:', e));
    const streamSource = new StreamSourceAdapter(streams);
    // Event source mappings: the control plane, and the pollers that read the queues and streams and invoke through the same invoke path
    // (a stream mapping's OnFailure records go out through Deliveries; its checkpoints are the store's CheckpointStore).
    this.mappings = new EventSourceMappingService(this.store, this.functions, queueSource, { region: cfg.region, accountId: cfg.accountId }, Date.now, streamSource);
    this.mappings.roleAccess = roleAccess;
    this.pollers = new EventSourcePollers(this.store, queueSource, invoker, {
      accountConcurrency: cfg.accountConcurrency, logsDurable: () => this.logs.durable(), streams: streamSource, deliveries: this.deliveries,
    });
    this.pollers.attach(this.mappings);
    tags.setMappings(this.mappings);
    // SSM Parameter Store: parameters (SecureString values sealed with the keyring).
    const parameters = new ParameterService(this.store, keyring, { region: cfg.region, accountId: cfg.accountId });
    // SNS: topics, publishing (to the outbox), and the worker delivering it; `sns` targets are a Publish.
    const signer = MessageSigner.open(cfg.dataDir);
    let topicWorker: DeliveryWorker | undefined;
    const topics = new TopicService({
      store: this.store, scope: { region: cfg.region, accountId: cfg.accountId },
      canDeliver: (arn) => this.deliveries.accepts(arn), wake: () => topicWorker?.wake(),
    });
    const publisher = new Publisher(this.store, topics, () => topicWorker?.wake());
    topicWorker = this.topicDeliveries = new DeliveryWorker({
      store: this.store, deliveries: this.deliveries, poster: endpointPoster, signer,
      baseUrl: () => `http://${cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host}:${this.port}`,
      log: (line) => console.error(line),
    });
    this.deliveries.register('sns', topicSink(publisher));
    // EventBridge: buses, rules and targets; PutEvents records deliveries (the outbox) that its worker sends through Deliveries.
    const scope = { region: cfg.region, accountId: cfg.accountId };
    let eventWorker: EventDeliveryWorker | undefined;
    const eventPublisher = new EventPublisher(this.store, scope, () => eventWorker?.wake());
    this.scheduledRules = new BusScheduledRules(this.store, scope, () => eventWorker?.wake());
    const eventBuses = new BusService({
      store: this.store, scope, canDeliver: (arn) => this.deliveries.accepts(arn), scheduledChanged: () => this.scheduledRules.changed(),
      allowSecondsRates: schedulerSettingsFromEnv(process.env).allowSeconds,
    });
    // `events` targets (another bus, a Lambda destination): a PutEvents of that event on the bus.
    this.deliveries.register('events', eventBusSink(eventPublisher, scope));
    eventWorker = this.eventDeliveries = new EventDeliveryWorker({
      store: this.store, deliveries: this.deliveries, publisher: eventPublisher, log: (line) => console.error(line),
      leaseMs: deliveryLeaseMsFromEnv(process.env),
    });
    await eventBuses.ensureDefaultBus();
    // EventBridge Scheduler: schedules (through Deliveries) and the engine that fires them and the scheduled rules.
    const scheduleSettings = { ...schedulerSettingsFromEnv(process.env), random: Math.random };
    const schedules = new ScheduleService(this.store, this.deliveries, { region: cfg.region, accountId: cfg.accountId }, scheduleSettings);
    await schedules.start();
    const engine = this.schedulerEngine = new ScheduleEngine({
      store: this.store, deliveries: this.deliveries, rules: this.opts.scheduledRules ?? this.scheduledRules, settings: scheduleSettings,
      log: (line) => console.error(line),
    });
    schedules.onChange(() => engine.poke());
    // 4. Finish what a crash interrupted (activations; async events a dead process had leased), then serve.
    await this.functions.recover();
    await this.queue.recover();
    await this.topicDeliveries.recover();
    await this.eventDeliveries.recover();
    const codeUrls = new CodeUrlSigner();
    // The audit trail: every management call, sealed into a chain with a key derived from the master key.
    this.audit = new AuditTrail(this.store, keyring.macKey('audit'), auditRetentionDaysFromEnv(process.env));
    const audit = this.audit;
    this.auditSweep = setInterval(() => void audit.sweep().catch((e) => console.error('kumo: audit retention sweep failed:', e)), auditSweepIntervalMs);
    this.auditSweep.unref();
    // Who signed a request (the account's root, IAM users' keys, role sessions) and what they may do: IAM (src/identity/).
    const callers: CallerResolver = this.identity;
    const authorizer: Authorizer = this.authorizer;
    const services = allServices({
        functions: this.functions, versions, aliases, layers, tags, invoker, queue: this.queue, invokeConfigs, reserved, provisioned, mappings: this.mappings,
        iteratorAges: () => this.pollers?.iteratorAges() ?? [], debugging,
        blobs, codeUrls, logs: logService, subscriptions: this.subscriptions, topics, publisher, snsSigningKeyPem: () => signer.publicPem,
        queues: queueService, moveTasks: this.moveTasks, streams, audit, urls: this.functionUrls, policies: this.functionPolicies, eventBuses, eventPublisher, parameters, schedules, metrics, httpApis: this.httpApis, identity: this.identity, authorizer: this.authorizer,
        region: cfg.region, accountId: cfg.accountId,
      });
    // Control plane vs data plane (KUMO_INVOKE_PORT): Lambda's invoke operations on their own listener, and only there.
    let plane: GatewayOptions['plane'];
    if (cfg.invokePort !== undefined) {
      this.invokeGateway = new Gateway({
        region: cfg.region, accountId: cfg.accountId, audit, callers, authorizer, plane: { serve: 'invoke' },
        services: services.filter((s) => s.name === 'lambda'),
        onInternalError: (e) => console.error('kumo: internal error (invoke listener):', e),
      });
      const invokeHost = cfg.invokeHost ?? cfg.host;
      this.invokePort = (await this.invokeGateway.listen(cfg.invokePort, invokeHost)).port;
      plane = { serve: 'management', invokeAddress: `http://${invokeHost.includes(':') ? `[${invokeHost}]` : invokeHost}:${this.invokePort}` };
    }
    this.gateway = new Gateway({
      region: cfg.region,
      accountId: cfg.accountId,
      audit,
      callers,
      authorizer,
      plane,
      services,
      onInternalError: (e) => console.error('kumo: internal error:', e),
    });
    // Function URLs on their own listener (same host; KUMO_URL_PORT, else the API port + 1), before the API: FunctionUrl names its port.
    this.urlListener = new UrlListener({
      urls: this.functionUrls, policies: this.functionPolicies, httpApis: this.httpApis, invoker, region: cfg.region, accountId: cfg.accountId,
      callers, authorizer, audit,
      onInternalError: (e) => console.error('kumo: function URL internal error:', e),
    });
    this.urlPort = (await this.urlListener.listen(cfg.urlPort ?? (cfg.port === 0 ? 0 : cfg.port + 1), cfg.urlHost ?? cfg.host)).port;
    if (cfg.metricsPort !== undefined) {
      // Prometheus text at /metrics on its own port (src/gateway/metrics-listener.ts says why not on the gateway).
      const prom = prometheusRegistry(lambdaMetrics, metrics, () => ({ inFlight: limiter.current, unreservedInFlight: limiter.unreservedInFlight }));
      this.metricsListener = new MetricsListener(prom, (e) => console.error('kumo: metrics scrape failed:', e));
      this.metricsPort = (await this.metricsListener.listen(cfg.metricsPort, cfg.host)).port;
    }
    const addr = await this.gateway.listen(cfg.port, cfg.host);
    this.port = addr.port;
    await this.openApiToEes(addr.port);
    // Provisioned concurrency is started again from the store (EEs do not survive a restart); it comes up in the background,
    // once EEs can reach the API (no EE starts before).
    await provisioned.load();
    this.queue.start();
    // Pollers start after the API listens: a mapping left Creating/Updating/Deleting by a stop settles now.
    await this.pollers.start();
    this.topicDeliveries.start();
    this.eventDeliveries.start();
    this.retention = new RetentionSweeper(logService, cfg.logsRetentionSweepMs, (e) => console.error('kumo: log retention sweep failed:', e));
    this.retention.start();
    this.subscriptions.start();
    this.streamSweeper.start();
    // After the API listens and the other services run: due times missed while the server was down are handled now.
    await this.schedulerEngine.start();
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
   *      (cut short by `hurry()`, on a second signal).
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
    const queueStopped = this.queue?.stop() ?? Promise.resolve();
    const sweepStopped = Promise.all([this.retention?.stop(), this.subscriptions?.stop()]).then(() => undefined);
    const pollersStopped = this.pollers?.stop() ?? Promise.resolve();
    const topicsStopped = this.topicDeliveries?.stop() ?? Promise.resolve();
    const eventsStopped = this.eventDeliveries?.stop() ?? Promise.resolve();
    const streamSweepStopped = this.streamSweeper?.stop() ?? Promise.resolve();
    this.moveTasks?.stop();
    const schedulerStopped = this.schedulerEngine?.stop() ?? Promise.resolve();
    const drained = Promise.all([gatewayClosed, invokeClosed, urlsClosed, scrapesClosed, queueStopped, sweepStopped, pollersStopped, topicsStopped, eventsStopped, streamSweepStopped, schedulerStopped]);
    const hurried = new Promise<void>((r) => {
      this.hurried = r;
      if (this.hurryRequested) r();
    });
    await raceTimeout([drained, hurried], stopGraceMs);
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
    await this.logs?.flush();
    clearInterval(this.auditSweep);
    this.identity?.stop();
    await this.audit?.drain();
    for (const t of this.metricsTimers) clearInterval(t);
    // What the last invocations recorded survives the restart.
    await this.metrics?.flush().catch((e) => console.error('kumo: metrics flush failed:', e));
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
    await this.logs.flush();
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
