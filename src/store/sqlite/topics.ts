import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { PublishedMessage, SubscriptionRecord, TopicDelivery, TopicRecord, TopicStore } from '../topics';
import { applyTags, toDelivery, toSub, toTopic, withAttr, type DeliveryRow, type SubRow, type TopicRow } from '../topic-rows';

/**
 * `TopicStore` on SQLite (the main database file: SqliteStore answers a
 * write after an fsync of the WAL that began after its commit, so a publish
 * is on disk before it is acknowledged). The store's clock is this
 * process's `Date.now()`: one server owns a SQLite data dir.
 */
export class SqliteTopics implements TopicStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      insTopic: db.prepare('INSERT OR IGNORE INTO sns_topics (arn, name, created_ms, attributes, tags) VALUES (?, ?, ?, ?, ?)'),
      getTopic: db.prepare('SELECT * FROM sns_topics WHERE arn = ?'),
      listTopics: db.prepare('SELECT * FROM sns_topics WHERE arn > ? ORDER BY arn LIMIT ?'),
      delTopic: db.prepare('DELETE FROM sns_topics WHERE arn = ?'),
      delTopicSubs: db.prepare('DELETE FROM sns_subscriptions WHERE topic_arn = ?'),
      delTopicDeliveries: db.prepare('DELETE FROM sns_deliveries WHERE topic_arn = ?'),
      delTopicDedup: db.prepare('DELETE FROM sns_dedup WHERE topic_arn = ?'),
      setTopicAttrs: db.prepare('UPDATE sns_topics SET attributes = ? WHERE arn = ?'),
      setTopicTags: db.prepare('UPDATE sns_topics SET tags = ? WHERE arn = ?'),
      insSub: db.prepare(
        `INSERT INTO sns_subscriptions (arn, topic_arn, protocol, endpoint, owner, confirmed, token, attributes, created_ms)
         VALUES (@arn, @topicArn, @protocol, @endpoint, @owner, @confirmed, @token, @attributes, @createdMs)`,
      ),
      findSub: db.prepare('SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?'),
      getSub: db.prepare('SELECT * FROM sns_subscriptions WHERE arn = ?'),
      listSubs: db.prepare('SELECT * FROM sns_subscriptions WHERE arn > ? ORDER BY arn LIMIT ?'),
      listTopicSubs: db.prepare('SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND arn > ? ORDER BY arn LIMIT ?'),
      confirmedSubs: db.prepare('SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND confirmed = 1 ORDER BY arn'),
      counts: db.prepare('SELECT SUM(confirmed) AS c, SUM(1 - confirmed) AS p FROM sns_subscriptions WHERE topic_arn = ?'),
      delSub: db.prepare('DELETE FROM sns_subscriptions WHERE arn = ?'),
      delSubDeliveries: db.prepare('DELETE FROM sns_deliveries WHERE subscription_arn = ?'),
      setSubAttrs: db.prepare('UPDATE sns_subscriptions SET attributes = ? WHERE arn = ?'),
      subByToken: db.prepare('SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND token = ?'),
      confirm: db.prepare('UPDATE sns_subscriptions SET confirmed = 1 WHERE arn = ?'),
      insDelivery: db.prepare(
        `INSERT INTO sns_deliveries (id, subscription_arn, topic_arn, kind, message, attempts, due_ms, lease_owner, lease_until_ms)
         VALUES (?, ?, ?, ?, ?, 0, ?, NULL, 0)`,
      ),
      getDedup: db.prepare('SELECT message_id, sequence_number FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ? AND expires_ms > ?'),
      putDedup: db.prepare(
        `INSERT INTO sns_dedup (topic_arn, dedup_id, message_id, sequence_number, expires_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (topic_arn, dedup_id) DO UPDATE SET message_id = excluded.message_id,
           sequence_number = excluded.sequence_number, expires_ms = excluded.expires_ms`,
      ),
      expireDedup: db.prepare('DELETE FROM sns_dedup WHERE expires_ms <= ?'),
      due: db.prepare('SELECT * FROM sns_deliveries WHERE due_ms <= ? AND lease_until_ms <= ? ORDER BY due_ms, id LIMIT ?'),
      lease: db.prepare('UPDATE sns_deliveries SET lease_owner = ?, lease_until_ms = ? WHERE id = ?'),
      finish: db.prepare('DELETE FROM sns_deliveries WHERE id = ?'),
      retry: db.prepare('UPDATE sns_deliveries SET attempts = ?, due_ms = ?, lease_owner = NULL, lease_until_ms = 0 WHERE id = ?'),
      release: db.prepare(
        'UPDATE sns_deliveries SET lease_owner = NULL, lease_until_ms = 0 WHERE lease_owner IS NOT NULL AND lease_owner <> ?',
      ),
    };
  }

  async createTopic(rec: TopicRecord): Promise<{ created: boolean; topic: TopicRecord }> {
    return this.db.transaction(() => {
      const r = this.st.insTopic.run(rec.arn, rec.name, rec.createdMs, JSON.stringify(rec.attributes), JSON.stringify(rec.tags));
      if (r.changes === 1) return { created: true, topic: rec };
      return { created: false, topic: toTopic(this.st.getTopic.get(rec.arn) as TopicRow) };
    }).immediate();
  }

  async getTopic(arn: string): Promise<TopicRecord | undefined> {
    const r = this.st.getTopic.get(arn) as TopicRow | undefined;
    return r && toTopic(r);
  }

  async listTopics(q: { afterArn?: string; limit: number }): Promise<TopicRecord[]> {
    return (this.st.listTopics.all(q.afterArn ?? '', q.limit) as TopicRow[]).map(toTopic);
  }

  async deleteTopic(arn: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.st.delTopicDeliveries.run(arn);
      this.st.delTopicSubs.run(arn);
      this.st.delTopicDedup.run(arn);
      return this.st.delTopic.run(arn).changes === 1;
    }).immediate();
  }

  async setTopicAttribute(arn: string, name: string, value: string | null): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.st.getTopic.get(arn) as TopicRow | undefined;
      if (!r) return false;
      this.st.setTopicAttrs.run(JSON.stringify(withAttr(JSON.parse(r.attributes), name, value)), arn);
      return true;
    }).immediate();
  }

  async editTopicAttribute(arn: string, name: string, edit: (current: string | undefined) => string | null): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.st.getTopic.get(arn) as TopicRow | undefined;
      if (!r) return false;
      const attrs = JSON.parse(r.attributes) as Record<string, string>;
      this.st.setTopicAttrs.run(JSON.stringify(withAttr(attrs, name, edit(attrs[name]))), arn);
      return true;
    }).immediate();
  }

  async changeTopicTags(arn: string, change: { set?: Record<string, string>; remove?: string[] }, max: number) {
    return this.db.transaction(() => {
      const r = this.st.getTopic.get(arn) as TopicRow | undefined;
      if (!r) return { kind: 'no-topic' as const };
      const tags = applyTags(JSON.parse(r.tags), change);
      if (Object.keys(tags).length > max) return { kind: 'too-many' as const };
      this.st.setTopicTags.run(JSON.stringify(tags), arn);
      return { kind: 'ok' as const, tags };
    }).immediate();
  }

  async createSubscription(rec: SubscriptionRecord, confirmation: PublishedMessage | undefined) {
    return this.db.transaction(() => {
      if (!this.st.getTopic.get(rec.topicArn)) return { kind: 'no-topic' as const };
      const found = this.st.findSub.get(rec.topicArn, rec.protocol, rec.endpoint) as SubRow | undefined;
      if (found) return { kind: 'exists' as const, subscription: toSub(found) };
      this.st.insSub.run({ ...rec, confirmed: rec.confirmed ? 1 : 0, attributes: JSON.stringify(rec.attributes) });
      if (confirmation) this.st.insDelivery.run(randomUUID(), rec.arn, rec.topicArn, 'confirmation', JSON.stringify(confirmation), Date.now());
      return { kind: 'created' as const, subscription: rec };
    }).immediate();
  }

  async getSubscription(arn: string): Promise<SubscriptionRecord | undefined> {
    const r = this.st.getSub.get(arn) as SubRow | undefined;
    return r && toSub(r);
  }

  async listSubscriptions(q: { topicArn?: string; afterArn?: string; limit: number }): Promise<SubscriptionRecord[]> {
    const rows = q.topicArn !== undefined
      ? this.st.listTopicSubs.all(q.topicArn, q.afterArn ?? '', q.limit)
      : this.st.listSubs.all(q.afterArn ?? '', q.limit);
    return (rows as SubRow[]).map(toSub);
  }

  async confirmedSubscriptions(topicArn: string): Promise<SubscriptionRecord[]> {
    return (this.st.confirmedSubs.all(topicArn) as SubRow[]).map(toSub);
  }

  async subscriptionCounts(topicArn: string): Promise<{ confirmed: number; pending: number }> {
    const r = this.st.counts.get(topicArn) as { c: number | null; p: number | null };
    return { confirmed: r.c ?? 0, pending: r.p ?? 0 };
  }

  async deleteSubscription(arn: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.st.delSubDeliveries.run(arn);
      return this.st.delSub.run(arn).changes === 1;
    }).immediate();
  }

  async setSubscriptionAttribute(arn: string, name: string, value: string | null): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.st.getSub.get(arn) as SubRow | undefined;
      if (!r) return false;
      this.st.setSubAttrs.run(JSON.stringify(withAttr(JSON.parse(r.attributes), name, value)), arn);
      return true;
    }).immediate();
  }

  async confirmSubscription(topicArn: string, token: string): Promise<SubscriptionRecord | undefined> {
    return this.db.transaction(() => {
      const r = this.st.subByToken.get(topicArn, token) as SubRow | undefined;
      if (!r) return undefined;
      this.st.confirm.run(r.arn);
      return toSub({ ...r, confirmed: 1 });
    }).immediate();
  }

  async publishToTopic(msg: PublishedMessage, subscriptionArns: string[], dedup?: { id: string; windowMs: number }) {
    return this.db.transaction(() => {
      if (!this.st.getTopic.get(msg.topicArn)) return { kind: 'no-topic' as const };
      const now = Date.now();
      if (dedup) {
        this.st.expireDedup.run(now);
        const seen = this.st.getDedup.get(msg.topicArn, dedup.id, now) as { message_id: string; sequence_number: string | null } | undefined;
        if (seen) return { kind: 'ok' as const, messageId: seen.message_id, sequenceNumber: seen.sequence_number ?? undefined, duplicate: true };
        this.st.putDedup.run(msg.topicArn, dedup.id, msg.messageId, msg.sequenceNumber ?? null, now + dedup.windowMs);
      }
      const body = JSON.stringify(msg);
      for (const sub of subscriptionArns) this.st.insDelivery.run(randomUUID(), sub, msg.topicArn, 'notification', body, now);
      return { kind: 'ok' as const, messageId: msg.messageId, sequenceNumber: msg.sequenceNumber, duplicate: false };
    }).immediate();
  }

  async leaseDeliveries(owner: string, limit: number, leaseMs: number): Promise<TopicDelivery[]> {
    return this.db.transaction(() => {
      const now = Date.now();
      const rows = this.st.due.all(now, now, limit) as DeliveryRow[];
      for (const r of rows) this.st.lease.run(owner, now + leaseMs, r.id);
      return rows.map(toDelivery);
    }).immediate();
  }

  async finishDelivery(id: string): Promise<void> {
    this.st.finish.run(id);
  }

  async retryDelivery(id: string, attempts: number, delayMs: number): Promise<void> {
    this.st.retry.run(attempts, Date.now() + delayMs, id);
  }

  async releaseDeliveryLeases(exceptOwner: string): Promise<number> {
    return this.st.release.run(exceptOwner).changes;
  }
}

/** Appended to the main database's migrations (one entry). */
export const sqliteTopicMigration = `
  CREATE TABLE sns_topics (arn TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL, attributes TEXT NOT NULL, tags TEXT NOT NULL);
  CREATE TABLE sns_subscriptions (
    arn TEXT PRIMARY KEY, topic_arn TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL, owner TEXT NOT NULL,
    confirmed INTEGER NOT NULL, token TEXT, attributes TEXT NOT NULL, created_ms INTEGER NOT NULL);
  CREATE UNIQUE INDEX sns_subscriptions_endpoint ON sns_subscriptions (topic_arn, protocol, endpoint);
  CREATE TABLE sns_deliveries (
    id TEXT PRIMARY KEY, subscription_arn TEXT NOT NULL, topic_arn TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL,
    attempts INTEGER NOT NULL, due_ms INTEGER NOT NULL, lease_owner TEXT, lease_until_ms INTEGER NOT NULL);
  CREATE INDEX sns_deliveries_due ON sns_deliveries (due_ms);
  CREATE INDEX sns_deliveries_subscription ON sns_deliveries (subscription_arn);
  CREATE INDEX sns_deliveries_topic ON sns_deliveries (topic_arn);
  CREATE TABLE sns_dedup (
    topic_arn TEXT NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL, sequence_number TEXT, expires_ms INTEGER NOT NULL,
    PRIMARY KEY (topic_arn, dedup_id));`;

