import type { PublishedMessage, SubscriptionRecord, TopicDelivery, TopicRecord } from '../topics/records';

export type { PublishedMessage, SubscriptionRecord, TopicDelivery, TopicRecord } from '../topics/records';

/**
 * Persistence of SNS topics, subscriptions and the delivery outbox. Every
 * method is one transaction. Times the store compares (delivery due times,
 * leases, deduplication windows) are passed as *durations*: the store adds
 * them to its own clock (SQLite: this process's; PostgreSQL: the database's
 * `now()`), so hosts sharing a database never compare each other's clocks.
 */
export interface TopicStore {
  /** Creates the topic, or returns the one that exists under that ARN (`created: false`) unchanged. */
  createTopic(rec: TopicRecord): Promise<{ created: boolean; topic: TopicRecord }>;
  getTopic(arn: string): Promise<TopicRecord | undefined>;
  /** Topics by ARN after `afterArn` (exclusive). */
  listTopics(q: { afterArn?: string; limit: number }): Promise<TopicRecord[]>;
  /** Deletes the topic, its subscriptions and their pending deliveries; false when it did not exist. */
  deleteTopic(arn: string): Promise<boolean>;
  /** Sets (or with `null` removes) one attribute; false when the topic does not exist. */
  setTopicAttribute(arn: string, name: string, value: string | null): Promise<boolean>;
  /**
   * Reads one attribute and writes what `edit` makes of it (null removes it),
   * in one transaction under the topic row's lock (AddPermission /
   * RemovePermission on the Policy). `edit` runs synchronously inside the
   * transaction; if it throws, nothing is written and the error is the
   * caller's. False when the topic does not exist.
   */
  editTopicAttribute(arn: string, name: string, edit: (current: string | undefined) => string | null): Promise<boolean>;
  /** Merges tag changes and checks the count inside the transaction; nothing changes when over `max`. */
  changeTopicTags(arn: string, change: { set?: Record<string, string>; remove?: string[] }, max: number):
    Promise<{ kind: 'ok'; tags: Record<string, string> } | { kind: 'no-topic' } | { kind: 'too-many' }>;

  /**
   * Adds the subscription, or returns the existing one of the same topic,
   * protocol and endpoint (`created: false`); `no-topic` when the topic is
   * gone. A `confirmation` (http/https) is queued for delivery in the same
   * transaction, so an acknowledged Subscribe always sends its confirmation.
   */
  createSubscription(rec: SubscriptionRecord, confirmation: PublishedMessage | undefined):
    Promise<{ kind: 'created' | 'exists'; subscription: SubscriptionRecord } | { kind: 'no-topic' }>;
  getSubscription(arn: string): Promise<SubscriptionRecord | undefined>;
  /** Subscriptions by ARN after `afterArn` (exclusive), of one topic or all. */
  listSubscriptions(q: { topicArn?: string; afterArn?: string; limit: number }): Promise<SubscriptionRecord[]>;
  /** Every confirmed subscription of a topic (the fan-out of one publish). */
  confirmedSubscriptions(topicArn: string): Promise<SubscriptionRecord[]>;
  /** Counts for GetTopicAttributes. */
  subscriptionCounts(topicArn: string): Promise<{ confirmed: number; pending: number }>;
  /** Deletes the subscription and its pending deliveries; false when it did not exist. */
  deleteSubscription(arn: string): Promise<boolean>;
  /** Sets (or removes) one attribute; false when the subscription does not exist. */
  setSubscriptionAttribute(arn: string, name: string, value: string | null): Promise<boolean>;
  /** Confirms the subscription of `topicArn` holding `token`; undefined when none does. Confirming twice returns it again. */
  confirmSubscription(topicArn: string, token: string): Promise<SubscriptionRecord | undefined>;

  /**
   * Records a published message for the given subscriptions (one delivery
   * each, due at once) in one transaction. With `dedup`, a message whose
   * deduplication id was seen on this topic within `windowMs` is not stored
   * again: the first one's message id is returned (`duplicate: true`).
   * `no-topic` when the topic is gone.
   */
  publishToTopic(
    msg: PublishedMessage,
    subscriptionArns: string[],
    dedup?: { id: string; windowMs: number },
  ): Promise<{ kind: 'ok'; messageId: string; sequenceNumber?: string; duplicate: boolean } | { kind: 'no-topic' }>;

  /**
   * Leases up to `limit` due deliveries for `leaseMs` (on the store's clock)
   * to `owner`; a delivery whose lease ran out is due again. On PostgreSQL
   * two hosts never lease one delivery at once (SKIP LOCKED).
   */
  leaseDeliveries(owner: string, limit: number, leaseMs: number): Promise<TopicDelivery[]>;
  /** The delivery is done (delivered, filtered out, or given up): it leaves the outbox. */
  finishDelivery(id: string): Promise<void>;
  /** Another attempt after `delayMs` (on the store's clock), with the attempt count now made. */
  retryDelivery(id: string, attempts: number, delayMs: number): Promise<void>;
  /** Releases every lease not held by `owner` (a restart: that process is dead). */
  releaseDeliveryLeases(exceptOwner: string): Promise<number>;
}
