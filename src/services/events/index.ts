import type { Operation, ServiceDefinition } from '../../gateway/service';
import { eventsIam, eventsOwnerAccount } from './iam';
import { validation } from '../../events/errors';
import { eventsErrors, mapEventsError } from './errors';
import { eventOperations, type EventsDeps } from './operations';

export type { EventsDeps } from './operations';

/** EventBridge operations Kumo does not serve: refused by name rather than answered as unknown. */
const refused = [
  'ActivateEventSource', 'CancelReplay', 'CreateApiDestination', 'CreateArchive', 'CreateConnection', 'CreateEndpoint', 'CreatePartnerEventSource',
  'DeactivateEventSource', 'DeauthorizeConnection', 'DeleteApiDestination', 'DeleteArchive', 'DeleteConnection', 'DeleteEndpoint',
  'DeletePartnerEventSource', 'DescribeApiDestination', 'DescribeArchive', 'DescribeConnection', 'DescribeEndpoint', 'DescribeEventSource',
  'DescribePartnerEventSource', 'DescribeReplay', 'ListApiDestinations', 'ListArchives', 'ListConnections', 'ListEndpoints', 'ListEventSources',
  'ListPartnerEventSourceAccounts', 'ListPartnerEventSources', 'ListReplays', 'ListRuleNamesByTarget', 'PutPartnerEvents', 'StartReplay', 'UpdateApiDestination', 'UpdateArchive', 'UpdateConnection', 'UpdateEndpoint', 'UpdateEventBus',
];

/**
 * Amazon EventBridge (2015-10-07), SigV4 service `events`: JSON 1.1
 * (`X-Amz-Target: AWSEvents.<Operation>`, as @aws-sdk/client-eventbridge
 * and the aws CLI send it). Operations call the domain `BusService` and
 * `EventPublisher`; nothing here touches the store.
 */
export function eventsService(d: EventsDeps): ServiceDefinition {
  const refusedOps: Record<string, Operation> = Object.fromEntries(refused.map((name) => [name, {
    handle: async () => {
      throw validation(`Kumo does not support ${name}: it serves event buses and their permissions, rules, targets, tags, PutEvents and TestEventPattern.`);
    },
  }]));
  return {
    name: 'events',
    signingName: 'events',
    // Every operation's IAM action and resources (./iam.ts).
    iam: eventsIam,
    // Several accounts: a call naming another account's bus, rule or resource by ARN is served by that account (./iam.ts).
    ownerAccount: eventsOwnerAccount,
    // PutEvents is a data event in CloudTrail's terms: not in the audit trail (gateway/service.ts `dataPlane`).
    dataPlane: new Set(['PutEvents']),
    errors: eventsErrors,
    internalErrorName: 'InternalException',
    json: { targetPrefix: 'AWSEvents', version: '1.1' },
    operations: { ...refusedOps, ...eventOperations(d) },
    mapError: mapEventsError,
  };
}
