/**
 * The audit trail's limits, with AWS's values where CloudTrail has one.
 */

/** LookupEvents MaxResults: 1–50, 50 when absent (CloudTrail API reference). */
export const lookupResultsMax = 50;
/** CloudTrail's Event history keeps 90 days of management events; so does Kumo by default (KUMO_AUDIT_RETENTION_DAYS). */
export const auditRetentionDaysDefault = 90;
/** KUMO_AUDIT_RETENTION_DAYS (whole days, 1–3,650), else CloudTrail's 90; anything else is refused at start. */
export function auditRetentionDaysFromEnv(env: NodeJS.ProcessEnv): number {
  const v = env.KUMO_AUDIT_RETENTION_DAYS;
  if (v === undefined || v === '') return auditRetentionDaysDefault;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new Error(`KUMO_AUDIT_RETENTION_DAYS must be a whole number of days from 1 to 3650, not ${JSON.stringify(v)}`);
  return n;
}

/** Rows one retention sweep deletes at most (bounded work per sweep). */
export const auditSweepRowsMax = 10_000;
/** How often the retention sweep runs. */
export const auditSweepIntervalMs = 60 * 60 * 1000;
/** Events one store append takes at most (a burst of calls is split). */
export const auditBatchEventsMax = 500;
/** Events waiting for the store at most; beyond it a call waits for room (backpressure, never a drop). */
export const auditPendingEventsMax = 10_000;
/** A request or response element longer than this (JSON characters) is replaced by a note of its size, as CloudTrail truncates large payloads. */
export const auditElementCharsMax = 16_384;
/** Rows `verify` reads per store call. */
export const auditVerifyPageRows = 1_000;
/** LookupAttribute AttributeValue: at most 2,000 characters (model). */
export const lookupAttributeValueCharsMax = 2_000;
