import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from './pool';
import type { PublishedMessage, SubscriptionRecord, TopicDelivery, TopicRecord, TopicStore } from '../topics';
import { applyTags, toDelivery, toSub, toTopic, withAttr, type DeliveryRow, type SubRow, type TopicRow } from '../topic-rows';

/**
 * `TopicStore` on PostgreSQL. Due times, leases and deduplication windows
 * are the *database's* clock (`now()` plus the durations the caller passes):
 * hosts sharing the database need not agree on the time. A lease is one
 * `UPDATE` over `SELECT … FOR UPDATE SKIP LOCKED`, so two hosts never lease
 * one delivery at once; a dead host's leases simply run out.
 */
export class PgTopics implements TopicStore {
  constructor(private readonly pool: pg.Pool) {}

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async createTopic(rec: TopicRecord): Promise<{ created: boolean; topic: TopicRecord }> {
    const r = await this.pool.query<TopicRow>(
      `INSERT INTO sns_topics (arn, name, created_ms, attributes, tags) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING *`,
      [rec.arn, rec.name, rec.createdMs, JSON.stringify(rec.attributes), JSON.stringify(rec.tags)],
    );
    if (r.rows[0]) return { created: true, topic: rec };
    const got = await this.getTopic(rec.arn);
    // Deleted between the two statements: create again (rare; the loop ends when one of them sees a row).
    return got ? { created: false, topic: got } : this.createTopic(rec);
  }

  async getTopic(arn: string): Promise<TopicRecord | undefined> {
    const r = await this.pool.query<TopicRow>('SELECT * FROM sns_topics WHERE arn = $1', [arn]);
    return r.rows[0] && toTopic(r.rows[0]);
  }

  async listTopics(q: { afterArn?: string; limit: number }): Promise<TopicRecord[]> {
    const r = await this.pool.query<TopicRow>('SELECT * FROM sns_topics WHERE arn > $1 ORDER BY arn LIMIT $2', [q.afterArn ?? '', q.limit]);
    return r.rows.map(toTopic);
  }

  async deleteTopic(arn: string): Promise<boolean> {
    return this.tx(async (c) => {
      await c.query('DELETE FROM sns_deliveries WHERE topic_arn = $1', [arn]);
      await c.query('DELETE FROM sns_subscriptions WHERE topic_arn = $1', [arn]);
      await c.query('DELETE FROM sns_dedup WHERE topic_arn = $1', [arn]);
      return (await c.query('DELETE FROM sns_topics WHERE arn = $1', [arn])).rowCount === 1;
    });
  }

  async setTopicAttribute(arn: string, name: string, value: string | null): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query<TopicRow>('SELECT * FROM sns_topics WHERE arn = $1 FOR UPDATE', [arn]);
      if (!r.rows[0]) return false;
      await c.query('UPDATE sns_topics SET attributes = $1 WHERE arn = $2', [JSON.stringify(withAttr(JSON.parse(r.rows[0].attributes), name, value)), arn]);
      return true;
    });
  }

  async editTopicAttribute(arn: string, name: string, edit: (current: string | undefined) => string | null): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query<TopicRow>('SELECT * FROM sns_topics WHERE arn = $1 FOR UPDATE', [arn]);
      if (!r.rows[0]) return false;
      const attrs = JSON.parse(r.rows[0].attributes) as Record<string, string>;
      await c.query('UPDATE sns_topics SET attributes = $1 WHERE arn = $2', [JSON.stringify(withAttr(attrs, name, edit(attrs[name]))), arn]);
      return true;
    });
  }

  async changeTopicTags(arn: string, change: { set?: Record<string, string>; remove?: string[] }, max: number) {
    return this.tx(async (c) => {
      const r = await c.query<TopicRow>('SELECT * FROM sns_topics WHERE arn = $1 FOR UPDATE', [arn]);
      if (!r.rows[0]) return { kind: 'no-topic' as const };
      const tags = applyTags(JSON.parse(r.rows[0].tags), change);
      if (Object.keys(tags).length > max) return { kind: 'too-many' as const };
      await c.query('UPDATE sns_topics SET tags = $1 WHERE arn = $2', [JSON.stringify(tags), arn]);
      return { kind: 'ok' as const, tags };
    });
  }

  async createSubscription(rec: SubscriptionRecord, confirmation: PublishedMessage | undefined) {
    return this.tx(async (c) => {
      // The topic row's lock orders this against DeleteTopic: no subscription outlives its topic.
      const t = await c.query('SELECT 1 FROM sns_topics WHERE arn = $1 FOR SHARE', [rec.topicArn]);
      if (!t.rows[0]) return { kind: 'no-topic' as const };
      const ins = await c.query(
        `INSERT INTO sns_subscriptions (arn, topic_arn, protocol, endpoint, owner, confirmed, token, attributes, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (topic_arn, protocol, endpoint) DO NOTHING`,
        [rec.arn, rec.topicArn, rec.protocol, rec.endpoint, rec.owner, rec.confirmed, rec.token, JSON.stringify(rec.attributes), rec.createdMs],
      );
      if (ins.rowCount !== 1) {
        const f = await c.query<SubRow>('SELECT * FROM sns_subscriptions WHERE topic_arn = $1 AND protocol = $2 AND endpoint = $3', [
          rec.topicArn, rec.protocol, rec.endpoint,
        ]);
        return { kind: 'exists' as const, subscription: toSub(f.rows[0]!) };
      }
      if (confirmation) await insertDelivery(c, rec.arn, rec.topicArn, 'confirmation', JSON.stringify(confirmation));
      return { kind: 'created' as const, subscription: rec };
    });
  }

  async getSubscription(arn: string): Promise<SubscriptionRecord | undefined> {
    const r = await this.pool.query<SubRow>('SELECT * FROM sns_subscriptions WHERE arn = $1', [arn]);
    return r.rows[0] && toSub(r.rows[0]);
  }

  async listSubscriptions(q: { topicArn?: string; afterArn?: string; limit: number }): Promise<SubscriptionRecord[]> {
    const r = q.topicArn !== undefined
      ? await this.pool.query<SubRow>('SELECT * FROM sns_subscriptions WHERE topic_arn = $1 AND arn > $2 ORDER BY arn LIMIT $3', [
        q.topicArn, q.afterArn ?? '', q.limit,
      ])
      : await this.pool.query<SubRow>('SELECT * FROM sns_subscriptions WHERE arn > $1 ORDER BY arn LIMIT $2', [q.afterArn ?? '', q.limit]);
    return r.rows.map(toSub);
  }

  async confirmedSubscriptions(topicArn: string): Promise<SubscriptionRecord[]> {
    const r = await this.pool.query<SubRow>('SELECT * FROM sns_subscriptions WHERE topic_arn = $1 AND confirmed ORDER BY arn', [topicArn]);
    return r.rows.map(toSub);
  }

  async subscriptionCounts(topicArn: string): Promise<{ confirmed: number; pending: number }> {
    const r = await this.pool.query<{ c: number; p: number }>(
      'SELECT COUNT(*) FILTER (WHERE confirmed) AS c, COUNT(*) FILTER (WHERE NOT confirmed) AS p FROM sns_subscriptions WHERE topic_arn = $1',
      [topicArn],
    );
    return { confirmed: Number(r.rows[0]?.c ?? 0), pending: Number(r.rows[0]?.p ?? 0) };
  }

  async deleteSubscription(arn: string): Promise<boolean> {
    return this.tx(async (c) => {
      await c.query('DELETE FROM sns_deliveries WHERE subscription_arn = $1', [arn]);
      return (await c.query('DELETE FROM sns_subscriptions WHERE arn = $1', [arn])).rowCount === 1;
    });
  }

  async setSubscriptionAttribute(arn: string, name: string, value: string | null): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query<SubRow>('SELECT * FROM sns_subscriptions WHERE arn = $1 FOR UPDATE', [arn]);
      if (!r.rows[0]) return false;
      await c.query('UPDATE sns_subscriptions SET attributes = $1 WHERE arn = $2', [
        JSON.stringify(withAttr(JSON.parse(r.rows[0].attributes), name, value)), arn,
      ]);
      return true;
    });
  }

  async confirmSubscription(topicArn: string, token: string): Promise<SubscriptionRecord | undefined> {
    const r = await this.pool.query<SubRow>(
      'UPDATE sns_subscriptions SET confirmed = true WHERE topic_arn = $1 AND token = $2 RETURNING *', [topicArn, token],
    );
    return r.rows[0] && toSub(r.rows[0]);
  }

  async publishToTopic(msg: PublishedMessage, subscriptionArns: string[], dedup?: { id: string; windowMs: number }) {
    return this.tx(async (c) => {
      const t = await c.query('SELECT 1 FROM sns_topics WHERE arn = $1 FOR SHARE', [msg.topicArn]);
      if (!t.rows[0]) return { kind: 'no-topic' as const };
      if (dedup) {
        // One row per (topic, id): the upsert takes its lock, so two publishes of one id decide in turn.
        const r = await c.query<{ message_id: string; sequence_number: string | null; fresh: boolean }>(
          `INSERT INTO sns_dedup AS d (topic_arn, dedup_id, message_id, sequence_number, expires_at)
           VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
           ON CONFLICT (topic_arn, dedup_id) DO UPDATE SET
             message_id = CASE WHEN d.expires_at <= now() THEN excluded.message_id ELSE d.message_id END,
             sequence_number = CASE WHEN d.expires_at <= now() THEN excluded.sequence_number ELSE d.sequence_number END,
             expires_at = CASE WHEN d.expires_at <= now() THEN excluded.expires_at ELSE d.expires_at END
           RETURNING message_id, sequence_number, (message_id = $3) AS fresh`,
          [msg.topicArn, dedup.id, msg.messageId, msg.sequenceNumber ?? null, dedup.windowMs],
        );
        const row = r.rows[0]!;
        if (!row.fresh) return { kind: 'ok' as const, messageId: row.message_id, sequenceNumber: row.sequence_number ?? undefined, duplicate: true };
        await c.query('DELETE FROM sns_dedup WHERE topic_arn = $1 AND expires_at <= now()', [msg.topicArn]);
      }
      const body = JSON.stringify(msg);
      for (const sub of subscriptionArns) await insertDelivery(c, sub, msg.topicArn, 'notification', body);
      return { kind: 'ok' as const, messageId: msg.messageId, sequenceNumber: msg.sequenceNumber, duplicate: false };
    });
  }

  async leaseDeliveries(owner: string, limit: number, leaseMs: number): Promise<TopicDelivery[]> {
    const r = await this.pool.query<DeliveryRow>(
      `UPDATE sns_deliveries SET lease_owner = $1, lease_until = clock_timestamp() + $3 * interval '1 millisecond'
       WHERE id IN (SELECT id FROM sns_deliveries WHERE due_at <= clock_timestamp() AND lease_until <= clock_timestamp()
                    ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, subscription_arn, kind, message, attempts`,
      [owner, limit, leaseMs],
    );
    return r.rows.map(toDelivery);
  }

  async finishDelivery(id: string): Promise<void> {
    await this.pool.query('DELETE FROM sns_deliveries WHERE id = $1', [id]);
  }

  async retryDelivery(id: string, attempts: number, delayMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE sns_deliveries SET attempts = $2, due_at = clock_timestamp() + $3 * interval '1 millisecond',
         lease_owner = NULL, lease_until = '-infinity' WHERE id = $1`,
      [id, attempts, delayMs],
    );
  }

  /**
   * Shared by several hosts, another owner may be alive: only leases that ran
   * out are anyone's, and those are due again by themselves. So nothing is
   * released here; a dead host's deliveries return when their lease ends.
   */
  async releaseDeliveryLeases(_exceptOwner: string): Promise<number> {
    return 0;
  }
}

async function insertDelivery(c: pg.PoolClient, subscriptionArn: string, topicArn: string, kind: string, message: string): Promise<void> {
  await c.query(
    `INSERT INTO sns_deliveries (id, subscription_arn, topic_arn, kind, message, attempts, due_at, lease_owner, lease_until)
     VALUES ($1, $2, $3, $4, $5, 0, clock_timestamp(), NULL, '-infinity')`,
    [randomUUID(), subscriptionArn, topicArn, kind, message],
  );
}

/** Appended to the PostgreSQL migrations (one entry). */
export const pgTopicMigration = `
  CREATE TABLE sns_topics (
    arn text COLLATE "C" PRIMARY KEY, name text NOT NULL, created_ms bigint NOT NULL, attributes text NOT NULL, tags text NOT NULL);
  CREATE TABLE sns_subscriptions (
    arn text COLLATE "C" PRIMARY KEY, topic_arn text COLLATE "C" NOT NULL, protocol text NOT NULL, endpoint text NOT NULL,
    owner text NOT NULL, confirmed boolean NOT NULL, token text, attributes text NOT NULL, created_ms bigint NOT NULL,
    UNIQUE (topic_arn, protocol, endpoint));
  CREATE TABLE sns_deliveries (
    id text PRIMARY KEY, subscription_arn text NOT NULL, topic_arn text NOT NULL, kind text NOT NULL, message text NOT NULL,
    attempts integer NOT NULL, due_at timestamptz NOT NULL, lease_owner text, lease_until timestamptz NOT NULL);
  CREATE INDEX sns_deliveries_due ON sns_deliveries (due_at);
  CREATE INDEX sns_deliveries_subscription ON sns_deliveries (subscription_arn);
  CREATE INDEX sns_deliveries_topic ON sns_deliveries (topic_arn);
  CREATE TABLE sns_dedup (
    topic_arn text NOT NULL, dedup_id text NOT NULL, message_id text NOT NULL, sequence_number text, expires_at timestamptz NOT NULL,
    PRIMARY KEY (topic_arn, dedup_id));`;
