// An SQS batch handler: each record's body is an order (JSON). Records that
// fail are returned in batchItemFailures so only they are retried.
export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event?.Records ?? []) {
    try {
      const order = JSON.parse(record.body);
      if (order === null || typeof order !== 'object' || order.id === undefined) throw new Error('the order has no id');
      console.log(`processed order ${order.id}`);
    } catch (e) {
      console.error(`message ${record.messageId} failed: ${e.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
