import type Database from 'better-sqlite3';
import { EventOps } from '../event-ops';
import { eventMigration } from '../event-sql';
import { runSqlite } from './queue-driver';

/**
 * `EventBusStore` on SQLite: the main database file, each method one
 * immediate write transaction running the shared logic of event-sql.ts with
 * this process's clock. SqliteStore wraps the writes in `durable()` (answered
 * after the WAL fsync), so an acknowledged PutEvents survives kill -9.
 */
export class SqliteEvents extends EventOps {
  constructor(db: Database.Database) {
    super(async (op, ...args) => runSqlite(db, op, ...args));
  }
}

export const sqliteEventMigration = eventMigration({ text: 'TEXT', int: 'INTEGER', bool: 'INTEGER' });
