import type { ApiRequest, Route, ServiceDefinition } from '../../gateway/service';
import { schedulerIam } from './iam';
import type { ScheduleService } from '../../schedules/schedule-service';
import { mapSchedulerError, schedulerErrors } from './errors';
import { decodeScheduleInput, decodeTags, jsonBody, queryInt, queryStr } from './decode';
import { groupShape, scheduleShape, scheduleSummary } from './shapes';

export interface SchedulerDeps {
  schedules: ScheduleService;
}

/** Request bodies: a schedule's Input is up to 256 KiB; the rest is small. */
const bodyBytesMax = 512 * 1024;

/**
 * Amazon EventBridge Scheduler (2021-06-30): rest-json, SigV4 service
 * `scheduler`, the routes of the model's `http` traits. Calls
 * `ScheduleService` only (no store import).
 */
export function schedulerService(d: SchedulerDeps): ServiceDefinition {
  const s = d.schedules;
  const route = (method: string, path: string[], operation: string, handle: (req: ApiRequest, p: Record<string, string>) => Promise<unknown>): Route => ({
    method, path, operation, bodyBytesMax, auth: true,
    handle: async (req, p) => ({ status: 200, json: (await handle(req, p)) ?? {} }),
  });
  return {
    name: 'scheduler',
    signingName: 'scheduler',
    // Every operation's IAM action and resources (./iam.ts).
    iam: schedulerIam,
    errors: schedulerErrors,
    internalErrorName: 'InternalServerException',
    mapError: mapSchedulerError,
    restJson: {
      errorType: false,
      routes: [
        route('POST', ['schedules', '{Name}'], 'CreateSchedule', async (req, p) =>
          ({ ScheduleArn: (await s.createSchedule(decodeScheduleInput(p.Name!, jsonBody(req)))).arn })),
        route('GET', ['schedules', '{Name}'], 'GetSchedule', async (req, p) => scheduleShape(await s.getSchedule(p.Name!, queryStr(req, 'groupName')))),
        route('PUT', ['schedules', '{Name}'], 'UpdateSchedule', async (req, p) =>
          ({ ScheduleArn: (await s.updateSchedule(decodeScheduleInput(p.Name!, jsonBody(req)))).arn })),
        route('DELETE', ['schedules', '{Name}'], 'DeleteSchedule', async (req, p) => {
          await s.deleteSchedule(p.Name!, queryStr(req, 'groupName'), queryStr(req, 'clientToken'));
        }),
        route('GET', ['schedules'], 'ListSchedules', async (req) => {
          const r = await s.listSchedules({
            groupName: queryStr(req, 'ScheduleGroup'), namePrefix: queryStr(req, 'NamePrefix'), state: queryStr(req, 'State'),
            maxResults: queryInt(req, 'MaxResults'), nextToken: queryStr(req, 'NextToken'),
          });
          return { Schedules: r.schedules.map(scheduleSummary), ...(r.nextToken ? { NextToken: r.nextToken } : {}) };
        }),
        route('POST', ['schedule-groups', '{Name}'], 'CreateScheduleGroup', async (req, p) => {
          const b = jsonBody(req);
          const token = typeof b.ClientToken === 'string' ? b.ClientToken : undefined;
          return { ScheduleGroupArn: (await s.createScheduleGroup(p.Name!, decodeTags(b), token)).arn };
        }),
        route('GET', ['schedule-groups', '{Name}'], 'GetScheduleGroup', async (_req, p) => groupShape(await s.getScheduleGroup(p.Name!))),
        route('DELETE', ['schedule-groups', '{Name}'], 'DeleteScheduleGroup', async (req, p) => {
          await s.deleteScheduleGroup(p.Name!, queryStr(req, 'clientToken'));
        }),
        route('GET', ['schedule-groups'], 'ListScheduleGroups', async (req) => {
          const r = await s.listScheduleGroups({ namePrefix: queryStr(req, 'NamePrefix'), maxResults: queryInt(req, 'MaxResults'), nextToken: queryStr(req, 'NextToken') });
          return { ScheduleGroups: r.groups.map(groupShape), ...(r.nextToken ? { NextToken: r.nextToken } : {}) };
        }),
        route('GET', ['tags', '{ResourceArn}'], 'ListTagsForResource', async (_req, p) =>
          ({ Tags: Object.entries(await s.listTags(p.ResourceArn!)).map(([Key, Value]) => ({ Key, Value })) })),
        route('POST', ['tags', '{ResourceArn}'], 'TagResource', async (req, p) => {
          await s.tag(p.ResourceArn!, decodeTags(jsonBody(req)));
        }),
        route('DELETE', ['tags', '{ResourceArn}'], 'UntagResource', async (req, p) => {
          await s.untag(p.ResourceArn!, req.query.getAll('TagKeys'));
        }),
      ],
    },
  };
}
