import { parseScheduleExpression } from '../schedules/expression';

/**
 * Whether a rule's ScheduleExpression is one EventBridge takes (AWS:
 * "Creating a rule that runs on a schedule"): `rate(N unit)` or a six-field
 * `cron(…)`, checked by the same parser the schedule engine evaluates it
 * with (src/schedules/expression.ts; rules have no `at(…)`, and seconds
 * rates are refused as AWS refuses them unless Kumo's test setting
 * KUMO_SCHEDULER_ALLOW_SECONDS allows them).
 */
export function isScheduleExpression(s: string, allowSeconds = false): boolean {
  try {
    parseScheduleExpression(s, { allowAt: false, allowSeconds });
    return true;
  } catch {
    return false;
  }
}
