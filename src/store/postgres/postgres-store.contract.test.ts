import { after, before } from 'node:test';
import { storeContract, type OpenedStore } from '../../../test/store-contract';
import { eventSourceMappingContract } from '../../../test/store-contract-esm';
import { topicStoreContract } from '../../../test/store-topics-contract';
import { eventStoreContract } from '../../../test/store-events-contract';
import { startPostgres, type ThrowawayPostgres } from '../../../test/postgres';
import { PostgresStore } from './postgres-store';

/**
 * The store contract (test/store-contract.ts) on a real PostgreSQL: a
 * throwaway cluster for this file (test/postgres.ts), a new database per
 * case. The crash case kills a writer process holding its own connection:
 * PostgreSQL rolls its transaction back.
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
