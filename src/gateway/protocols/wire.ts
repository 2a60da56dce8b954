import type { Readable } from 'node:stream';
/** A response as it goes on the wire; the gateway adds x-amzn-RequestId and content-length. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** A streamed body (no content-length: chunked on HTTP/1.1). */
  stream?: Readable;
}
