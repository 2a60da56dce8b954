/**
 * The errors the domain (control/, invoke/, async/, placement/, logs/ …)
 * throws: a kind that says what went wrong in the domain's terms, and AWS's
 * message for it. The domain knows no HTTP and no AWS error names; each
 * service folder maps kinds to its own names and statuses in one table
 * (`src/services/lambda/errors.ts` for Lambda), so the same failure can be
 * worded the way each service's API reference words it.
 *
 * The message is AWS's exact text, because callers (SDKs, scripts, AWS's own
 * recorded answers) compare it: it is written where the failure is known.
 */
export type DomainErrorKind =
  /** The named resource does not exist (or is in another region). */
  | 'NotFound'
  /** It exists already, or another change is in progress (Lambda's ResourceConflict). */
  | 'Conflict'
  /** A value the model allows but the semantics refuse, or a setting Kumo does not honour. */
  | 'InvalidParameter'
  /** Model constraints (length, pattern, range, enum, required) failed: `failures` lists them. */
  | 'Validation'
  /** A member of the wrong type (a string where a number belongs…), named by its path. */
  | 'WrongType'
  /** The RevisionId given is not the current one. */
  | 'PreconditionFailed'
  /** A resource of another account: AWS does not say whether it exists. */
  | 'AccessDenied'
  /** An invocation payload over the synchronous or asynchronous limit. */
  | 'PayloadTooLarge'
  /** A zipped code or layer package over the upload limit. */
  | 'CodeTooLarge'
  /** A function exists but has no provisioned concurrency config for the qualifier (Lambda's own not-found error for it). */
  | 'ProvisionedConfigNotFound'
  /** No concurrency left: `reason` names which limit (AWS's `Reason` member). */
  | 'Throttled'
  /** A resource-based policy that would pass its size limit (Lambda's PolicyLengthExceeded). */
  | 'PolicyTooLarge';

/** One failed model constraint, as AWS names it: the value, the member path (camelCase), the constraint. */
export interface ConstraintFailure {
  value: unknown;
  path: string;
  constraint: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly detail: { reason?: string; failures?: readonly ConstraintFailure[] } = {},
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new DomainError('NotFound', message);
export const conflict = (message: string) => new DomainError('Conflict', message);
export const invalidParameter = (message: string) => new DomainError('InvalidParameter', message);
export const preconditionFailed = (message: string) => new DomainError('PreconditionFailed', message);
export const accessDenied = (message: string) => new DomainError('AccessDenied', message);
/** AWS's text for a member of the wrong type. */
export const wrongType = (path: string) => new DomainError('WrongType', `Unexpected value type in payload for member '${path}'`);

/**
 * Failed model constraints with AWS's (Coral's) text: "1 validation error
 * detected: Value '…' at '…' failed to satisfy constraint: …", all failures
 * of a request in one message. `kind` InvalidParameter: AWS answers a few
 * model constraints that way (a too-long FunctionName on create).
 */
export function validationFailed(
  failures: readonly ConstraintFailure[],
  kind: 'Validation' | 'InvalidParameter' = 'Validation',
): DomainError {
  const parts = failures.map(
    (f) => `Value '${formatValue(f.value)}' at '${f.path}' failed to satisfy constraint: ${f.constraint}`,
  );
  const n = failures.length;
  return new DomainError(kind, `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`, { failures });
}

/** AWS's text for a required member that is absent (the value is printed unquoted: `Value null`). */
export function required(path: string): DomainError {
  const failures = [{ value: null, path, constraint: 'Member must not be null' }];
  return new DomainError('Validation', `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`, { failures });
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  // AWS prints lists as `[a, b]`, not as JSON.
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x)).join(', ')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
