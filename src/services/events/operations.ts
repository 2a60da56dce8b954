import type { BusPolicies } from '../../events/bus-policies';
import type { BusService } from '../../events/bus-service';
import type { EventPublisher } from '../../events/put-events';
import { validation } from '../../events/errors';
import type { Members, Operation, OperationContext } from '../../gateway/service';
import * as D from './decode';
import * as S from './shapes';

/** What EventBridge's operations need from the domain. */
export interface EventsDeps {
  eventBuses: BusService;
  eventPublisher: EventPublisher;
  /** Event bus resource policies (PutPermission, RemovePermission). */
  busPolicies: BusPolicies;
}

const op = (handle: (m: Members, ctx: OperationContext) => Promise<Members | void>): Operation => ({ handle });

/** EventBridge's operations that Kumo serves (buses and their policies, rules, targets, tags, PutEvents, TestEventPattern). */
export function eventOperations(d: EventsDeps): Record<string, Operation> {
  const b = d.eventBuses;
  return {
    CreateEventBus: op(async (m) => {
      const unsupported = ['EventSourceName', 'KmsKeyIdentifier', 'DeadLetterConfig', 'LogConfig'].filter((k) => m[k] !== undefined && m[k] !== null);
      const bus = await b.createEventBus({ Name: D.str(m, 'Name')!, Description: D.str(m, 'Description'), Tags: D.tags(m), unsupported });
      return { EventBusArn: bus.arn, Description: bus.description };
    }),
    DescribeEventBus: op(async (m) => S.eventBus(await b.describeEventBus(D.str(m, 'Name')))),
    ListEventBuses: op(async (m) => {
      const r = await b.listEventBuses({ NamePrefix: D.str(m, 'NamePrefix'), NextToken: D.str(m, 'NextToken'), Limit: D.int(m, 'Limit') });
      return { EventBuses: r.buses.map(S.eventBus), NextToken: r.nextToken };
    }),
    DeleteEventBus: op(async (m) => {
      await b.deleteEventBus(D.str(m, 'Name')!);
    }),
    PutPermission: op(async (m) => {
      const c = D.obj(m, 'Condition');
      await d.busPolicies.putPermission({
        EventBusName: D.str(m, 'EventBusName'), Action: D.str(m, 'Action'), Principal: D.str(m, 'Principal'), StatementId: D.str(m, 'StatementId'),
        Condition: c && { Type: D.str(c, 'Type'), Key: D.str(c, 'Key'), Value: D.str(c, 'Value') }, Policy: D.str(m, 'Policy'),
      });
    }),
    RemovePermission: op(async (m) => {
      await d.busPolicies.removePermission({ EventBusName: D.str(m, 'EventBusName'), StatementId: D.str(m, 'StatementId'), RemoveAllPermissions: D.bool(m, 'RemoveAllPermissions') });
    }),
    PutRule: op(async (m) => {
      const r = await b.putRule({
        Name: D.str(m, 'Name')!, EventBusName: D.str(m, 'EventBusName'), EventPattern: D.str(m, 'EventPattern'),
        ScheduleExpression: D.str(m, 'ScheduleExpression'), State: D.str(m, 'State'), Description: D.str(m, 'Description'),
        RoleArn: D.str(m, 'RoleArn'), Tags: D.tags(m),
      });
      return { RuleArn: r.arn };
    }),
    DescribeRule: op(async (m) => {
      const r = await b.describeRule(D.str(m, 'Name')!, D.str(m, 'EventBusName'));
      return { ...S.rule(r), CreatedBy: b.scope.accountId };
    }),
    ListRules: op(async (m) => {
      const r = await b.listRules({ NamePrefix: D.str(m, 'NamePrefix'), EventBusName: D.str(m, 'EventBusName'), NextToken: D.str(m, 'NextToken'), Limit: D.int(m, 'Limit') });
      return { Rules: r.rules.map(S.rule), NextToken: r.nextToken };
    }),
    EnableRule: op(async (m) => {
      await b.setRuleState(D.str(m, 'Name')!, D.str(m, 'EventBusName'), 'ENABLED');
    }),
    DisableRule: op(async (m) => {
      await b.setRuleState(D.str(m, 'Name')!, D.str(m, 'EventBusName'), 'DISABLED');
    }),
    DeleteRule: op(async (m) => {
      D.bool(m, 'Force'); // Force applies to managed rules, which Kumo has none of.
      await b.deleteRule(D.str(m, 'Name')!, D.str(m, 'EventBusName'));
    }),
    PutTargets: op(async (m) => {
      const failed = await b.putTargets(D.str(m, 'Rule')!, D.str(m, 'EventBusName'), (D.list(m, 'Targets') ?? undefined)?.map(D.target) as never);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    }),
    RemoveTargets: op(async (m) => {
      D.bool(m, 'Force');
      const failed = await b.removeTargets(D.str(m, 'Rule')!, D.str(m, 'EventBusName'), D.strList(m, 'Ids') as string[]);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    }),
    ListTargetsByRule: op(async (m) => {
      const r = await b.listTargets(D.str(m, 'Rule')!, D.str(m, 'EventBusName'), { NextToken: D.str(m, 'NextToken'), Limit: D.int(m, 'Limit') });
      return { Targets: r.targets.map(S.target), NextToken: r.nextToken };
    }),
    TagResource: op(async (m) => {
      const tags = D.tags(m);
      if (tags === undefined) throw validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
      await b.changeTags(D.str(m, 'ResourceARN')!, { set: tags });
    }),
    UntagResource: op(async (m) => {
      const keys = D.strList(m, 'TagKeys');
      if (keys === undefined) throw validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
      await b.changeTags(D.str(m, 'ResourceARN')!, { remove: keys });
    }),
    ListTagsForResource: op(async (m) => ({ Tags: S.tagList(await b.listTags(D.str(m, 'ResourceARN')!)) })),
    TestEventPattern: op(async (m) => ({ Result: b.testEventPattern(D.str(m, 'EventPattern')!, D.str(m, 'Event')!) })),
    PutEvents: op(async (m, ctx) => {
      const entries = D.list(m, 'Entries')?.map((e) => {
        if (typeof e !== 'object' || e === null || Array.isArray(e)) throw validation('Entries must be objects');
        const x = e as Members;
        return {
          Source: D.str(x, 'Source'), DetailType: D.str(x, 'DetailType'), Detail: D.str(x, 'Detail'), Resources: D.strList(x, 'Resources'),
          TimeMs: D.timestampMs(x, 'Time'), EventBusName: D.str(x, 'EventBusName'), TraceHeader: D.str(x, 'TraceHeader'),
        };
      });
      // The event's `account` is the sender's: another account's PutEvents reaches this one only when this bus's policy allowed it.
      const results = await d.eventPublisher.putEvents(entries as never, D.str(m, 'EndpointId'), ctx.principal?.accountId);
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    }),
  };
}
