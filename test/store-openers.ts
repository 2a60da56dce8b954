import type { Store } from '../src/store/types';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import { PostgresStore } from '../src/store/postgres/postgres-store';

/**
 * How a child process opens a store by name (test/store-crash-child.ts): the
 * contract suite's crash cases run a writer in a process of its own and kill
 * it, so the store must be reachable from a fresh process. Each
 * implementation adds its opener here; `arg` is what its contract run passes
 * (a file path for SQLite; a connection string for PostgreSQL).
 */
export const storeOpeners: Record<string, (arg: string) => Promise<Store>> = {
  sqlite: async (file) => new SqliteStore(file),
  postgres: (url) => PostgresStore.open(url),
};
