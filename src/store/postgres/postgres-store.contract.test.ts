import { after, before } from 'node:test';
import { storeContract, type OpenedStore } from '../../../test/store-contract';
import { eventSourceMappingContract } from '../../../test/store-contract-esm';
import { topicStoreContract } from '../../../test/store-topics-contract';
import { eventStoreContract } from '../../../test/store-events-contract';
import { startPostgres, type ThrowawayPostgres } from '../../../test/postgres';
import pg0 from 'pg';
import { PostgresStore } from './postgres-store';

/** How long a reopen waits for the backends of a killed writer to end, in milliseconds. */
const deadBackendWaitMs = 10_000;

/**
 * Waits until no other session is connected to the database. A writer killed
 * with SIGKILL may have sent COMMIT already: PostgreSQL still commits it, in
 * the dead client's backend, after the kill. Checking the crash state before
 * that backend ends would read a state that is about to change (the next
 * writer then finds a function the check did not see).
 */
async function waitForOtherBackends(url: string): Promise<void> {
  const c = new pg0.Client({ connectionString: url });
  await c.connect();
  try {
    for (const end = Date.now() + deadBackendWaitMs; ;) {
      const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      if (r.rows[0]!.n === '0') return;
      if (Date.now() > end) throw new Error(`another session is still connected to the database after ${deadBackendWaitMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await c.end();
  }
}

/**
 * The store contract (test/store-contract.ts) on a real PostgreSQL: a
 * throwaway cluster for this file (test/postgres.ts), a new database per
 * case. The crash case kills a writer process holding its own connection:
 * PostgreSQL rolls its transaction back (or commits it, when COMMIT was sent
 * before the kill: a reopen waits for the dead writer's backend to end).
 */
let pg: ThrowawayPostgres;
let n = 0;
before(async () => {
  pg = await startPostgres();
});
after(() => pg?.stop());

const opener = async (): Promise<OpenedStore> => {
  const url = await pg.createDatabase(`contract_${++n}`);
  let store = await PostgresStore.open(url);
  let open = true;
  return {
    store,
    async reopen() {
      if (open) await store.close();
      await waitForOtherBackends(url);
      store = await PostgresStore.open(url);
      return store;
    },
    async destroy() {
      if (open) await store.close();
      open = false;
    },
    child: { opener: 'postgres', arg: url },
  };
};

storeContract('postgres', opener);
eventSourceMappingContract('postgres', opener);
topicStoreContract('postgres', opener);
eventStoreContract('postgres', opener);
