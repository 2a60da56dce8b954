/**
 * Amazon SNS's quotas and fixed values that Kumo enforces, with AWS's
 * numbers (https://docs.aws.amazon.com/general/latest/gr/sns.html, the
 * CreateTopic / Publish / PublishBatch API references).
 */

/** Topic names: 1–256 characters of `[A-Za-z0-9_-]`, FIFO topics ending in `.fifo` (CreateTopic "Name"). */
export const topicNameCharsMax = 256;
/** Publish/PublishBatch: message plus attributes at most 256 KiB (262,144 bytes), per message and per batch. */
export const messageBytesMax = 262_144;
/** PublishBatch: at most 10 entries. */
export const batchEntriesMax = 10;
/** PublishBatch entry ids: up to 80 characters of `[A-Za-z0-9_-]`. */
export const batchEntryIdCharsMax = 80;
/** Publish "Subject": under 100 characters, ASCII, no line break. */
export const subjectCharsMax = 100;
/** Message attributes per message (SNS, as SQS: 10). */
export const messageAttributesMax = 10;
/** Message attribute names: up to 256 characters. */
export const messageAttributeNameCharsMax = 256;
/** MessageGroupId / MessageDeduplicationId: up to 128 characters. */
export const fifoIdCharsMax = 128;
/** FIFO topics drop a repeated MessageDeduplicationId within 5 minutes. */
export const dedupWindowMs = 5 * 60 * 1000;
/** ListTopics and the ListSubscriptions operations: 100 per page. */
export const listPageMax = 100;
/** Tags per topic (TagResource: "up to 50 tags"). */
export const tagsPerTopicMax = 50;
/** Tag keys 1–128 characters, values 0–256 (the model's TagKey/TagValue). */
export const tagKeyCharsMax = 128;
export const tagValueCharsMax = 256;
/** Filter policies: 5 attribute keys, 150 combinations of values, 256 KiB of text, 5 levels of nesting (message body). */
export const filterPolicyKeysMax = 5;
export const filterPolicyCombinationsMax = 150;
export const filterPolicyBytesMax = 256 * 1024;
export const filterPolicyDepthMax = 5;
/** Numeric matching: values between -1e9 and 1e9, five decimal places. */
export const filterNumberAbsMax = 1e9;
/**
 * A topic's Policy ("Amazon SNS API permissions: Actions and resources
 * reference", Policy quotas): 30 KB (30,720 bytes), 100 statements, 1 to
 * 200 principals per statement.
 */
export const topicPolicyBytesMax = 30_720;
export const topicPolicyStatementsMax = 100;
export const topicPolicyPrincipalsPerStatementMax = 200;
/** AddPermission Label: Kumo's bound (the model sets none; the Label is the statement's Sid), 1–256 characters. */
export const permissionLabelCharsMax = 256;
/**
 * The topic policies the authorizer reads, kept in memory: read again after
 * `ttlMs` (another server's change on the same PostgreSQL is seen within
 * that long; this server's at once); at most `entriesMax` topics' policies held.
 */
export const topicPolicyCache = { ttlMs: 2_000, entriesMax: 10_000 } as const;
/** DisplayName: up to 100 characters. */
export const displayNameCharsMax = 100;

/** An HTTP/S endpoint has 15 s to answer a delivery (AWS's delivery timeout). */
export const httpDeliveryTimeoutMs = 15_000;
/**
 * AWS's default HTTP/S delivery policy (healthyRetryPolicy): 3 retries, 20 s
 * apart (numRetries 3, minDelayTarget 20, maxDelayTarget 20, linear).
 */
export const defaultHttpDeliveryPolicy = {
  minDelayTarget: 20,
  maxDelayTarget: 20,
  numRetries: 3,
  numMaxDelayRetries: 0,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  backoffFunction: 'linear',
} as const;
/** DeliveryPolicy bounds (AWS: numRetries 0–100, delays 1–3,600 s, maxDelayTarget ≥ minDelayTarget). */
export const deliveryRetriesMax = 100;
export const deliveryDelaySecondsMax = 3600;

/**
 * Retries to AWS-managed endpoints (SQS, Lambda), AWS's fixed policy: 3
 * immediately, 2 one second apart, 10 with backoff from 1 s to 20 s, then
 * 100,000 at 20 s. Kumo keeps the phases.
 */
export const managedRetry = { immediate: 3, preBackoff: 2, backoff: 10, postBackoff: 100_000, minDelayMs: 1_000, maxDelayMs: 20_000 } as const;

/** The delivery worker: deliveries leased per poll, how long a lease lasts, how often it polls when idle, how many in flight. */
export const deliveryLeaseBatchMax = 16;
export const deliveryLeaseMs = 60_000;
export const deliveryPollMs = 250;
export const deliveriesInFlightMax = 16;
