import type { MessageAttributeValue } from './delivery';

/**
 * What Lambda's queue event source mappings need from the queue service
 * (src/queues/ implements it; src/event-sources/ polls through it), so the
 * poller never reaches into the queue service's internals or its store.
 * Queues are named by ARN. Every method throws DomainError `NotFound` when
 * the queue does not exist (the mapping then reports the problem in its
 * `StateTransitionReason`/`LastProcessingResult`, as AWS does).
 */
export interface QueueSource {
  /** The settings a mapping checks and follows. */
  describe(queueArn: string): Promise<QueueSourceInfo>;
  /**
   * Receives up to `max` (1–10) messages, long-polling up to `waitMs`
   * (0–20,000) when none is visible; each message becomes invisible for the
   * queue's visibility timeout and its receive count goes up by one, exactly
   * as ReceiveMessage does (so RedrivePolicy's maxReceiveCount moves a
   * message that keeps failing to the dead-letter queue). Resolves early with
   * [] when `signal` aborts.
   */
  receive(queueArn: string, opts: { max: number; waitMs: number; signal?: AbortSignal }): Promise<SourceMessage[]>;
  /** Deletes received messages by receipt handle; a stale handle is ignored, as DeleteMessage does. */
  deleteMessages(queueArn: string, receiptHandles: string[]): Promise<void>;
  /** ChangeMessageVisibility: `0` makes a failed message visible again at once. */
  changeVisibility(queueArn: string, receiptHandle: string, visibilityTimeoutS: number): Promise<void>;
}

export interface QueueSourceInfo {
  arn: string;
  /** The queue's VisibilityTimeout in seconds (CreateEventSourceMapping refuses one shorter than the function's timeout). */
  visibilityTimeoutS: number;
  fifo: boolean;
  /** ApproximateNumberOfMessages, for scaling the pollers. */
  approximateVisible: number;
}

/** One received message, with what Lambda's SQS event record carries. */
export interface SourceMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  /**
   * System attributes as SQS names them, values as strings: ApproximateReceiveCount,
   * SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp; on FIFO queues
   * also MessageGroupId, MessageDeduplicationId, SequenceNumber.
   */
  attributes: Record<string, string>;
  messageAttributes: Record<string, MessageAttributeValue>;
}
