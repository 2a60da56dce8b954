import type { Members, OperationContext } from '../../gateway/service';
import { arn, iamOf, one, str, type ResourcesOf } from '../iam-table';
import { eventsErrors } from './errors';

/** An event bus by name or ARN (absent: the account's `default` bus). */
function busArn(v: string | undefined, ctx: OperationContext): string {
  if (v?.startsWith('arn:')) return v;
  return arn('events', ctx, `event-bus/${v ?? 'default'}`);
}
const busName = (v: string | undefined): string => (v?.startsWith('arn:') ? v.slice(v.indexOf('event-bus/') + 10) : (v ?? 'default'));
/** A rule: `arn:aws:events:<r>:<a>:rule/<name>` on the default bus, `rule/<bus>/<name>` on another. */
function ruleArn(m: Members, ctx: OperationContext, key: string): readonly string[] {
  const name = str(m, key);
  if (name === undefined) return ['*'];
  if (name.startsWith('arn:')) return [name];
  const bus = busName(str(m, 'EventBusName'));
  return [arn('events', ctx, bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`)];
}
const rule: ResourcesOf = (m, ctx) => ruleArn(m, ctx, 'Name');
const targetsRule: ResourcesOf = (m, ctx) => ruleArn(m, ctx, 'Rule');
const bus: ResourcesOf = (m, ctx) => [busArn(str(m, 'Name'), ctx)];
const byArn: ResourcesOf = (m) => one(str(m, 'ResourceARN'));

/**
 * EventBridge's operations as IAM authorises them: event-bus ARNs
 * (`event-bus/<name>`), rule ARNs (`rule/[<bus>/]<name>`), PutEvents on each
 * bus its entries name. The operations Kumo refuses (archives, replays,
 * connections, API destinations, endpoints, partner sources) are authorised
 * on `*` before they are refused.
 */
export const eventsIam = iamOf({
  prefix: 'events',
  accessDenied: { name: 'AccessDeniedException', spec: eventsErrors.AccessDeniedException! },
  resources: {
    ...Object.fromEntries(
      [
        'ActivateEventSource', 'CancelReplay', 'CreateApiDestination', 'CreateArchive', 'CreateConnection', 'CreateEndpoint', 'CreatePartnerEventSource',
        'DeactivateEventSource', 'DeauthorizeConnection', 'DeleteApiDestination', 'DeleteArchive', 'DeleteConnection', 'DeleteEndpoint', 'DeletePartnerEventSource',
        'DescribeApiDestination', 'DescribeArchive', 'DescribeConnection', 'DescribeEndpoint', 'DescribeEventSource', 'DescribePartnerEventSource', 'DescribeReplay',
        'ListApiDestinations', 'ListArchives', 'ListConnections', 'ListEndpoints', 'ListEventSources', 'ListPartnerEventSourceAccounts', 'ListPartnerEventSources',
        'ListReplays', 'PutPartnerEvents', 'StartReplay', 'UpdateApiDestination', 'UpdateArchive', 'UpdateConnection', 'UpdateEndpoint',
      ].map((op) => [op, '*' as const]),
    ),
    ListRuleNamesByTarget: '*',
    PutPermission: (m, ctx) => [busArn(str(m, 'EventBusName'), ctx)],
    RemovePermission: (m, ctx) => [busArn(str(m, 'EventBusName'), ctx)],
    UpdateEventBus: bus,
    CreateEventBus: bus,
    DescribeEventBus: bus,
    ListEventBuses: '*',
    DeleteEventBus: bus,
    PutRule: rule,
    DescribeRule: rule,
    ListRules: '*',
    EnableRule: rule,
    DisableRule: rule,
    DeleteRule: rule,
    PutTargets: targetsRule,
    RemoveTargets: targetsRule,
    ListTargetsByRule: targetsRule,
    TagResource: byArn,
    UntagResource: byArn,
    ListTagsForResource: byArn,
    TestEventPattern: '*',
    PutEvents: (m, ctx) => {
      const entries = Array.isArray(m.Entries) ? (m.Entries as Members[]) : [];
      const buses = new Set<string>();
      for (const e of entries) buses.add(busArn(e && typeof e === 'object' ? str(e, 'EventBusName') : undefined, ctx));
      return buses.size ? [...buses] : [busArn(undefined, ctx)];
    },
  },
});
