import {
  DeleteRuleCommand, DescribeRuleCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { ruleArn } from '../../../domain/arn';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping, nameProp, notFound, str } from '../values';
import { ownerTags, ownershipConflict } from './ownership';

/**
 * AWS::Events::Rule through the EventBridge API: PutRule (create or replace)
 * with the template's EventPattern (a mapping or JSON text) and/or
 * ScheduleExpression, State, Description, on EventBusName (the default bus
 * when absent), then PutTargets for the Targets list and RemoveTargets for
 * the targets it no longer has. A rule name or bus change is a new rule.
 */
const ruleNameCharsMax = 64;
const targetMembers = ['Id', 'Arn', 'Input', 'InputPath', 'InputTransformer', 'SqsParameters', 'RetryPolicy', 'DeadLetterConfig', 'RoleArn'];
const what = (d: ResourceDecl) => `event rules (${d.id}, AWS::Events::Rule)`;

interface RuleShape {
  bus: string;
  pattern?: string;
  schedule?: string;
  state: string;
  description?: string;
  targets: Target[];
}

/** The bus a template names: a name, or a bus ARN (its name is the part after `event-bus/`). */
function busOf(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): string {
  const v = str(ctx, pr.EventBusName, `Resources.${d.id}.Properties.EventBusName`, 'EventBusName');
  if (v === undefined) return 'default';
  const i = v.indexOf(':event-bus/');
  return i >= 0 ? v.slice(i + ':event-bus/'.length) : v;
}

function shape(ctx: DeployContext, d: ResourceDecl): RuleShape {
  const pr = ctx.props(d);
  const p = `Resources.${d.id}.Properties`;
  const pattern = pr.EventPattern === undefined ? undefined : typeof pr.EventPattern === 'string' ? pr.EventPattern : JSON.stringify(pr.EventPattern);
  const targetsIn = pr.Targets ?? [];
  if (!Array.isArray(targetsIn)) throw ctx.error(`${p}.Targets`, 'Targets is a list of {Id, Arn, …}');
  const targets = targetsIn.map((t, i) => {
    if (!isMapping(t) || typeof t.Id !== 'string' || typeof t.Arn !== 'string') throw ctx.error(`${p}.Targets.${i}`, 'a target is {Id, Arn, …}');
    for (const k of Object.keys(t)) if (!targetMembers.includes(k)) throw ctx.error(`${p}.Targets.${i}.${k}`, `Kumo does not deliver with ${k} (targets: ${targetMembers.join(', ')})`);
    return t as unknown as Target;
  });
  return {
    bus: busOf(ctx, d, pr), pattern, schedule: str(ctx, pr.ScheduleExpression, `${p}.ScheduleExpression`, 'ScheduleExpression'),
    state: str(ctx, pr.State, `${p}.State`, 'State') ?? 'ENABLED', description: str(ctx, pr.Description, `${p}.Description`, 'Description'), targets,
  };
}

const arnOf = (ctx: DeployContext, bus: string, name: string) => ruleArn(ctx.cfg, bus === 'default' ? name : `${bus}/${name}`);
const canon = (t: Target) => JSON.stringify(Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b))));

async function targetsOf(ctx: DeployContext, name: string, bus: string): Promise<Target[]> {
  const out: Target[] = [];
  let token: string | undefined;
  do {
    const r = await ctx.events.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus, NextToken: token }));
    out.push(...(r.Targets ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}

export const eventsRule = defineKind<RuleShape>({
  type: 'AWS::Events::Rule',
  schema: {
    handled: ['Name', 'EventBusName', 'EventPattern', 'ScheduleExpression', 'State', 'Description', 'Targets', 'RoleArn'],
    ignored: [],
    check({ props, fail }) {
      if (props.EventPattern === undefined && props.ScheduleExpression === undefined) fail(undefined, 'an AWS::Events::Rule needs EventPattern or ScheduleExpression');
    },
  },
  replacedOnRename: true,
  deleteOrder: 1,
  physicalId: (d, ctx) => nameProp(ctx, d.props, d.id, 'Name') ?? physicalName(ctx.stackName, d.id, ruleNameCharsMax),
  // CloudFormation: Ref is the rule's name, `<bus>|<name>` on a bus other than the default.
  ref: (d, ctx) => {
    const bus = busOf(ctx, d, ctx.props(d));
    return bus === 'default' ? ctx.physicalOf(d) : `${bus}|${ctx.physicalOf(d)}`;
  },
  getAtt(d, attr, p, ctx) {
    if (attr === 'Arn') return arnOf(ctx, busOf(ctx, d, ctx.props(d)), ctx.physicalOf(d));
    throw ctx.error(p, `${d.id} (AWS::Events::Rule) has the attribute Arn, not ${attr}`);
  },
  async plan(d, ctx) {
    const name = ctx.physicalOf(d);
    const want = shape(ctx, d);
    const pl: Planned<RuleShape> = { decl: d, action: 'create', reasons: [], physical: name, data: want };
    let have;
    try {
      have = await feature(what(d), 'DescribeRule', () => ctx.events.send(new DescribeRuleCommand({ Name: name, EventBusName: want.bus })));
    } catch (e) {
      if (notFound(e)) return pl;
      throw e;
    }
    const tags = Object.fromEntries(((await ctx.events.send(new ListTagsForResourceCommand({ ResourceARN: have.Arn! }))).Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
    const conflict = ownershipConflict(ctx, d.id, 'rule', name, tags);
    if (conflict) return { ...pl, action: 'skip', conflict, reasons: ['name taken'] };
    if ((have.EventPattern && JSON.stringify(JSON.parse(have.EventPattern))) !== (want.pattern && JSON.stringify(JSON.parse(want.pattern)))) pl.reasons.push('EventPattern');
    if (have.ScheduleExpression !== want.schedule) pl.reasons.push('ScheduleExpression');
    if (have.State !== want.state) pl.reasons.push('State');
    if (have.Description !== want.description) pl.reasons.push('Description');
    if (pendingRefs(ctx.props(d)).length) pl.reasons.push('Targets');
    else {
      const existing = (await targetsOf(ctx, name, want.bus)).map(canon).sort();
      if (JSON.stringify(existing) !== JSON.stringify(want.targets.map(canon).sort())) pl.reasons.push('Targets');
    }
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    const want = shape(ctx, d);
    const r = await ctx.events.send(new PutRuleCommand({
      Name: name, EventBusName: want.bus, EventPattern: want.pattern, ScheduleExpression: want.schedule, State: want.state as 'ENABLED',
      Description: want.description, Tags: Object.entries(ownerTags(ctx)).map(([Key, Value]) => ({ Key, Value })),
    }));
    const existing = pl.action === 'create' ? [] : await targetsOf(ctx, name, want.bus);
    const gone = existing.filter((t) => !want.targets.some((w) => w.Id === t.Id)).map((t) => t.Id!);
    if (gone.length) await ctx.events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: want.bus, Ids: gone }));
    if (want.targets.length) {
      const put = await ctx.events.send(new PutTargetsCommand({ Rule: name, EventBusName: want.bus, Targets: want.targets }));
      if (put.FailedEntryCount) {
        throw new Error(`${d.id}: targets refused: ${(put.FailedEntries ?? []).map((f) => `${f.TargetId}: ${f.ErrorMessage}`).join('; ')}`);
      }
    }
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} rule ${name}${pl.action === 'create' ? '' : ` (${pl.reasons.join(', ')})`}`);
    return { type: d.type, physicalId: name, ref: want.bus === 'default' ? name : `${want.bus}|${name}`, arn: r.RuleArn };
  },
  async remove(rec, ctx) {
    const bus = rec.ref?.includes('|') ? rec.ref.split('|')[0]! : 'default';
    try {
      const ids = (await targetsOf(ctx, rec.physicalId, bus)).map((t) => t.Id!);
      if (ids.length) await ctx.events.send(new RemoveTargetsCommand({ Rule: rec.physicalId, EventBusName: bus, Ids: ids }));
      await ctx.events.send(new DeleteRuleCommand({ Name: rec.physicalId, EventBusName: bus }));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  },
});
