import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDue, parseScheduleExpression, localToInstants, type ParsedSchedule } from './expression';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (s: string) => Date.parse(s);
/** The next `n` due times after `from`, in tz. */
function series(expr: string, from: string, n: number, tz = 'UTC'): string[] {
  const s = parseScheduleExpression(expr, { allowAt: true });
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = nextDue(s, t, tz);
    if (next === undefined) break;
    out.push(iso(next)!);
    t = next;
  }
  return out;
}

test('rate: AWS units, singular only for 1', () => {
  assert.equal((parseScheduleExpression('rate(5 minutes)') as { periodMs: number }).periodMs, 300_000);
  assert.equal((parseScheduleExpression('rate(1 hour)') as { periodMs: number }).periodMs, 3_600_000);
  assert.equal((parseScheduleExpression('rate(2 days)') as { periodMs: number }).periodMs, 172_800_000);
  // LocalStack's recordings of real AWS: each answered "Invalid Schedule Expression <text>."
  for (const bad of ['rate(10 seconds)', 'rate(10 years)', 'rate()', 'rate(10)', 'rate(10 minutess)', 'rate(foo minutes)',
    'rate(-10 minutes)', 'rate( 10 minutes )', ' rate(10 minutes)', 'rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)']) {
    assert.throws(() => parseScheduleExpression(bad), (e: Error & { kind?: string }) => e.kind === 'Validation' && e.message === `Invalid Schedule Expression ${bad}.`, bad);
  }
});

test('rate(N seconds) only with the test setting', () => {
  assert.throws(() => parseScheduleExpression('rate(2 seconds)'));
  assert.equal((parseScheduleExpression('rate(2 seconds)', { allowSeconds: true }) as { periodMs: number }).periodMs, 2000);
  assert.equal((parseScheduleExpression('rate(1 second)', { allowSeconds: true }) as { periodMs: number }).periodMs, 1000);
});

test('rate: due times are anchor + k·period, a fixed duration across DST', () => {
  const s = parseScheduleExpression('rate(1 day)');
  const anchor = at('2024-03-09T12:00:00Z');
  assert.equal(iso(nextDue(s, anchor - 1, 'America/New_York', anchor)), '2024-03-09T12:00:00.000Z');
  // 24 hours later although New York's clocks moved forward in between.
  assert.equal(iso(nextDue(s, anchor, 'America/New_York', anchor)), '2024-03-10T12:00:00.000Z');
  assert.equal(iso(nextDue(s, anchor + 5, 'UTC', anchor)), '2024-03-10T12:00:00.000Z');
});

test('cron: the examples of AWS\'s documentation', () => {
  // "Run at 10:00 am (UTC+0) every day"
  assert.deepEqual(series('cron(0 10 * * ? *)', '2024-05-01T10:00:00Z', 2), ['2024-05-02T10:00:00.000Z', '2024-05-03T10:00:00.000Z']);
  // "Run at 12:15 pm (UTC+0) every day"
  assert.deepEqual(series('cron(15 12 * * ? *)', '2024-05-01T00:00:00Z', 1), ['2024-05-01T12:15:00.000Z']);
  // "Run at 6:00 pm (UTC+0) every Monday through Friday": 2024-05-03 is a Friday.
  assert.deepEqual(series('cron(0 18 ? * MON-FRI *)', '2024-05-03T18:00:00Z', 2), ['2024-05-06T18:00:00.000Z', '2024-05-07T18:00:00.000Z']);
  // "Run at 8:00 am (UTC+0) every 1st day of the month"
  assert.deepEqual(series('cron(0 8 1 * ? *)', '2024-05-01T09:00:00Z', 2), ['2024-06-01T08:00:00.000Z', '2024-07-01T08:00:00.000Z']);
  // "Run every 15 minutes"
  assert.deepEqual(series('cron(0/15 * * * ? *)', '2024-05-01T00:07:00Z', 3), ['2024-05-01T00:15:00.000Z', '2024-05-01T00:30:00.000Z', '2024-05-01T00:45:00.000Z']);
  // "Run every 10 minutes Monday through Friday": Friday 23:50 → Monday 00:00.
  assert.deepEqual(series('cron(0/10 * ? * MON-FRI *)', '2024-05-03T23:50:00Z', 1), ['2024-05-06T00:00:00.000Z']);
  // "Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC+0)"
  assert.deepEqual(series('cron(0/5 8-17 ? * MON-FRI *)', '2024-05-06T17:55:00Z', 1), ['2024-05-07T08:00:00.000Z']);
  // "Run at 9 a.m. (UTC) the first Monday of each month": 2024-06-03, 2024-07-01.
  assert.deepEqual(series('cron(0 9 ? * 2#1 *)', '2024-05-10T00:00:00Z', 2), ['2024-06-03T09:00:00.000Z', '2024-07-01T09:00:00.000Z']);
  // LocalStack's recorded valid expressions.
  for (const ok of ['cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)', 'cron(30-30 13-13 ? * 2,4,6 *)', 'cron(1-31/30 1-1 ? * 1,7 *)', 'cron(*/15 * * * ? *)', 'cron(0-59/10 0-23/2 ? * * *)']) {
    assert.equal(parseScheduleExpression(ok).kind, 'cron', ok);
  }
});

test('cron: L, W, #, names, years', () => {
  assert.deepEqual(series('cron(0 0 L * ? *)', '2024-02-01T00:00:00Z', 2), ['2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z']);
  // LW: the last weekday; 2024-03-31 is a Sunday → Friday the 29th.
  assert.deepEqual(series('cron(0 0 LW * ? *)', '2024-03-01T00:00:00Z', 1), ['2024-03-29T00:00:00.000Z']);
  // 1W in June 2024: the 1st is a Saturday → Monday the 3rd (never leaves the month).
  assert.deepEqual(series('cron(0 0 1W * ? *)', '2024-05-15T00:00:00Z', 1), ['2024-06-03T00:00:00.000Z']);
  // 15W in June 2024: the 15th is a Saturday → Friday the 14th.
  assert.deepEqual(series('cron(0 0 15W JUN ? *)', '2024-05-15T00:00:00Z', 1), ['2024-06-14T00:00:00.000Z']);
  // 6L: the last Friday (6 = FRI, 1 = SUN as AWS numbers them).
  assert.deepEqual(series('cron(0 12 ? * 6L *)', '2024-05-01T00:00:00Z', 2), ['2024-05-31T12:00:00.000Z', '2024-06-28T12:00:00.000Z']);
  assert.deepEqual(series('cron(0 12 ? * SUN *)', '2024-05-01T00:00:00Z', 1), ['2024-05-05T12:00:00.000Z']);
  assert.deepEqual(series('cron(0 12 ? * 1 *)', '2024-05-01T00:00:00Z', 1), ['2024-05-05T12:00:00.000Z']);
  assert.deepEqual(series('cron(0 0 1 JAN-MAR ? 2025-2026)', '2024-05-01T00:00:00Z', 4), [
    '2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
  ]);
  assert.deepEqual(series('cron(0 0 1 1 ? 2025)', '2025-01-01T00:00:00Z', 1), []);
  assert.deepEqual(series('cron(0 0 29 2 ? *)', '2025-01-01T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
});

test('cron: refusals with AWS\'s message', () => {
  // Recorded from AWS by LocalStack, plus the dom/dow rules.
  for (const bad of ['cron(0 1 * * * *)', 'cron(7 20 * * NOT *)', 'cron(INVALID)', 'cron(0 dummy ? * MON-FRI *)', 'cron(71 8 1 * ? *)', 'cron()',
    'cron(0 1 ? * ? *)', 'cron(0 24 * * ? *)', 'cron(0 0 32 * ? *)', 'cron(0 0 * 13 ? *)', 'cron(0 0 ? * 8 *)', 'cron(0 0 * * ? 1969)', 'cron(0 0 * * ? 2200)',
    'cron(0 0 * * ?)', 'cron(0 0 * * ? * *)', 'cron(0  0 * * ? *)', 'cron(5-1 0 * * ? *)', 'cron(0 0 ? * 2#6 *)']) {
    assert.throws(() => parseScheduleExpression(bad), (e: Error) => e.message === `Invalid Schedule Expression ${bad}.`, bad);
  }
});

test('at: one time, local to the time zone; refused where AWS refuses it', () => {
  const s = parseScheduleExpression('at(2030-01-02T03:04:05)', { allowAt: true });
  assert.equal(iso(nextDue(s, 0, 'UTC')), '2030-01-02T03:04:05.000Z');
  assert.equal(iso(nextDue(s, 0, 'Asia/Tokyo')), '2030-01-01T18:04:05.000Z');
  assert.equal(nextDue(s, at('2030-01-02T03:04:05Z'), 'UTC'), undefined);
  for (const bad of ['at(2021-12-31T23:59:59Z)', 'at(2021-12-31)', 'at(2021-02-30T00:00:00)', 'at(2021-12-31T24:00:00)']) {
    assert.throws(() => parseScheduleExpression(bad, { allowAt: true }), (e: Error) => e.message === `Invalid Schedule Expression ${bad}.`, bad);
  }
  // EventBridge rules have no at().
  assert.throws(() => parseScheduleExpression('at(2030-01-02T03:04:05)'));
});

test('DST: a time spring-forward skips does not fire that day; a repeated time fires once', () => {
  // America/New_York: 2024-03-10 02:00 EST → 03:00 EDT; 2024-11-03 02:00 EDT → 01:00 EST.
  const tz = 'America/New_York';
  assert.deepEqual(localToInstants(tz, Date.UTC(2024, 2, 10, 2, 30)), []);
  assert.equal(localToInstants(tz, Date.UTC(2024, 10, 3, 1, 30)).length, 2);
  assert.deepEqual(series('cron(30 2 * * ? *)', '2024-03-09T08:00:00Z', 2, tz), [
    '2024-03-11T06:30:00.000Z', // 03-10 02:30 does not exist: skipped; 03-11 02:30 EDT
    '2024-03-12T06:30:00.000Z',
  ]);
  assert.deepEqual(series('cron(30 1 * * ? *)', '2024-11-02T06:00:00Z', 2, tz), [
    '2024-11-03T05:30:00.000Z', // 01:30 EDT, the first 01:30
    '2024-11-04T06:30:00.000Z', // not 01:30 EST (06:30Z on 11-03) again
  ]);
  // Every 30 minutes through the fall-back hour: 01:00 and 01:30 once each, then 02:00 EST.
  assert.deepEqual(series('cron(0/30 * * * ? *)', '2024-11-03T04:45:00Z', 4, tz), [
    '2024-11-03T05:00:00.000Z', '2024-11-03T05:30:00.000Z', '2024-11-03T07:00:00.000Z', '2024-11-03T07:30:00.000Z',
  ]);
  // From inside the repeated hour (second pass, 01:10 EST): its times already ran.
  assert.deepEqual(series('cron(0/30 * * * ? *)', '2024-11-03T06:10:00Z', 1, tz), ['2024-11-03T07:00:00.000Z']);
});

test('cron in a time zone', () => {
  const s: ParsedSchedule = parseScheduleExpression('cron(0 9 * * ? *)');
  assert.equal(iso(nextDue(s, at('2024-07-01T00:00:00Z'), 'Europe/Paris')), '2024-07-01T07:00:00.000Z');
  assert.equal(iso(nextDue(s, at('2024-01-01T00:00:00Z'), 'Europe/Paris')), '2024-01-01T08:00:00.000Z');
  assert.equal(iso(nextDue(s, at('2024-01-01T00:00:00Z'), 'Asia/Kolkata')), '2024-01-01T03:30:00.000Z');
});
