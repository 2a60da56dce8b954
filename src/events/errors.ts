/**
 * What the event-bus service throws: a kind in the domain's terms and AWS's
 * exact message. `services/events/errors.ts` maps each kind to EventBridge's
 * error name (one table); nothing here knows HTTP or JSON 1.1.
 */
export type EventsErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Validation'
  | 'InvalidPattern'
  | 'LimitExceeded'
  | 'ConcurrentModification'
  | 'PolicyLengthExceeded';

export class EventsError extends Error {
  constructor(readonly kind: EventsErrorKind, message: string) {
    super(message);
  }
}

export const validation = (message: string) => new EventsError('Validation', message);
export const busNotFound = (name: string) => new EventsError('NotFound', `Event bus ${name} does not exist.`);
export const ruleNotFound = (rule: string, bus: string) => new EventsError('NotFound', `Rule ${rule} does not exist on EventBus ${bus}.`);
/** AWS's LimitExceededException text (recorded on PutTargets over 5 targets). */
export const limitExceeded = () => new EventsError('LimitExceeded', 'The requested resource exceeds the maximum number allowed.');
export const invalidPattern = (reason: string) => new EventsError('InvalidPattern', `Event pattern is not valid. Reason: ${reason}`);
/** Coral's text for one failed model constraint, naming the member in lowerCamelCase as EventBridge does. */
export function constraint(member: string, value: unknown, rule: string): EventsError {
  return new EventsError('Validation', `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`);
}
