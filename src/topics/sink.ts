import type { MessageAttributeValue, MessageSink } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import { parseArn } from '../domain/arn';
import { TopicsError } from './errors';
import type { Publisher } from './publisher';

/**
 * The `sns` sink of `Deliveries`: another service sending to a topic ARN
 * (Lambda's dead-letter queue or destination) is a Publish of the body with
 * its attributes (binary values base64, as Publish takes them) and FIFO ids.
 * Publish's own refusals become the domain's kinds for the sender: a missing
 * topic NotFound, anything else InvalidParameter.
 */
export function topicSink(publisher: Publisher): MessageSink {
  return {
    send: async (arn, msg) => {
      const a = parseArn(arn);
      if (!a || a.service !== 'sns') throw new DomainError('InvalidParameter', `${arn} is not a topic ARN`);
      try {
        await publisher.publish({
          topicArn: arn, message: msg.body, attributes: msg.attributes && publishAttributes(msg.attributes), groupId: msg.groupId, dedupId: msg.dedupId,
        });
      } catch (e) {
        if (e instanceof TopicsError) throw new DomainError(e.kind === 'NotFound' ? 'NotFound' : 'InvalidParameter', e.message);
        throw e;
      }
    },
  };
}

function publishAttributes(attrs: Record<string, MessageAttributeValue>): Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> {
  const out: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> = {};
  for (const [k, a] of Object.entries(attrs)) {
    out[k] = a.BinaryValue ? { DataType: a.DataType, BinaryValue: a.BinaryValue.toString('base64') } : { DataType: a.DataType, StringValue: a.StringValue };
  }
  return out;
}
