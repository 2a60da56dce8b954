/**
 * Limits of streamed responses (InvokeWithResponseStream, RESPONSE_STREAM
 * function URLs), AWS's values cited
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html).
 */
export const streamLimits = {
  /**
   * One streamed response, bytes. AWS: "response streaming functions can
   * return payloads up to 200 MB" (raised from 20 MB on 2025-07-31), taken
   * as 200 MiB, as AWS's 6 MB buffered limit is 6 MiB.
   */
  responseBytesMax: 200 * 1024 * 1024,
  /** AWS: "The first 6 MB of your function's response payload has uncapped bandwidth." */
  uncappedBytes: 6 * 1024 * 1024,
  /** AWS: "After this initial burst, Lambda streams your response at a maximum rate of 2 MBps." */
  cappedBytesPerSecond: 2 * 1024 * 1024,
  /**
   * The JSON prelude of an HTTP integration response (status, headers,
   * cookies) read before its 8 NUL delimiter; longer is not one. Kumo's bound
   * (AWS documents none), well above what fits in an HTTP response head.
   */
  httpPreludeBytesMax: 64 * 1024,
} as const;

export interface StreamLimits {
  responseBytesMax: number;
  uncappedBytes: number;
  cappedBytesPerSecond: number;
}

/**
 * AWS's limits, unless KUMO_STREAM_RESPONSE_BYTES_MAX lowers the size limit
 * (tests use it to reach the limit without streaming 200 MB at 2 MiB/s; the
 * path is the same). An unusable value is refused, not ignored.
 */
export function streamLimitsFromEnv(env: NodeJS.ProcessEnv): StreamLimits {
  const raw = env.KUMO_STREAM_RESPONSE_BYTES_MAX;
  if (raw === undefined || raw === '') return { ...streamLimits };
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`KUMO_STREAM_RESPONSE_BYTES_MAX must be a positive integer, not ${JSON.stringify(raw)}`);
  return { ...streamLimits, responseBytesMax: n };
}
