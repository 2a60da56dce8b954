/**
 * What every AWS-facing error carries, whichever service raised it: AWS's
 * error name, HTTP status, fault side (AWS's "Sender"/"Receiver", "User"/
 * "Service") and which member name AWS's model gives the message (`message`
 * or `Message`: the SDKs read the one the model names). Each service keeps
 * its own registry of these (`ErrorSpec` per name, checked against its API
 * model); the gateway encodes them in the protocol the request came in.
 */
export interface ErrorSpec {
  status: number;
  fault: 'client' | 'server';
  /** The member name AWS's model gives the message. */
  messageKey: 'message' | 'Message';
  /**
   * The error's code in the query protocol, where the model's
   * `awsQueryError` trait gives one other than the name (SQS:
   * `AWS.SimpleQueueService.NonExistentQueue` for QueueDoesNotExist). Query
   * answers use it as `<Code>`; JSON answers of an `awsQueryCompatible`
   * service carry it in `x-amzn-query-error`.
   */
  queryCode?: string;
}

/** An error the caller sees with AWS's name, status and message. */
export class ServiceError extends Error {
  constructor(
    readonly errorName: string,
    readonly spec: ErrorSpec,
    message: string,
    /** Extra members AWS includes in the error body (e.g. `Reason` for TooManyRequestsException). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return this.spec.status;
  }
}

export const clientError = (status: number, messageKey: 'message' | 'Message' = 'message'): ErrorSpec => ({ status, fault: 'client', messageKey });
export const serverError = (status: number, messageKey: 'message' | 'Message' = 'message'): ErrorSpec => ({ status, fault: 'server', messageKey });

/**
 * Errors the gateway itself raises before any service sees the request
 * (AWS's "common errors", https://docs.aws.amazon.com/general/latest/gr/api-retries.html and each
 * API reference's Common Errors page). A service's registry may give one of
 * these names another status (Lambda answers signature errors with 403).
 */
export const gatewayErrors = {
  MissingAuthenticationTokenException: clientError(403),
  IncompleteSignatureException: clientError(400),
  UnrecognizedClientException: clientError(400),
  InvalidSignatureException: clientError(400),
  /** An expired session's key (STS's, or an EE's role credentials): 403, "The security token included in the request is expired". */
  ExpiredTokenException: clientError(403),
  UnknownOperationException: clientError(400),
  SerializationException: clientError(400),
  ValidationException: clientError(400),
  RequestEntityTooLargeException: clientError(413),
  InternalFailure: serverError(500),
} as const satisfies Record<string, ErrorSpec>;

export type GatewayErrorName = keyof typeof gatewayErrors;

/** A gateway error; `registry` (the service's) overrides the status where that service differs. */
export function gatewayError(name: GatewayErrorName, message: string, registry?: Readonly<Record<string, ErrorSpec>>): ServiceError {
  return new ServiceError(name, registry?.[name] ?? gatewayErrors[name], message);
}
