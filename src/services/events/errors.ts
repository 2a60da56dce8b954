import { gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { EventsError, type EventsErrorKind } from '../../events/errors';

const c = (status = 400): ErrorSpec => ({ status, fault: 'client', messageKey: 'message' });

/**
 * EventBridge's errors (the exceptions of events-2015-10-07, checked by
 * errors.test.ts against the model): JSON 1.1 answers with `__type: <Name>`
 * and `message`, all 400 but the internal error, as AWS answers them.
 */
export const eventsErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  AccessDeniedException: c(),
  ConcurrentModificationException: c(),
  IllegalStatusException: c(),
  InternalException: { status: 500, fault: 'server', messageKey: 'message' },
  InvalidEventPatternException: c(),
  InvalidStateException: c(),
  LimitExceededException: c(),
  ManagedRuleException: c(),
  OperationDisabledException: c(),
  PolicyLengthExceededException: c(),
  ResourceAlreadyExistsException: c(),
  ResourceNotFoundException: c(),
  ThrottlingException: c(),
};

const byKind: Record<EventsErrorKind, string> = {
  NotFound: 'ResourceNotFoundException',
  AlreadyExists: 'ResourceAlreadyExistsException',
  Validation: 'ValidationException',
  InvalidPattern: 'InvalidEventPatternException',
  LimitExceeded: 'LimitExceededException',
  ConcurrentModification: 'ConcurrentModificationException',
  PolicyLengthExceeded: 'PolicyLengthExceededException',
};

export const eventsErrorName = (kind: EventsErrorKind) => byKind[kind];

/** The service's `mapError`: an EventsError becomes EventBridge's error; anything else is the internal error. */
export function mapEventsError(err: unknown): ServiceError | undefined {
  if (!(err instanceof EventsError)) return undefined;
  const name = byKind[err.kind];
  return new ServiceError(name, eventsErrors[name]!, err.message);
}
