import type { ServiceDefinition } from '../../gateway/service';
import { sqsIam, sqsOwnerAccount } from './iam';
import { mapSqsError, sqsErrors } from './errors';
import { messageOperations } from './messages-api';
import type { SqsDeps } from './operation';
import { queueOperations } from './queues-api';
import { moveTaskOperations } from './move-tasks-api';

export type { SqsDeps } from './operation';

/**
 * Amazon SQS (2012-11-05), SigV4 service `sqs`, in both protocols its SDKs
 * speak: JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`, current SDKs and
 * CLI v2; awsQueryCompatible errors) and query (`Action=<Operation>`, XML
 * answers in SQS's namespace; older SDKs), POSTed to `/` or to the queue URL.
 * Operations call the domain `QueueService`; nothing here touches the store.
 */
export function sqsService(d: SqsDeps): ServiceDefinition {
  return {
    name: 'sqs',
    signingName: 'sqs',
    // Every operation's IAM action and resources (./iam.ts).
    iam: sqsIam,
    // Several accounts: the queue URL's account serves the call (gateway.ts `ownerOf`).
    ownerAccount: sqsOwnerAccount,
    // Data events in CloudTrail's terms: not in the audit trail (gateway/service.ts `dataPlane`).
    dataPlane: new Set(['SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch']),
    errors: sqsErrors,
    internalErrorName: 'InternalFailure',
    json: { targetPrefix: 'AmazonSQS', version: '1.0', queryCompatible: { namespace: 'com.amazonaws.sqs' } },
    query: { apiVersion: '2012-11-05', xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/' },
    operations: { ...queueOperations(d), ...messageOperations(d), ...moveTaskOperations(d.moveTasks) },
    mapError: mapSqsError,
  };
}
