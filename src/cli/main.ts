import path from 'node:path';
import { configFromEnv } from '../config';
import { KumoServer } from '../server';
import { logsCommand } from './logs';

const usage = `kumo — a self-hosted AWS Lambda

Usage:
  kumo server [--port 9001] [--host 127.0.0.1] [--data-dir ./.kumo]
      Start the API (AWS Lambda REST API 2015-03-31, SigV4) and everything behind it.
      Prints the credentials to use with the aws CLI / SDKs.
  kumo logs <function> [--data-dir ./.kumo] [--since 10m] [--filter text] [--follow] [--limit 1000]
      Print a function's logs (log group /aws/lambda/<function>).
  kumo --help

Environment:
  KUMO_ACCESS_KEY_ID / KUMO_SECRET_ACCESS_KEY   fixed API credentials (else generated in the data dir)
  KUMO_REGION (us-east-1), KUMO_ACCOUNT_ID (000000000000), KUMO_EE_IDLE_MS (600000)
  KUMO_ASYNC_RETRY_DELAYS_MS (60000,120000)

Examples:
  kumo server --port 9001
  aws lambda list-functions --endpoint-url http://127.0.0.1:9001
  kumo logs my-function --since 5m
`;

export function parseFlags(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags[a.slice(2)] = argv[++i]!;
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parseFlags(argv);
  const cmd = positional[0];
  if (!cmd || flags.help || cmd === 'help') {
    process.stdout.write(usage);
    return cmd || flags.help ? 0 : 1;
  }
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  if (cmd === 'server') {
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
    const server = new KumoServer(cfg);
    try {
      await server.start();
    } catch (e) {
      process.stderr.write(`kumo: could not start: ${(e as Error).message}\n`);
      await server.stop().catch(() => undefined);
      return 1;
    }
    const c = server.credentials;
    process.stdout.write(
      `kumo: listening on http://${cfg.host}:${server.port} (region ${cfg.region}, account ${cfg.accountId}, data ${cfg.dataDir})\n` +
        `kumo: credentials (${c.source}):\n` +
        `  export AWS_ACCESS_KEY_ID=${c.accessKeyId}\n  export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\n` +
        `  export AWS_DEFAULT_REGION=${cfg.region}\n` +
        `  aws lambda list-functions --endpoint-url http://${cfg.host}:${server.port}\n`,
    );
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`kumo: ${sig}, stopping\n`);
        server.stop().then(resolve, (e) => {
          process.stderr.write(`kumo: stop failed: ${(e as Error).message}\n`);
          resolve();
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  }
  if (cmd === 'logs') return logsCommand(positional.slice(1), flags);
  process.stderr.write(`kumo: unknown command '${cmd}'\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`kumo: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
