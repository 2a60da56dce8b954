import type { SubscriptionRecord, TopicDelivery, TopicRecord } from './topics';

/** Rows of the topic tables as both SQL stores read them, and the records they become. */
export interface TopicRow { arn: string; name: string; created_ms: number; attributes: string; tags: string }
export interface SubRow {
  arn: string; topic_arn: string; protocol: string; endpoint: string; owner: string; confirmed: number; token: string | null;
  attributes: string; created_ms: number;
}
export interface DeliveryRow { id: string; subscription_arn: string; kind: string; message: string; attempts: number }

export const toTopic = (r: TopicRow): TopicRecord => ({
  arn: r.arn, name: r.name, createdMs: Number(r.created_ms), attributes: JSON.parse(r.attributes), tags: JSON.parse(r.tags),
});
export const toSub = (r: SubRow): SubscriptionRecord => ({
  arn: r.arn, topicArn: r.topic_arn, protocol: r.protocol as SubscriptionRecord['protocol'], endpoint: r.endpoint, owner: r.owner,
  confirmed: Boolean(r.confirmed), token: r.token, attributes: JSON.parse(r.attributes), createdMs: Number(r.created_ms),
});
export const toDelivery = (r: DeliveryRow): TopicDelivery => ({
  id: r.id, subscriptionArn: r.subscription_arn, kind: r.kind as TopicDelivery['kind'], message: JSON.parse(r.message), attempts: Number(r.attempts),
});

export function withAttr(attrs: Record<string, string>, name: string, value: string | null): Record<string, string> {
  const out = { ...attrs };
  if (value === null) delete out[name];
  else out[name] = value;
  return out;
}

export function applyTags(tags: Record<string, string>, change: { set?: Record<string, string>; remove?: string[] }): Record<string, string> {
  const out = { ...tags, ...change.set };
  for (const k of change.remove ?? []) delete out[k];
  return out;
}
