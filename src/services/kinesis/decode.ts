import { memberReaders } from '../../gateway/protocols/members';
import type { Members } from '../../gateway/service';
import { kinesisErrors } from './errors';

/**
 * Reading Kinesis's members as either wire sends them: JSON 1.1 (blobs as
 * base64 strings, timestamps as epoch seconds) or CBOR (blobs as byte
 * strings, timestamps as tagged epoch values). A member of the wrong type
 * is SerializationException, before any constraint, as AWS deserialises first.
 */
const readers = memberReaders(kinesisErrors);
const { wrongType } = readers;
export const { str, int, bool, obj, list, strMap, strList } = readers;




export function blob(m: Members, k: string): Buffer | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw wrongType(k);
  return Buffer.from(v, 'base64');
}

/** A timestamp in epoch milliseconds. */
export function timestampMs(m: Members, k: string): number | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return Math.round(v * 1000);
  // CBOR's tag 1 (epoch seconds), as the codec hands it over.
  if (typeof v === 'object' && (v as { tag?: unknown }).tag === 1 && typeof (v as { value?: unknown }).value === 'number') {
    return Math.round((v as { value: number }).value * 1000);
  }
  // Some clients send an ISO 8601 string.
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw wrongType(k);
}




