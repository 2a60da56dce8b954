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
