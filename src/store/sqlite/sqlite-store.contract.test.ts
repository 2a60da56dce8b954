import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storeContract, type OpenedStore } from '../../../test/store-contract';
import { eventSourceMappingContract } from '../../../test/store-contract-esm';
import { topicStoreContract } from '../../../test/store-topics-contract';
import { eventStoreContract } from '../../../test/store-events-contract';
import { SqliteStore } from './sqlite-store';

/** The store contract (test/store-contract.ts) on a real SQLite store in a temp dir. */
const opener = async (): Promise<OpenedStore> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-store-contract-'));
  const file = path.join(dir, 'kumo.db');
  let store = new SqliteStore(file);
  let open = true;
  return {
    store,
    async reopen() {
      if (open) await store.close();
      store = new SqliteStore(file);
      return store;
    },
    async destroy() {
      if (open) await store.close();
      open = false;
      fs.rmSync(dir, { recursive: true, force: true });
    },
    child: { opener: 'sqlite', arg: file },
  };
};

storeContract('sqlite', opener);
eventSourceMappingContract('sqlite', opener);
topicStoreContract('sqlite', opener);
eventStoreContract('sqlite', opener);
