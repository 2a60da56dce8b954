import type { Operation } from '../../gateway/service';
import { int, reqStr, str, strList, strMap } from './decode';
import { op, queueNameOf, queueUrl, type SqsDeps } from './operation';

/** Queue operations: create, look up, list, delete, attributes, tags, dead-letter sources, purge. */
export function queueOperations(d: SqsDeps): Record<string, Operation> {
  const name = (m: Record<string, unknown>) => queueNameOf(str(m, 'QueueUrl'), d.accountId);
  return {
    CreateQueue: op('CreateQueue', async (m, ctx) => {
      const q = await d.queues.createQueue(reqStr(m, 'QueueName'), strMap(m, 'Attributes'), strMap(m, 'tags'));
      return { QueueUrl: queueUrl(ctx, d.accountId, q.name) };
    }),
    GetQueueUrl: op('GetQueueUrl', async (m, ctx) => {
      const n = await d.queues.getQueueUrlName(reqStr(m, 'QueueName'), str(m, 'QueueOwnerAWSAccountId'));
      return { QueueUrl: queueUrl(ctx, d.accountId, n) };
    }),
    ListQueues: op('ListQueues', async (m, ctx) => {
      const r = await d.queues.listQueues(str(m, 'QueueNamePrefix'), int(m, 'MaxResults'), str(m, 'NextToken'));
      // AWS leaves QueueUrls out when there is none.
      return { QueueUrls: r.names.length ? r.names.map((n) => queueUrl(ctx, d.accountId, n)) : undefined, NextToken: r.nextToken };
    }),
    DeleteQueue: op('DeleteQueue', async (m) => {
      await d.queues.deleteQueue(name(m));
      return undefined;
    }),
    GetQueueAttributes: op('GetQueueAttributes', async (m) => {
      const a = await d.queues.getAttributes(name(m), strList(m, 'AttributeNames') ?? []);
      return { Attributes: Object.keys(a).length ? a : undefined };
    }),
    SetQueueAttributes: op('SetQueueAttributes', async (m) => {
      await d.queues.setAttributes(name(m), strMap(m, 'Attributes'));
      return undefined;
    }),
    TagQueue: op('TagQueue', async (m) => {
      await d.queues.tagQueue(name(m), strMap(m, 'Tags'));
      return undefined;
    }),
    UntagQueue: op('UntagQueue', async (m) => {
      await d.queues.untagQueue(name(m), strList(m, 'TagKeys') ?? []);
      return undefined;
    }),
    ListQueueTags: op('ListQueueTags', async (m) => {
      const t = await d.queues.listTags(name(m));
      return { Tags: Object.keys(t).length ? t : undefined };
    }),
    ListDeadLetterSourceQueues: op('ListDeadLetterSourceQueues', async (m, ctx) => {
      const r = await d.queues.deadLetterSources(name(m), int(m, 'MaxResults'), str(m, 'NextToken'));
      return { queueUrls: r.names.map((n) => queueUrl(ctx, d.accountId, n)), NextToken: r.nextToken };
    }),
    // Permissions are statements of the queue's Policy (queues/permissions.ts), which the authorizer enforces.
    AddPermission: op('AddPermission', async (m) => {
      await d.queues.addPermission(name(m), { label: reqStr(m, 'Label'), accounts: strList(m, 'AWSAccountIds'), actions: strList(m, 'Actions') });
      return undefined;
    }),
    RemovePermission: op('RemovePermission', async (m) => {
      await d.queues.removePermission(name(m), reqStr(m, 'Label'));
      return undefined;
    }),
    PurgeQueue: op('PurgeQueue', async (m) => {
      await d.queues.purge(name(m));
      return undefined;
    }),
  };
}
