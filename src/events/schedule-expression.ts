/**
 * The shape of a rule's ScheduleExpression (AWS: "Creating a rule that runs
 * on a schedule"): `rate(N unit)` with N a positive whole number and the
 * unit `minute`/`hour`/`day` for 1, `minutes`/`hours`/`days` otherwise, or
 * `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, six fields, one
 * of Day-of-month and Day-of-week being `?`. Only the shape is checked here;
 * the schedule engine (src/schedules/) evaluates it.
 */
const rateRe = /^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$/;
const cronFieldRe = /^[0-9A-Za-z*?,\-/#L W]+$/;

export function isScheduleExpression(s: string): boolean {
  const rate = rateRe.exec(s);
  if (rate) return (rate[1] === '1') === !rate[2]!.endsWith('s');
  const cron = /^cron\((.*)\)$/.exec(s);
  if (!cron) return false;
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => cronFieldRe.test(f))) return false;
  const [, , dom, , dow] = fields;
  // AWS: "You can't specify the Day-of-month and Day-of-week fields in the same cron expression"; one of them is `?`.
  return (dom === '?') !== (dow === '?');
}
