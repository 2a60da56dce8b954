import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetTopicAttributesCommand, SetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { parseArn } from '../../../domain/arn';
import { defaultTopicPolicy } from '../../../topics/permissions';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping } from '../values';

/**
 * AWS::SQS::QueuePolicy and AWS::SNS::TopicPolicy: the PolicyDocument set
 * as the `Policy` attribute of every queue (`Queues`: queue URLs) or topic
 * (`Topics`: topic ARNs) listed, through SetQueueAttributes /
 * SetTopicAttributes, as CloudFormation does. The plan compares each
 * target's Policy with the document (as JSON values); a target the list
 * loses, or the resource's removal, gets its policy back to none (SQS: an
 * empty Policy) or to the topic's default policy (SNS requires one, as
 * AWS's own TopicPolicy handler resets it). Ref (and GetAtt Id) is
 * `<stack>-<LogicalId>`, the resource's own id.
 */

interface PolicyPlan {
  targets: string[];
  text: string;
}

interface Target {
  type: string;
  listKey: 'Queues' | 'Topics';
  get(ctx: DeployContext, target: string): Promise<string | undefined>;
  set(ctx: DeployContext, target: string, text: string): Promise<void>;
  /** The target's policy when the resource no longer sets it. */
  clear(ctx: DeployContext, target: string): Promise<void>;
  /** A target that is gone (its queue or topic deleted): nothing to clear. */
  missing(e: unknown): boolean;
}

/** The PolicyDocument as SQS/SNS take it: a mapping serialised, or the JSON text given. */
function documentText(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): string {
  const p = `Resources.${d.id}.Properties.PolicyDocument`;
  const v = pr.PolicyDocument;
  if (typeof v === 'string') {
    try {
      if (isMapping(JSON.parse(v))) return v;
    } catch {
      // refused below
    }
    throw ctx.error(p, 'PolicyDocument is a policy document (a mapping or its JSON)');
  }
  if (!isMapping(v)) throw ctx.error(p, 'PolicyDocument is a policy document (a mapping or its JSON)');
  return JSON.stringify(v);
}

function targetList(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>, key: string): string[] {
  const v = pr[key];
  if (!Array.isArray(v) || !v.length || v.some((x) => typeof x !== 'string')) {
    throw ctx.error(`Resources.${d.id}.Properties.${key}`, `${key} is a non-empty list of ${key === 'Queues' ? 'queue URLs (!Ref of an AWS::SQS::Queue)' : 'topic ARNs (!Ref of an AWS::SNS::Topic)'}`);
  }
  return [...new Set(v as string[])];
}

/** Two policy texts mean the same document. */
function samePolicy(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

const missingQueue = (e: unknown) => ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes((e as { name?: string }).name ?? '');
const missingTopic = (e: unknown) => ['NotFoundException', 'NotFound'].includes((e as { name?: string }).name ?? '');

/** The policy SNS gives a topic (GetTopicAttributes' default): what removing a TopicPolicy restores, as AWS's TopicPolicy handler does. */
export function defaultTopicPolicyText(topicArn: string): string {
  return JSON.stringify(defaultTopicPolicy(topicArn, parseArn(topicArn)?.account ?? ''));
}

const queues: Target = {
  type: 'AWS::SQS::QueuePolicy',
  listKey: 'Queues',
  async get(ctx, url) {
    return (await ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }))).Attributes?.Policy;
  },
  async set(ctx, url, text) {
    await feature(`queue policies (${queues.type})`, 'SetQueueAttributes', () => ctx.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: text } })));
  },
  async clear(ctx, url) {
    await ctx.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: '' } }));
  },
  missing: missingQueue,
};

const topics: Target = {
  type: 'AWS::SNS::TopicPolicy',
  listKey: 'Topics',
  async get(ctx, arn) {
    return (await ctx.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes?.Policy;
  },
  async set(ctx, arn, text) {
    await feature(`topic policies (${topics.type})`, 'SetTopicAttributes', () => ctx.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: text })));
  },
  async clear(ctx, arn) {
    await ctx.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: defaultTopicPolicyText(arn) }));
  },
  missing: missingTopic,
};

async function clearIgnoringMissing(t: Target, ctx: DeployContext, target: string): Promise<void> {
  try {
    await t.clear(ctx, target);
  } catch (e) {
    if (!t.missing(e)) throw e;
  }
}

function policyKind(t: Target) {
  const id = (d: ResourceDecl, ctx: DeployContext) => physicalName(ctx.stackName, d.id);
  return defineKind<PolicyPlan>({
    type: t.type,
    schema: {
      handled: ['PolicyDocument', t.listKey],
      ignored: [],
      check({ need }) {
        need('PolicyDocument', ' (the policy document)');
        need(t.listKey, t.listKey === 'Queues' ? ' (the queue URLs: !Ref of each AWS::SQS::Queue)' : ' (the topic ARNs: !Ref of each AWS::SNS::Topic)');
      },
    },
    // Before the queues and topics it is set on (their deletion takes the policy with them anyway).
    deleteOrder: -1,
    physicalId: id,
    ref: id,
    getAtt(d, attr, p, ctx) {
      if (attr === 'Id') return id(d, ctx);
      throw ctx.error(p, `${d.id} (${t.type}) has the attribute Id, not ${attr}`);
    },
    async plan(d, ctx) {
      const pr = ctx.props(d);
      const pl: Planned<PolicyPlan> = { decl: d, action: ctx.prev[d.id] ? 'update' : 'create', reasons: [], physical: id(d, ctx) };
      const pending = pendingRefs(pr);
      if (pending.length) {
        pl.reasons.push(`depends on ${pending.join(', ')}`);
        return pl;
      }
      const targets = targetList(ctx, d, pr, t.listKey);
      const text = documentText(ctx, d, pr);
      pl.data = { targets, text };
      const lost = (ctx.prev[d.id]?.targets ?? []).filter((x) => !targets.includes(x));
      const differ: string[] = [];
      for (const target of targets) {
        let have: string | undefined;
        try {
          have = await t.get(ctx, target);
        } catch (e) {
          if (!t.missing(e)) throw e;
        }
        if (!samePolicy(have, text)) differ.push(target);
      }
      if (differ.length) pl.reasons.push(`${differ.length} of ${targets.length} ${t.listKey.toLowerCase()}`);
      if (lost.length) pl.reasons.push(`${lost.length} no longer listed`);
      // Every target already has the document (a lost stack record included): nothing to do.
      if (!pl.reasons.length) pl.action = 'unchanged';
      return pl;
    },
    async apply(pl, ctx) {
      const d = pl.decl;
      // Re-resolved: the queues' URLs are known once they are made.
      const pr = ctx.props(d);
      const targets = targetList(ctx, d, pr, t.listKey);
      const text = documentText(ctx, d, pr);
      const rec = { type: d.type, physicalId: pl.physical, ref: pl.physical, targets };
      if (pl.action === 'unchanged') return rec;
      for (const target of targets) await t.set(ctx, target, text);
      for (const lost of (ctx.prev[d.id]?.targets ?? []).filter((x) => !targets.includes(x))) await clearIgnoringMissing(t, ctx, lost);
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: policy set on ${targets.length} ${t.listKey.toLowerCase().replace(/s$/, targets.length === 1 ? '' : 's')}`);
      return rec;
    },
    async remove(r, ctx) {
      for (const target of r.targets ?? []) await clearIgnoringMissing(t, ctx, target);
    },
  });
}

export const sqsQueuePolicy = policyKind(queues);
export const snsTopicPolicy = policyKind(topics);
