import { arn, iamOf, one, str, type ResourcesOf } from '../iam-table';

/** A schedule: `arn:aws:scheduler:<r>:<a>:schedule/<group>/<name>` (group `default` when the call names none). */
const schedule: ResourcesOf = (m, ctx) => one(str(m, 'Name') && arn('scheduler', ctx, `schedule/${str(m, 'GroupName') ?? str(m, 'groupName') ?? 'default'}/${str(m, 'Name')}`));
const group: ResourcesOf = (m, ctx) => one(str(m, 'Name') && arn('scheduler', ctx, `schedule-group/${str(m, 'Name')}`));
const byArn: ResourcesOf = (m) => one(str(m, 'ResourceArn'));

/**
 * EventBridge Scheduler's operations as IAM authorises them (schedule and
 * schedule-group ARNs). Scheduler's model declares no AccessDeniedException;
 * AWS's REST front end answers a refusal 403 AccessDeniedException.
 */
export const schedulerIam = iamOf({
  prefix: 'scheduler',
  accessDenied: { name: 'AccessDeniedException', spec: { status: 403, fault: 'client', messageKey: 'Message' } },
  resources: {
    CreateSchedule: schedule,
    GetSchedule: schedule,
    UpdateSchedule: schedule,
    DeleteSchedule: schedule,
    ListSchedules: '*',
    CreateScheduleGroup: group,
    GetScheduleGroup: group,
    DeleteScheduleGroup: group,
    ListScheduleGroups: '*',
    ListTagsForResource: byArn,
    TagResource: byArn,
    UntagResource: byArn,
  },
});
