import type { MessageSink } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import { parseArn, type ArnScope } from '../domain/arn';
import type { EventPublisher } from './put-events';
import type { BusEvent } from './records';

/**
 * The `events` sink of `Deliveries`: another service sending to an event
 * bus ARN (a Lambda destination, an SNS-free fan-out) is a PutEvents of
 * that event on the bus — the body must be an event as EventBridge forms
 * it (version, id, detail-type, source, account, time, region, resources,
 * detail), matched against the bus's rules unchanged.
 */
export function eventBusSink(publisher: EventPublisher, scope: ArnScope): MessageSink {
  return {
    send: async (arn, msg) => {
      const a = parseArn(arn);
      if (!a || a.service !== 'events' || !a.resource.startsWith('event-bus/')) throw new DomainError('InvalidParameter', `${arn} is not an event bus ARN`);
      const bus = a.resource.slice('event-bus/'.length);
      if (a.region !== scope.region || a.account !== scope.accountId) throw new DomainError('NotFound', `Event bus ${bus} does not exist.`);
      let event: BusEvent;
      try {
        event = JSON.parse(msg.body) as BusEvent;
      } catch {
        throw new DomainError('InvalidParameter', 'Detail is malformed.');
      }
      if (!isEvent(event)) throw new DomainError('InvalidParameter', 'the message is not an EventBridge event');
      if ((await publisher.forward(event, bus, msg.hops ?? 1)) === 'no-bus') throw new DomainError('NotFound', `Event bus ${bus} does not exist.`);
    },
  };
}

function isEvent(e: unknown): e is BusEvent {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return typeof r.id === 'string' && typeof r.source === 'string' && typeof r['detail-type'] === 'string' && typeof r.detail === 'object' && r.detail !== null;
}
