import type { KumoConfig } from './config';
import type { Store } from './store/types';
import type { Keyring } from './keys/keyring';
import type { FsBlobStore } from './blobs/blob-store';
import type { CodeCache } from './blobs/code-cache';
import { FunctionService } from './control/functions';
import { LogSink } from './observability/logs';
import { LogService } from './logs/log-service';
import { RetentionSweeper } from './logs/retention';
import type { InvokeTracer } from './tracing/tracer';
import type { EeContext, Placement, PlacementPort } from './placement/placement';
import { InvokeService } from './invoke/service';
import { streamLimitsFromEnv } from './invoke/limits';
import { ConcurrencyLimiter } from './invoke/concurrency';
import { ReservedConcurrencyService } from './control/reserved-concurrency';
import { ProvisionedConcurrencyService } from './control/provisioned-concurrency';
import { AsyncQueue } from './async/queue';
import { EventInvokeConfigService } from './async/invoke-configs';
import { Gateway, type GatewayOptions } from './gateway/gateway';
import { allServices } from './services';
import type { ServiceDefinition } from './gateway/service';
import type { CodeUrlSigner } from './services/lambda/code-url';
import { LayerService } from './control/layers';
import { VersionService } from './control/versions';
import { AliasService } from './control/aliases';
import { TagService } from './control/tags';
import type { Credentials } from './gateway/credentials';
import { Deliveries, deliveryActions, type DeliverySource } from './domain/delivery';
import { topicSink } from './topics/sink';
import { parseLambdaArn } from './domain/arn';
import { DomainError } from './domain/errors';
import { LogSubscriptions } from './logs/subscriptions';
import type { QueueSource } from './domain/queue-source';
import type { StreamSource } from './domain/stream-source';
import { EventSourceMappingService } from './event-sources/mappings';
import { EventSourcePollers } from './event-sources/pollers';
import { TopicService } from './topics/topic-service';
import { Publisher } from './topics/publisher';
import { DeliveryWorker } from './topics/delivery-worker';
import type { MessageSigner } from './topics/signer';
import { endpointPoster } from './services/sns/http-endpoint';
import { QueueService } from './queues/queue-service';
import { QueueSourceAdapter } from './queues/source';
import { MoveTasks } from './queues/move-tasks';
import { StreamService } from './streams/stream-service';
import { StreamPolicies } from './streams/stream-policies';
import { StreamSourceAdapter } from './streams/source';
import { ParameterService } from './parameters/parameter-service';
import { IdentityService } from './identity/identity-service';
import { IdentityAuthorizer } from './identity/authorizer';
import { RoleAccess, rolePrincipal } from './identity/role-access';
import { QueueSourceByAccount, StreamSourceByAccount } from './domain/by-account';
import type { CallerResolver } from './identity/types';
import { StreamRetentionSweeper } from './streams/retention';
import { streamTuningFromEnv } from './streams/limits';
import { AuditTrail } from './audit/audit-trail';
import { MetricsRegistry } from './metrics/registry';
import { LambdaMetrics } from './metrics/lambda-metrics';
import { IteratorAgeSampler } from './metrics/iterator-age-sampler';
import { emfFromBatches } from './metrics/emf';
import { flushIntervalMs as metricsFlushIntervalMs, rollupIntervalMs as metricsRollupIntervalMs } from './metrics/limits';
import { auditRetentionDaysFromEnv, auditSweepIntervalMs } from './audit/limits';
import { FunctionUrlService } from './function-urls/service';
import { FunctionPolicyService } from './control/function-policies';
import { functionUrlOf } from './function-urls/url-id';
import type { UrlListenerDeps } from './gateway/url-listener';
import { HttpApiService } from './http-apis/service';
import { apiEndpointOf } from './http-apis/ids';
import { BusService } from './events/bus-service';
import { BusPolicies } from './events/bus-policies';
import { EventPublisher } from './events/put-events';
import { EventDeliveryWorker } from './events/delivery-worker';
import { BusScheduledRules } from './events/scheduled-rules';
import { eventBusSink } from './events/sink';
import { deliveryLeaseMsFromEnv } from './events/limits';
import { ScheduleService } from './schedules/schedule-service';
import { ScheduleEngine } from './schedules/engine';
import { schedulerSettingsFromEnv } from './schedules/limits';
import type { ScheduledRuleSource } from './domain/scheduled-rules';
import { FunctionDebugging, type DebugSessions } from './placement/debug';
import { debugCommand, debugProtocol, hostArchitecture, runtimeSpec } from './runtimes/registry';

/** What every account of a server shares: the machine's pieces (one per server). */
export interface SharedParts {
  /** The server's configuration (its `accountId` is the server's own account). */
  cfg: KumoConfig;
  /** Where IAM keeps every account's users, roles and keys (the server's own store: access keys are looked up across accounts). */
  identityStore: Store;
  keyring: Keyring;
  blobs: FsBlobStore;
  code: CodeCache;
  /** The host's placement (made after the server's own cell, whose logs and EE context are its default scope). */
  placement(): Placement;
  tracer: InvokeTracer | undefined;
  signer: MessageSigner;
  codeUrls: CodeUrlSigner;
  /** AWS_ENDPOINT_URL of EEs, once the API listens for them. */
  eeApiEndpoint(): string | undefined;
  /** The API's port and the function URL listener's, once they listen. */
  apiPort(): number;
  urlPort(): number;
  /** Several accounts: another account's cell on this server, by id (undefined: not here; always undefined with one account). */
  peer(accountId: string): AccountCell | undefined;
}

/**
 * One account's Kumo (issue 18, several accounts): its store, IAM view,
 * functions and invoke path, queues, topics, streams, buses, schedules, logs,
 * metrics, audit trail and limits, composed as the single-account server
 * always was. Nothing of one cell reaches another's store: an account's
 * resources are isolated by construction (its own database or schema), and
 * only the gateway's routing and the authorizer's cross-account rule
 * (a resource policy naming the caller) cross between cells.
 */
export class AccountCell {
  readonly accountId: string;
  /** The cell's configuration: the server's, with this account's id. */
  readonly cfg: KumoConfig;
  identity!: IdentityService;
  authorizer!: IdentityAuthorizer;
  functions!: FunctionService;
  functionUrls!: FunctionUrlService;
  functionPolicies!: FunctionPolicyService;
  httpApis!: HttpApiService;
  deliveries!: Deliveries;
  queues!: QueueSource;
  /** The stream service's StreamSource (by stream ARN), for Lambda's event source mappings. */
  streams!: StreamSource;
  /** What Lambda does as a function's role (pollers, destinations), asked of the authorizer of the resource's account. */
  roleAccess!: RoleAccess;
  scheduledRules!: BusScheduledRules;
  schedulerEngine!: ScheduleEngine;
  /** Function log lines of this account's EEs, on their way to its store. */
  readonly logs: LogSink;
  /** What starting an EE of this account needs (placement's EeContext). */
  readonly eeContext: EeContext;
  layers!: LayerService;
  limiter!: ConcurrencyLimiter;
  lambdaMetrics!: LambdaMetrics;
  metrics!: MetricsRegistry;
  invoker!: InvokeService;
  audit!: AuditTrail;
  services!: ServiceDefinition[];
  gateway!: Gateway;
  invokeGateway: Gateway | undefined;
  urlDeps!: UrlListenerDeps;
  private queue!: AsyncQueue;
  private provisioned!: ProvisionedConcurrencyService;
  private logService!: LogService;
  private retention: RetentionSweeper | undefined;
  private subscriptions!: LogSubscriptions;
  private streamSweeper!: StreamRetentionSweeper;
  private mappings!: EventSourceMappingService;
  private pollers!: EventSourcePollers;
  private moveTasks!: MoveTasks;
  private topicDeliveries!: DeliveryWorker;
  private eventDeliveries!: EventDeliveryWorker;
  private auditSweep: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** kumo dev --debug's sessions (KUMO_DEBUG_FUNCTIONS): the server's own account only; others refuse debugging. */
  debugSessions: DebugSessions | undefined;

  constructor(
    private readonly shared: SharedParts,
    readonly store: Store,
    readonly credentials: Credentials,
    accountId: string,
    /**
     * Where layers' merged /opt trees are: the server's one `<data>/opt` for
     * every account (a tree is named by the code keys it merges, so two
     * accounts' functions with the same layers share it; the supervisor
     * mounts trees from there only), emptied by the server at start.
     */
    private readonly optDir: string,
    private readonly opts: { scheduledRules?: ScheduledRuleSource } = {},
  ) {
    this.accountId = accountId;
    this.cfg = { ...shared.cfg, accountId };
    this.logs = new LogSink(store);
    this.eeContext = {
      env: (rec) => this.functions.openEnv(rec),
      optDir: (rec) => this.layers.optDir(rec.config.layers),
      apiEndpoint: () => this.shared.eeApiEndpoint(),
      // Each EE's credentials: a session of the function's role named after the function, as Lambda's.
      roleSession: (rec, durationMs) => this.identity.mint(rec.config.role, rec.functionName, durationMs),
    };
  }

  /**
   * A message from another account's service to `arn` here (src/domain/delivery.ts):
   * sent as a role (a function's destination, a target's RoleArn), the role's
   * own policies and this account's resource policy must allow it, as for
   * any caller of another account; sent by a service itself (a topic, a rule,
   * a log group), this account's resource policy must name that service or
   * the sending account, its conditions matched against the source. The
   * reason when refused, else undefined.
   */
  private async acceptsFrom(arn: string, from: DeliverySource, sourceAccount: string): Promise<string | undefined> {
    const service = arn.split(':')[2] ?? '';
    const action = deliveryActions[service];
    if (!action) return `Kumo does not deliver to ${service} resources of another account`;
    if (from.as) {
      const sender = this.shared.peer(sourceAccount)?.roleAccess;
      const refused = sender ? await sender.firstDenied(from.as.roleArn, from.as.sessionName, [action], arn) : action;
      return refused === undefined ? undefined : `${from.as.roleArn} is not authorized to perform: ${action} on resource: ${arn}`;
    }
    const d = await this.authorizer.resourcePolicyDecision(from.service, sourceAccount, action, arn, from.sourceArn);
    return d === 'Allow' ? undefined : `The resource policy of ${arn} does not allow ${from.service} (${from.sourceArn}) to perform: ${action}`;
  }

  /**
   * Composes the account's services (nothing runs in the background yet):
   *   1. IAM for this account (its default execution role made on its first start);
   *   2. functions, layers, the account's concurrency pools, its view of placement;
   *   3. the other services, their deliveries to each other, the crash recovery;
   *   4. the service definitions and the (not listening) gateways the server routes to.
   */
  async compose(callers: CallerResolver, plane: { invokeAddress?: string; invokeListener: boolean }): Promise<void> {
    const cfg = this.cfg;
    const { keyring, blobs, code } = this.shared;
    const scope = { region: cfg.region, accountId: cfg.accountId };
    // 1. IAM: the account's first start makes its default execution role (lambda-role); keys and roles are then held in memory.
    this.identity = new IdentityService(this.shared.identityStore, keyring, this.credentials, cfg.accountId);
    await this.identity.start();
    this.authorizer = new IdentityAuthorizer(this.identity);
    // The crossings between accounts (issue 18), each through the server's other cells (`shared.peer`): a caller of
    // another account is authorised by both sides' policies, AssumeRole of another account's role is decided there.
    this.authorizer.peers = (id) => this.shared.peer(id)?.authorizer;
    this.identity.peers = (id) => this.shared.peer(id)?.identity;
    // 2. Functions.
    const layers = (this.layers = new LayerService(this.store, blobs, code, this.optDir, cfg));
    // A function naming a layer version needs lambda:GetLayerVersion on it (another account's: through `layers.peers` below).
    layers.authorizer = this.authorizer;
    layers.peers = (id) => {
      const c = this.shared.peer(id);
      return c && { layers: c.layers, authorizer: c.authorizer };
    };
    this.functions = new FunctionService(this.store, blobs, keyring, code, layers, cfg);
    // Execution roles (issue 18): CreateFunction/UpdateFunctionConfiguration need one Lambda can assume.
    this.functions.roles = this.identity;
    // What Lambda does as a function's role (pollers reading their source, destinations), asked of the authorizer.
    const identity = this.identity;
    // A queue, stream or target of another account is authorised by that account (its resource policy and the role's own policies).
    const roleAccess = (this.roleAccess = new RoleAccess(this.authorizer, async (roleArn, session) => {
      const name = /:role\/(?:.*\/)?([^/]+)$/.exec(roleArn)?.[1];
      const role = name ? await identity.getRole(name).catch(() => undefined) : undefined;
      return role && role.arn === roleArn ? rolePrincipal(roleArn, session, role.id) : undefined;
    }, (id) => this.shared.peer(id)?.authorizer));
    const versions = new VersionService(this.store, this.functions);
    const aliases = new AliasService(this.store, this.functions);
    const tags = new TagService(this.store, this.functions);
    this.logService = new LogService(this.store, scope);
    const placement: PlacementPort = this.shared.placement().forAccount({ accountId: cfg.accountId, logs: this.logs, ctx: this.eeContext });
    // The account's concurrency pools: the invoke path takes from them, PutFunctionConcurrency shapes them.
    const limiter = (this.limiter = new ConcurrencyLimiter(cfg.accountConcurrency));
    // CloudWatch metrics: recorded in memory on the invoke path, written to the store on a timer (and at stop).
    const metrics = (this.metrics = new MetricsRegistry(this.store));
    const lambdaMetrics = (this.lambdaMetrics = new LambdaMetrics(metrics));
    this.timers.push(
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
    this.timers.push(setInterval(() => void ageSampler.sample().catch((e) => console.error('kumo: iterator age sample failed:', e)), metricsFlushIntervalMs));
    for (const t of this.timers) t.unref();
    const invoker = (this.invoker = new InvokeService(
      this.store, this.functions, placement, this.logs, limiter, streamLimitsFromEnv(process.env), cfg.lambdaMetrics ? lambdaMetrics : undefined, this.shared.tracer,
    ));
    const debugging = new FunctionDebugging(this.debugSessions, {
      resolve: async (fn, qualifier) => {
        const { rec } = await invoker.resolve(fn, qualifier);
        // An emulated EE (arm64 under qemu) starts its ordinary command: refused, not a session that never answers.
        const arch = rec.config.architectures[0];
        if (arch !== hostArchitecture()) {
          throw new DomainError('InvalidParameter', `${rec.functionName} runs on ${arch} under emulation: Kumo opens the debugger of functions of the host's architecture (${hostArchitecture()}) only`);
        }
        return { functionName: rec.functionName, runtime: rec.config.runtime };
      },
      debuggerOf: (runtime) => {
        const spec = runtimeSpec(runtime);
        const protocol = spec && debugCommand(spec, false) ? debugProtocol(spec) : undefined;
        if (protocol) return { protocol };
        if (spec?.family === 'python') return { refused: `its debugger is debugpy, which is not installed on this host (Debian's python3-debugpy: make deps)` };
        return { refused: 'Kumo opens the debugger of Node.js (the inspector) and Python (debugpy) functions only' };
      },
      retire: (fn) => placement.retire(fn),
    });
    const reserved = new ReservedConcurrencyService(this.store, this.functions, limiter);
    await reserved.load();
    this.provisioned = new ProvisionedConcurrencyService(this.store, this.functions, placement, limiter);
    // 3. Messages between services (SNS fan-out, DLQs, destinations): each receiving service registers its sink.
    this.deliveries = new Deliveries(cfg.accountId);
    // Several accounts: a target of another account is that account's to accept (src/domain/delivery.ts), checked here for messages coming in.
    this.deliveries.peers = (id) => this.shared.peer(id)?.deliveries;
    this.deliveries.guard = (arn, from, sourceAccount) => this.acceptsFrom(arn, from, sourceAccount);
    const invokeConfigs = new EventInvokeConfigService(this.store, this.functions);
    // Function URLs: configs in the store; FunctionUrl names the URL listener's port (known once it listens, before any request).
    this.functionUrls = new FunctionUrlService(this.store, this.functions, (id) => functionUrlOf(id, cfg.region, this.shared.urlPort()));
    this.functionPolicies = new FunctionPolicyService(this.store, this.functions);
    // Lambda's resource policies for `lambda:` calls (identity/authorizer.ts): a layer version ARN's is its layer version
    // policy (AddLayerVersionPermission), any other ARN's the function policy (AddPermission).
    const functionPolicies = this.functionPolicies;
    this.authorizer.registerResourcePolicies('lambda', {
      policyOf: (arn) => (parseLambdaArn(arn)?.type === 'layer' ? layers.policyOf(arn) : functionPolicies.policyOf(arn)),
    });
    // HTTP APIs (API Gateway v2): served on the URL listener too, so ApiEndpoint names its port.
    this.httpApis = new HttpApiService(this.store, cfg.accountId, (id) => apiEndpointOf(id, cfg.region, this.shared.urlPort()));
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
    const queueService = new QueueService(this.store, keyring, scope);
    // Queue policies (the Policy attribute, AddPermission) are the resource policies of `sqs:` calls.
    this.authorizer.registerResourcePolicies('sqs', queueService);
    const queueSource = new QueueSourceAdapter(queueService);
    // Event source mappings may read another account's queues and streams (their role and the source's policy allowing).
    const mappedQueues = new QueueSourceByAccount(queueSource, cfg.accountId, (id) => this.shared.peer(id)?.queues);
    this.moveTasks = new MoveTasks(queueService);
    this.queues = queueSource;
    this.deliveries.register('sqs', queueSource);
    // Kinesis: streams (records sealed with the keyring), and their retention sweep.
    const streamTuning = streamTuningFromEnv(process.env);
    const streams = new StreamService(this.store, keyring, scope, streamTuning);
    // Streams' resource policies are the resource policies of `kinesis:` calls (another account's PutRecord, GetRecords…).
    const streamPolicies = new StreamPolicies(this.store, scope);
    streams.onDeleted = (name) => streamPolicies.forget(name);
    this.authorizer.registerResourcePolicies('kinesis', streamPolicies);
    this.streamSweeper = new StreamRetentionSweeper(streams, streamTuning.sweepIntervalMs, (e) => console.error('kumo: stream retention sweep failed:', e));
    const streamSource = (this.streams = new StreamSourceAdapter(streams));
    const mappedStreams = new StreamSourceByAccount(streamSource, cfg.accountId, (id) => this.shared.peer(id)?.streams);
    // Event source mappings: the control plane, and the pollers that read the queues and streams and invoke through the same invoke path
    // (a stream mapping's OnFailure records go out through Deliveries; its checkpoints are the store's CheckpointStore).
    this.mappings = new EventSourceMappingService(this.store, this.functions, mappedQueues, scope, Date.now, mappedStreams);
    this.mappings.roleAccess = roleAccess;
    this.pollers = new EventSourcePollers(this.store, mappedQueues, invoker, {
      accountConcurrency: cfg.accountConcurrency, logsDurable: () => this.logs.durable(), streams: mappedStreams, deliveries: this.deliveries,
    });
    this.pollers.attach(this.mappings);
    tags.setMappings(this.mappings);
    // SSM Parameter Store: parameters (SecureString values sealed with the keyring).
    const parameters = new ParameterService(this.store, keyring, scope);
    // SNS: topics, publishing (to the outbox), and the worker delivering it; `sns` targets are a Publish.
    const signer = this.shared.signer;
    let topicWorker: DeliveryWorker | undefined;
    const topics = new TopicService({
      store: this.store, scope,
      canDeliver: (arn) => this.deliveries.accepts(arn), wake: () => topicWorker?.wake(),
    });
    // Topic policies (the Policy attribute, AddPermission) are the resource policies of `sns:` calls.
    this.authorizer.registerResourcePolicies('sns', topics);
    const publisher = new Publisher(this.store, topics, () => topicWorker?.wake());
    topicWorker = this.topicDeliveries = new DeliveryWorker({
      store: this.store, deliveries: this.deliveries, poster: endpointPoster, signer,
      baseUrl: () => `http://${cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host}:${this.shared.apiPort()}`,
      log: (line) => console.error(line),
    });
    this.deliveries.register('sns', topicSink(publisher));
    // EventBridge: buses, rules and targets; PutEvents records deliveries (the outbox) that its worker sends through Deliveries.
    let eventWorker: EventDeliveryWorker | undefined;
    const eventPublisher = new EventPublisher(this.store, scope, () => eventWorker?.wake());
    this.scheduledRules = new BusScheduledRules(this.store, scope, () => eventWorker?.wake());
    // Event buses' resource policies (PutPermission) are the resource policies of `events:` calls (another account's PutEvents…).
    const busPolicies = new BusPolicies(this.store, scope);
    this.authorizer.registerResourcePolicies('events', busPolicies);
    const eventBuses = new BusService({
      store: this.store, scope, canDeliver: (arn) => this.deliveries.accepts(arn), scheduledChanged: () => this.scheduledRules.changed(),
      busDeleted: (arn) => busPolicies.forget(arn),
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
    const schedules = new ScheduleService(this.store, this.deliveries, scope, scheduleSettings);
    await schedules.start();
    const engine = (this.schedulerEngine = new ScheduleEngine({
      store: this.store, deliveries: this.deliveries, rules: this.opts.scheduledRules ?? this.scheduledRules, settings: scheduleSettings,
      log: (line) => console.error(line),
    }));
    schedules.onChange(() => engine.poke());
    // Finish what a crash interrupted (activations; async events a dead process had leased).
    await this.functions.recover();
    await this.queue.recover();
    await this.topicDeliveries.recover();
    await this.eventDeliveries.recover();
    // The audit trail: every management call, sealed into a chain with a key derived from the master key.
    const audit = (this.audit = new AuditTrail(this.store, keyring.macKey('audit'), auditRetentionDaysFromEnv(process.env)));
    this.auditSweep = setInterval(() => void audit.sweep().catch((e) => console.error('kumo: audit retention sweep failed:', e)), auditSweepIntervalMs);
    this.auditSweep.unref();
    // 4. The account's API.
    this.services = allServices({
      functions: this.functions, versions, aliases, layers, tags, invoker, queue: this.queue, invokeConfigs, reserved, provisioned: this.provisioned, mappings: this.mappings,
      iteratorAges: () => this.pollers?.iteratorAges() ?? [], debugging,
      blobs, codeUrls: this.shared.codeUrls, logs: this.logService, subscriptions: this.subscriptions, topics, publisher, snsSigningKeyPem: () => signer.publicPem,
      queues: queueService, moveTasks: this.moveTasks, streams, streamPolicies, busPolicies, audit, urls: this.functionUrls, policies: this.functionPolicies, eventBuses, eventPublisher, parameters, schedules, metrics, httpApis: this.httpApis, identity: this.identity, authorizer: this.authorizer,
      region: cfg.region, accountId: cfg.accountId,
    });
    const base = { region: cfg.region, accountId: cfg.accountId, audit, callers, authorizer: this.authorizer };
    let gatewayPlane: GatewayOptions['plane'];
    if (plane.invokeListener) {
      this.invokeGateway = new Gateway({
        ...base, plane: { serve: 'invoke' },
        services: this.services.filter((s) => s.name === 'lambda'),
        onInternalError: (e) => console.error('kumo: internal error (invoke listener):', e),
      });
      // Read when a call is refused: the invoke listener's port is known only once it listens.
      gatewayPlane = {
        serve: 'management',
        get invokeAddress() {
          return plane.invokeAddress!;
        },
      };
    }
    this.gateway = new Gateway({ ...base, plane: gatewayPlane, services: this.services, onInternalError: (e) => console.error('kumo: internal error:', e) });
    this.urlDeps = {
      urls: this.functionUrls, policies: this.functionPolicies, httpApis: this.httpApis, invoker, region: cfg.region, accountId: cfg.accountId,
      callers, authorizer: this.authorizer, audit,
      onInternalError: (e) => console.error('kumo: function URL internal error:', e),
    };
  }

  /** The background work (after the API listens): provisioned concurrency, async queue, pollers, deliveries, sweeps, schedules. */
  async run(): Promise<void> {
    // Provisioned concurrency is started again from the store (EEs do not survive a restart); it comes up in the background.
    await this.provisioned.load();
    this.queue.start();
    // Pollers start after the API listens: a mapping left Creating/Updating/Deleting by a stop settles now.
    await this.pollers.start();
    this.topicDeliveries.start();
    this.eventDeliveries.start();
    this.retention = new RetentionSweeper(this.logService, this.cfg.logsRetentionSweepMs, (e) => console.error('kumo: log retention sweep failed:', e));
    this.retention.start();
    this.subscriptions.start();
    this.streamSweeper.start();
    // Due times missed while the server was down are handled now.
    await this.schedulerEngine.start();
  }

  /** Step 1 of a stop: no new background work; resolves when work in flight has drained. */
  drain(): Promise<unknown> {
    this.moveTasks?.stop();
    return Promise.all([
      this.queue?.stop(),
      this.retention?.stop(),
      this.subscriptions?.stop(),
      this.pollers?.stop(),
      this.topicDeliveries?.stop(),
      this.eventDeliveries?.stop(),
      this.streamSweeper?.stop(),
      this.schedulerEngine?.stop(),
    ]);
  }

  /** The last step of a stop (EEs gone): logs, IAM poll, audit, metrics; the store is closed by the caller. */
  async finish(): Promise<void> {
    await this.logs?.flush();
    clearInterval(this.auditSweep);
    this.identity?.stop();
    await this.audit?.drain();
    for (const t of this.timers) clearInterval(t);
    // What the last invocations recorded survives the restart.
    await this.metrics?.flush().catch((e) => console.error('kumo: metrics flush failed:', e));
  }
}
