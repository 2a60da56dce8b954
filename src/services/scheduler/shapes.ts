import type { ScheduleGroupRecord, ScheduleRecord } from '../../schedules/records';

/** Timestamps in rest-json bodies: epoch seconds (the protocol's default format). */
const seconds = (ms: number) => ms / 1000;

/** GetSchedule's output, member for member as AWS returns it (absent members left out). */
export function scheduleShape(s: ScheduleRecord): Record<string, unknown> {
  const p = s.spec;
  return {
    ActionAfterCompletion: p.actionAfterCompletion,
    Arn: s.arn,
    CreationDate: seconds(s.createdMs),
    ...(p.description !== undefined ? { Description: p.description } : {}),
    ...(p.endMs !== undefined ? { EndDate: seconds(p.endMs) } : {}),
    FlexibleTimeWindow: p.flexibleWindow.mode === 'FLEXIBLE' ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: p.flexibleWindow.maxMinutes } : { Mode: 'OFF' },
    GroupName: s.group,
    LastModificationDate: seconds(s.modifiedMs),
    Name: s.name,
    ScheduleExpression: p.expression,
    ScheduleExpressionTimezone: p.timezone,
    ...(p.startMs !== undefined ? { StartDate: seconds(p.startMs) } : {}),
    State: p.state,
    Target: p.target,
  };
}

/** ListSchedules' ScheduleSummary. */
export function scheduleSummary(s: ScheduleRecord): Record<string, unknown> {
  return {
    Arn: s.arn, CreationDate: seconds(s.createdMs), GroupName: s.group, LastModificationDate: seconds(s.modifiedMs),
    Name: s.name, State: s.spec.state, Target: { Arn: s.spec.target.Arn },
  };
}

/** GetScheduleGroup's output and ListScheduleGroups' summary (a group here is ACTIVE until deleted). */
export function groupShape(g: ScheduleGroupRecord): Record<string, unknown> {
  return { Arn: g.arn, CreationDate: seconds(g.createdMs), LastModificationDate: seconds(g.modifiedMs), Name: g.name, State: 'ACTIVE' };
}
