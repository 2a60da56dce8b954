/**
 * Amazon EventBridge's quotas and fixed values that Kumo enforces, with
 * AWS's numbers (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html,
 * the API reference of each operation, events-2015-10-07's constraints).
 */

/** PutEvents: at most 10 entries per request (model: PutEventsRequestEntryList max 10). */
export const putEventsEntriesMax = 10;
/**
 * PutEvents: the entries together at most 256 KB (262,144 bytes), each entry's
 * size computed as AWS documents ("Calculating PutEvents event entry size"):
 * the UTF-8 bytes of Source, DetailType, Detail and each Resource, plus 14
 * bytes when Time is given.
 */
export const putEventsBytesMax = 262_144;
/** The bytes an entry's Time adds to its size (AWS: "If Time is specified, add 14 bytes"). */
export const entryTimeBytes = 14;
/** Targets per rule (quota "Targets per rule": 5, not adjustable). */
export const targetsPerRuleMax = 5;
/** PutTargets/RemoveTargets: at most 100 targets per call (model: TargetList/TargetIdList max 100). */
export const targetsPerCallMax = 100;
/** Rules per event bus (quota "Rules per event bus": 300 by default). */
export const rulesPerBusMax = 300;
/** Event buses per account, the default one included (quota "Event buses": 100). */
export const busesPerAccountMax = 100;
/** Tags per resource (TagResource: "up to 50 tags"). */
export const tagsPerResourceMax = 50;
/**
 * An event bus's resource policy, in bytes of its JSON text: "The permission
 * policy on the event bus cannot exceed 10 KB in size" (PutPermission's API
 * reference); over it PutPermission is PolicyLengthExceededException.
 */
export const busPolicyBytesMax = 10_240;
/** List operations: at most 100 per page (model: LimitMax100); AWS answers 100 when no Limit is given. */
export const listPageMax = 100;
/** Event patterns: at most 4,096 characters (model: EventPattern max 4096). */
export const eventPatternCharsMax = 4096;
/** Input: at most 8,192 characters (model: TargetInput max 8192). */
export const targetInputCharsMax = 8192;
/** InputPath: at most 256 characters (model: TargetInputPath max 256). */
export const targetInputPathCharsMax = 256;
/** InputTransformer.InputPathsMap: at most 100 entries (model: TransformerPaths max 100). */
export const inputPathsMax = 100;
/** InputTransformer.InputPathsMap keys: at most 256 characters of `[A-Za-z0-9_-]` (model: InputTransformerPathKey). */
export const inputPathKeyCharsMax = 256;
/** RetryPolicy.MaximumRetryAttempts: 0–185, 185 by default (model and "Event retry policy"). */
export const retryAttemptsMax = 185;
export const retryAttemptsDefault = 185;
/** RetryPolicy.MaximumEventAgeInSeconds: 60–86,400 (24 hours), 86,400 by default. */
export const eventAgeSecondsMin = 60;
export const eventAgeSecondsMax = 86_400;
export const eventAgeSecondsDefault = 86_400;
/**
 * Retry backoff: AWS retries "with exponential back off and jitter"; Kumo
 * waits 1 s after the first failure, doubling up to 3 minutes (AWS's own
 * steps are not published; retries stop at the policy's attempts or age).
 */
export const retryDelayFirstMs = 1_000;
export const retryDelayMaxMs = 180_000;
/** The delivery worker: how long a leased delivery is this process's (its lease runs out after a crash). */
export const deliveryLeaseMs = 60_000;
/** KUMO_EVENTS_LEASE_MS (1,000–60,000 ms), else `deliveryLeaseMs`; anything else is refused at start. */
export function deliveryLeaseMsFromEnv(env: NodeJS.ProcessEnv): number {
  const v = env.KUMO_EVENTS_LEASE_MS;
  if (v === undefined || v === '') return deliveryLeaseMs;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1000 || n > deliveryLeaseMs) throw new Error(`KUMO_EVENTS_LEASE_MS must be a whole number of ms from 1000 to ${deliveryLeaseMs}, not ${JSON.stringify(v)}`);
  return n;
}
/** The delivery worker: deliveries leased per store call, and in flight at once. */
export const deliveryLeaseBatchMax = 50;
export const deliveriesInFlightMax = 100;
/** The delivery worker: how often it looks for due deliveries when nothing wakes it (retries coming due, other hosts' work). */
export const deliveryPollMs = 500;
/** A bus delivering to another bus: hops an event may take before Kumo stops it (AWS refuses loops the same way, without a documented count). */
export const busHopsMax = 5;
/** Compiled event patterns kept in memory for matching (Kumo's own bound: 300 rules × 100 buses would fit in 30,000). */
export const compiledPatternsMax = 10_000;
