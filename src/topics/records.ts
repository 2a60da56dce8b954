/**
 * The records the topic service works with and a `TopicStore` persists.
 * Attributes are kept as AWS names them (string values, as the API carries
 * them), so what GetTopicAttributes returns is what was set.
 */

export interface TopicRecord {
  arn: string;
  name: string;
  createdMs: number;
  /** The attributes set on the topic (DisplayName, Policy, DeliveryPolicy, FifoTopic, ContentBasedDeduplication, …). */
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export type SubscriptionProtocol = 'sqs' | 'lambda' | 'http' | 'https';

export interface SubscriptionRecord {
  arn: string;
  topicArn: string;
  protocol: SubscriptionProtocol;
  endpoint: string;
  owner: string;
  /** http/https start unconfirmed, with a token; sqs and lambda are confirmed at once (same account). */
  confirmed: boolean;
  token: string | null;
  /** RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy, as set. */
  attributes: Record<string, string>;
  createdMs: number;
}

/** One message as published to a topic, before it is shaped for a protocol. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  /** The message text, or with MessageStructure=json the per-protocol map's JSON text. */
  message: string;
  structure: 'json' | undefined;
  subject: string | undefined;
  attributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  timestampMs: number;
  groupId: string | undefined;
  dedupId: string | undefined;
  sequenceNumber: string | undefined;
}

/**
 * One (message, subscription) pair to deliver: the unit the delivery worker
 * leases, retries and finally deletes. `kind` is `notification` for a
 * published message and `confirmation` for an http/https SubscriptionConfirmation.
 */
export interface TopicDelivery {
  id: string;
  subscriptionArn: string;
  kind: 'notification' | 'confirmation';
  message: PublishedMessage;
  /** Attempts made so far (0 when first leased). */
  attempts: number;
}
