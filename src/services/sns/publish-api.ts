import type { Operation } from '../../gateway/service';
import type { BatchEntry, Publisher } from '../../topics/publisher';
import { list, messageAttributes, required, str } from './decode';
import { codeOfKind, snsError } from './errors';

/** Publish and PublishBatch. */
export function publishOperations(publisher: Publisher): Record<string, Operation> {
  return {
    Publish: {
      handle: async (input) => {
        const r = await publisher.publish({
          topicArn: str(input, 'TopicArn'), targetArn: str(input, 'TargetArn'), phoneNumber: str(input, 'PhoneNumber'),
          message: str(input, 'Message'), subject: str(input, 'Subject'), messageStructure: str(input, 'MessageStructure'),
          attributes: messageAttributes(input.MessageAttributes), groupId: str(input, 'MessageGroupId'), dedupId: str(input, 'MessageDeduplicationId'),
        });
        return { MessageId: r.messageId, SequenceNumber: r.sequenceNumber };
      },
    },
    PublishBatch: {
      handle: async (input) => {
        const entries = list(input, 'PublishBatchRequestEntries').map((e) => {
          if (typeof e !== 'object' || e === null) throw snsError('InvalidParameter', 'Invalid parameter: PublishBatchRequestEntries');
          const o = e as Record<string, unknown>;
          return { ...o, MessageAttributes: messageAttributes(o.MessageAttributes) } as BatchEntry;
        });
        const r = await publisher.publishBatch(required(input, 'TopicArn'), entries);
        // Each failed entry carries the SNS code of its error, as a whole request would.
        return { Successful: r.successful, Failed: r.failed.map((f) => ({ Id: f.Id, Code: codeOfKind[f.kind], Message: f.Message, SenderFault: f.SenderFault })) };
      },
    },
  };
}
