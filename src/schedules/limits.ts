/**
 * EventBridge Scheduler's quotas and fixed values that Kumo enforces, with
 * AWS's numbers (the Scheduler API reference's constraints, the model
 * scheduler-2021-06-30.json, and the User Guide's "Quotas" page).
 */

/** Schedule and group names: 1–64 characters of `[0-9a-zA-Z-_.]` (model `Name`, `ScheduleGroupName`). */
export const nameCharsMax = 64;
/** Description: up to 512 characters. */
export const descriptionCharsMax = 512;
/** ScheduleExpression: 1–256 characters. */
export const expressionCharsMax = 256;
/** ScheduleExpressionTimezone: 1–50 characters. */
export const timezoneCharsMax = 50;
/** FlexibleTimeWindow.MaximumWindowInMinutes: 1–1440. */
export const flexibleWindowMinutesMin = 1;
export const flexibleWindowMinutesMax = 1440;
/** RetryPolicy.MaximumEventAgeInSeconds: 60–86,400, default 86,400 (24 hours). */
export const eventAgeSecondsMin = 60;
export const eventAgeSecondsMax = 86_400;
/** RetryPolicy.MaximumRetryAttempts: 0–185, default 185. */
export const retryAttemptsMax = 185;
/** Target.Input: at most 256 KiB ("Input … can be up to 256 KB", as EventBridge's limit). */
export const inputBytesMax = 262_144;
/** ListSchedules / ListScheduleGroups MaxResults: 1–100 (Kumo's default page is the maximum). */
export const listPageMax = 100;
/** Tags per schedule group (TagList: up to 200 in one request; AWS's per-resource limit is 50). */
export const tagsPerGroupMax = 50;
/** Tag keys 1–128 characters, values 1–256. */
export const tagKeyCharsMax = 128;
export const tagValueCharsMax = 256;
/** ClientToken: 1–64 characters of `[a-zA-Z0-9-_]`. */
export const clientTokenCharsMax = 64;

/** Retry back-off (Scheduler retries with exponential back-off and jitter): first delay and cap, ms. */
export const retryBaseDelayMs = 1_000;
export const retryDelayMsMax = 60_000;

/** The engine's bounded work: due rows claimed per tick; fires delivered at once. */
export const claimsPerTickMax = 100;
export const firesInFlightMax = 32;
/** How long a fire's delivery is leased to one process before another may take it (PostgreSQL, several servers). */
export const fireLeaseMs = 60_000;
/** Longest timer the engine sets (it re-reads the store at least this often: changes by other servers). */
export const engineWakeMsMax = 30_000;
/**
 * Scheduler's precision: "All schedule types on EventBridge Scheduler invoke their targets with 60
 * second precision" (User Guide, "Schedule types"). A due time found later than this after it (the
 * server was down) fires only within its flexible window if that is longer; otherwise it is skipped.
 */
export const precisionMs = 60_000;

/** The engine's settings from the environment (AWS's behaviour by default). */
export function schedulerSettingsFromEnv(env: NodeJS.ProcessEnv): { allowSeconds: boolean; precisionMs?: number } {
  // KUMO_SCHEDULER_ALLOW_SECONDS=1: accept `rate(N seconds)` so tests see repeated fires quickly.
  // Off by default: AWS rejects it ("Invalid Schedule Expression rate(10 seconds).").
  // KUMO_SCHEDULER_PRECISION_MS (1,000–60,000): a shorter precision so a test of missed times need not wait a minute; the same code path.
  const p = env.KUMO_SCHEDULER_PRECISION_MS;
  let precisionMs: number | undefined;
  if (p !== undefined && p !== '') {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1000 || n > precisionMs_max) throw new Error(`KUMO_SCHEDULER_PRECISION_MS must be a whole number of ms from 1000 to ${precisionMs_max}, not ${JSON.stringify(p)}`);
    precisionMs = n;
  }
  return { allowSeconds: env.KUMO_SCHEDULER_ALLOW_SECONDS === '1', ...(precisionMs !== undefined ? { precisionMs } : {}) };
}
const precisionMs_max = precisionMs;
