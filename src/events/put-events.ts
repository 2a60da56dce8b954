import { randomUUID } from 'node:crypto';
import type { ArnScope } from '../domain/arn';
import { matches, type Pattern } from '../domain/event-pattern';
import type { EventBusStore, NewEventDelivery, RuleWithTargets } from '../store/events';
import { busNotFound, validation } from './errors';
import { checkPattern } from './bus-service';
import type { PutEventsEntry } from './inputs';
import * as L from './limits';
import { busArnOf, busNameOf } from './names';
import type { BusEvent } from './records';
import * as V from './validate';

/** One entry's answer: its event id, or AWS's per-entry error. */
export type PutEventsResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** ISO 8601 without milliseconds, as EventBridge writes an event's `time`. */
export const eventTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * PutEvents: forms each entry's event as EventBridge does, matches it
 * against the ENABLED rules of its bus, and records one delivery per
 * (matching rule, target) in one store transaction before answering — so an
 * acknowledged event reaches every target after any crash (the delivery
 * worker takes it from there). Entries fail one by one with AWS's codes;
 * the request as a whole fails only on its model constraints and size.
 */
export class EventPublisher {
  constructor(private readonly store: EventBusStore, private readonly scope: ArnScope, private readonly wake: () => void) {}

  /**
   * `sourceAccount`: the caller's account, the event's `account` (another
   * account's PutEvents on a bus of this one, which the bus's policy allowed,
   * carries the sender's account, as on AWS); this account by default.
   */
  async putEvents(entries: PutEventsEntry[], endpointId: string | undefined, sourceAccount = this.scope.accountId): Promise<PutEventsResult[]> {
    const c = new V.Constraints().list(entries, 'entries', { min: 1, max: L.putEventsEntriesMax, required: true });
    entries.forEach((e, i) => c.str(e.EventBusName, `entries.${i + 1}.member.eventBusName`, V.nonPartnerBusNameOrArnC)
      .str(e.TraceHeader, `entries.${i + 1}.member.traceHeader`, { min: 1, max: 500 }));
    c.done();
    if (endpointId !== undefined) throw validation('Kumo does not support EndpointId: it has no global endpoints.');
    if (entries.reduce((n, e) => n + entryBytes(e), 0) > L.putEventsBytesMax) throw validation('Total size of the entries in the request is over the limit.');
    const now = Date.now();
    const results: PutEventsResult[] = [];
    const deliveries: NewEventDelivery[] = [];
    const rulesOf = new Map<string, Promise<RuleWithTargets[] | undefined>>();
    for (const e of entries) {
      const formed = this.form(e, now, sourceAccount);
      if ('ErrorCode' in formed) {
        results.push(formed);
        continue;
      }
      let busName: string;
      try {
        busName = busNameOf(this.scope, e.EventBusName);
      } catch (err) {
        results.push({ ErrorCode: 'ResourceNotFoundException', ErrorMessage: (err as Error).message });
        continue;
      }
      if (!rulesOf.has(busName)) rulesOf.set(busName, this.candidates(busName));
      const rules = await rulesOf.get(busName)!;
      if (!rules) {
        results.push({ ErrorCode: 'ResourceNotFoundException', ErrorMessage: busNotFound(busName).message });
        continue;
      }
      deliveries.push(...fanOut(formed, rules, 0));
      results.push({ EventId: formed.id });
    }
    if (deliveries.length) {
      await this.store.enqueueEventDeliveries(deliveries);
      this.wake();
    }
    return results;
  }

  /**
   * An event delivered to this bus by another bus's rule (the `events` sink):
   * matched here as PutEvents would, unchanged. Resolves once its deliveries
   * are recorded; NotFound-style DomainErrors are the sink's to raise.
   */
  async forward(event: BusEvent, busName: string, hops: number): Promise<'ok' | 'no-bus'> {
    const rules = await this.candidates(busName);
    if (!rules) return 'no-bus';
    const deliveries = fanOut(event, rules, hops);
    if (deliveries.length) {
      await this.store.enqueueEventDeliveries(deliveries);
      this.wake();
    }
    return 'ok';
  }

  private async candidates(busName: string): Promise<RuleWithTargets[] | undefined> {
    if (!(await this.store.getEventBus(busArnOf(this.scope, busName)))) return undefined;
    return this.store.matchingCandidates(busName);
  }

  /** The event AWS forms from an entry, or the entry's error (AWS's codes and texts, recorded). */
  private form(e: PutEventsEntry, now: number, account: string): BusEvent | { ErrorCode: string; ErrorMessage: string } {
    const required = (m: string) => ({ ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${m} is not valid. Reason: ${m} is a required argument.` });
    if (e.Source === undefined || e.Source === '') return required('Source');
    if (e.DetailType === undefined || e.DetailType === '') return required('DetailType');
    if (e.Detail === undefined || e.Detail === '') return required('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    // AWS reserves the `aws.` sources for its own services' events.
    if (e.Source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    if (e.TraceHeader !== undefined) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Kumo does not support TraceHeader: it has no X-Ray.' };
    return {
      version: '0', id: randomUUID(), 'detail-type': e.DetailType, source: e.Source, account,
      time: eventTime(e.TimeMs ?? now), region: this.scope.region, resources: e.Resources ?? [], detail,
    };
  }
}

/** Compiled patterns by their text: a rule's pattern is parsed once, not once per event (bounded: the oldest goes first). */
const compiled = new Map<string, Pattern>();

function patternOf(text: string): Pattern {
  let p = compiled.get(text);
  if (!p) {
    p = checkPattern(text);
    if (compiled.size >= L.compiledPatternsMax) compiled.delete(compiled.keys().next().value!);
    compiled.set(text, p);
  }
  return p;
}

/** One delivery per target of every rule whose pattern the event matches. */
export function fanOut(event: BusEvent, rules: RuleWithTargets[], hops: number): NewEventDelivery[] {
  const out: NewEventDelivery[] = [];
  for (const { rule, targets } of rules) {
    if (!rule.eventPattern || !matches(patternOf(rule.eventPattern), event)) continue;
    for (const t of targets) out.push({ ruleArn: rule.arn, targetId: t.Id, event, hops });
  }
  return out;
}

/** An entry's size as AWS computes it ("Calculating PutEvents event entry size"). */
export function entryBytes(e: PutEventsEntry): number {
  const b = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (e.TimeMs !== undefined ? L.entryTimeBytes : 0) + b(e.Source) + b(e.DetailType) + b(e.Detail) + (e.Resources ?? []).reduce((n, r) => n + b(r), 0);
}
