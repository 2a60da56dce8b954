import { randomBytes, randomUUID } from 'node:crypto';
import { parseArn, topicArn, type ArnScope } from '../domain/arn';
import type { TopicStore } from '../store/topics';
import { checkSubscriptionAttribute, checkTopicAttribute, effectiveRetryPolicy } from './attributes';
import { invalid, TopicsError } from './errors';
import { listPageMax, tagKeyCharsMax, tagsPerTopicMax, tagValueCharsMax, topicNameCharsMax, topicPolicyCache } from './limits';
import type { SubscriptionProtocol, SubscriptionRecord, TopicRecord } from './records';
import { checkTopicPermission, defaultTopicPolicy, withoutTopicPermission, withTopicPermission, type TopicPermissionInput } from './permissions';
import { ResourcePolicyCache } from '../identity/resource-policies';
import type { ResourcePolicySource } from '../identity/types';

/**
 * The domain SNS service for topics, subscriptions and tags (publishing:
 * `publisher.ts`; delivery: `delivery-worker.ts`). Typed inputs, records
 * out, `TopicsError` with AWS's messages; no HTTP, no XML.
 */

export const protocols: readonly SubscriptionProtocol[] = ['sqs', 'lambda', 'http', 'https'];

export interface TopicServiceDeps {
  store: TopicStore;
  scope: ArnScope & { region: string; accountId: string };
  /** Whether Kumo can deliver to this ARN (a registered sink: sqs, lambda). */
  canDeliver(arn: string): boolean;
  /** Wakes the delivery worker (a confirmation to send). */
  wake(): void;
}

const topicNotFound = () => new TopicsError('NotFound', 'Topic does not exist');
const subscriptionNotFound = () => new TopicsError('NotFound', 'Subscription does not exist');

/** Paging tokens: the last ARN returned, opaque to the caller. */
export const encodeToken = (arn: string) => Buffer.from(arn, 'utf8').toString('base64url');
function decodeToken(t: string | undefined): string | undefined {
  if (t === undefined) return undefined;
  const arn = Buffer.from(t, 'base64url').toString('utf8');
  if (!arn.startsWith('arn:')) throw invalid('Invalid parameter: NextToken');
  return arn;
}

export class TopicService implements ResourcePolicySource {
  /** Topic policies as the authorizer reads them (`policyOf`), by topic ARN. */
  private readonly policies: ResourcePolicyCache;

  constructor(private readonly d: TopicServiceDeps) {
    this.policies = new ResourcePolicyCache(async (arn) => (await this.d.store.getTopic(arn))?.attributes.Policy, topicPolicyCache);
  }

  /**
   * The `sns` ResourcePolicySource (identity/authorizer.ts): the Policy set
   * on the topic a call names (CreateTopic / SetTopicAttributes /
   * AddPermission), from memory while fresh. A topic with none answers
   * undefined: its default policy grants only under `AWS:SourceOwner`,
   * which no API call carries, so it allows nothing beyond the owner's own
   * identity policies either way.
   */
  policyOf(resourceArn: string): string | undefined | Promise<string | undefined> {
    const a = parseArn(resourceArn);
    if (!a || a.service !== 'sns' || a.region !== this.d.scope.region || a.account !== this.d.scope.accountId || a.resource.includes(':')) return undefined;
    return this.policies.get(resourceArn);
  }

  get scope() {
    return this.d.scope;
  }

  /** A topic ARN of this region and account, or InvalidParameter naming `member` (AWS: "Invalid parameter: TopicArn"). */
  checkTopicArn(arn: string | undefined, member = 'TopicArn'): string {
    const a = arn === undefined ? undefined : parseArn(arn);
    if (!a || a.service !== 'sns' || a.resource.includes(':') || !a.resource) throw invalid(`Invalid parameter: ${member}`);
    if (a.region !== this.d.scope.region || a.account !== this.d.scope.accountId) throw topicNotFound();
    return arn!;
  }

  async topic(arn: string): Promise<TopicRecord> {
    const t = await this.d.store.getTopic(this.checkTopicArn(arn));
    if (!t) throw topicNotFound();
    return t;
  }

  async createTopic(name: string, attributes: Record<string, string>, tags: Record<string, string>): Promise<TopicRecord> {
    const fifo = attributes.FifoTopic === 'true';
    const base = fifo ? name.replace(/\.fifo$/, '') : name;
    if (fifo && !name.endsWith('.fifo')) {
      throw invalid('Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.');
    }
    if (!/^[A-Za-z0-9_-]+$/.test(base) || name.length > topicNameCharsMax) throw invalid('Invalid parameter: Topic Name');
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attributes)) attrs[k] = checkTopicAttribute(k, v, fifo, true);
    if (attrs.FifoTopic === 'false') delete attrs.FifoTopic;
    checkTags(tags);
    const rec: TopicRecord = { arn: topicArn(this.d.scope, name), name, createdMs: Date.now(), attributes: attrs, tags };
    const r = await this.d.store.createTopic(rec);
    this.policies.forget(rec.arn);
    if (!r.created) {
      // AWS: the same name returns the same topic, unless the request asks for other attributes or tags.
      for (const [k, v] of Object.entries(attrs)) {
        if ((r.topic.attributes[k] ?? '') !== v) throw invalid('Invalid parameter: Attributes Reason: Topic already exists with different attributes');
      }
      if (fifo !== (r.topic.attributes.FifoTopic === 'true')) throw invalid('Invalid parameter: Attributes Reason: Topic already exists with different attributes');
      for (const [k, v] of Object.entries(tags)) {
        if (r.topic.tags[k] !== v) throw invalid('Invalid parameter: Tags Reason: Topic already exists with different tags');
      }
    }
    return r.topic;
  }

  /** Idempotent, as AWS's DeleteTopic: deleting a topic that does not exist succeeds. */
  async deleteTopic(arn: string): Promise<void> {
    await this.d.store.deleteTopic(this.checkTopicArn(arn));
    this.policies.forget(arn);
  }

  async listTopics(nextToken: string | undefined): Promise<{ arns: string[]; nextToken?: string }> {
    const rows = await this.d.store.listTopics({ afterArn: decodeToken(nextToken), limit: listPageMax + 1 });
    const page = rows.slice(0, listPageMax);
    return { arns: page.map((t) => t.arn), nextToken: rows.length > listPageMax ? encodeToken(page[page.length - 1]!.arn) : undefined };
  }

  /** GetTopicAttributes: what AWS returns for a topic, with the attributes set on it. */
  async topicAttributes(arn: string): Promise<Record<string, string>> {
    const t = await this.topic(arn);
    const counts = await this.d.store.subscriptionCounts(t.arn);
    const out: Record<string, string> = {
      TopicArn: t.arn,
      Owner: this.d.scope.accountId,
      Policy: JSON.stringify(defaultTopicPolicy(t.arn, this.d.scope.accountId)),
      DisplayName: '',
      SubscriptionsConfirmed: String(counts.confirmed),
      SubscriptionsPending: String(counts.pending),
      SubscriptionsDeleted: '0',
      EffectiveDeliveryPolicy: JSON.stringify(effectiveTopicDeliveryPolicy(t.attributes)),
      ...t.attributes,
    };
    if (t.attributes.FifoTopic === 'true') out.ContentBasedDeduplication = t.attributes.ContentBasedDeduplication ?? 'false';
    return out;
  }

  async setTopicAttribute(arn: string, name: string, value: string | undefined): Promise<void> {
    const t = await this.topic(arn);
    const v = checkTopicAttribute(name, value ?? '', t.attributes.FifoTopic === 'true', false);
    const found = await this.d.store.setTopicAttribute(t.arn, name, v === '' && name !== 'DisplayName' ? null : v);
    if (name === 'Policy') this.policies.forget(t.arn);
    if (!found) throw topicNotFound();
  }

  /**
   * AddPermission: a labelled statement for the accounts and actions added
   * to the topic's policy (its default one while none is set), in one store
   * transaction.
   */
  async addPermission(arn: string, p: TopicPermissionInput): Promise<void> {
    const t = await this.topic(arn);
    checkTopicPermission(p);
    const base = JSON.stringify(defaultTopicPolicy(t.arn, this.d.scope.accountId));
    const found = await this.d.store.editTopicAttribute(t.arn, 'Policy', (cur) => withTopicPermission(cur ?? base, t.arn, p));
    this.policies.forget(t.arn);
    if (!found) throw topicNotFound();
  }

  /** RemovePermission: the statement of that label leaves the topic's policy. */
  async removePermission(arn: string, label: string): Promise<void> {
    const t = await this.topic(arn);
    if (label === '') throw invalid('Invalid parameter: Label');
    const base = JSON.stringify(defaultTopicPolicy(t.arn, this.d.scope.accountId));
    const found = await this.d.store.editTopicAttribute(t.arn, 'Policy', (cur) => {
      const next = withoutTopicPermission(cur ?? base, label);
      return cur === undefined && next === base ? null : next;
    });
    this.policies.forget(t.arn);
    if (!found) throw topicNotFound();
  }

  // ---- tags

  private resourceTopic(arn: string): string {
    const a = parseArn(arn);
    if (!a || a.service !== 'sns') throw invalid('Invalid parameter: ResourceArn');
    return arn;
  }

  async tag(arn: string, tags: Record<string, string>): Promise<void> {
    checkTags(tags);
    const r = await this.d.store.changeTopicTags(this.resourceTopic(arn), { set: tags }, tagsPerTopicMax);
    if (r.kind === 'no-topic') throw new TopicsError('ResourceNotFound', 'Resource does not exist');
    if (r.kind === 'too-many') throw new TopicsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const r = await this.d.store.changeTopicTags(this.resourceTopic(arn), { remove: keys }, tagsPerTopicMax);
    if (r.kind === 'no-topic') throw new TopicsError('ResourceNotFound', 'Resource does not exist');
  }

  async tags(arn: string): Promise<Record<string, string>> {
    const t = await this.d.store.getTopic(this.resourceTopic(arn));
    if (!t) throw new TopicsError('ResourceNotFound', 'Resource does not exist');
    return t.tags;
  }

  // ---- subscriptions

  /** Subscribe: the subscription (new or the existing one for this endpoint). */
  /** `subscriber`: the account of the caller (the topic's own when omitted); it owns the subscription, as SNS's Owner shows. */
  async subscribe(topicArnIn: string, protocol: string, endpoint: string | undefined, attributes: Record<string, string>, subscriber?: string): Promise<SubscriptionRecord> {
    const t = await this.topic(topicArnIn);
    const p = protocol.toLowerCase();
    if (!(protocols as readonly string[]).includes(p)) {
      throw invalid(`Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`);
    }
    const proto = p as SubscriptionProtocol;
    if (endpoint === undefined || endpoint === '') throw invalid('Invalid parameter: Endpoint');
    checkEndpoint(proto, endpoint, (arn) => this.d.canDeliver(arn));
    if (t.attributes.FifoTopic === 'true' && proto !== 'sqs') {
      throw invalid('Invalid parameter: Endpoint Reason: FIFO SNS Topics currently only support Amazon SQS FIFO queues as endpoints');
    }
    const attrs = this.checkSubscriptionAttributes(proto, attributes);
    const http = proto === 'http' || proto === 'https';
    const rec: SubscriptionRecord = {
      arn: `${t.arn}:${randomUUID()}`,
      topicArn: t.arn,
      protocol: proto,
      endpoint,
      owner: subscriber ?? this.d.scope.accountId,
      // Queues and functions of this account need no confirmation (AWS: same-account SQS and Lambda are confirmed at once).
      confirmed: !http,
      token: http ? randomBytes(64).toString('hex') : null,
      attributes: attrs,
      createdMs: Date.now(),
    };
    const confirmation = http
      ? {
        messageId: randomUUID(), topicArn: t.arn, message: '', structure: undefined, subject: undefined, attributes: {},
        timestampMs: rec.createdMs, groupId: undefined, dedupId: undefined, sequenceNumber: undefined,
      }
      : undefined;
    const r = await this.d.store.createSubscription(rec, confirmation);
    if (r.kind === 'no-topic') throw topicNotFound();
    if (r.kind === 'exists') {
      for (const [k, v] of Object.entries(attrs)) {
        if ((r.subscription.attributes[k] ?? '') !== v) throw invalid('Invalid parameter: Attributes Reason: Subscription already exists with different attributes');
      }
    }
    if (r.kind === 'created' && http) this.d.wake();
    return r.subscription;
  }

  private checkSubscriptionAttributes(protocol: string, attributes: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    const scope = attributes.FilterPolicyScope;
    for (const [k, v] of Object.entries(attributes)) {
      out[k] = checkSubscriptionAttribute(k, v, { protocol, scope, dlqOk: (arn) => this.d.canDeliver(arn) });
    }
    return out;
  }

  async subscription(arn: string | undefined): Promise<SubscriptionRecord> {
    const a = arn === undefined ? undefined : parseArn(arn);
    if (!a || a.service !== 'sns' || a.resource.split(':').length !== 2) throw invalid('Invalid parameter: SubscriptionArn');
    const s = await this.d.store.getSubscription(arn!);
    if (!s) throw subscriptionNotFound();
    return s;
  }

  async unsubscribe(arn: string): Promise<void> {
    await this.subscription(arn);
    if (!(await this.d.store.deleteSubscription(arn))) throw subscriptionNotFound();
  }

  async listSubscriptions(nextToken: string | undefined, topic?: string): Promise<{ subscriptions: SubscriptionRecord[]; nextToken?: string }> {
    if (topic !== undefined) await this.topic(topic);
    const rows = await this.d.store.listSubscriptions({ topicArn: topic, afterArn: decodeToken(nextToken), limit: listPageMax + 1 });
    const page = rows.slice(0, listPageMax);
    return { subscriptions: page, nextToken: rows.length > listPageMax ? encodeToken(page[page.length - 1]!.arn) : undefined };
  }

  async subscriptionAttributes(arn: string): Promise<Record<string, string>> {
    const s = await this.subscription(arn);
    const out: Record<string, string> = {
      SubscriptionArn: s.arn,
      TopicArn: s.topicArn,
      Owner: s.owner,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      ConfirmationWasAuthenticated: String(s.confirmed),
      PendingConfirmation: String(!s.confirmed),
      RawMessageDelivery: 'false',
      SubscriptionPrincipal: `arn:aws:iam::${s.owner}:root`,
      ...s.attributes,
    };
    if (out.FilterPolicy) out.FilterPolicyScope ??= 'MessageAttributes';
    if (s.protocol === 'http' || s.protocol === 'https') {
      const t = await this.d.store.getTopic(s.topicArn);
      out.EffectiveDeliveryPolicy = JSON.stringify({ healthyRetryPolicy: effectiveRetryPolicy(t?.attributes ?? {}, s.attributes) });
    }
    return out;
  }

  async setSubscriptionAttribute(arn: string, name: string, value: string | undefined): Promise<void> {
    const s = await this.subscription(arn);
    const scope = name === 'FilterPolicyScope' ? value : s.attributes.FilterPolicyScope;
    const v = checkSubscriptionAttribute(name, value ?? '', { protocol: s.protocol, scope, dlqOk: (a) => this.d.canDeliver(a) });
    // A new scope must fit the policy already set.
    if (name === 'FilterPolicyScope' && s.attributes.FilterPolicy) {
      checkSubscriptionAttribute('FilterPolicy', s.attributes.FilterPolicy, { protocol: s.protocol, scope: v, dlqOk: () => true });
    }
    if (!(await this.d.store.setSubscriptionAttribute(s.arn, name, v === '' ? null : v))) throw subscriptionNotFound();
  }

  async confirmSubscription(topic: string, token: string | undefined): Promise<SubscriptionRecord> {
    const t = await this.topic(topic);
    if (!token) throw invalid('Invalid parameter: Token');
    const s = await this.d.store.confirmSubscription(t.arn, token);
    if (!s) throw invalid('Invalid token');
    return s;
  }
}

function checkEndpoint(protocol: SubscriptionProtocol, endpoint: string, canDeliver: (arn: string) => boolean): void {
  switch (protocol) {
    case 'sqs':
      if (!/^arn:[^:]+:sqs:[^:]+:[0-9]{12}:[A-Za-z0-9_.-]+$/.test(endpoint)) throw invalid('Invalid parameter: SQS endpoint ARN');
      break;
    case 'lambda':
      if (!/^arn:[^:]+:lambda:[^:]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/.test(endpoint)) throw invalid('Invalid parameter: Lambda endpoint ARN');
      break;
    case 'http':
    case 'https': {
      let u: URL | undefined;
      try {
        u = new URL(endpoint);
      } catch {
        u = undefined;
      }
      if (!u || u.protocol !== `${protocol}:`) throw invalid(`Invalid parameter: Endpoint must match the specified protocol`);
      return;
    }
  }
  if (!canDeliver(endpoint)) throw invalid(`Invalid parameter: Endpoint Reason: Kumo cannot deliver to ${endpoint} (no ${protocol} service on this server)`);
}

function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > tagsPerTopicMax) throw new TopicsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > tagKeyCharsMax || k.startsWith('aws:')) throw invalid('Invalid parameter: Tags Reason: Tag key is invalid');
    if (v.length > tagValueCharsMax) throw invalid('Invalid parameter: Tags Reason: Tag value is invalid');
  }
}

function effectiveTopicDeliveryPolicy(attrs: Record<string, string>): unknown {
  const retry = effectiveRetryPolicy(attrs, {});
  return { http: { defaultHealthyRetryPolicy: retry, disableSubscriptionOverrides: false } };
}
