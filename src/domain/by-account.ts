import type { QueueSource } from './queue-source';
import type { StreamSource } from './stream-source';

/**
 * Several accounts (issue 18): Lambda's event source mappings may read a
 * queue or stream of another account on this server, as AWS's cross-account
 * mappings do (the function's role and the source's resource policy
 * allowing it: `RoleAccess` asks that account's authorizer). These route
 * each call by the account its ARN names to that account's source; an
 * account not on this server stays with the own source, which finds nothing.
 */
const accountIn = (arn: string): string | undefined => arn.split(':')[4];

export class QueueSourceByAccount implements QueueSource {
  constructor(private readonly own: QueueSource, private readonly ownAccount: string, private readonly peer: (accountId: string) => QueueSource | undefined) {}

  private of(arn: string): QueueSource {
    const a = accountIn(arn);
    return (a !== undefined && a !== this.ownAccount && this.peer(a)) || this.own;
  }

  describe(queueArn: string) {
    return this.of(queueArn).describe(queueArn);
  }
  receive(queueArn: string, opts: { max: number; waitMs: number; signal?: AbortSignal }) {
    return this.of(queueArn).receive(queueArn, opts);
  }
  deleteMessages(queueArn: string, receiptHandles: string[]) {
    return this.of(queueArn).deleteMessages(queueArn, receiptHandles);
  }
  changeVisibility(queueArn: string, receiptHandle: string, visibilityTimeoutS: number) {
    return this.of(queueArn).changeVisibility(queueArn, receiptHandle, visibilityTimeoutS);
  }
}

export class StreamSourceByAccount implements StreamSource {
  constructor(private readonly own: StreamSource, private readonly ownAccount: string, private readonly peer: (accountId: string) => StreamSource | undefined) {}

  private of(arn: string): StreamSource {
    const a = accountIn(arn);
    return (a !== undefined && a !== this.ownAccount && this.peer(a)) || this.own;
  }

  describe(streamArn: string) {
    return this.of(streamArn).describe(streamArn);
  }
  iterator(streamArn: string, shardId: string, from: Parameters<StreamSource['iterator']>[2]) {
    return this.of(streamArn).iterator(streamArn, shardId, from);
  }
  latest(streamArn: string, shardId: string) {
    return this.of(streamArn).latest(streamArn, shardId);
  }
  read(streamArn: string, iterator: string, limit: number) {
    return this.of(streamArn).read(streamArn, iterator, limit);
  }
}
