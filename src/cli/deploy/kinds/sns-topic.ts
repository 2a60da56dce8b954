import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { topicArn } from '../../../domain/arn';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping, nameProp, str } from '../values';
import { ownerTags, ownershipConflict, tagDiff, tagList } from './ownership';

/**
 * AWS::SNS::Topic through the SNS API: CreateTopic (idempotent on SNS), then
 * on an update GetTopicAttributes / ListTagsForResource compared with the
 * template and SetTopicAttributes / TagResource / UntagResource for the
 * difference. Its `Subscription` list is kept in step: endpoints the list
 * gains are subscribed, and those it loses that this stack subscribed are
 * unsubscribed (their ARNs are in the stack record). A new TopicName or
 * FifoTopic is a new topic, as CloudFormation replaces it.
 */

/** SNS topic names: 1–256 characters, `.fifo` included (CreateTopic). */
const topicNameCharsMax = 256;
const fifoSuffix = '.fifo';

export interface TopicSubscription {
  Protocol: string;
  Endpoint: string;
}

interface TopicPlan {
  attrs: Record<string, string>;
}

const isFifo = (v: unknown) => v === true || v === 'true';

function topicName(d: ResourceDecl, ctx: DeployContext): string {
  const given = nameProp(ctx, d.props, d.id, 'TopicName');
  if (given !== undefined) return given;
  const fifo = isFifo(ctx.resolver.value(d.props.FifoTopic, `Resources.${d.id}.Properties.FifoTopic`));
  return fifo ? physicalName(ctx.stackName, d.id, topicNameCharsMax - fifoSuffix.length) + fifoSuffix : physicalName(ctx.stackName, d.id, topicNameCharsMax);
}

/** The settable attributes the template gives (an absent DisplayName is the empty one, SNS's default). */
function desiredAttributes(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): Record<string, string> {
  const p = `Resources.${d.id}.Properties`;
  const out: Record<string, string> = { DisplayName: str(ctx, pr.DisplayName, `${p}.DisplayName`, 'DisplayName') ?? '' };
  if (isFifo(pr.FifoTopic)) {
    out.FifoTopic = 'true';
    out.ContentBasedDeduplication = String(pr.ContentBasedDeduplication === true || pr.ContentBasedDeduplication === 'true');
  } else if (pr.ContentBasedDeduplication !== undefined) throw ctx.error(`${p}.ContentBasedDeduplication`, 'ContentBasedDeduplication is for FIFO topics only (FifoTopic: true)');
  return out;
}

/** The Subscription list: [{Protocol, Endpoint}]. */
export function subscriptionList(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): TopicSubscription[] {
  const p = `Resources.${d.id}.Properties.Subscription`;
  const v = pr.Subscription;
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => !isMapping(s) || typeof s.Protocol !== 'string' || typeof s.Endpoint !== 'string')) {
    throw ctx.error(p, 'Subscription is a list of {Protocol, Endpoint}');
  }
  return (v as TopicSubscription[]).map((s) => ({ Protocol: s.Protocol, Endpoint: s.Endpoint }));
}

/** Every subscription of a topic (all pages). */
async function subscriptionsOf(sns: SNSClient, arn: string): Promise<{ arn: string; protocol: string; endpoint: string }[]> {
  const out: { arn: string; protocol: string; endpoint: string }[] = [];
  let token: string | undefined;
  do {
    const r = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken: token }));
    for (const s of r.Subscriptions ?? []) out.push({ arn: s.SubscriptionArn ?? '', protocol: s.Protocol ?? '', endpoint: s.Endpoint ?? '' });
    token = r.NextToken;
  } while (token);
  return out;
}

const key = (protocol: string, endpoint: string) => `${protocol} ${endpoint}`;
const missingTopic = (e: unknown) => (e as { name?: string }).name === 'NotFoundException' || (e as { name?: string }).name === 'NotFound';
const what = (d: ResourceDecl) => `topics (${d.id}, AWS::SNS::Topic)`;

export const snsTopic = defineKind<TopicPlan>({
  type: 'AWS::SNS::Topic',
  schema: {
    handled: ['TopicName', 'DisplayName', 'FifoTopic', 'ContentBasedDeduplication', 'Subscription', 'Tags'],
    // No KMS, no delivery-status logging to CloudWatch, no X-Ray, no message archive in Kumo.
    ignored: ['KmsMasterKeyId', 'DeliveryStatusLogging', 'TracingConfig', 'SignatureVersion', 'ArchivePolicy', 'DataProtectionPolicy', 'FifoThroughputScope'],
    check({ props, fail }) {
      const fifo = isFifo(props.FifoTopic);
      if (typeof props.TopicName === 'string' && fifo !== props.TopicName.endsWith(fifoSuffix)) {
        fail('TopicName', fifo ? `a FIFO topic's name ends with ${fifoSuffix}` : 'a topic named ….fifo needs FifoTopic: true');
      }
    },
  },
  replacedOnRename: true,
  deleteOrder: 3,
  physicalId: topicName,
  ref: (d, ctx) => topicArn(ctx.cfg, ctx.physicalOf(d)),
  getAtt(d, attr, p, ctx) {
    if (attr === 'TopicArn') return topicArn(ctx.cfg, ctx.physicalOf(d));
    if (attr === 'TopicName') return ctx.physicalOf(d);
    throw ctx.error(p, `${d.id} (AWS::SNS::Topic) has the attributes TopicArn and TopicName, not ${attr}`);
  },
  async plan(d, ctx) {
    const pr = ctx.props(d);
    const name = ctx.physicalOf(d);
    const arn = topicArn(ctx.cfg, name);
    const attrs = desiredAttributes(ctx, d, pr);
    const subs = subscriptionList(ctx, d, pr);
    const pl: Planned<TopicPlan> = { decl: d, action: 'create', reasons: [], physical: name, data: { attrs } };
    let have: Record<string, string>;
    try {
      have = (await feature(what(d), 'GetTopicAttributes', () => ctx.sns.send(new GetTopicAttributesCommand({ TopicArn: arn })))).Attributes ?? {};
    } catch (e) {
      if (missingTopic(e)) return { ...pl, reasons: subs.length ? [`${subs.length} subscription(s)`] : [] };
      throw e;
    }
    const tags = Object.fromEntries(((await ctx.sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
    const conflict = ownershipConflict(ctx, d.id, 'topic', name, tags);
    if (conflict) return { ...pl, action: 'skip', conflict, reasons: ['name taken'] };
    for (const [k, v] of Object.entries(attrs)) if (k !== 'FifoTopic' && (have[k] ?? '') !== v) pl.reasons.push(k);
    const td = tagDiff({ ...tagList(ctx, pr.Tags, `Resources.${d.id}.Properties.Tags`), ...ownerTags(ctx) }, tags);
    if (Object.keys(td.set).length || td.unset.length) pl.reasons.push('Tags');
    const pending = pendingRefs(pr);
    if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
    else {
      const existing = await subscriptionsOf(ctx.sns, arn);
      const wanted = new Set(subs.map((s) => key(s.Protocol, s.Endpoint)));
      const gained = [...wanted].some((k) => !existing.some((s) => key(s.protocol, s.endpoint) === k));
      const lost = (ctx.prev[d.id]?.subscriptions ?? []).some((a) => existing.some((s) => s.arn === a && !wanted.has(key(s.protocol, s.endpoint))));
      if (gained || lost) pl.reasons.push('Subscription');
    }
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    const pr = ctx.props(d);
    const arn = topicArn(ctx.cfg, name);
    const attrs = desiredAttributes(ctx, d, pr);
    const tags = { ...tagList(ctx, pr.Tags, `Resources.${d.id}.Properties.Tags`), ...ownerTags(ctx) };
    const changed: string[] = [];
    if (pl.action === 'create') {
      const given = Object.fromEntries(Object.entries(attrs).filter(([k, v]) => !(k === 'DisplayName' && v === '')));
      await feature(what(d), 'CreateTopic', () =>
        ctx.sns.send(new CreateTopicCommand({ Name: name, Attributes: given, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })),
      );
      changed.push('created');
    } else {
      const have = (await ctx.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes ?? {};
      for (const [k, v] of Object.entries(attrs)) {
        if (k === 'FifoTopic' || (have[k] ?? '') === v) continue;
        await ctx.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: k, AttributeValue: v }));
        changed.push(k);
      }
      const haveTags = Object.fromEntries(((await ctx.sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
      const td = tagDiff(tags, haveTags);
      if (Object.keys(td.set).length) await ctx.sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: Object.entries(td.set).map(([Key, Value]) => ({ Key, Value })) }));
      if (td.unset.length) await ctx.sns.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: td.unset }));
      if (Object.keys(td.set).length || td.unset.length) changed.push('Tags');
    }
    const subscriptions = await syncSubscriptions(ctx, arn, subscriptionList(ctx, d, pr), ctx.prev[d.id]?.subscriptions ?? [], changed);
    if (changed.length) {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} topic ${name}${pl.action === 'create' ? '' : ` (${changed.join(', ')})`}`);
    }
    return { type: d.type, physicalId: name, ref: arn, arn, subscriptions: subscriptions.length ? subscriptions : undefined };
  },
  async remove(r, ctx) {
    // DeleteTopic deletes its subscriptions too; it is idempotent on SNS.
    try {
      await ctx.sns.send(new DeleteTopicCommand({ TopicArn: r.arn ?? topicArn(ctx.cfg, r.physicalId) }));
    } catch (e) {
      if (!missingTopic(e)) throw e;
    }
  },
});

/** Subscribes what the list gains, unsubscribes what this stack subscribed and the list lost; returns the ARNs the list now stands for. */
async function syncSubscriptions(ctx: DeployContext, arn: string, want: TopicSubscription[], made: string[], changed: string[]): Promise<string[]> {
  const existing = await subscriptionsOf(ctx.sns, arn);
  const byKey = new Map(existing.map((s) => [key(s.protocol, s.endpoint), s.arn]));
  const keep: string[] = [];
  for (const s of want) {
    let subArn = byKey.get(key(s.Protocol, s.Endpoint));
    if (!subArn) {
      subArn = (await ctx.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: s.Protocol, Endpoint: s.Endpoint, ReturnSubscriptionArn: true }))).SubscriptionArn!;
      changed.push(`subscribed ${s.Protocol} ${s.Endpoint}`);
    }
    keep.push(subArn);
  }
  for (const old of made) {
    if (keep.includes(old) || !existing.some((s) => s.arn === old)) continue;
    await ctx.sns.send(new UnsubscribeCommand({ SubscriptionArn: old }));
    changed.push('unsubscribed one');
  }
  return keep;
}
