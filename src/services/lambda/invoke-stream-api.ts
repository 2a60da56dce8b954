import { Readable } from 'node:stream';
import type { InvokeService, StreamedInvokeResult } from '../../invoke/service';
import type { FunctionService } from '../../control/functions';
import { limits } from '../../config';
import { ApiError } from './errors';
import { decodeInvoke, header } from './invoke-api';
import { encodeEvent } from './event-stream';
import type { ApiResponse, Route } from './http';

const invocationTypes = ['RequestResponse', 'DryRun'] as const;

/**
 * InvokeWithResponseStream (POST /2021-11-15/functions/{name}/response-streaming-invocations):
 * the function's response as an event stream (`application/vnd.amazon.eventstream`),
 * a `PayloadChunk` event per piece as the function writes it, then one
 * `InvokeComplete` (ErrorCode/ErrorDetails when the invocation failed,
 * LogResult with Tail). Errors before the function answers (not found,
 * throttle, bad input) are ordinary JSON errors; after that the status is
 * 200 and a failure is told in InvokeComplete. A function that does not
 * stream has its buffered answer sent as one chunk.
 */
export function invokeStreamRoutes(deps: { functions: FunctionService; invoker: InvokeService }): Route[] {
  return [
    {
      method: 'POST',
      path: ['2021-11-15', 'functions', '{name}', 'response-streaming-invocations'],
      operation: 'InvokeWithResponseStream',
      tooLarge: () =>
        new ApiError('RequestTooLargeException', `Request must be smaller than ${limits.syncPayloadBytesMax} bytes for the InvokeWithResponseStream operation`),
      bodyBytesMax: limits.syncPayloadBytesMax,
      auth: true,
      handle: async (req, p): Promise<ApiResponse> => {
        const { type, logType, name, qualifier, clientContext, payload } = decodeInvoke(req, p.name!, deps.functions, invocationTypes);
        const target = await deps.invoker.resolve(name, qualifier);
        if (type === 'DryRun') return { status: 204 };
        const r = await deps.invoker.invokeStream(
          { name, qualifier, payload, tail: logType === 'Tail', clientContext, traceId: header(req.headers['x-amzn-trace-id']) },
          target,
        );
        // Byte mode: its read-ahead is 16 KiB, not 16 events of up to a chunk each.
        const stream = Readable.from(events(r), { objectMode: false });
        // The client went away: hand the invocation's body back at once, not at the next chunk.
        stream.once('close', () => {
          if (!r.body.readableEnded) r.body.destroy();
        });
        return {
          status: 200,
          headers: {
            'content-type': 'application/vnd.amazon.eventstream',
            'x-amz-executed-version': r.executedVersion,
            'x-amzn-requestid': r.requestId,
          },
          stream,
        };
      },
    },
  ];
}


/**
 * The event stream of one invocation, pulled as the client reads it (so the
 * client's pace is the function's).
 */
async function* events(r: StreamedInvokeResult): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of r.body as AsyncIterable<Buffer>) {
      if (chunk.length > 0) yield encodeEvent('PayloadChunk', 'application/octet-stream', chunk);
    }
  } finally {
    if (!r.body.readableEnded) r.body.destroy();
  }
  const c = await r.completion;
  const complete: Record<string, string> = {};
  // ErrorCode is the error's type (the runtime's Lambda-Runtime-Function-Error-Type,
  // AWS: "forwards the error metadata that the runtime provides to the client"),
  // ErrorDetails its message. No recording of real AWS's InvokeComplete for a
  // failed function exists to check ErrorDetails' exact text against.
  if (c.error) {
    complete.ErrorCode = c.error.errorType;
    complete.ErrorDetails = c.error.errorMessage;
  }
  if (c.logResult !== undefined) complete.LogResult = c.logResult;
  yield encodeEvent('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(complete)));
}
