import { queueSourceContract } from '../../test/queue-source-contract';
import { FakeQueueSource } from '../../test/fakes/queue-source';

/**
 * The same QueueSource contract the real queue service passes
 * (src/queues/queue-source.contract.test.ts), run on the poller tests' fake,
 * so the fake cannot tell the pollers something SQS would not.
 */
queueSourceContract('the event-source fake (test/fakes/queue-source.ts)', async () => {
  const source = new FakeQueueSource();
  return {
    source,
    async createQueue(name, o) {
      return source.createQueue(name, {
        fifo: o.fifo, visibilityTimeoutS: o.visibilityS,
        ...(o.redrive ? { redrive: { deadLetterTargetArn: o.redrive.deadLetterArn, maxReceiveCount: o.redrive.maxReceiveCount } } : {}),
      });
    },
    async send(arn, body, o = {}) {
      source.send(arn, body, { groupId: o.groupId, dedupId: o.dedupId, messageAttributes: o.attributes });
    },
    async close() {},
  };
});
