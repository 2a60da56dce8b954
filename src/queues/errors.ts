/**
 * What the queue service throws: a kind in the domain's terms and AWS's
 * message. src/services/sqs/errors.ts maps each kind to SQS's error name.
 */
export type QueueErrorKind =
  | 'QueueNotFound'
  | 'QueueExists'
  | 'UnknownAttribute'
  | 'InvalidAttributeValue'
  | 'InvalidParameter'
  | 'MissingParameter'
  | 'InvalidReceiptHandle'
  | 'NotInFlight'
  | 'InvalidMessageContents'
  | 'PurgeInProgress'
  | 'OverLimit'
  | 'BatchEmpty'
  | 'BatchTooMany'
  | 'BatchIdsNotDistinct'
  | 'BatchIdInvalid'
  | 'BatchTooLong'
  | 'TaskNotFound'
  | 'Unsupported';

export class QueueError extends Error {
  constructor(readonly kind: QueueErrorKind, message: string) {
    super(message);
  }
}

export const queueNotFound = () => new QueueError('QueueNotFound', 'The specified queue does not exist.');
export const invalidValue = (param: string, value: unknown, reason: string) =>
  new QueueError('InvalidParameter', `Value ${String(value)} for parameter ${param} is invalid. Reason: ${reason}`);
export const missing = (param: string) => new QueueError('MissingParameter', `The request must contain the parameter ${param}.`);
