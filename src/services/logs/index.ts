import type { ServiceDefinition } from '../../gateway/service';
import { logsIam } from './iam';
import type { LogService } from '../../logs/log-service';
import { logsErrors } from './errors';
import { eventOperations } from './events';
import { groupOperations } from './groups';
import { streamOperations } from './streams';
import { subscriptionOperations } from './subscriptions';
import type { LogSubscriptions } from '../../logs/subscriptions';

export interface LogsDeps {
  logs: LogService;
  /** Subscription filters; absent: their operations are not offered. */
  subscriptions?: LogSubscriptions;
}

/**
 * Amazon CloudWatch Logs (2014-03-28): JSON 1.1, `X-Amz-Target: Logs_20140328.<Operation>`,
 * SigV4 service `logs`. Operations validate their input with the model's
 * constraints and call the domain `LogService`; nothing here touches the store.
 */
export function logsService(d: LogsDeps): ServiceDefinition {
  return {
    name: 'logs',
    signingName: 'logs',
    // Every operation's IAM action and resources (./iam.ts).
    iam: logsIam,
    // Data events in CloudTrail's terms: not in the audit trail (gateway/service.ts `dataPlane`).
    dataPlane: new Set(['PutLogEvents', 'GetLogEvents', 'FilterLogEvents', 'StartLiveTail']),
    errors: logsErrors,
    internalErrorName: 'ServiceUnavailableException',
    json: { targetPrefix: 'Logs_20140328', version: '1.1' },
    operations: {
      ...groupOperations(d.logs),
      ...streamOperations(d.logs),
      ...eventOperations(d.logs),
      ...(d.subscriptions ? subscriptionOperations(d.subscriptions) : {}),
    },
  };
}
