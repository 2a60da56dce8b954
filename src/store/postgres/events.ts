import type pg from 'pg';
import { EventOps } from '../event-ops';
import { eventMigration } from '../event-sql';
import { runPostgres } from './queue-driver';

/**
 * `EventBusStore` on PostgreSQL: each method one transaction (synchronous
 * commit) running the shared logic of event-sql.ts with the database's clock;
 * leases are `FOR UPDATE SKIP LOCKED`, so two servers never deliver one
 * delivery at once, and a dead server's leases run out by themselves.
 */
export class PgEvents extends EventOps {
  constructor(pool: pg.Pool) {
    super((op, ...args) => runPostgres(pool, op, ...args));
  }

  /** Shared by several hosts, another owner may be alive: nothing is released; a dead host's leases run out. */
  override async releaseEventDeliveryLeases(_exceptOwner: string): Promise<number> {
    return 0;
  }
}

export const postgresEventMigration = eventMigration({ text: 'text COLLATE "C"', int: 'bigint', bool: 'boolean' });
