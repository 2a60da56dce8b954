/**
 * Amazon SQS quotas and ranges, with their units, as AWS documents them
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html,
 * quotas-queues.html, and the SetQueueAttributes / ReceiveMessage API reference).
 */
export const queueLimits = {
  /** Queue names: 1–80 characters of [A-Za-z0-9_-], FIFO names end in `.fifo` (counted in the 80). */
  queueNameCharsMax: 80,
  /**
   * MaximumMessageSize: 1,024 bytes (1 KiB) to 1,048,576 bytes (1 MiB), default 1 MiB (the 2012-11-05
   * model's SetQueueAttributes text; AWS raised both from 256 KiB in 2025).
   */
  messageBytesMin: 1024,
  messageBytesMax: 1_048_576,
  /** MessageRetentionPeriod: 60 s to 1,209,600 s (14 days), default 345,600 s (4 days). */
  retentionSMin: 60,
  retentionSMax: 1_209_600,
  retentionSDefault: 345_600,
  /** VisibilityTimeout: 0 to 43,200 s (12 hours), default 30 s. */
  visibilitySMax: 43_200,
  visibilitySDefault: 30,
  /** DelaySeconds (queue and message): 0 to 900 s (15 minutes), default 0. */
  delaySMax: 900,
  /** ReceiveMessageWaitTimeSeconds / WaitTimeSeconds: 0 to 20 s. */
  waitSMax: 20,
  /** MaxNumberOfMessages: 1 to 10 per ReceiveMessage. */
  receiveMessagesMax: 10,
  /** Batch requests: at most 10 entries, and at most 1,048,576 bytes (1 MiB) of message payload in total (SendMessageBatch). */
  batchEntriesMax: 10,
  batchBytesMax: 1_048_576,
  /** Batch entry ids: up to 80 characters of [A-Za-z0-9_-]. */
  batchIdCharsMax: 80,
  /** Message attributes: at most 10 per message; names up to 256 characters. */
  messageAttributesMax: 10,
  messageAttributeNameCharsMax: 256,
  /** RedrivePolicy maxReceiveCount: 1 to 1,000. */
  maxReceiveCountMin: 1,
  maxReceiveCountMax: 1_000,
  /** RedriveAllowPolicy byQueue: at most 10 source queue ARNs. */
  redriveSourcesMax: 10,
  /** FIFO deduplication interval: 5 minutes (300 s); also the ReceiveRequestAttemptId window. */
  dedupWindowS: 300,
  /** MessageGroupId / MessageDeduplicationId / ReceiveRequestAttemptId: up to 128 characters. */
  fifoIdCharsMax: 128,
  /** Tags per queue: 50; keys 1–128 characters, values 0–256. */
  tagsMax: 50,
  tagKeyCharsMax: 128,
  tagValueCharsMax: 256,
  /** ListQueues / ListDeadLetterSourceQueues MaxResults: 1 to 1,000 (and 1,000 queues without it). */
  listResultsMax: 1_000,
  /**
   * In-flight messages: 120,000 per standard queue and, since November 2024,
   * 120,000 per FIFO queue too (it was 20,000; quotas-messages.html).
   */
  inFlightStandardMax: 120_000,
  inFlightFifoMax: 120_000,
  /** PurgeQueue: one purge per queue per 60 s (PurgeQueueInProgress otherwise). */
  purgeIntervalMs: 60_000,
  /**
   * A queue's Policy ("Amazon SQS policy quotas", quotas-policies.html): at
   * most 8,192 bytes, 20 statements, 50 principals and 10 conditions; 7
   * actions per statement, which AddPermission refuses past (OverLimit, "An
   * Amazon SQS policy can have a maximum of seven actions per statement").
   */
  policyBytesMax: 8_192,
  policyStatementsMax: 20,
  policyPrincipalsMax: 50,
  policyConditionsMax: 10,
  permissionActionsMax: 7,
  /** AddPermission Label: at most 80 characters of [A-Za-z0-9_-] (the model's Label documentation). */
  permissionLabelCharsMax: 80,
} as const;

/**
 * The queue policies the authorizer reads (`QueueService.policyOf`), kept in
 * memory: an entry is read from the store again after `ttlMs` (another
 * server's SetQueueAttributes / AddPermission on the same PostgreSQL is seen
 * within that long; this server's own changes at once); at most `entriesMax`
 * queues' policies are held.
 */
export const queuePolicyCache = { ttlMs: 2_000, entriesMax: 10_000 } as const;

/**
 * How often a long poll looks at the store again while it waits: a send in
 * this process wakes it at once; this catches what no local send announces
 * (a message whose delay or visibility timeout ran out, a send by another
 * server sharing the PostgreSQL database).
 */
export const longPollRecheckMs = 500;
