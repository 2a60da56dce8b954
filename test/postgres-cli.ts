import { startPostgres } from './postgres';

/**
 * For shell tests (test/e2e/postgres.sh): starts a throwaway PostgreSQL,
 * prints its URL on one line, and on SIGTERM/SIGINT stops it and removes its
 * directory before exiting.
 */
async function main(): Promise<void> {
  const pg = await startPostgres();
  const url = await pg.createDatabase('kumo');
  process.stdout.write(`${url}\n`);
  const stop = () => {
    pg.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setInterval(() => undefined, 1 << 30);
}

main().catch((e: unknown) => {
  console.error(`postgres-cli: ${(e as Error).message}`);
  process.exit(1);
});
