import * as L from './limits';
import type { TargetRecord } from './records';

/**
 * A target's retry policy (AWS: "Event retry policy and using dead-letter
 * queues"): up to MaximumRetryAttempts retries (185 by default) while the
 * event is younger than MaximumEventAgeInSeconds (24 hours by default), with
 * exponential backoff and jitter.
 */
export function retryPolicy(t: TargetRecord): { attemptsMax: number; ageMs: number } {
  return {
    attemptsMax: t.RetryPolicy?.MaximumRetryAttempts ?? L.retryAttemptsDefault,
    ageMs: (t.RetryPolicy?.MaximumEventAgeInSeconds ?? L.eventAgeSecondsDefault) * 1000,
  };
}

/** The wait before retry number `retry` (1 = the first retry): doubling from 1 s to 3 min, ±20 % jitter. */
export function retryDelayMs(retry: number, random = Math.random): number {
  const base = Math.min(L.retryDelayFirstMs * 2 ** Math.min(retry - 1, 20), L.retryDelayMaxMs);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * What to do after a failed attempt: retry after `delayMs`, or give up,
 * naming which limit ran out (`EXHAUSTED_RETRY_CONDITION` on the dead letter).
 */
export function nextStep(t: TargetRecord, attemptsMade: number, ageMs: number, random = Math.random):
  { retry: true; delayMs: number } | { retry: false; exhausted: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' } {
  const p = retryPolicy(t);
  const retriesMade = attemptsMade - 1;
  if (retriesMade >= p.attemptsMax) return { retry: false, exhausted: 'MaximumRetryAttempts' };
  const delayMs = retryDelayMs(retriesMade + 1, random);
  if (ageMs + delayMs > p.ageMs) return { retry: false, exhausted: 'MaximumEventAgeInSeconds' };
  return { retry: true, delayMs };
}
