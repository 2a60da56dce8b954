import * as es from './event-sql';
import type { EventBusStore } from './events';

/** Runs one operation of event-sql.ts in one transaction of a database, with that database's clock. */
export type EventRunner = <T, A extends unknown[]>(op: (now: number, ...a: A) => es.EventOp<T>, ...args: A) => Promise<T>;

/**
 * `EventBusStore` over the logic of event-sql.ts, written once for both
 * databases: each implementation (sqlite/events.ts, postgres/events.ts)
 * only says how an operation runs there.
 */
export class EventOps implements EventBusStore {
  constructor(private readonly run: EventRunner) {}

  createEventBus(...a: Parameters<EventBusStore['createEventBus']>): ReturnType<EventBusStore['createEventBus']> { return this.run(es.createEventBus, ...a); }
  getEventBus(...a: Parameters<EventBusStore['getEventBus']>): ReturnType<EventBusStore['getEventBus']> { return this.run(es.getEventBus, ...a); }
  listEventBuses(...a: Parameters<EventBusStore['listEventBuses']>): ReturnType<EventBusStore['listEventBuses']> { return this.run(es.listEventBuses, ...a); }
  changeEventBusPolicy(...a: Parameters<EventBusStore['changeEventBusPolicy']>): ReturnType<EventBusStore['changeEventBusPolicy']> { return this.run(es.changeEventBusPolicy, ...a); }
  deleteEventBus(...a: Parameters<EventBusStore['deleteEventBus']>): ReturnType<EventBusStore['deleteEventBus']> { return this.run(es.deleteEventBus, ...a); }
  putRule(...a: Parameters<EventBusStore['putRule']>): ReturnType<EventBusStore['putRule']> { return this.run(es.putRule, ...a); }
  getRule(...a: Parameters<EventBusStore['getRule']>): ReturnType<EventBusStore['getRule']> { return this.run(es.getRule, ...a); }
  listRules(...a: Parameters<EventBusStore['listRules']>): ReturnType<EventBusStore['listRules']> { return this.run(es.listRules, ...a); }
  setRuleState(...a: Parameters<EventBusStore['setRuleState']>): ReturnType<EventBusStore['setRuleState']> { return this.run(es.setRuleState, ...a); }
  deleteRule(...a: Parameters<EventBusStore['deleteRule']>): ReturnType<EventBusStore['deleteRule']> { return this.run(es.deleteRule, ...a); }
  scheduledRules(): ReturnType<EventBusStore['scheduledRules']> { return this.run(es.scheduledRules); }
  putTargets(...a: Parameters<EventBusStore['putTargets']>): ReturnType<EventBusStore['putTargets']> { return this.run(es.putTargets, ...a); }
  removeTargets(...a: Parameters<EventBusStore['removeTargets']>): ReturnType<EventBusStore['removeTargets']> { return this.run(es.removeTargets, ...a); }
  listTargets(...a: Parameters<EventBusStore['listTargets']>): ReturnType<EventBusStore['listTargets']> { return this.run(es.listTargets, ...a); }
  getTarget(...a: Parameters<EventBusStore['getTarget']>): ReturnType<EventBusStore['getTarget']> { return this.run(es.getTarget, ...a); }
  matchingCandidates(...a: Parameters<EventBusStore['matchingCandidates']>): ReturnType<EventBusStore['matchingCandidates']> { return this.run(es.matchingCandidates, ...a); }
  changeEventTags(...a: Parameters<EventBusStore['changeEventTags']>): ReturnType<EventBusStore['changeEventTags']> { return this.run(es.changeEventTags, ...a); }
  enqueueEventDeliveries(...a: Parameters<EventBusStore['enqueueEventDeliveries']>): ReturnType<EventBusStore['enqueueEventDeliveries']> { return this.run(es.enqueueEventDeliveries, ...a); }
  leaseEventDeliveries(...a: Parameters<EventBusStore['leaseEventDeliveries']>): ReturnType<EventBusStore['leaseEventDeliveries']> { return this.run(es.leaseEventDeliveries, ...a); }
  finishEventDelivery(...a: Parameters<EventBusStore['finishEventDelivery']>): ReturnType<EventBusStore['finishEventDelivery']> { return this.run(es.finishEventDelivery, ...a); }
  retryEventDelivery(...a: Parameters<EventBusStore['retryEventDelivery']>): ReturnType<EventBusStore['retryEventDelivery']> { return this.run(es.retryEventDelivery, ...a); }
  releaseEventDeliveryLeases(...a: Parameters<EventBusStore['releaseEventDeliveryLeases']>): ReturnType<EventBusStore['releaseEventDeliveryLeases']> { return this.run(es.releaseEventDeliveryLeases, ...a); }
}
