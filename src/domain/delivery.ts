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

export class Deliveries {
  private readonly sinks = new Map<string, MessageSink>();

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

  send(arn: string, msg: OutboundMessage): Promise<void> {
    const a = parseArn(arn);
    const sink = a && this.sinks.get(a.service);
    if (!sink) return Promise.reject(new DomainError('InvalidParameter', `Kumo cannot deliver to ${arn}`));
    return sink.send(arn, msg);
  }
}
