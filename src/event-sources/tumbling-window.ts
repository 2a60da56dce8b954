/**
 * Tumbling windows of a Kinesis mapping (TumblingWindowInSeconds > 0; AWS:
 * "Using tumbling windows with AWS Lambda functions", the KinesisTimeWindowEvent
 * and TimeWindowEventResponse samples). Pure: the poller (stream-poller.ts)
 * decides when to invoke; this file says what a window is, what the event
 * is and how the answer is read.
 *
 *   - Every record belongs to one window, aligned to its arrival time:
 *     start = floor(approximateArrivalTimestamp / window) × window.
 *   - The event is the Kinesis event plus `window {start, end}` (ISO 8601,
 *     whole seconds as AWS writes them: "2020-12-09T07:04:00Z"), `state`
 *     (what the previous invocation of the window returned, `{}` at first),
 *     `shardId`, `eventSourceARN`, `isFinalInvokeForWindow`,
 *     `isWindowTerminatedEarly`.
 *   - "The Lambda function response must contain a state property. If the
 *     response does not contain a state property, Lambda considers this a
 *     failed invocation."
 */
import * as L from './limits';

/** The open window of a shard, as stored with its checkpoint (checkpoints.ts `window`). */
export interface OpenWindow {
  startMs: number;
  /** What the function last returned as `state` for this window. */
  state: unknown;
  /** The last state passed the 1 MB limit: the next invoke is the window's final one, marked terminated early. */
  terminatedEarly: boolean;
}

export function windowStartMs(arrivalMs: number, windowSeconds: number): number {
  const w = windowSeconds * 1000;
  return Math.floor(arrivalMs / w) * w;
}

export function encodeWindow(w: OpenWindow | undefined): string | undefined {
  return w === undefined ? undefined : JSON.stringify(w);
}

export function decodeWindow(text: string | undefined): OpenWindow | undefined {
  if (text === undefined) return undefined;
  const v = JSON.parse(text) as Partial<OpenWindow>;
  return { startMs: Number(v.startMs), state: v.state ?? {}, terminatedEarly: v.terminatedEarly === true };
}

/** ISO 8601 without milliseconds (window bounds are whole seconds). */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The event of one window invocation, from records already serialised (kinesis-event.ts). */
export function windowEventPayload(jsons: string[], o: { window: OpenWindow; windowSeconds: number; shardId: string; streamArn: string; final: boolean }): Buffer {
  const tail = {
    window: { start: iso(o.window.startMs), end: iso(o.window.startMs + o.windowSeconds * 1000) },
    state: o.window.state,
    shardId: o.shardId,
    eventSourceARN: o.streamArn,
    isFinalInvokeForWindow: o.final,
    isWindowTerminatedEarly: o.final && o.window.terminatedEarly,
  };
  const rest = JSON.stringify(tail).slice(1);
  return Buffer.from(`{"Records":[${jsons.join(',')}],${rest}`);
}

/** The `state` of a window invocation's answer, or why the invocation counts as failed. */
export function readWindowState(payload: Buffer): { ok: true; state: unknown; bytes: number } | { ok: false; why: string } {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, why: 'the response is not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, why: 'the response is not a JSON object' };
  const state = (v as Record<string, unknown>).state;
  if (state === undefined || state === null) return { ok: false, why: 'the response has no state property' };
  return { ok: true, state, bytes: Buffer.byteLength(JSON.stringify(state)) };
}

/** Whether a returned state ends its window early (AWS: over 1 MB per shard). */
export function overStateLimit(bytes: number): boolean {
  return bytes > L.tumblingWindowStateBytesMax;
}
