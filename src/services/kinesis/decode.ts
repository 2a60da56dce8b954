import { gatewayError } from '../../gateway/errors';
import type { Members } from '../../gateway/service';
import { kinesisErrors } from './errors';

/**
 * Reading Kinesis's members as either wire sends them: JSON 1.1 (blobs as
 * base64 strings, timestamps as epoch seconds) or CBOR (blobs as byte
 * strings, timestamps as tagged epoch values). A member of the wrong type
 * is SerializationException, before any constraint, as AWS deserialises first.
 */
const wrongType = (member: string) => gatewayError('SerializationException', `Unexpected value type for member ${member}`, kinesisErrors);

export function str(m: Members, k: string): string | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(k);
  return v;
}

export function int(m: Members, k: string): number | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(k);
  return v;
}

export function bool(m: Members, k: string): boolean | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrongType(k);
  return v;
}

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

export function obj(m: Members, k: string): Members | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw wrongType(k);
  return v as Members;
}

export function list(m: Members, k: string): unknown[] | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw wrongType(k);
  return v;
}

export function strMap(m: Members, k: string): Record<string, string> | undefined {
  const o = obj(m, k);
  if (!o) return undefined;
  for (const v of Object.values(o)) if (typeof v !== 'string') throw wrongType(k);
  return o as Record<string, string>;
}

export function strList(m: Members, k: string): string[] | undefined {
  const l = list(m, k);
  if (!l) return undefined;
  for (const v of l) if (typeof v !== 'string') throw wrongType(k);
  return l as string[];
}
