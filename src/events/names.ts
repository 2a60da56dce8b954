import { eventBusArn, parseArn, ruleArn, type ArnScope } from '../domain/arn';
import { busNotFound, ruleNotFound } from './errors';

/**
 * Names and ARNs of buses and rules (AWS: `event-bus/<name>`; a rule on the
 * default bus is `rule/<name>`, on another bus `rule/<bus>/<name>`).
 */
export const defaultBus = 'default';

export const busArnOf = (scope: ArnScope, bus: string) => eventBusArn(scope, bus);
export const ruleArnOf = (scope: ArnScope, bus: string, rule: string) => (bus === defaultBus ? ruleArn(scope, rule) : ruleArn(scope, `${bus}/${rule}`));

/**
 * The bus an EventBusName member names (a name or a bus ARN; absent: the
 * default bus). An ARN of another region or account names a bus Kumo does
 * not have: AWS's not-found text.
 */
export function busNameOf(scope: ArnScope, v: string | undefined): string {
  if (v === undefined) return defaultBus;
  if (!v.startsWith('arn:')) return v;
  const a = parseArn(v);
  const name = a?.resource.startsWith('event-bus/') ? a.resource.slice('event-bus/'.length) : undefined;
  if (!a || !name || a.service !== 'events') throw busNotFound(v);
  if (a.region !== scope.region || a.account !== scope.accountId) throw busNotFound(name);
  return name;
}

/** What a TagResource ARN names: a bus or a rule of this region and account; AWS's not-found text otherwise. */
export function resourceOfArn(scope: ArnScope, arn: string): { kind: 'bus'; bus: string } | { kind: 'rule'; bus: string; rule: string } {
  const a = parseArn(arn);
  if (a?.service === 'events' && a.resource.startsWith('event-bus/')) {
    const bus = a.resource.slice('event-bus/'.length);
    if (a.region !== scope.region || a.account !== scope.accountId) throw busNotFound(bus);
    return { kind: 'bus', bus };
  }
  if (a?.service === 'events' && a.resource.startsWith('rule/')) {
    const parts = a.resource.slice('rule/'.length).split('/');
    const rule = parts.pop()!;
    const bus = parts.length ? parts.join('/') : defaultBus;
    if (a.region !== scope.region || a.account !== scope.accountId) throw ruleNotFound(rule, bus);
    return { kind: 'rule', bus, rule };
  }
  throw busNotFound(arn);
}
