/**
 * AWS's limits for queue event source mappings, each cited. The poller's own
 * bounds (how many pollers, how fast they scale) are here too, so every loop
 * in src/event-sources/ has a named maximum.
 */
import { limits } from '../config';

/** SQS BatchSize default (AWS: CreateEventSourceMapping "Amazon SQS – Default 10"). */
export const sqsBatchSizeDefault = 10;
/** SQS BatchSize maximum (AWS: "Amazon SQS – Default 10. For standard queues the maximum is 10,000"). */
export const sqsBatchSizeMax = 10_000;
/** FIFO queues: "For FIFO queues the maximum is 10" (CreateEventSourceMapping, BatchSize). */
export const sqsFifoBatchSizeMax = 10;
/** Above this BatchSize, SQS mappings need MaximumBatchingWindowInSeconds ≥ 1 (AWS's error text in validate.ts). */
export const sqsBatchSizeWithoutWindowMax = 10;
/** MaximumBatchingWindowInSeconds 0–300 (API model). */
export const batchingWindowSecondsMax = 300;
/** FilterCriteria: "Maximum number of filters per event source mapping: 5" (Lambda quotas). */
export const filtersMax = 5;
/** ScalingConfig.MaximumConcurrency 2–1000 (API model). */
export const maximumConcurrencyMin = 2;
export const maximumConcurrencyMax = 1000;

/** ReceiveMessage returns at most 10 messages per call (SQS API reference). */
export const receiveMessagesMax = 10;
/** ReceiveMessage's longest long poll, 20 s (SQS API reference, WaitTimeSeconds). */
export const receiveWaitMsMax = 20_000;
/** A batch's event is a synchronous invoke: at most Lambda's 6 MB request payload (`limits.syncPayloadBytesMax`). */
export const batchPayloadBytesMax = limits.syncPayloadBytesMax;

/** "Lambda starts with five concurrent batches with five functions at a time" (AWS: Lambda SQS scaling). */
export const pollersInitial = 5;
/**
 * The most batches one mapping processes at once (AWS, "Configuring scaling
 * behavior for SQS event source mappings": "The maximum number of batches
 * that an event source mapping can process simultaneously is 1,000").
 * Without MaximumConcurrency the pollers also stop at the account's
 * concurrency limit (`KumoConfig.accountConcurrency`, passed in by the
 * composition root), and always at the function's reserved concurrency.
 */
export const concurrentBatchesMax = 1_000;
/** How often a mapping's pollers re-read the function's reserved concurrency (a change applies within this). */
export const capRecheckMs = 250;
/** "Lambda … increases the number of processes by up to 300 more instances per minute": 5 per second. */
export const pollersScaleUpPerSecond = 5;
/** How often the scaler looks at the backlog. */
export const scaleIntervalMs = 1_000;
/** After a problem (function gone, queue gone, unexpected error), a poller waits this long before it tries again. */
export const problemBackoffMs = 5_000;
/** A settle of a mapping's state (and a result write) retries a lost compare-and-swap this many times. */
export const casRetriesMax = 8;

// ---- Kinesis stream mappings (CreateEventSourceMapping's model and AWS's Kinesis guide)

/** Kinesis BatchSize default (CreateEventSourceMapping: "Amazon Kinesis – Default 100. Max 10,000"). */
export const streamBatchSizeDefault = 100;
/** ParallelizationFactor 1–10 (model): concurrent batches per shard. */
export const parallelizationFactorMin = 1;
export const parallelizationFactorMax = 10;
/** MaximumRetryAttempts -1 (until the record expires) to 10,000 (model). */
export const maximumRetryAttemptsMax = 10_000;
/** MaximumRecordAgeInSeconds -1 (infinite) or 60–604,800 (API reference: "The minimum valid value for maximum record age is 60s"). */
export const maximumRecordAgeSecondsMin = 60;
export const maximumRecordAgeSecondsMax = 604_800;
/** TumblingWindowInSeconds 0–900 (model). */
export const tumblingWindowSecondsMax = 900;
/** GetRecords returns at most 10,000 records per call (Kinesis API reference, Limit). */
export const getRecordsLimitMax = 10_000;
/** "Lambda reads records from each shard at a base rate of once per second" (AWS: Lambda with Kinesis): the idle poll of a shard. */
export const shardIdlePollMs = 1_000;
/** After a throttled or failed read, wait this long before the next (GetRecords' 5 calls/s per shard is shared with other readers). */
export const shardReadBackoffMs = 250;
/** How often the shard list is re-read to find children of a reshard and new shards (AWS discovers them within about a minute). */
export const shardDiscoveryMs = 1_000;
/** Records read ahead of processing per shard, across its slots (bounds memory; reading pauses at it). */
export const shardBufferRecordsMax = 20_000;
/** Retry backoff after a failed batch: first wait, doubling up to the maximum. */
export const streamRetryBackoffMs = 500;
export const streamRetryBackoffMaxMs = 30_000;
/** A tumbling window's state: "Your state can be a maximum of 1 MB per shard. If it exceeds that size, Lambda terminates the window early" (AWS: tumbling windows). */
export const tumblingWindowStateBytesMax = 1024 * 1024;
/** Bytes a tumbling window adds to the event besides its state (window bounds, shardId, ARN, flags): a generous bound for the 6 MB batch payload. */
export const windowEnvelopeBytes = 1_024;
