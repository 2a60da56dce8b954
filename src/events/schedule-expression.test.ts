import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isScheduleExpression } from './schedule-expression';
import { nextStep, retryDelayMs } from './retry';

// AWS: "Creating a rule that runs on a schedule" (rate units: singular for 1, plural otherwise; cron: six fields, one of day-of-month/day-of-week is ?).
test('rate and cron shapes as AWS accepts them', () => {
  for (const ok of ['rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(12 hours)', 'rate(1 day)', 'rate(7 days)',
    'cron(0 12 * * ? *)', 'cron(15 10 ? * 6L 2022-2023)', 'cron(0/15 * * * ? *)', 'cron(0 8 1 * ? *)', 'cron(0 18 ? * MON-FRI *)']) {
    assert.equal(isScheduleExpression(ok), true, ok);
  }
  for (const bad of ['rate(1 minutes)', 'rate(2 minute)', 'rate(0 minutes)', 'rate(5 seconds)', 'rate(-1 days)', 'rate(5minutes)',
    'cron(0 12 * * *)', 'cron(0 12 * * * *)', 'cron(0 12 ? * ? *)', 'cron(0 12 * * ? * *)', 'at(2024-01-01T00:00:00)', '']) {
    assert.equal(isScheduleExpression(bad), false, bad);
  }
});

test('retry: backoff doubles from 1 s to 3 min with jitter; stops at the attempts or the event age', () => {
  assert.equal(retryDelayMs(1, () => 0.5), 1000);
  assert.equal(retryDelayMs(3, () => 0.5), 4000);
  assert.equal(retryDelayMs(30, () => 0.5), 180_000);
  assert.ok(retryDelayMs(1, () => 0) >= 800 && retryDelayMs(1, () => 1) <= 1200);
  const t = { Id: 'x', Arn: 'a', RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 } };
  assert.deepEqual(nextStep(t, 1, 0, () => 0.5), { retry: true, delayMs: 1000 });
  assert.deepEqual(nextStep(t, 3, 0, () => 0.5), { retry: false, exhausted: 'MaximumRetryAttempts' });
  assert.deepEqual(nextStep(t, 1, 59_500, () => 0.5), { retry: false, exhausted: 'MaximumEventAgeInSeconds' });
  assert.deepEqual(nextStep({ Id: 'x', Arn: 'a', RetryPolicy: { MaximumRetryAttempts: 0 } }, 1, 0), { retry: false, exhausted: 'MaximumRetryAttempts' });
  assert.equal(nextStep({ Id: 'x', Arn: 'a' }, 185, 0, () => 0.5).retry, true, 'AWS default: 185 retries');
});
