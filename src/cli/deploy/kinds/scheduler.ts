import {
  CreateScheduleCommand, CreateScheduleGroupCommand, DeleteScheduleCommand, DeleteScheduleGroupCommand, GetScheduleCommand,
  ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand, UpdateScheduleCommand,
  type CreateScheduleCommandInput, type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import { formatArn } from '../../../domain/arn';
import { feature } from '../../client';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping, nameProp, notFound, num, str } from '../values';
import { ownerTags, ownershipConflict, tagDiff, tagList } from './ownership';

/**
 * AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule through the
 * EventBridge Scheduler API. A schedule is CreateSchedule, then
 * UpdateSchedule (which replaces every field, as CloudFormation's update of
 * the resource does) when GetSchedule differs from the template; a new Name or
 * GroupName is a new schedule and the old one is deleted after. Schedules
 * have no tags in Scheduler's API, so a schedule this stack did not create
 * (no record of it) is never taken over; groups carry the stack's owner tags.
 * SAM's `ScheduleV2` events become AWS::Scheduler::Schedule (sam-events.ts).
 */

const nameCharsMax = 64;
const defaultGroup = 'default';
const scheduleGroupWhat = (d: ResourceDecl) => `schedule groups (${d.id}, AWS::Scheduler::ScheduleGroup)`;
const scheduleWhat = (d: ResourceDecl) => `schedules (${d.id}, AWS::Scheduler::Schedule)`;
const arnOf = (ctx: DeployContext, resource: string) =>
  formatArn({ partition: 'aws', service: 'scheduler', region: ctx.cfg.region, account: ctx.cfg.accountId, resource });

const groupName = (d: ResourceDecl, ctx: DeployContext) => nameProp(ctx, d.props, d.id, 'Name') ?? physicalName(ctx.stackName, d.id, nameCharsMax);

interface GroupPlan {
  tags: Record<string, string>;
  haveTags?: Record<string, string>;
}

export const scheduleGroup = defineKind<GroupPlan>({
  type: 'AWS::Scheduler::ScheduleGroup',
  schema: { handled: ['Name', 'Tags'], ignored: [] },
  replacedOnRename: true,
  deleteOrder: 2,
  physicalId: groupName,
  ref: (d, ctx) => ctx.physicalOf(d),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Arn') return arnOf(ctx, `schedule-group/${ctx.physicalOf(d)}`);
    if (attr === 'State') return 'ACTIVE';
    throw ctx.error(p, `${d.id} (AWS::Scheduler::ScheduleGroup) has the attributes Arn and State, not ${attr}`);
  },
  async plan(d, ctx) {
    const name = ctx.physicalOf(d);
    const pr = ctx.props(d);
    const tags = { ...tagList(ctx, pr.Tags, `Resources.${d.id}.Properties.Tags`), ...ownerTags(ctx) };
    const pl: Planned<GroupPlan> = { decl: d, action: 'create', reasons: [], physical: name, data: { tags } };
    let have: Record<string, string>;
    try {
      const r = await feature(scheduleGroupWhat(d), 'ListTagsForResource', () => ctx.scheduler.send(new ListTagsForResourceCommand({ ResourceArn: arnOf(ctx, `schedule-group/${name}`) })));
      have = Object.fromEntries((r.Tags ?? []).map((t) => [t.Key!, t.Value!]));
    } catch (e) {
      if (notFound(e)) return pl;
      throw e;
    }
    const conflict = ownershipConflict(ctx, d.id, 'schedule group', name, have);
    if (conflict) return { ...pl, action: 'skip', conflict, reasons: ['name taken'] };
    const td = tagDiff(tags, have);
    pl.data = { tags, haveTags: have };
    if (Object.keys(td.set).length || td.unset.length) pl.reasons.push('Tags');
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    const arn = arnOf(ctx, `schedule-group/${name}`);
    const tags = pl.data!.tags;
    if (pl.action === 'create') {
      await feature(scheduleGroupWhat(d), 'CreateScheduleGroup', () =>
        ctx.scheduler.send(new CreateScheduleGroupCommand({ Name: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })));
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: created schedule group ${name}`);
    } else if (pl.action === 'update') {
      const td = tagDiff(tags, pl.data!.haveTags ?? {});
      if (Object.keys(td.set).length) await ctx.scheduler.send(new TagResourceCommand({ ResourceArn: arn, Tags: Object.entries(td.set).map(([Key, Value]) => ({ Key, Value })) }));
      if (td.unset.length) await ctx.scheduler.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: td.unset }));
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: updated schedule group ${name} (Tags)`);
    }
    return { type: d.type, physicalId: name, ref: name, arn };
  },
  async remove(r, ctx) {
    try {
      await ctx.scheduler.send(new DeleteScheduleGroupCommand({ Name: r.physicalId }));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  },
});

// ---- schedules ----------------------------------------------------------------------

const scheduleProps = ['Name', 'GroupName', 'Description', 'ScheduleExpression', 'ScheduleExpressionTimezone', 'StartDate', 'EndDate', 'State', 'FlexibleTimeWindow', 'Target', 'KmsKeyArn'];
const targetKeys = ['Arn', 'RoleArn', 'Input', 'RetryPolicy', 'DeadLetterConfig', 'SqsParameters', 'EventBridgeParameters', 'EcsParameters', 'KinesisParameters', 'SageMakerPipelineParameters'];

function scheduleName(d: ResourceDecl, ctx: DeployContext): string {
  return nameProp(ctx, d.props, d.id, 'Name') ?? physicalName(ctx.stackName, d.id, nameCharsMax);
}

function scheduleGroupOf(d: ResourceDecl, ctx: DeployContext): string {
  return nameProp(ctx, d.props, d.id, 'GroupName') ?? defaultGroup;
}

/** The template's schedule as CreateSchedule/UpdateSchedule's input (numbers and dates read from their template forms). */
function desired(d: ResourceDecl, ctx: DeployContext, name: string, group: string): CreateScheduleCommandInput {
  const pr = ctx.props(d);
  const p = `Resources.${d.id}.Properties`;
  const date = (k: string) => {
    const v = str(ctx, pr[k], `${p}.${k}`, k);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw ctx.error(`${p}.${k}`, `${k} must be an ISO 8601 date-time, got ${JSON.stringify(v)}`);
    return new Date(t);
  };
  const w = pr.FlexibleTimeWindow;
  if (!isMapping(w)) throw ctx.error(`${p}.FlexibleTimeWindow`, 'FlexibleTimeWindow is {Mode: OFF | FLEXIBLE, MaximumWindowInMinutes}');
  const t = pr.Target;
  if (!isMapping(t)) throw ctx.error(`${p}.Target`, 'Target is {Arn, RoleArn, Input, RetryPolicy, DeadLetterConfig, …}');
  for (const k of Object.keys(t)) if (!targetKeys.includes(k)) throw ctx.error(`${p}.Target.${k}`, `unknown property '${k}' of a schedule's Target (known: ${targetKeys.join(', ')})`);
  const rp = t.RetryPolicy;
  const target = {
    ...t,
    Arn: str(ctx, t.Arn, `${p}.Target.Arn`, 'Arn'),
    RoleArn: str(ctx, t.RoleArn, `${p}.Target.RoleArn`, 'RoleArn'),
    ...(isMapping(rp) ? {
      RetryPolicy: {
        MaximumEventAgeInSeconds: num(ctx, rp.MaximumEventAgeInSeconds, `${p}.Target.RetryPolicy.MaximumEventAgeInSeconds`, 'MaximumEventAgeInSeconds'),
        MaximumRetryAttempts: num(ctx, rp.MaximumRetryAttempts, `${p}.Target.RetryPolicy.MaximumRetryAttempts`, 'MaximumRetryAttempts'),
      },
    } : {}),
  } as CreateScheduleCommandInput['Target'];
  return {
    Name: name, GroupName: group,
    Description: str(ctx, pr.Description, `${p}.Description`, 'Description'),
    ScheduleExpression: str(ctx, pr.ScheduleExpression, `${p}.ScheduleExpression`, 'ScheduleExpression'),
    ScheduleExpressionTimezone: str(ctx, pr.ScheduleExpressionTimezone, `${p}.ScheduleExpressionTimezone`, 'ScheduleExpressionTimezone'),
    StartDate: date('StartDate'), EndDate: date('EndDate'),
    State: str(ctx, pr.State, `${p}.State`, 'State') as CreateScheduleCommandInput['State'],
    FlexibleTimeWindow: {
      Mode: str(ctx, w.Mode, `${p}.FlexibleTimeWindow.Mode`, 'Mode') as 'OFF' | 'FLEXIBLE',
      MaximumWindowInMinutes: num(ctx, w.MaximumWindowInMinutes, `${p}.FlexibleTimeWindow.MaximumWindowInMinutes`, 'MaximumWindowInMinutes'),
    },
    Target: target,
    KmsKeyArn: str(ctx, pr.KmsKeyArn, `${p}.KmsKeyArn`, 'KmsKeyArn'),
  };
}

/** The members of the template that differ from the server's schedule (absent template members compared with AWS's defaults). */
function differences(want: CreateScheduleCommandInput, have: GetScheduleCommandOutput): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (!same(want.Description, have.Description)) out.push('Description');
  if (want.ScheduleExpression !== have.ScheduleExpression) out.push('ScheduleExpression');
  if ((want.ScheduleExpressionTimezone ?? 'UTC') !== have.ScheduleExpressionTimezone) out.push('ScheduleExpressionTimezone');
  if (!same(want.StartDate?.getTime(), have.StartDate?.getTime())) out.push('StartDate');
  if (!same(want.EndDate?.getTime(), have.EndDate?.getTime())) out.push('EndDate');
  if ((want.State ?? 'ENABLED') !== have.State) out.push('State');
  if (!same(want.FlexibleTimeWindow, have.FlexibleTimeWindow)) out.push('FlexibleTimeWindow');
  const wt = { ...want.Target, RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185, ...dropUndefined(want.Target?.RetryPolicy ?? {}) } };
  if (!same(sorted(dropUndefined(wt)), sorted(have.Target))) out.push('Target');
  return out;
}

const dropUndefined = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T;
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (isMapping(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

interface SchedulePlan {
  group: string;
}

export const schedule = defineKind<SchedulePlan>({
  type: 'AWS::Scheduler::Schedule',
  schema: {
    handled: scheduleProps,
    ignored: [],
    check({ need }) {
      need('ScheduleExpression');
      need('FlexibleTimeWindow', ' ({Mode: OFF} for none)');
      need('Target', ' ({Arn, RoleArn})');
    },
  },
  replacedOnRename: true,
  deleteOrder: 1,
  // Group and name together name a schedule; the record keeps both (the ARN).
  physicalId: (d, ctx) => `${scheduleGroupOf(d, ctx)}/${scheduleName(d, ctx)}`,
  ref: (d, ctx) => scheduleName(d, ctx),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Arn') return arnOf(ctx, `schedule/${ctx.physicalOf(d)}`);
    throw ctx.error(p, `${d.id} (AWS::Scheduler::Schedule) has the attribute Arn, not ${attr}`);
  },
  async plan(d, ctx) {
    const name = scheduleName(d, ctx);
    const group = scheduleGroupOf(d, ctx);
    const pl: Planned<SchedulePlan> = { decl: d, action: 'create', reasons: [], physical: `${group}/${name}`, data: { group } };
    let have: GetScheduleCommandOutput;
    try {
      have = await feature(scheduleWhat(d), 'GetSchedule', () => ctx.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
    } catch (e) {
      // A group the template creates in this deploy does not exist yet: the schedule is new too.
      if (notFound(e)) return pl;
      throw e;
    }
    if (!ctx.prev[d.id]) {
      return { ...pl, action: 'skip', conflict: `a schedule named ${name} already exists in group ${group} and was not created by this stack; give it another Name or use --stack-name`, reasons: ['name taken'] };
    }
    pl.reasons.push(...differences(desired(d, ctx, name, group), have));
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = scheduleName(d, ctx);
    const group = pl.data!.group;
    const input = desired(d, ctx, name, group);
    const record = { type: d.type, physicalId: `${group}/${name}`, ref: name, arn: arnOf(ctx, `schedule/${group}/${name}`) };
    if (pl.action === 'create') {
      await feature(scheduleWhat(d), 'CreateSchedule', () => ctx.scheduler.send(new CreateScheduleCommand(input)));
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: created schedule ${name} (${input.ScheduleExpression})`);
    } else if (pl.action === 'update') {
      await ctx.scheduler.send(new UpdateScheduleCommand(input));
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: updated schedule ${name} (${pl.reasons.join(', ')})`);
    }
    return record;
  },
  async remove(r, ctx) {
    const [group, name] = r.physicalId.includes('/') ? r.physicalId.split('/') as [string, string] : [defaultGroup, r.physicalId];
    try {
      await ctx.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: group }));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  },
});
