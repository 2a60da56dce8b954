import type { Members, Operation, OperationContext } from '../../gateway/service';
import type { QueueService } from '../../queues/queue-service';
import type { MoveTasks } from '../../queues/move-tasks';
import { normalise } from './decode';
import { sqsError } from './errors';
import { toQueryXml } from './xml';
import { QueryXml } from '../../gateway/protocols/query';

/** What SQS's operations need from the domain. */
export interface SqsDeps {
  queues: QueueService;
  moveTasks: MoveTasks;
  accountId: string;
}

/** An SQS operation: members normalised from either protocol, the answer shaped for the query protocol's XML when asked so. */
export function op(name: string, handle: (m: Members, ctx: OperationContext) => Promise<Members | void>, bodyBytesMax?: number): Operation {
  return {
    bodyBytesMax,
    async handle(input, ctx) {
      const out = await handle(normalise(input, ctx), ctx);
      if (ctx.protocol !== 'query' || !out) return out;
      // An operation with an output answers `<OpResult/>` even when it is empty (the CLI's parser needs the element).
      const xml = toQueryXml(name, out);
      return Object.keys(xml).length ? xml : { [`${name}Result`]: new QueryXml('', true) };
    },
  };
}

/** `http(s)://<host>/<account>/<name>` (any host: the client's view of this server) or its path → the queue name. */
export function queueNameOf(url: string | undefined, accountId: string): string {
  if (url === undefined) throw sqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
  const m = /^(?:https?:\/\/[^/]+)?\/([^/]+)\/([^/?#]+)\/?$/.exec(url);
  if (!m) throw sqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
  if (m[1] !== accountId) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  return decodeURIComponent(m[2]!);
}

export const queueUrl = (ctx: OperationContext, accountId: string, name: string) => `${ctx.baseUrl}/${accountId}/${name}`;
