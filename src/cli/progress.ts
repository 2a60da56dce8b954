import { Readable } from 'node:stream';
import type { LambdaClient } from '@aws-sdk/client-lambda';

/** Request bodies at least this large get a progress bar. */
export const progressBytesMin = 1024 * 1024;
const chunkBytes = 64 * 1024;
const barWidth = 30;

/** Progress bars go to stderr when it is a terminal (or KUMO_PROGRESS=1, for tests and CI logs). */
export function progressEnabled(): boolean {
  return process.env.KUMO_PROGRESS === '1' || (process.stderr.isTTY === true && process.env.KUMO_PROGRESS !== '0');
}

function bar(sent: number, total: number): string {
  const f = total ? sent / total : 1;
  const full = Math.round(f * barWidth);
  const mbs = (n: number) => (n / 1024 / 1024).toFixed(1);
  return `  upload [${'#'.repeat(full)}${'.'.repeat(barWidth - full)}] ${String(Math.floor(f * 100)).padStart(3)}% ${mbs(sent)}/${mbs(total)} MB`;
}

/**
 * Shows upload progress for large request bodies (code zips): after signing,
 * the body is handed to the HTTP handler as a stream of chunks, counting what
 * the socket has taken. Each attempt gets its own stream, so retries work.
 */
export function addUploadProgress(client: LambdaClient): void {
  if (!progressEnabled()) return;
  const tty = process.stderr.isTTY === true;
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: unknown } | undefined;
      const body = req?.body;
      if (!(body instanceof Uint8Array) || body.length < progressBytesMin) return next(args);
      const total = body.length;
      let sent = 0;
      let lastPct = -1;
      let lastLogged = -25;
      const report = () => {
        const pct = Math.floor((sent / total) * 100);
        if (pct === lastPct) return;
        lastPct = pct;
        if (tty) process.stderr.write(`\r${bar(sent, total)}${sent === total ? '\n' : ''}`);
        else if (Math.floor(pct / 25) !== Math.floor(lastLogged / 25) || sent === total) {
          lastLogged = pct;
          process.stderr.write(`${bar(sent, total)}\n`);
        }
      };
      const stream = Readable.from(
        (function* () {
          for (let off = 0; off < total; off += chunkBytes) {
            const c = body.subarray(off, Math.min(total, off + chunkBytes));
            sent += c.length;
            report();
            yield Buffer.from(c.buffer, c.byteOffset, c.length);
          }
        })(),
        { objectMode: false },
      );
      const copy = Object.assign(Object.create(Object.getPrototypeOf(req)) as object, req, { body: stream });
      return next({ ...args, request: copy });
    },
    { step: 'deserialize', priority: 'low', name: 'kumoUploadProgress' },
  );
}
