import type { Members, OperationContext } from '../../gateway/service';
import { arn, iamOf, one, str, type ResourcesOf } from '../iam-table';

/** The account a queue URL (`http(s)://<host>/<account>/<name>`) or its path names. */
const accountOfUrl = (url: string | undefined): string | undefined =>
  url === undefined ? undefined : /^(?:https?:\/\/[^/]+)?\/(\d{12})\/[^/?#]+\/?$/.exec(url)?.[1];

/**
 * Several accounts (issue 18): the account whose queue a call names — its
 * QueueUrl, or the queue URL's path a query client POSTed to, or
 * GetQueueUrl's QueueOwnerAWSAccountId. A call naming a queue by name only
 * (CreateQueue, GetQueueUrl without an owner) or none (ListQueues) is the signer's.
 */
export function sqsOwnerAccount(operation: string, m: Members, ctx: OperationContext): string | undefined {
  const named = accountOfUrl(str(m, 'QueueUrl')) ?? (ctx.path !== '/' ? accountOfUrl(ctx.path) : undefined);
  if (named !== undefined) return named;
  return operation === 'GetQueueUrl' ? str(m, 'QueueOwnerAWSAccountId') : undefined;
}

/** `http(s)://<host>/<account>/<name>` or its path → the queue's ARN. */
function queueArnOfUrl(url: string | undefined, ctx: Parameters<ResourcesOf>[1]): string | undefined {
  const m = url === undefined ? undefined : /^(?:https?:\/\/[^/]+)?\/(\d{12})\/([^/?#]+)\/?$/.exec(url);
  if (!m) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(m[2]!);
  } catch {
    return undefined;
  }
  return arn('sqs', ctx, name, m[1]);
}

/** The queue a call names: its QueueUrl, or (query clients) the queue URL's path it was POSTed to. */
const queue: ResourcesOf = (m, ctx) => one(queueArnOfUrl(str(m, 'QueueUrl') ?? (ctx.path !== '/' ? ctx.path : undefined), ctx));
const byName: ResourcesOf = (m, ctx) => one(str(m, 'QueueName') && arn('sqs', ctx, str(m, 'QueueName')!, str(m, 'QueueOwnerAWSAccountId')));
/** A move task's source queue: its SourceArn, or the one its TaskHandle carries (base64 JSON `{taskId, sourceArn}`). */
const moveSource: ResourcesOf = (m) => {
  const src = str(m, 'SourceArn');
  if (src) return [src];
  try {
    const h = JSON.parse(Buffer.from(str(m, 'TaskHandle') ?? '', 'base64').toString('utf8')) as { sourceArn?: unknown };
    return one(typeof h.sourceArn === 'string' ? h.sourceArn : undefined);
  } catch {
    return ['*'];
  }
};

/**
 * SQS's operations as IAM authorises them: the batch operations are their
 * single forms (`sqs:SendMessage` for SendMessageBatch), every queue
 * operation names the queue's ARN, ListQueues names none. SQS's refusal is
 * `AccessDenied` (403; the JSON protocol carries it as the query code too),
 * and its message spells the action in lower case (`sqs:sendmessage`), as
 * SQS's answers do.
 */
export const sqsIam = iamOf({
  prefix: 'sqs',
  accessDenied: { name: 'AccessDenied', spec: { status: 403, fault: 'client', messageKey: 'message', queryCode: 'AccessDenied' } },
  messageAction: (a) => a.toLowerCase(),
  actions: { SendMessageBatch: 'SendMessage', DeleteMessageBatch: 'DeleteMessage', ChangeMessageVisibilityBatch: 'ChangeMessageVisibility' },
  resources: {
    CreateQueue: byName,
    GetQueueUrl: byName,
    ListQueues: '*',
    DeleteQueue: queue,
    GetQueueAttributes: queue,
    SetQueueAttributes: queue,
    TagQueue: queue,
    UntagQueue: queue,
    ListQueueTags: queue,
    ListDeadLetterSourceQueues: queue,
    AddPermission: queue,
    RemovePermission: queue,
    PurgeQueue: queue,
    SendMessage: queue,
    SendMessageBatch: queue,
    ReceiveMessage: queue,
    DeleteMessage: queue,
    DeleteMessageBatch: queue,
    ChangeMessageVisibility: queue,
    ChangeMessageVisibilityBatch: queue,
    StartMessageMoveTask: moveSource,
    CancelMessageMoveTask: moveSource,
    ListMessageMoveTasks: moveSource,
  },
});
