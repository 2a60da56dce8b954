/**
 * What the topic service throws: a kind in the domain's terms and AWS's
 * exact message. `services/sns/errors.ts` maps each kind to SNS's error code
 * (one table); nothing here knows HTTP or the query protocol.
 */
export type TopicsErrorKind =
  | 'NotFound'
  | 'ResourceNotFound'
  | 'InvalidParameter'
  | 'TagLimitExceeded'
  | 'EmptyBatchRequest'
  | 'TooManyEntriesInBatchRequest'
  | 'BatchEntryIdsNotDistinct'
  | 'InvalidBatchEntryId'
  | 'BatchRequestTooLong';

export class TopicsError extends Error {
  constructor(readonly kind: TopicsErrorKind, message: string) {
    super(message);
  }
}

export const invalid = (message: string) => new TopicsError('InvalidParameter', message);
