import type { MessageSink, OutboundMessage } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import type { QueueSource, QueueSourceInfo, SourceMessage } from '../domain/queue-source';
import { QueueError } from './errors';
import type { QueueService } from './queue-service';

/**
 * The queue service as other domains see it, by queue ARN: the `QueueSource`
 * Lambda's event source mappings poll, and the `sqs` MessageSink of
 * `Deliveries`. Queue errors become DomainErrors (a missing queue:
 * `NotFound`; anything the queue refuses: `InvalidParameter` with SQS's message).
 */
export class QueueSourceAdapter implements QueueSource, MessageSink {
  constructor(private readonly queues: QueueService) {}

  private name(arn: string): string {
    const name = this.queues.nameOfArn(arn);
    if (name === undefined) throw new DomainError('NotFound', `The queue ${arn} does not exist.`);
    return name;
  }

  private async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof QueueError) throw new DomainError(e.kind === 'QueueNotFound' ? 'NotFound' : 'InvalidParameter', e.message);
      throw e;
    }
  }

  describe(arn: string): Promise<QueueSourceInfo> {
    return this.run(async () => {
      const a = await this.queues.getAttributes(this.name(arn), ['VisibilityTimeout', 'FifoQueue', 'ApproximateNumberOfMessages']);
      return { arn, visibilityTimeoutS: Number(a.VisibilityTimeout), fifo: a.FifoQueue === 'true', approximateVisible: Number(a.ApproximateNumberOfMessages) };
    });
  }

  receive(arn: string, opts: { max: number; waitMs: number; signal?: AbortSignal }): Promise<SourceMessage[]> {
    return this.run(async () => {
      const got = await this.queues.receiveMessages(this.name(arn), {
        max: opts.max, waitS: Math.ceil(opts.waitMs / 1000), systemAttributes: ['All'], messageAttributes: ['All'], signal: opts.signal,
      });
      return got.map((m) => ({
        messageId: m.messageId, receiptHandle: m.receiptHandle, body: m.body, md5OfBody: m.md5OfBody,
        md5OfMessageAttributes: m.md5OfAttributes, attributes: m.attributes, messageAttributes: m.messageAttributes,
      }));
    });
  }

  deleteMessages(arn: string, receiptHandles: string[]): Promise<void> {
    return this.run(async () => {
      await this.queues.deleteEntries(this.name(arn), receiptHandles.map((h, i) => ({ id: String(i), receiptHandle: h })));
    });
  }

  changeVisibility(arn: string, receiptHandle: string, visibilityTimeoutS: number): Promise<void> {
    return this.run(async () => {
      const [r] = await this.queues.changeVisibilityEntries(this.name(arn), [{ id: '0', receiptHandle, visibilityS: visibilityTimeoutS }]);
      if (r && 'error' in r) throw r.error;
    });
  }

  /** `Deliveries`' sqs sink: a SendMessage to the queue the ARN names, durable once this resolves. */
  send(arn: string, msg: OutboundMessage): Promise<void> {
    return this.run(async () => {
      const [r] = await this.queues.sendMessages(
        this.name(arn),
        [{ id: '0', body: msg.body, attributes: msg.attributes, groupId: msg.groupId, dedupId: msg.dedupId }],
        this.queues.senderOfServices,
      );
      if (r && 'error' in r) throw r.error;
    });
  }
}
