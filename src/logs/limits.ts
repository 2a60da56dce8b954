/**
 * CloudWatch Logs quotas Kumo enforces, with AWS's values
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html and the
 * PutLogEvents / GetLogEvents / FilterLogEvents API references).
 */
export const logsLimits = {
  /** PutLogEvents: batch size, counting each event's UTF-8 message plus 26 bytes. AWS: 1,048,576 bytes. */
  putBatchBytesMax: 1_048_576,
  /** PutLogEvents: bytes added per event when the batch is measured. AWS: 26. */
  putEventOverheadBytes: 26,
  /** PutLogEvents: events per batch. AWS: 10,000. */
  putEventsMax: 10_000,
  /** One event's message. AWS: 256 KB (262,144 bytes including the 26-byte overhead). */
  eventBytesMax: 262_144,
  /** Events older than this are rejected (tooOldLogEventEndIndex). AWS: 14 days. */
  eventAgeMsMax: 14 * 24 * 3600 * 1000,
  /** Events further in the future are rejected (tooNewLogEventStartIndex). AWS: 2 hours. */
  eventFutureMsMax: 2 * 3600 * 1000,
  /** One batch may not span more than this. AWS: 24 hours. */
  putBatchSpanMsMax: 24 * 3600 * 1000,
  /** GetLogEvents / FilterLogEvents: events per response (default and maximum). AWS: 10,000. */
  readEventsMax: 10_000,
  /** GetLogEvents / FilterLogEvents: message bytes per response. AWS: 1 MB. */
  readResponseBytesMax: 1_048_576,
  /** FilterLogEvents: events examined by one call before it answers with a nextToken (AWS also returns partial pages). */
  filterScanEventsMax: 100_000,
  /** Rows read from the store at a time while filtering. */
  filterScanChunkEvents: 1_000,
  /** DescribeLogGroups / DescribeLogStreams: items per page (default and maximum). AWS: 50. */
  describeItemsMax: 50,
  /** Events the retention sweep deletes per run (bounded work, so one sweep never stalls the server). */
  retentionSweepEventsMax: 10_000,
} as const;

/** The retention values AWS accepts (PutRetentionPolicy retentionInDays). */
export const retentionDaysAllowed = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const dayMs = 24 * 3600 * 1000;

/** Subscription filters (src/logs/subscriptions.ts). */
export const subscriptionLimits = {
  /** Subscription filters per log group. AWS: 2 (CloudWatch Logs quotas, not adjustable). */
  filtersPerGroupMax: 2,
  /** DescribeSubscriptionFilters: items per page (default and maximum). AWS: 50 (the model's DescribeLimit). */
  describeLimitMax: 50,
  /** Log events per delivered batch. AWS: up to 10,000 per batch (as PutLogEvents). */
  batchEventsMax: 10_000,
  /** One delivery's event payload, bytes: Kumo's async invoke limit (config `limits.asyncPayloadBytesMax`, 1 MB, AWS's since 2025). */
  payloadBytesMax: 1024 * 1024,
  /** Events read from a group at a time per filter. */
  readEventsMax: 10_000,
  /** How often each filter looks for new events, ms (Kumo's; AWS delivers in near real time). */
  pollMs: 1_000,
  /** Compiled patterns kept (one per distinct pattern). */
  compiledPatternsMax: 1_000,
} as const;
