/**
 * The stored record of one Lambda event source mapping (a queue polled for a
 * function). Its own file beside records.ts so the queue, stream and
 * mapping work of several engineers does not collide in one file; the store
 * persists it as it is, `revisionId` being the compare-and-swap token.
 */

/**
 * AWS's states: Creating → Enabled | Disabled; Enabling → Enabled;
 * Disabling → Disabled; Updating → Enabled | Disabled; Deleting → (gone).
 * The transitional ones are settled by the pollers (src/event-sources/pollers.ts).
 */
export type EventSourceMappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';

export interface EventSourceMappingRecord {
  uuid: string;
  /** `arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>`. */
  arn: string;
  eventSourceArn: string;
  functionName: string;
  /** The qualifier FunctionName named (an alias or version), or undefined for the unqualified function. */
  qualifier?: string;
  /** FunctionArn as AWS returns it: qualified when a qualifier was given. */
  functionArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  /** What the user asked for (Enabled); `state` is where the mapping is on its way there. */
  enabled: boolean;
  state: EventSourceMappingState;
  stateTransitionReason: string;
  /** Epoch milliseconds (AWS returns LastModified as epoch seconds with a fraction). */
  lastModifiedMs: number;
  lastProcessingResult: string;
  /** FilterCriteria.Filters[].Pattern texts, already checked; undefined when no FilterCriteria was given. */
  filterPatterns?: string[];
  functionResponseTypes: string[];
  /** ScalingConfig.MaximumConcurrency (2–1000), undefined when not set. */
  maximumConcurrency?: number;
  tags: Record<string, string>;
  revisionId: string;
  /** Kinesis mappings only (absent for queues): where reading began, and how batches are retried. */
  stream?: StreamMappingSettings;
}

export interface StreamMappingSettings {
  startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** AT_TIMESTAMP's StartingPositionTimestamp, epoch milliseconds. */
  startingPositionTimestampMs?: number;
  parallelizationFactor: number;
  /** -1: retry until the record expires. */
  maximumRetryAttempts: number;
  /** -1: no limit but the stream's retention. */
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  tumblingWindowInSeconds: number;
  /** DestinationConfig.OnFailure.Destination (an SQS queue or SNS topic ARN), if any. */
  onFailureDestination?: string;
}
