import path from 'node:path';
import { parseArgs, UsageError, type CommandSpec, type Parsed } from './args';
import { CliError, describeError } from './client';
import { commandHelp, mainHelp } from './help';
import type * as FunctionsMod from './functions';
import type * as LogsMod from './logs';
import type * as EventsMod from './events';
import type * as DeployMod from './deploy/index';
import type * as InitMod from './init';
import type * as DevMod from './dev';
import type * as QueuesMod from './queues';
import type * as AuditMod from './audit';
import type * as CostMod from './cost';
import type * as EventSourcesMod from './event-sources';
import type * as ConfigMod from '../config';
import type * as ServerMod from '../server';
import type * as RegistryMod from '../runtimes/registry';
import type * as SplitMod from '../sandbox/supervisor/split';
import type * as RemoteDriverMod from '../sandbox/supervisor/remote-driver';

// Each command's module (and the AWS SDK, the server…) is loaded only when that command runs: `kumo` starts fast.
/* eslint-disable @typescript-eslint/no-require-imports */
const functions = () => require('./functions') as typeof FunctionsMod;
const invokeCommand = (p: Parsed) => functions().invokeCommand(p);
const lsCommand = (p: Parsed) => functions().lsCommand(p);
const rmCommand = (p: Parsed) => functions().rmCommand(p);
const logsCommand = (p: Parsed) => (require('./logs') as typeof LogsMod).logsCommand(p);
const generateEventCommand = (p: Parsed) => (require('./events') as typeof EventsMod).generateEventCommand(p);
const deployCommand = (p: Parsed) => (require('./deploy/index') as typeof DeployMod).deployCommand(p);
const initCommand = (p: Parsed) => (require('./init') as typeof InitMod).initCommand(p);
const devCommand = (p: Parsed) => (require('./dev') as typeof DevMod).devCommand(p);
const queuesCommand = (p: Parsed) => (require('./queues') as typeof QueuesMod).queuesCommand(p);
const auditCommand = (p: Parsed) => (require('./audit') as typeof AuditMod).auditCommand(p);
const historyCommand = (p: Parsed) => (require('./audit') as typeof AuditMod).historyCommand(p);
const costCommand = (p: Parsed) => (require('./cost') as typeof CostMod).costCommand(p);
const eventSourcesCommand = (p: Parsed) => (require('./event-sources') as typeof EventSourcesMod).eventSourcesCommand(p);

export { parseFlags } from './args';

// The SDK's notice about future Node.js versions is not the user's concern here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `kumo … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const tplOpts = { template: 'string', 'parameter-overrides': 'multi', 'stack-name': 'string', endpoint: 'string', 'data-dir': 'string' } as const;

interface Command {
  spec: CommandSpec;
  run(p: Parsed): Promise<number>;
}

const commands: Record<string, Command> = {
  server: { spec: { options: { port: 'string', host: 'string', 'data-dir': 'string' } }, run: serverCommand },
  invoke: {
    spec: {
      options: { event: 'string', payload: 'string', qualifier: 'string', async: 'bool', 'no-logs': 'bool', endpoint: 'string', 'data-dir': 'string' },
      short: { e: 'event', q: 'qualifier' },
    },
    run: invokeCommand,
  },
  ls: { spec: { options: { json: 'bool', endpoint: 'string', 'data-dir': 'string' } }, run: lsCommand },
  rm: { spec: { options: { qualifier: 'string', endpoint: 'string', 'data-dir': 'string' } }, run: rmCommand },
  logs: {
    spec: { options: { since: 'string', filter: 'string', follow: 'bool', limit: 'string', 'data-dir': 'string', endpoint: 'string' }, short: { f: 'follow' } },
    run: logsCommand,
  },
  'generate-event': {
    spec: {
      options: Object.fromEntries(
        ['body', 'path', 'method', 'stage', 'resource', 'account-id', 'region', 'queue', 'bucket', 'key', 'size', 'rule', 'message', 'subject', 'topic', 'data', 'partition-key', 'sequence', 'table'].map(
          (k) => [k, 'string' as const],
        ),
      ),
    },
    run: generateEventCommand,
  },
  deploy: { spec: { options: { ...tplOpts, 'dry-run': 'bool', 'runtime-fallback': 'bool', 'architecture-fallback': 'bool' }, short: { t: 'template' } }, run: deployCommand },
  dev: { spec: { options: { ...tplOpts, debug: 'bool', 'debug-brk': 'bool', 'debug-port': 'string' }, short: { t: 'template' } }, run: devCommand },
  init: { spec: { options: { blueprint: 'string', list: 'bool' }, short: { b: 'blueprint' } }, run: initCommand },
  queues: {
    spec: {
      options: { number: 'string', json: 'bool', to: 'string', delay: 'string', 'group-id': 'string', 'dedup-id': 'string', endpoint: 'string', 'data-dir': 'string' },
      short: { n: 'number' },
    },
    run: queuesCommand,
  },
  audit: { spec: { options: { 'data-dir': 'string' } }, run: auditCommand },
  history: { spec: { options: { endpoint: 'string', 'data-dir': 'string' } }, run: historyCommand },
  cost: { spec: { options: { by: 'string', since: 'string', function: 'string', json: 'bool', endpoint: 'string', 'data-dir': 'string' } }, run: costCommand },
  'event-sources': { spec: { options: { json: 'bool', endpoint: 'string', 'data-dir': 'string' } }, run: eventSourcesCommand },
};
(commands['generate-event']!.spec.options as Record<string, 'string' | 'bool'>).list = 'bool';

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0];
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const topic = cmd === 'help' ? argv[1] : undefined;
    process.stdout.write(topic && commandHelp[topic] ? commandHelp[topic]! : mainHelp);
    return cmd ? 0 : 1;
  }
  const c = commands[cmd];
  if (!c) {
    process.stderr.write(`kumo: unknown command '${cmd}' (kumo --help lists them)\n`);
    return 2;
  }
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv.slice(1), c.spec);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`kumo ${cmd}: ${e.message}\n\n${commandHelp[cmd]}`);
      return 2;
    }
    throw e;
  }
  if (parsed.flags.help) {
    process.stdout.write(commandHelp[cmd]!);
    return 0;
  }
  try {
    return await c.run(parsed);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`kumo ${cmd}: ${e.message}\n\n${commandHelp[cmd]}`);
      return 2;
    }
    process.stderr.write(`kumo: ${describeError(e)}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

async function serverCommand({ flags }: Parsed): Promise<number> {
  const { configFromEnv } = require('../config') as typeof ConfigMod;
  const { KumoServer } = require('../server') as typeof ServerMod;
  const { architectureSummary } = require('../runtimes/registry') as typeof RegistryMod;
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const cfg = configFromEnv({
    port: str('port') !== undefined ? Number(str('port')) : undefined,
    host: str('host'),
    dataDir: str('data-dir') ? path.resolve(str('data-dir')!) : undefined,
  });
  cfg.dataDir = path.resolve(cfg.dataDir);
  if (!Number.isInteger(cfg.port) || cfg.port < 0 || cfg.port > 65535) {
    process.stderr.write(`kumo: invalid --port ${str('port')}\n`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('kumo: the server runs containers with runc and needs root (run it with sudo).\n');
    return 2;
  }
  // Root stays only in the sandbox supervisor; from here on this process is the API user (SECURITY.md).
  const { supervisorWanted, splitPrivileges } = require('../sandbox/supervisor/split') as typeof SplitMod;
  let driver: InstanceType<typeof RemoteDriverMod.RemoteSandboxDriver> | undefined;
  let wanted: boolean;
  try {
    wanted = supervisorWanted(process.env);
  } catch (e) {
    process.stderr.write(`kumo: could not start: ${(e as Error).message}\n`);
    return 2;
  }
  if (wanted) {
    try {
      const split = splitPrivileges(cfg.dataDir, process.env);
      if ('blockedBy' in split) {
        // Honour the command (a repository cloned below /root, say), and say plainly what it costs.
        process.stderr.write(
          `kumo: WARNING: the API runs as root in this process: ${split.what} is below ${split.blockedBy}, ` +
            `which user ${split.user.name} cannot traverse. To keep root in the sandbox supervisor only, ${split.fix}; ` +
            `KUMO_SUPERVISOR=1 refuses to start like this (SECURITY.md).\n`,
        );
      } else {
        driver = split.driver;
        process.stdout.write(`kumo: API process ${process.pid} runs as ${split.user.name} (uid ${split.user.uid}); sandbox supervisor ${split.supervisorPid} (standby ${split.standbyPid}) as root\n`);
      }
    } catch (e) {
      process.stderr.write(`kumo: could not start: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const server = new KumoServer(cfg, driver ? { driver } : {});
  // Signals are handled from the start: a SIGTERM while the driver is still
  // setting up must clean up too (the default action would kill us like -9).
  let starting: Promise<void> | undefined;
  let signalled = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (sig: string): void => {
      if (signalled) {
        process.stdout.write(`kumo: ${sig} again, not waiting for work in flight\n`);
        server.hurry();
        return;
      }
      signalled = true;
      process.stdout.write(`kumo: ${sig}, stopping\n`);
      const deadline = setTimeout(() => {
        process.stderr.write(`kumo: stop did not finish within ${stopDeadlineMs} ms: killing every EE and exiting\n`);
        server.killSandboxesNow();
        process.exit(1);
      }, stopDeadlineMs);
      // A start under way finishes first, so the stop sees everything it created.
      void (starting ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => server.stop())
        .catch((e: unknown) => process.stderr.write(`kumo: stop failed: ${(e as Error).message}\n`))
        .finally(() => {
          clearTimeout(deadline);
          resolve();
        });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  starting = server.start();
  try {
    await starting;
  } catch (e) {
    process.stderr.write(`kumo: could not start: ${(e as Error).message}\n`);
    await server.stop().catch(() => undefined);
    return 1;
  }
  if (signalled) {
    await stopped;
    return 0;
  }
  const c = server.credentials;
  process.stdout.write(
    `kumo: listening on http://${cfg.host}:${server.port} (region ${cfg.region}, account ${cfg.accountId}, data ${cfg.dataDir})\n` +
      `kumo: credentials (${c.source}):\n` +
      `  export AWS_ACCESS_KEY_ID=${c.accessKeyId}\n  export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\n` +
      `  export AWS_DEFAULT_REGION=${cfg.region}\n` +
      `  aws lambda list-functions --endpoint-url http://${cfg.host}:${server.port}\n` +
      `kumo: function URLs on port ${server.urlPort} (http://<url-id>.lambda-url.${cfg.region}.localhost:${server.urlPort}/ or http://${cfg.host}:${server.urlPort}/lambda-url/<url-id>/)\n` +
      (server.metricsPort !== undefined ? `kumo: Prometheus metrics on http://${cfg.host}:${server.metricsPort}/metrics\n` : '') +
      (server.invokePort !== undefined ? `kumo: Invoke (data plane) on http://${cfg.invokeHost ?? cfg.host}:${server.invokePort} (the API port refuses it)\n` : '') +
      `kumo: architectures: ${architectureSummary()}\n` +
      (cfg.debugFunctions ? 'kumo: KUMO_DEBUG_FUNCTIONS is on: kumo dev --debug may open functions\' debuggers (Node.js inspector, debugpy) on 127.0.0.1 (any local user can connect to one and run code in that function)\n' : '') +
      [...server.cells.values()]
        .filter((cell) => cell.accountId !== cfg.accountId)
        .map((cell) => `kumo: account ${cell.accountId} (KUMO_ACCOUNTS): its root key (${cell.credentials.source}) is in ${path.join(cfg.dataDir, 'accounts', cell.accountId, 'credentials.json')}\n`)
        .join(''),
  );
  await stopped;
  return 0;
}

/**
 * After a stop signal, the longest `kumo server` waits for its clean-up
 * before it kills every EE process and exits anyway (a hung `runc` or `ip`);
 * below the 30 s supervisors commonly wait before SIGKILL.
 */
const stopDeadlineMs = 20_000;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Leave once stdout has drained (a write to a full pipe finishes later; exiting
    // earlier cuts the output at the pipe's 64 KiB), even if a keep-alive socket lingers.
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`kumo: ${describeError(e)}\n`);
    process.exit(1);
  },
);
