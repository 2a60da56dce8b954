import { Readable } from 'node:stream';
import type { InvocationOutcome } from '../sandbox/execution-environment';
import type { InvokeResult } from './service';

/**
 * A response handed over as the function writes it (`invokeStream`).
 * Read `body` (it applies backpressure all the way to the function); once it
 * has ended, `completion` tells how the invocation ended. A caller whose
 * client has gone away destroys `body`: the function runs on to its end (AWS:
 * "streamed responses are not interrupted or stopped when the invoking client
 * connection is broken"), its remaining output is discarded, and lease and EE
 * are released as for any invoke.
 */
export interface StreamedInvokeResult {
  requestId: string;
  executedVersion: string;
  /**
   * The function's content type: what a streaming runtime sent
   * (`application/vnd.awslambda.http-integration-response` for
   * `awslambda.HttpResponseStream.from`, see HttpPreludeSplitter), or
   * `application/json` for a buffered answer; undefined on an error before any byte.
   */
  contentType: string | undefined;
  /** Whether the runtime streamed (false: a buffered answer, handed over as one chunk). */
  streamed: boolean;
  /** The response bytes, in the order written. Ends normally even when the invocation fails: see `completion`. */
  body: Readable;
  /** Settles (never rejects) once the invocation is over: END/REPORT logged, lease and EE released. */
  completion: Promise<StreamCompletion>;
}

export interface StreamCompletion {
  /** The function's (or the platform's) error, if the invocation failed. */
  error?: { errorType: string; errorMessage: string; /** The error document as the runtime posted it. */ body: Buffer; platform: boolean };
  /** Base64 of the last 4 KB of the log (Tail). */
  logResult?: string;
  /** Response bytes handed over. */
  bytes: number;
}

/** AWS's size error for a streamed response over its limit (the message is Invoke's, with the streaming limit). */
export function streamTooLarge(bytesMax: number): InvocationOutcome {
  const errorMessage = `Response payload size exceeded maximum allowed payload size (${bytesMax} bytes).`;
  return { kind: 'error', errorType: 'Function.ResponseSizeTooLarge', body: Buffer.from(JSON.stringify({ errorMessage, errorType: 'Function.ResponseSizeTooLarge' })) };
}

/** A buffered answer (or an error before any byte) handed over as a stream: its payload as one chunk, as AWS streams a function that does not stream. */
export function buffered(r: InvokeResult, contentType: string | undefined): StreamedInvokeResult {
  const ok = r.functionError === undefined;
  const completion = completionOf(r, ok ? r.payload.length : 0);
  return {
    requestId: r.requestId,
    executedVersion: r.executedVersion,
    contentType,
    streamed: false,
    body: Readable.from(ok && r.payload.length > 0 ? [r.payload] : []),
    completion: Promise.resolve(completion),
  };
}

/** The error (type, message, document) and log tail of a finished invocation. */
export function completionOf(r: InvokeResult, bytes: number): StreamCompletion {
  if (r.functionError === undefined) return { logResult: r.logResult, bytes };
  let errorType = r.platformError ?? 'Unhandled';
  let errorMessage = r.payload.toString('utf8');
  try {
    const doc = JSON.parse(errorMessage) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof doc.errorType === 'string' && !r.platformError) errorType = doc.errorType;
    if (typeof doc.errorMessage === 'string') errorMessage = doc.errorMessage;
  } catch {
    // Not JSON: the document is the message.
  }
  return { error: { errorType, errorMessage, body: r.payload, platform: r.platformError !== undefined }, logResult: r.logResult, bytes };
}

