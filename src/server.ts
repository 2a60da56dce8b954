import fs from 'node:fs';
import path from 'node:path';
import type { KumoConfig } from './config';
import { SqliteStore } from './store/sqlite/sqlite-store';
import { Keyring } from './keys/keyring';
import { FsBlobStore } from './blobs/blob-store';
import { CodeCache } from './blobs/code-cache';
import { FunctionService } from './control/functions';
import { LogSink } from './observability/logs';
import { LogService } from './logs/log-service';
import { RetentionSweeper } from './logs/retention';
import { RuntimeApiServer } from './runtime-api/server';
import { Placement } from './placement/placement';
import { InvokeService } from './invoke/service';
import { AsyncQueue } from './async/queue';
import { Gateway } from './gateway/gateway';
import { allServices } from './services';
import { LayerService } from './control/layers';
import { VersionService } from './control/versions';
import { AliasService } from './control/aliases';
import { TagService } from './control/tags';
import { loadCredentials, type Credentials } from './frontend/credentials';
import { RuncDriver } from './sandbox/runc/driver';
import { egressPolicyFromEnv } from './sandbox/runc/egress';
import type { SandboxDriver } from './sandbox/driver';

/**
 * The composition root: one process holding the front end, control plane,
 * invoke path, async poller, Runtime API and sandbox driver. Start-up order
 * matters: the driver cleans a crash's leftovers before anything runs, and
 * interrupted activations are finished before the API listens.
 */
export class KumoServer {
  port = 0;
  credentials!: Credentials;
  store!: SqliteStore;
  private gateway!: Gateway;
  private runtimeApi!: RuntimeApiServer;
  private driver!: SandboxDriver;
  private placement!: Placement;
  private queue!: AsyncQueue;
  private logs!: LogSink;
  private retention: RetentionSweeper | undefined;
  functions!: FunctionService;

  constructor(readonly cfg: KumoConfig) {}

  async start(): Promise<void> {
    const cfg = this.cfg;
    // 1. Data dir (0700: it holds the master key, credentials and the database).
    fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(cfg.dataDir, 0o700);
    this.credentials = loadCredentials(cfg.dataDir, cfg);
    // 2. Storage: metadata, keys, blobs, unpacked code.
    this.store = new SqliteStore(path.join(cfg.dataDir, 'kumo.db'));
    const keyring = await Keyring.open(cfg.dataDir);
    const blobs = new FsBlobStore(path.join(cfg.dataDir, 'blobs'), keyring);
    const code = new CodeCache(path.join(cfg.dataDir, 'code'), blobs);
    await code.init();
    const layers = new LayerService(this.store, blobs, code, path.join(cfg.dataDir, 'opt'), cfg);
    await layers.pruneOpt();
    this.functions = new FunctionService(this.store, blobs, keyring, code, layers, cfg);
    const versions = new VersionService(this.store, this.functions);
    const aliases = new AliasService(this.store, this.functions);
    const tags = new TagService(this.store, this.functions);
    this.logs = new LogSink(this.store);
    const logService = new LogService(this.store, { region: cfg.region, accountId: cfg.accountId });
    // 3. Sandboxes: clean leftovers of a crash, prepare the network; then the Runtime API on its host address.
    this.driver = new RuncDriver({
      dataDir: cfg.dataDir,
      egress: egressPolicyFromEnv({ KUMO_EGRESS_DENY: cfg.egressDeny, KUMO_EGRESS_ALLOW: cfg.egressAllow }),
    });
    await this.driver.init();
    this.runtimeApi = new RuntimeApiServer({
      onInitError: (ee, errorType, body) => {
        ee.initError = { kind: 'error', errorType, body };
        let message = errorType;
        try {
          const j = JSON.parse(body.toString('utf8')) as { errorMessage?: string };
          if (j.errorMessage) message = j.errorMessage;
        } catch {
          // The runtime's body is passed through as it came.
        }
        ee.fail(errorType, message, { kind: 'error', errorType, body });
      },
    });
    this.driver.setRuntimeApiPort(await this.runtimeApi.listen(this.driver.runtimeApiListenHost()));
    this.placement = new Placement(cfg, this.driver, this.runtimeApi, code, this.logs, {
      env: (rec) => this.functions.openEnv(rec),
      optDir: (rec) => layers.optDir(rec.config.layers),
    });
    const invoker = new InvokeService(this.store, this.functions, this.placement, this.logs);
    this.queue = new AsyncQueue(cfg, this.store, invoker, this.logs);
    // 4. Finish what a crash interrupted, then serve.
    await this.functions.recover();
    this.gateway = new Gateway({
      region: cfg.region,
      lookupSecret: (id) => (id === this.credentials.accessKeyId ? this.credentials.secretAccessKey : undefined),
      services: allServices({
        functions: this.functions, versions, aliases, layers, tags, invoker, queue: this.queue, store: this.store, blobs, logs: logService,
        region: cfg.region, accountId: cfg.accountId,
      }),
      onInternalError: (e) => console.error('kumo: internal error:', e),
    });
    const addr = await this.gateway.listen(cfg.port, cfg.host);
    this.port = addr.port;
    this.queue.start();
    this.retention = new RetentionSweeper(logService, cfg.logsRetentionSweepMs, (e) => console.error('kumo: log retention sweep failed:', e));
    this.retention.start();
  }

  /** Stops cleanly: no container, cgroup, mount or link is left behind. */
  async stop(): Promise<void> {
    await this.gateway?.close();
    await this.queue?.stop();
    await this.retention?.stop();
    await this.placement?.shutdown();
    await this.runtimeApi?.close();
    await this.driver?.shutdown();
    await this.logs?.flush();
    await this.store?.close();
  }

  /** Log lines of a function's log group, for `kumo logs`. */
  async flushLogs(): Promise<void> {
    await this.logs.flush();
  }
}
