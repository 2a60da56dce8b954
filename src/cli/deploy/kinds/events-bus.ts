import {
  CreateEventBusCommand, DeleteEventBusCommand, DescribeEventBusCommand, ListTagsForResourceCommand, PutPermissionCommand, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { eventBusArn } from '../../../domain/arn';
import { feature } from '../../client';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { nameProp, notFound, str } from '../values';
import { ownerTags, ownershipConflict, tagDiff, tagList } from './ownership';

/**
 * AWS::Events::EventBus through the EventBridge API: CreateEventBus, tags
 * kept in step with TagResource / UntagResource, and Policy (the bus's
 * resource policy) through PutPermission's Policy form when the template
 * gives one (without it the policy is left to AWS::Events::EventBusPolicy
 * resources). A new Name is a new bus (CloudFormation replaces it). Kumo
 * serves no UpdateEventBus, so a changed Description is refused rather than
 * silently kept.
 */
const what = (d: ResourceDecl) => `event buses (${d.id}, AWS::Events::EventBus)`;

function busName(d: ResourceDecl, ctx: DeployContext): string {
  const n = nameProp(ctx, d.props, d.id, 'Name');
  if (n === undefined) throw ctx.error(`Resources.${d.id}.Properties`, 'an AWS::Events::EventBus needs Name');
  return n;
}

export const eventsBus = defineKind({
  type: 'AWS::Events::EventBus',
  schema: {
    handled: ['Name', 'Description', 'Tags', 'Policy'],
    // Kumo encrypts nothing with KMS keys and keeps no bus-level DLQ or logs.
    ignored: ['KmsKeyIdentifier', 'DeadLetterConfig', 'LogConfig'],
    check({ props, need, fail }) {
      need('Name');
      if (props.EventSourceName !== undefined) fail('EventSourceName', 'partner event buses (EventSourceName) are not supported by Kumo');
    },
  },
  replacedOnRename: true,
  deleteOrder: 4,
  physicalId: busName,
  ref: (d, ctx) => ctx.physicalOf(d),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Arn') return eventBusArn(ctx.cfg, ctx.physicalOf(d));
    if (attr === 'Name') return ctx.physicalOf(d);
    throw ctx.error(p, `${d.id} (AWS::Events::EventBus) has the attributes Arn and Name, not ${attr}`);
  },
  async plan(d, ctx) {
    const name = ctx.physicalOf(d);
    const pr = ctx.props(d);
    const pl: Planned = { decl: d, action: 'create', reasons: [], physical: name };
    let have: { Description?: string; Policy?: string };
    try {
      have = await feature(what(d), 'DescribeEventBus', () => ctx.events.send(new DescribeEventBusCommand({ Name: name })));
    } catch (e) {
      if (notFound(e)) return pl;
      throw e;
    }
    const arn = eventBusArn(ctx.cfg, name);
    const tags = Object.fromEntries(((await ctx.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
    const conflict = ownershipConflict(ctx, d.id, 'event bus', name, tags);
    if (conflict) return { ...pl, action: 'skip', conflict, reasons: ['name taken'] };
    const desc = str(ctx, pr.Description, `Resources.${d.id}.Properties.Description`, 'Description');
    if ((have.Description ?? undefined) !== desc) {
      return { ...pl, action: 'skip', conflict: 'the Description of an existing event bus cannot change on Kumo (it serves no UpdateEventBus); rename the bus', reasons: ['Description'] };
    }
    const td = tagDiff({ ...tagList(ctx, pr.Tags, `Resources.${d.id}.Properties.Tags`), ...ownerTags(ctx) }, tags);
    if (Object.keys(td.set).length || td.unset.length) pl.reasons.push('Tags');
    const policy = policyText(d, ctx);
    if (policy !== undefined && !sameJson(policy, have.Policy)) pl.reasons.push('Policy');
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const pr = ctx.props(d);
    const name = pl.physical;
    const arn = eventBusArn(ctx.cfg, name);
    const tags = { ...tagList(ctx, pr.Tags, `Resources.${d.id}.Properties.Tags`), ...ownerTags(ctx) };
    if (pl.action === 'create') {
      await ctx.events.send(new CreateEventBusCommand({
        Name: name, Description: str(ctx, pr.Description, `Resources.${d.id}.Properties.Description`, 'Description'),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }));
    } else {
      const have = Object.fromEntries(((await ctx.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
      const td = tagDiff(tags, have);
      if (Object.keys(td.set).length) await ctx.events.send(new TagResourceCommand({ ResourceARN: arn, Tags: Object.entries(td.set).map(([Key, Value]) => ({ Key, Value })) }));
      if (td.unset.length) await ctx.events.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: td.unset }));
    }
    const policy = policyText(d, ctx);
    if (policy !== undefined && (pl.action === 'create' || pl.reasons.includes('Policy'))) {
      await feature(what(d), 'PutPermission', () => ctx.events.send(new PutPermissionCommand({ EventBusName: name, Policy: policy })));
    }
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} event bus ${name}`);
    return { type: d.type, physicalId: name, ref: name, arn };
  },
  async remove(r, ctx) {
    try {
      await ctx.events.send(new DeleteEventBusCommand({ Name: r.physicalId }));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  },
});

/** The template's Policy (a JSON object, or its text) as PutPermission takes it; undefined when the template gives none. */
function policyText(d: ResourceDecl, ctx: DeployContext): string | undefined {
  const v = ctx.props(d).Policy;
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw ctx.error(`Resources.${d.id}.Properties.Policy`, 'Policy is a policy document (an object)');
  return JSON.stringify(v);
}

function sameJson(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}
