import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping, str } from '../values';

/**
 * AWS::SNS::Subscription through the SNS API: Subscribe with the template's
 * attributes (ReturnSubscriptionArn, so the ARN is known at once); on an
 * update GetSubscriptionAttributes is compared with the template and
 * SetSubscriptionAttributes applies each attribute that differs. A new
 * TopicArn, Protocol or Endpoint is a new subscription (CloudFormation
 * replaces it too); the old one is unsubscribed after.
 */

/** The subscription attributes a template can set, in SNS's string form. */
const attributeProps = ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy', 'DeliveryPolicy'] as const;

interface Target {
  TopicArn: string;
  Protocol: string;
  Endpoint: string;
}

interface SubscriptionPlan {
  target: Target;
  /** The subscription on the server this one is (from the record, or found on its topic). */
  arn?: string;
}

const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The attributes the template gives; those it leaves out are SNS's defaults (raw delivery off, no filter, no redrive). */
export function subscriptionAttributes(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): Record<string, string> {
  const p = `Resources.${d.id}.Properties`;
  const out: Record<string, string> = {};
  if (pr.RawMessageDelivery !== undefined) out.RawMessageDelivery = String(pr.RawMessageDelivery === true || pr.RawMessageDelivery === 'true');
  for (const k of ['FilterPolicy', 'RedrivePolicy', 'DeliveryPolicy'] as const) {
    if (pr[k] === undefined) continue;
    if (!isMapping(pr[k]) && typeof pr[k] !== 'string') throw ctx.error(`${p}.${k}`, `${k} is a mapping (or its JSON)`);
    out[k] = json(pr[k]);
  }
  if (pr.FilterPolicyScope !== undefined) out.FilterPolicyScope = str(ctx, pr.FilterPolicyScope, `${p}.FilterPolicyScope`, 'FilterPolicyScope')!;
  return out;
}

/** Two attribute values that mean the same: JSON compared by value, absent equal to its default. */
function same(k: string, want: string | undefined, have: string | undefined): boolean {
  const dflt: Record<string, string> = { RawMessageDelivery: 'false', FilterPolicyScope: 'MessageAttributes' };
  const w = want ?? dflt[k] ?? '';
  const h = have ?? dflt[k] ?? '';
  if (w === h) return true;
  try {
    return JSON.stringify(JSON.parse(w)) === JSON.stringify(JSON.parse(h));
  } catch {
    return false;
  }
}

/** The attributes to set so the server's match the template's (an attribute the template dropped goes back to its default). */
export function subscriptionDiff(want: Record<string, string>, have: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of attributeProps) {
    if (same(k, want[k], have[k])) continue;
    // A FilterPolicyScope only means something with a FilterPolicy; one the server reports by itself is not a difference.
    if (k === 'FilterPolicyScope' && want[k] === undefined && !want.FilterPolicy) continue;
    out[k] = want[k] ?? (k === 'RawMessageDelivery' ? 'false' : k === 'FilterPolicyScope' ? 'MessageAttributes' : '');
  }
  return out;
}

function target(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): Target {
  const p = `Resources.${d.id}.Properties`;
  return {
    TopicArn: str(ctx, pr.TopicArn, `${p}.TopicArn`, 'TopicArn')!,
    Protocol: str(ctx, pr.Protocol, `${p}.Protocol`, 'Protocol')!,
    Endpoint: str(ctx, pr.Endpoint, `${p}.Endpoint`, 'Endpoint')!,
  };
}

const missing = (e: unknown) => ['NotFoundException', 'NotFound'].includes((e as { name?: string }).name ?? '');
const what = (d: ResourceDecl) => `topics (${d.id}, AWS::SNS::Subscription)`;

/** The subscription of the topic with this protocol and endpoint, if there is one (a topic not there yet has none). */
async function findOnTopic(ctx: DeployContext, t: Target): Promise<string | undefined> {
  let token: string | undefined;
  try {
    do {
      const r = await feature('topics', 'ListSubscriptionsByTopic', () => ctx.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: t.TopicArn, NextToken: token })));
      const hit = r.Subscriptions?.find((x) => x.Protocol === t.Protocol && x.Endpoint === t.Endpoint);
      if (hit?.SubscriptionArn) return hit.SubscriptionArn;
      token = r.NextToken;
    } while (token);
  } catch (e) {
    if (!missing(e)) throw e;
  }
  return undefined;
}

export const snsSubscription = defineKind<SubscriptionPlan>({
  type: 'AWS::SNS::Subscription',
  schema: {
    handled: ['TopicArn', 'Protocol', 'Endpoint', 'RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy', 'DeliveryPolicy'],
    // Region: one region per Kumo server. SubscriptionRoleArn / ReplayPolicy: Firehose endpoints and replays, which Kumo does not deliver to.
    ignored: ['Region', 'SubscriptionRoleArn', 'ReplayPolicy'],
    check({ need }) {
      need('TopicArn');
      need('Protocol');
      need('Endpoint', ' (Kumo delivers to sqs, lambda, http and https endpoints)');
    },
  },
  replacedOnRename: true,
  deleteOrder: -1,
  physicalId: (d, ctx) => ctx.state[d.id]?.arn ?? ctx.prev[d.id]?.physicalId ?? `${d.id} (new)`,
  ref: (d, ctx) => ctx.known(d.id, ctx.state[d.id]?.arn),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Arn') return ctx.known(d.id, ctx.state[d.id]?.arn);
    throw ctx.error(p, `${d.id} (AWS::SNS::Subscription) has the attribute Arn, not ${attr}`);
  },
  async plan(d, ctx) {
    const pr = ctx.props(d);
    const want = target(ctx, d, pr);
    const prev = ctx.prev[d.id];
    const pl: Planned<SubscriptionPlan> = { decl: d, action: 'create', reasons: [], physical: `${d.id} (new)`, data: { target: want } };
    const pending = pendingRefs(want);
    // Without a record (a lost .kumo-stack.json): SNS keeps one subscription per topic, protocol and endpoint, so that one is this.
    const arn = prev?.arn ?? (pending.length ? undefined : await findOnTopic(ctx, want));
    if (!arn) return { ...pl, reasons: [`${want.Protocol} subscription`] };
    let have: Record<string, string>;
    try {
      have = (await feature(what(d), 'GetSubscriptionAttributes', () => ctx.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn })))).Attributes ?? {};
    } catch (e) {
      if (missing(e)) return { ...pl, reasons: ['gone from the server'] };
      throw e;
    }
    // What CloudFormation replaces a subscription for; a placeholder (a topic made in this deploy) is a change too.
    const moved = (['TopicArn', 'Protocol', 'Endpoint'] as const).filter((k) => (have[k] ?? '') !== want[k]);
    if (moved.length && !pending.length) return { ...pl, reasons: [`replaced: ${moved.join(', ')}`] };
    pl.data = { target: want, arn };
    if (pending.length) return { ...pl, action: 'update', physical: arn, reasons: [`depends on ${pending.join(', ')}`] };
    ctx.state[d.id] = { type: d.type, physicalId: arn, ref: arn, arn };
    pl.physical = arn;
    pl.reasons.push(...Object.keys(subscriptionDiff(subscriptionAttributes(ctx, d, pr), have)));
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const pr = ctx.props(d);
    const t = target(ctx, d, pr);
    const attrs = subscriptionAttributes(ctx, d, pr);
    const known = pl.data?.arn;
    if (pl.action === 'unchanged' && known) return { type: d.type, physicalId: known, ref: known, arn: known };
    if (pl.action === 'update' && known) {
      const have = (await ctx.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: known }))).Attributes ?? {};
      if ((['TopicArn', 'Protocol', 'Endpoint'] as const).every((k) => (have[k] ?? '') === t[k])) {
        const set = subscriptionDiff(attrs, have);
        for (const [k, v] of Object.entries(set)) await ctx.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: known, AttributeName: k, AttributeValue: v }));
        if (Object.keys(set).length) {
          ctx.markChanged(d.id);
          ctx.out(`  ✓ ${d.id}: updated subscription ${known} (${Object.keys(set).join(', ')})`);
        }
        return { type: d.type, physicalId: known, ref: known, arn: known };
      }
    }
    const r = await feature(what(d), 'Subscribe', () =>
      ctx.sns.send(new SubscribeCommand({ ...t, Attributes: Object.keys(attrs).length ? attrs : undefined, ReturnSubscriptionArn: true })),
    );
    const arn = r.SubscriptionArn!;
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: subscribed ${t.Protocol} ${t.Endpoint} to ${t.TopicArn}`);
    return { type: d.type, physicalId: arn, ref: arn, arn };
  },
  async remove(r, ctx) {
    try {
      await ctx.sns.send(new UnsubscribeCommand({ SubscriptionArn: r.arn ?? r.physicalId }));
    } catch (e) {
      if (!missing(e)) throw e;
    }
  },
  /** Deleting its topic deleted the subscription too. */
  deletedWith(r, gone) {
    const topic = r.arn?.split(':').slice(0, 6).join(':');
    return gone.find((g) => g.type === 'AWS::SNS::Topic' && g.arn === topic)?.physicalId;
  },
});
