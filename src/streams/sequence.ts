/**
 * Sequence numbers as AWS shows them: 56 decimal digits. Kumo's are
 * `49` + the shard's ordinal (6 digits) + the stream's counter (48 digits),
 * so they grow strictly within a shard (and across the stream: a child's
 * numbers follow its parents'), compare as strings of equal length, and name
 * the shard they belong to, as AWS's do.
 */
const prefix = '49';
export const sequenceDigits = 56;

export function formatSequence(ordinal: number, counter: number): string {
  return prefix + String(ordinal).padStart(6, '0') + String(counter).padStart(48, '0');
}

/** The (ordinal, counter) a sequence number encodes; undefined when it is not one of Kumo's. */
export function parseSequence(s: string): { ordinal: number; counter: number } | undefined {
  if (s.length !== sequenceDigits || !/^\d+$/.test(s) || !s.startsWith(prefix)) return undefined;
  const counter = Number(s.slice(8));
  if (!Number.isSafeInteger(counter)) return undefined;
  return { ordinal: Number(s.slice(2, 8)), counter };
}
