import type { EventBusRecord, RuleRecord, TargetRecord } from '../../events/records';
import type { Members } from '../../gateway/service';

/** EventBridge's answer shapes (timestamps as epoch seconds, JSON 1.1's form). */
const seconds = (ms: number) => ms / 1000;

export function eventBus(b: EventBusRecord): Members {
  return {
    Name: b.name, Arn: b.arn, Description: b.description, Policy: b.policy,
    // The default bus exists implicitly on AWS and is shown without times.
    ...(b.name === 'default' ? {} : { CreationTime: seconds(b.createdMs), LastModifiedTime: seconds(b.modifiedMs) }),
  };
}

export function rule(r: RuleRecord): Members {
  return {
    Name: r.name, Arn: r.arn, EventPattern: r.eventPattern, ScheduleExpression: r.scheduleExpression, State: r.state,
    Description: r.description, RoleArn: r.roleArn, EventBusName: r.busName,
  };
}

export const target = (t: TargetRecord): Members => ({ ...t });

export const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
