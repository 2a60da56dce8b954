import type { Members, Operation, OperationContext } from '../../gateway/service';
import { str } from './decode';
import { kinesisError } from './errors';
import type { KinesisDeps } from './operation';

/**
 * AWS: "the calling identity must … belong to the owner's account in order
 * to use this operation": another account's caller never manages a stream's
 * policy, whatever the policy says (403 AccessDeniedException).
 */
function ownAccountOnly(d: KinesisDeps, op: string, m: Members, ctx: OperationContext): void {
  const p = ctx.principal;
  if (p && p.accountId !== d.streams.accountId) {
    throw kinesisError('AccessDeniedException',
      `User: ${p.arn} is not authorized to perform: kinesis:${op} on resource: ${str(m, 'ResourceARN')} because only the resource's own account manages its resource policy`);
  }
}

/** PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy (src/streams/stream-policies.ts). StreamId is "Not Implemented. Reserved for future use." in the model. */
export function policyOperations(d: KinesisDeps): Record<string, Operation> {
  return {
    PutResourcePolicy: {
      async handle(m, ctx) {
        ownAccountOnly(d, 'PutResourcePolicy', m, ctx);
        await d.streamPolicies.put(str(m, 'ResourceARN'), str(m, 'Policy'));
      },
    },
    GetResourcePolicy: {
      async handle(m, ctx) {
        ownAccountOnly(d, 'GetResourcePolicy', m, ctx);
        return { Policy: await d.streamPolicies.get(str(m, 'ResourceARN')) };
      },
    },
    DeleteResourcePolicy: {
      async handle(m, ctx) {
        ownAccountOnly(d, 'DeleteResourcePolicy', m, ctx);
        await d.streamPolicies.delete(str(m, 'ResourceARN'));
      },
    },
  };
}
