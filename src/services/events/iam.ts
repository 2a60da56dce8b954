import type { Members, OperationContext } from '../../gateway/service';
import { validation } from '../../events/errors';
import { accountInArn, accountOf, arn, iamOf, one, str, type ResourcesOf } from '../iam-table';
import { eventsErrors } from './errors';

/** An event bus by name or ARN (absent: the account's `default` bus). */
function busArn(v: string | undefined, ctx: OperationContext): string {
  if (v?.startsWith('arn:')) return v;
  return arn('events', ctx, `event-bus/${v ?? 'default'}`);
}
const busName = (v: string | undefined): string => (v?.startsWith('arn:') ? v.slice(v.indexOf('event-bus/') + 10) : (v ?? 'default'));
/**
 * A rule: `arn:aws:events:<r>:<a>:rule/<name>` on the default bus,
 * `rule/<bus>/<name>` on another; in the account of the bus when
 * EventBusName is an ARN (a rule on another account's bus is that account's).
 */
function ruleArn(m: Members, ctx: OperationContext, key: string): readonly string[] {
  const name = str(m, key);
  if (name === undefined) return ['*'];
  if (name.startsWith('arn:')) return [name];
  const busMember = str(m, 'EventBusName');
  const bus = busName(busMember);
  return [arn('events', ctx, bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`, accountInArn(busMember) ?? accountOf(ctx))];
}

/**
 * Several accounts (issue 18): the account whose bus, rule or tagged
 * resource a call names by ARN (EventBusName, DescribeEventBus's Name,
 * ResourceARN, each PutEvents entry's EventBusName); undefined for plain
 * names (the signer's account). AWS takes one bus per PutEvents entry, so a
 * call could name buses of several accounts: Kumo hands a call to one
 * account, and refuses such a PutEvents as a whole (ARCHITECTURE.md
 * "Choices"), rather than failing the other accounts' entries one by one.
 */
export function eventsOwnerAccount(operation: string, m: Members, ctx: OperationContext): string | undefined {
  if (operation === 'PutEvents') {
    const entries = Array.isArray(m.Entries) ? (m.Entries as unknown[]) : [];
    const accounts = new Set<string>();
    for (const e of entries) {
      const bus = e && typeof e === 'object' && !Array.isArray(e) ? str(e as Members, 'EventBusName') : undefined;
      accounts.add(accountInArn(bus) ?? accountOf(ctx));
    }
    if (accounts.size > 1) {
      throw validation(`Kumo does not support a PutEvents whose entries name event buses of different accounts (${[...accounts].sort().join(', ')}): send one PutEvents per account.`);
    }
    const [only] = accounts;
    return only === accountOf(ctx) ? undefined : only;
  }
  return accountInArn(str(m, 'EventBusName')) ?? (operation === 'DescribeEventBus' ? accountInArn(str(m, 'Name')) : undefined) ?? accountInArn(str(m, 'ResourceARN'));
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
