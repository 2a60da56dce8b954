import type { LogCursor } from '../domain/records';

/**
 * Pagination tokens. Opaque to callers, but stable: each one names a position
 * in a total order (events by timestamp then id; groups by name; streams by
 * their sort key then name), so a page never repeats or skips an item that was
 * there when the listing began, whatever is written meanwhile.
 *
 * GetLogEvents' tokens keep AWS's visible shape (`f/<56 digits>`, `b/<56 digits>`:
 * forward = after the position, backward = before it); the others are base64url.
 */
export type StreamToken = { direction: 'f' | 'b'; at: LogCursor };

const tsDigits = 20;
const idDigits = 36;

export function encodeStreamToken(t: StreamToken): string {
  return `${t.direction}/${String(t.at.timestampMs).padStart(tsDigits, '0')}${String(t.at.id).padStart(idDigits, '0')}`;
}

export function decodeStreamToken(s: string): StreamToken | undefined {
  const m = /^([fb])\/(\d{20})(\d{36})$/.exec(s);
  if (!m) return undefined;
  const timestampMs = Number(m[2]);
  const id = Number(m[3]);
  if (!Number.isSafeInteger(timestampMs) || !Number.isSafeInteger(id)) return undefined;
  return { direction: m[1] as 'f' | 'b', at: { timestampMs, id } };
}

/** AWS's eventId is a 56-digit string; ours is the event's position, so it is unique and stable. */
export function eventId(at: LogCursor): string {
  return `${String(at.timestampMs).padStart(tsDigits, '0')}${String(at.id).padStart(idDigits, '0')}`;
}

export function encodeToken(kind: string, value: unknown): string {
  return Buffer.from(JSON.stringify([kind, value])).toString('base64url');
}

/** The value of a token of `kind`, or undefined when the token is not one of ours. */
export function decodeToken(kind: string, token: string): unknown {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(v) && v.length === 2 && v[0] === kind ? v[1] : undefined;
  } catch {
    return undefined;
  }
}

export function decodeCursor(kind: string, token: string): LogCursor | undefined {
  const v = decodeToken(kind, token);
  if (!Array.isArray(v) || v.length !== 2 || !Number.isSafeInteger(v[0]) || !Number.isSafeInteger(v[1])) return undefined;
  return { timestampMs: v[0] as number, id: v[1] as number };
}
