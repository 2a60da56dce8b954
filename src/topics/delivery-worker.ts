import { randomUUID } from 'node:crypto';
import type { Deliveries, MessageAttributeValue } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import type { TopicStore } from '../store/topics';
import { effectiveRetryPolicy } from './attributes';
import { confirmation, lambdaEvent, messageFor, notification, type EnvelopeContext } from './envelope';
import { deliveriesInFlightMax, deliveryLeaseBatchMax, deliveryLeaseMs, deliveryPollMs, httpDeliveryTimeoutMs } from './limits';
import type { PublishedMessage, SubscriptionRecord, TopicDelivery, TopicRecord } from './records';
import { managedRetryDelayMs, retryDelayMs } from './retry';
import type { MessageSigner } from './signer';

/**
 * Delivers the outbox (`TopicStore` deliveries): each (message,
 * subscription) at least once. A poll leases due deliveries (a lease of
 * `deliveryLeaseMs` on the store's clock, so a crashed server's deliveries
 * come back by themselves, and on PostgreSQL no two hosts hold one), sends
 * each, then deletes it or schedules a retry by the subscription's policy
 * (http/https: the delivery policy; sqs/lambda: AWS's fixed managed
 * policy). A delivery that fails for good (a client error, or no retry
 * left) goes to the subscription's dead-letter queue when it has a
 * RedrivePolicy, else it is dropped with a line in the server log.
 *
 *   1. lease  2. load the subscription and topic (gone: finish)
 *   3. shape the message for the protocol  4. send
 *   5. finish, or retry later, or dead-letter
 */

/** An outbound HTTP POST (implemented above the domain: src/services/sns/http-endpoint.ts). */
export interface EndpointPoster {
  /** Resolves with the status; rejects on a network error or timeout. */
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number>;
}

/** A failure that retrying cannot fix (AWS: client-side errors are not retried). */
class PermanentFailure extends Error {}

export interface DeliveryWorkerDeps {
  store: TopicStore;
  deliveries: Deliveries;
  poster: EndpointPoster;
  signer: MessageSigner;
  /** Kumo's base URL for SigningCertURL, SubscribeURL, UnsubscribeURL. */
  baseUrl(): string;
  log(line: string): void;
}

export class DeliveryWorker {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: DeliveryWorkerDeps) {}

  /** Before serving: a previous process's leases (SQLite: that process is dead) are due again at once. */
  async recover(): Promise<void> {
    await this.d.store.releaseDeliveryLeases(this.owner);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Something was queued: poll now instead of at the next interval. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    let leased = 0;
    try {
      do {
        this.again = false;
        const room = deliveriesInFlightMax - this.inFlight.size;
        if (room <= 0) break;
        const batch = await this.d.store.leaseDeliveries(this.owner, Math.min(room, deliveryLeaseBatchMax), deliveryLeaseMs);
        leased = batch.length;
        for (const del of batch) {
          const p = this.deliver(del).finally(() => {
            this.inFlight.delete(p);
            this.wake();
          });
          this.inFlight.add(p);
        }
      } while ((this.again || leased === deliveryLeaseBatchMax) && !this.stopped);
    } catch (e) {
      this.d.log(`kumo: sns delivery poll failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule(this.again ? 0 : deliveryPollMs);
    }
  }

  private async deliver(del: TopicDelivery): Promise<void> {
    try {
      const sub = await this.d.store.getSubscription(del.subscriptionArn);
      const topic = sub && (await this.d.store.getTopic(sub.topicArn));
      if (!sub || !topic) return await this.d.store.finishDelivery(del.id);
      const ctx: EnvelopeContext = {
        signer: this.d.signer, baseUrl: this.d.baseUrl(), signatureVersion: topic.attributes.SignatureVersion === '2' ? '2' : '1',
      };
      try {
        await this.send(del, sub, ctx);
        await this.d.store.finishDelivery(del.id);
      } catch (e) {
        await this.failed(del, sub, topic, ctx, e);
      }
    } catch (e) {
      // The store failed: the lease runs out and the delivery is tried again then.
      this.d.log(`kumo: sns delivery ${del.id} could not be recorded: ${(e as Error).message}`);
    }
  }

  private async send(del: TopicDelivery, sub: SubscriptionRecord, ctx: EnvelopeContext): Promise<void> {
    const msg = del.message;
    const raw = sub.attributes.RawMessageDelivery === 'true';
    switch (sub.protocol) {
      case 'sqs':
        return this.toSink(sub, raw
          ? { body: messageFor(msg, 'sqs'), attributes: sinkAttributes(msg), groupId: msg.groupId, dedupId: msg.dedupId }
          : { body: JSON.stringify(notification(msg, sub, ctx)), groupId: msg.groupId, dedupId: msg.dedupId });
      case 'lambda':
        return this.toSink(sub, { body: JSON.stringify(lambdaEvent(msg, sub, ctx)) });
      case 'http':
      case 'https': {
        const type = del.kind === 'confirmation' ? 'SubscriptionConfirmation' : 'Notification';
        const headers: Record<string, string> = {
          'content-type': 'text/plain; charset=UTF-8',
          'user-agent': 'Amazon Simple Notification Service Agent',
          'x-amz-sns-message-type': type,
          'x-amz-sns-message-id': msg.messageId,
          'x-amz-sns-topic-arn': sub.topicArn,
        };
        if (del.kind === 'notification') headers['x-amz-sns-subscription-arn'] = sub.arn;
        let body: string;
        if (del.kind === 'confirmation') body = JSON.stringify(confirmation(msg, sub, ctx));
        else if (raw) {
          body = messageFor(msg, sub.protocol);
          headers['x-amz-sns-rawdelivery'] = 'true';
        } else body = JSON.stringify(notification(msg, sub, ctx));
        const status = await this.d.poster.post(sub.endpoint, headers, body, httpDeliveryTimeoutMs);
        if (status >= 200 && status < 300) return;
        // AWS retries server errors and throttling; any other answer is the endpoint refusing the message.
        if (status >= 500 || status === 429) throw new Error(`the endpoint answered ${status}`);
        throw new PermanentFailure(`the endpoint answered ${status}`);
      }
    }
  }

  private async toSink(sub: SubscriptionRecord, msg: Parameters<Deliveries['send']>[1]): Promise<void> {
    try {
      // A queue or function of another account takes it when its resource policy allows sns.amazonaws.com (or this account) for the topic.
      await this.d.deliveries.send(sub.endpoint, msg, { service: 'sns.amazonaws.com', sourceArn: sub.topicArn });
    } catch (e) {
      // The target does not exist or refuses the message (its policy included): a client-side error, which AWS does not retry.
      if (e instanceof DomainError && (e.kind === 'NotFound' || e.kind === 'InvalidParameter' || e.kind === 'PayloadTooLarge' || e.kind === 'AccessDenied')) {
        throw new PermanentFailure(e.message);
      }
      throw e;
    }
  }

  private async failed(del: TopicDelivery, sub: SubscriptionRecord, topic: TopicRecord, ctx: EnvelopeContext, e: unknown): Promise<void> {
    const retry = del.attempts + 1;
    const http = sub.protocol === 'http' || sub.protocol === 'https';
    const delay = e instanceof PermanentFailure ? undefined
      : http ? retryDelayMs(effectiveRetryPolicy(topic.attributes, sub.attributes), retry) : managedRetryDelayMs(retry);
    if (delay !== undefined) return this.d.store.retryDelivery(del.id, retry, delay);
    const why = (e as Error).message;
    const dlq = del.kind === 'notification' ? deadLetterArn(sub) : undefined;
    if (dlq) {
      try {
        await this.d.deliveries.send(dlq, { body: JSON.stringify(notification(del.message, sub, ctx)), attributes: sinkAttributes(del.message) }, { service: 'sns.amazonaws.com', sourceArn: sub.topicArn });
        this.d.log(`kumo: sns message ${del.message.messageId} for ${sub.arn} moved to ${dlq} after ${retry} attempt(s): ${why}`);
      } catch (d) {
        if (!(d instanceof DomainError)) return this.d.store.retryDelivery(del.id, del.attempts, managedRetryDelayMs(1) ?? 0);
        this.d.log(`kumo: sns message ${del.message.messageId} for ${sub.arn} dropped: ${why}; its dead-letter queue ${dlq} refused it: ${d.message}`);
      }
    } else {
      this.d.log(`kumo: sns ${del.kind} ${del.message.messageId} for ${sub.arn} dropped after ${retry} attempt(s): ${why}`);
    }
    await this.d.store.finishDelivery(del.id);
  }
}

function deadLetterArn(sub: SubscriptionRecord): string | undefined {
  if (!sub.attributes.RedrivePolicy) return undefined;
  try {
    const arn = (JSON.parse(sub.attributes.RedrivePolicy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof arn === 'string' ? arn : undefined;
  } catch {
    return undefined;
  }
}

/** Message attributes as a queue keeps them (binary values as bytes). */
function sinkAttributes(msg: PublishedMessage): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, a] of Object.entries(msg.attributes)) {
    out[k] = a.BinaryValue !== undefined
      ? { DataType: a.DataType, BinaryValue: Buffer.from(a.BinaryValue, 'base64') }
      : { DataType: a.DataType, StringValue: a.StringValue };
  }
  return Object.keys(out).length ? out : undefined;
}
