import { Transform, type TransformCallback } from 'node:stream';
import { streamLimits, type StreamLimits } from './limits';

/**
 * What a streamed response passes through on its way to the caller: AWS's
 * size limit and its bandwidth rule (the first `uncappedBytes` as fast as they
 * come, the rest at most `cappedBytesPerSecond`). Backpressure is the
 * stream's own: a chunk is acknowledged only once it may go on, so a slow
 * client (or the cap) pauses the runtime's POST, and through TCP the
 * function's writes; nothing piles up here beyond the stream's buffers.
 *
 * Past `responseBytesMax` the bytes up to the limit go on, the rest is
 * dropped and `onOverLimit` is called once (the invoke path then ends the
 * invocation with AWS's size error).
 */
export class ResponseGovernor extends Transform {
  private bytes = 0;
  /** When the first capped byte passed (performance.now()). */
  private cappedSinceMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private over = false;

  constructor(
    private readonly limits: StreamLimits,
    private readonly onOverLimit: () => void,
  ) {
    super();
  }

  /** Bytes passed on so far. */
  get bytesPassed(): number {
    return Math.min(this.bytes, this.limits.responseBytesMax);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.over) return cb();
    const before = this.bytes;
    this.bytes += chunk.length;
    if (this.bytes > this.limits.responseBytesMax) {
      this.over = true;
      const room = this.limits.responseBytesMax - before;
      if (room > 0) this.push(chunk.subarray(0, room));
      this.onOverLimit();
      return cb();
    }
    this.push(chunk);
    const capped = this.bytes - this.limits.uncappedBytes;
    if (capped <= 0) return cb();
    const now = performance.now();
    this.cappedSinceMs ??= now;
    // The capped bytes so far may have taken no less than capped / rate seconds.
    const dueMs = this.cappedSinceMs + (capped / this.limits.cappedBytesPerSecond) * 1000;
    if (dueMs <= now) return cb();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      cb();
    }, dueMs - now);
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    cb(err);
  }
}

/** The content type of an HTTP integration response (`awslambda.HttpResponseStream.from`). */
export const httpIntegrationContentType = 'application/vnd.awslambda.http-integration-response';
/** What ends the JSON prelude of an HTTP integration response: 8 NUL bytes (AWS's runtime writes them after the prelude). */
const preludeDelimiterBytes = 8;
const preludeBytesMax = streamLimits.httpPreludeBytesMax;

export interface HttpPrelude {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
}

/**
 * Splits an HTTP integration response (`application/vnd.awslambda.http-integration-response`)
 * into its JSON prelude and the body bytes after the 8 NUL delimiter, for a
 * function URL in RESPONSE_STREAM mode: feed it the stream's chunks in order;
 * `push` returns the prelude once it is complete (then every later byte,
 * including the rest of that chunk, is body), or undefined while it is still
 * arriving. A stream that ends before the delimiter has no prelude
 * (`end()` gives what arrived, as body).
 */
export class HttpPreludeSplitter {
  private buffered: Buffer[] = [];
  private size = 0;
  private done = false;

  /** Returns `{ prelude, body }` once the delimiter is seen; `body` is what followed it in this chunk. */
  push(chunk: Buffer): { prelude: HttpPrelude; body: Buffer } | { body: Buffer } | undefined {
    if (this.done) return { body: chunk };
    this.buffered.push(chunk);
    this.size += chunk.length;
    const all = Buffer.concat(this.buffered);
    const at = findNulRun(all, preludeDelimiterBytes);
    if (at < 0) {
      if (this.size > preludeBytesMax) throw new Error(`the HTTP integration prelude is longer than ${preludeBytesMax} bytes`);
      return undefined;
    }
    this.done = true;
    this.buffered = [];
    const prelude = JSON.parse(all.subarray(0, at).toString('utf8') || '{}') as HttpPrelude;
    return { prelude, body: all.subarray(at + preludeDelimiterBytes) };
  }

  /** The bytes held back when the stream ended before its prelude did. */
  end(): Buffer {
    const rest = Buffer.concat(this.buffered);
    this.buffered = [];
    return rest;
  }
}

function findNulRun(buf: Buffer, n: number): number {
  let run = 0;
  for (let i = 0; i < buf.length; i++) {
    run = buf[i] === 0 ? run + 1 : 0;
    if (run === n) return i - n + 1;
  }
  return -1;
}
