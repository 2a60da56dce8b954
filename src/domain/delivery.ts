import { DomainError } from './errors';
import { parseArn } from './arn';

/**
 * Messages one service hands to another inside Kumo: SNS fan-out to a queue
 * or a function, Lambda's dead-letter queues and async destinations (a queue,
 * a topic or a function). Each service that can receive registers a
 * `MessageSink` for its ARN service name (`sqs`, `sns`, `lambda`) with the
 * one `Deliveries` the composition root builds; a sender names only the
 * target's ARN, so no domain folder imports another's internals.
 */

/** An SQS/SNS message attribute (`DataType` String, Number or Binary, optionally with a `.custom` suffix). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Buffer;
}

export interface OutboundMessage {
  /** The message body (an SNS message, a queue message body, or a function's event payload as JSON text). */
  body: string;
  /** Message attributes (queues and topics keep them; a function target ignores them). */
  attributes?: Record<string, MessageAttributeValue>;
  /** FIFO targets: the message group and deduplication ids. */
  groupId?: string;
  dedupId?: string;
  /** An EventBridge event forwarded to another account's bus: the buses it has passed (its loop limit). */
  hops?: number;
}

export interface MessageSink {
  /**
   * Delivers one message to the resource `arn` names and resolves once it is
   * durable there (a queue message stored, an async event queued). Throws
   * DomainError `NotFound` when the resource does not exist, and whatever
   * kind the target's own checks raise (a body over its size limit:
   * `InvalidParameter`).
   */
  send(arn: string, msg: OutboundMessage): Promise<void>;
}

/**
 * Who sends a message (several accounts, issue 18): what the target's
 * account checks before it takes a message from another account, as AWS's
 * resource policies do. `service`: the sending service's principal
 * (`sns.amazonaws.com`); `sourceArn`: the topic, rule, schedule, log group
 * or function the message comes from (`aws:SourceArn`); `as`: the role the
 * service acts as (a function's execution role for its destinations, a
 * target's RoleArn), whose own policies must allow the send as well.
 */
export interface DeliverySource {
  service: string;
  sourceArn: string;
  as?: { roleArn: string; sessionName: string };
}

/**
 * The check of a message from another account, by the target's account:
 * whether the target's resource policy (and, when the sender acts as a role,
 * that role's policies) allow it. Resolves to undefined when allowed, else
 * the reason.
 */
export type DeliveryGuard = (arn: string, from: DeliverySource, sourceAccount: string) => Promise<string | undefined>;

/** The IAM action a delivery to a target of each service is (what a resource policy must allow). */
export const deliveryActions: Readonly<Record<string, string>> = {
  sqs: 'sqs:SendMessage',
  sns: 'sns:Publish',
  lambda: 'lambda:InvokeFunction',
  events: 'events:PutEvents',
};

export class Deliveries {
  private readonly sinks = new Map<string, MessageSink>();

  /**
   * Several accounts: another account's Deliveries, by account id, and this
   * account's check of messages that come from another account. Unset on a
   * one-account server: an ARN of another account is then the local sink's
   * (which finds nothing).
   */
  peers: ((accountId: string) => Deliveries | undefined) | undefined;
  guard: DeliveryGuard | undefined;

  /** `accountId`: the account this Deliveries delivers in. */
  constructor(private readonly accountId?: string) {}

  /** `service`: the ARN's service field (`sqs`, `sns`, `lambda`). One sink per service. */
  register(service: string, sink: MessageSink): void {
    if (this.sinks.has(service)) throw new Error(`a message sink for ${service} is registered already`);
    this.sinks.set(service, sink);
  }

  /** Whether a target of this ARN's service can be delivered to (used to refuse unsupported targets up front). */
  accepts(arn: string): boolean {
    const a = parseArn(arn);
    return a !== undefined && this.sinks.has(a.service);
  }

  /**
   * Delivers to the resource `arn` names. A target in another account of
   * this server is that account's to accept: it is handed over with `from`,
   * and refused (DomainError AccessDenied) without one or when the target's
   * account does not allow it.
   */
  send(arn: string, msg: OutboundMessage, from?: DeliverySource): Promise<void> {
    const a = parseArn(arn);
    if (a && this.peers && a.account !== this.accountId) {
      const peer = this.peers(a.account);
      if (peer && peer !== this) return peer.receive(arn, msg, from, this.accountId!);
    }
    const sink = a && this.sinks.get(a.service);
    if (!sink) return Promise.reject(new DomainError('InvalidParameter', `Kumo cannot deliver to ${arn}`));
    return sink.send(arn, msg);
  }

  /** A message from another account's service: delivered when this account's guard allows it. */
  private async receive(arn: string, msg: OutboundMessage, from: DeliverySource | undefined, sourceAccount: string): Promise<void> {
    if (!from) throw new DomainError('AccessDenied', `A delivery from account ${sourceAccount} to ${arn} names no sender`);
    const refused = this.guard ? await this.guard(arn, from, sourceAccount) : `account ${this.accountId} accepts no delivery from another account`;
    if (refused !== undefined) throw new DomainError('AccessDenied', refused);
    const a = parseArn(arn)!;
    const sink = this.sinks.get(a.service);
    if (!sink) throw new DomainError('InvalidParameter', `Kumo cannot deliver to ${arn}`);
    return sink.send(arn, msg);
  }
}
