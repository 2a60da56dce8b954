import type { RetryPolicy } from './attributes';
import { managedRetry } from './limits';

/**
 * When SNS tries a failed delivery again
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html):
 * four phases — immediate retries, retries at the minimum delay, a backoff
 * from the minimum to the maximum delay, retries at the maximum delay.
 * `retry` counts from 1 (the first retry after the first attempt failed);
 * undefined when the policy has no retry left.
 */
export function retryDelayMs(p: RetryPolicy, retry: number): number | undefined {
  if (retry > p.numRetries) return undefined;
  const min = p.minDelayTarget * 1000;
  const max = p.maxDelayTarget * 1000;
  if (retry <= p.numNoDelayRetries) return 0;
  if (retry <= p.numNoDelayRetries + p.numMinDelayRetries) return min;
  const backoff = p.numRetries - p.numNoDelayRetries - p.numMinDelayRetries - p.numMaxDelayRetries;
  const i = retry - p.numNoDelayRetries - p.numMinDelayRetries; // 1…backoff within the backoff phase
  if (i > backoff) return max;
  return backoffMs(p.backoffFunction, min, max, i, backoff);
}

/**
 * The i-th of n delays from `min` to `max`: linear steps; exponential and
 * geometric grow by a constant factor; arithmetic by growing steps (AWS
 * documents the four curves by picture only, so these are the plain forms).
 */
function backoffMs(fn: string, min: number, max: number, i: number, n: number): number {
  const f = n <= 1 ? 1 : (i - 1) / (n - 1);
  switch (fn) {
    case 'exponential':
    case 'geometric':
      return Math.round(min * Math.pow(max / min, f));
    case 'arithmetic':
      return Math.round(min + (max - min) * f * f);
    default:
      return Math.round(min + (max - min) * f);
  }
}

/** AWS's fixed policy for AWS-managed endpoints (SQS, Lambda): see `managedRetry`. */
export function managedRetryDelayMs(retry: number): number | undefined {
  const m = managedRetry;
  if (retry <= m.immediate) return 0;
  if (retry <= m.immediate + m.preBackoff) return m.minDelayMs;
  if (retry <= m.immediate + m.preBackoff + m.backoff) {
    return backoffMs('exponential', m.minDelayMs, m.maxDelayMs, retry - m.immediate - m.preBackoff, m.backoff);
  }
  if (retry <= m.immediate + m.preBackoff + m.backoff + m.postBackoff) return m.maxDelayMs;
  return undefined;
}
