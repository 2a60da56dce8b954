import { gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { QueueError, type QueueErrorKind } from '../../queues/errors';

const e = (status: number, queryCode?: string): ErrorSpec => ({ status, fault: 'client', messageKey: 'message', queryCode });

/**
 * Amazon SQS's errors (the exceptions of sqs-2012-11-05, checked by
 * errors.test.ts against the model and against the `awsQueryError` codes and
 * statuses @aws-sdk/client-sqs carries): the JSON protocol answers
 * `__type: com.amazonaws.sqs#<Name>` with `x-amzn-query-error: <code>;Sender`,
 * the query protocol `<Code>` with the code. InvalidParameterValue and
 * MissingParameter are SQS's common errors (no model shape).
 */
export const sqsErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  BatchEntryIdsNotDistinct: e(400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct'),
  BatchRequestTooLong: e(400, 'AWS.SimpleQueueService.BatchRequestTooLong'),
  EmptyBatchRequest: e(400, 'AWS.SimpleQueueService.EmptyBatchRequest'),
  InvalidAddress: e(404, 'InvalidAddress'),
  InvalidAttributeName: e(400),
  InvalidAttributeValue: e(400),
  InvalidBatchEntryId: e(400, 'AWS.SimpleQueueService.InvalidBatchEntryId'),
  InvalidIdFormat: e(400),
  InvalidMessageContents: e(400),
  InvalidSecurity: e(403, 'InvalidSecurity'),
  KmsAccessDenied: e(400, 'KMS.AccessDeniedException'),
  KmsDisabled: e(400, 'KMS.DisabledException'),
  KmsInvalidKeyUsage: e(400, 'KMS.InvalidKeyUsageException'),
  KmsInvalidState: e(400, 'KMS.InvalidStateException'),
  KmsNotFound: e(400, 'KMS.NotFoundException'),
  KmsOptInRequired: e(403, 'KMS.OptInRequired'),
  KmsThrottled: e(400, 'KMS.ThrottlingException'),
  MessageNotInflight: e(400, 'AWS.SimpleQueueService.MessageNotInflight'),
  OverLimit: e(403, 'OverLimit'),
  PurgeQueueInProgress: e(403, 'AWS.SimpleQueueService.PurgeQueueInProgress'),
  QueueDeletedRecently: e(400, 'AWS.SimpleQueueService.QueueDeletedRecently'),
  QueueDoesNotExist: e(400, 'AWS.SimpleQueueService.NonExistentQueue'),
  QueueNameExists: e(400, 'QueueAlreadyExists'),
  ReceiptHandleIsInvalid: e(404, 'ReceiptHandleIsInvalid'),
  RequestThrottled: e(403, 'RequestThrottled'),
  ResourceNotFoundException: e(404, 'ResourceNotFoundException'),
  TooManyEntriesInBatchRequest: e(400, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest'),
  UnsupportedOperation: e(400, 'AWS.SimpleQueueService.UnsupportedOperation'),
  InvalidParameterValue: e(400),
  MissingParameter: e(400),
  InvalidAction: e(400),
};

const byKind: Record<QueueErrorKind, string> = {
  QueueNotFound: 'QueueDoesNotExist',
  QueueExists: 'QueueNameExists',
  UnknownAttribute: 'InvalidAttributeName',
  InvalidAttributeValue: 'InvalidAttributeValue',
  InvalidParameter: 'InvalidParameterValue',
  MissingParameter: 'MissingParameter',
  InvalidReceiptHandle: 'ReceiptHandleIsInvalid',
  NotInFlight: 'MessageNotInflight',
  InvalidMessageContents: 'InvalidMessageContents',
  PurgeInProgress: 'PurgeQueueInProgress',
  OverLimit: 'OverLimit',
  BatchEmpty: 'EmptyBatchRequest',
  BatchTooMany: 'TooManyEntriesInBatchRequest',
  BatchIdsNotDistinct: 'BatchEntryIdsNotDistinct',
  BatchIdInvalid: 'InvalidBatchEntryId',
  BatchTooLong: 'BatchRequestTooLong',
  TaskNotFound: 'ResourceNotFoundException',
  Unsupported: 'UnsupportedOperation',
};

export function sqsError(name: string, message: string): ServiceError {
  const spec = sqsErrors[name];
  if (!spec) throw new Error(`${name} is not in the SQS error registry`);
  return new ServiceError(name, spec, message);
}

/** The service's `mapError`: a QueueError becomes SQS's error; anything else is left to the gateway (internal error). */
export function mapSqsError(err: unknown): ServiceError | undefined {
  return err instanceof QueueError ? sqsError(byKind[err.kind], err.message) : undefined;
}

/** A batch entry's failure as `BatchResultErrorEntry` (Code: the query code, as AWS reports it in both protocols). */
export function batchFailure(id: string, err: QueueError): { Id: string; SenderFault: boolean; Code: string; Message: string } {
  const name = byKind[err.kind];
  return { Id: id, SenderFault: true, Code: sqsErrors[name]?.queryCode ?? name, Message: err.message };
}
