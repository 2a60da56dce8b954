import { combination, invalid, missing } from './errors';

/**
 * Members as either protocol decodes them: the query protocol gives strings
 * (times ISO 8601), JSON gives numbers (times epoch seconds). Each reader
 * accepts both and answers CloudWatch's error for a bad value.
 */
export type In = Record<string, unknown>;

export function str(i: In, name: string, required: true, maxChars?: number): string;
export function str(i: In, name: string, required?: false, maxChars?: number): string | undefined;
export function str(i: In, name: string, required = false, maxChars = 1024): string | undefined {
  const v = i[name];
  if (v === undefined || v === null) {
    if (required) throw missing(name);
    return undefined;
  }
  if (typeof v !== 'string' || v.length < 1 || v.length > maxChars) throw invalid(`The value for parameter ${name} is invalid: it must be 1 to ${maxChars} characters.`);
  return v;
}

export function num(i: In, name: string, path = name): number | undefined {
  const v = i[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw invalid(`The value ${String(v)} for parameter ${path} is invalid.`);
  return n;
}

export function time(i: In, name: string, required: true): number;
export function time(i: In, name: string, required?: false): number | undefined;
export function time(i: In, name: string, required = false): number | undefined {
  const v = i[name];
  if (v === undefined || v === null) {
    if (required) throw missing(name);
    return undefined;
  }
  // CBOR (rpc-v2-cbor) carries a timestamp as tag 1 around epoch seconds.
  if (typeof v === 'object' && v !== null && (v as { tag?: unknown }).tag === 1 && typeof (v as { value?: unknown }).value === 'number') {
    return (v as { value: number }).value * 1000;
  }
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v * 1000 : typeof v === 'string' ? (/^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v)) : NaN;
  if (!Number.isFinite(ms)) throw invalid(`The parameter ${name} must be a valid ISO 8601 timestamp.`);
  return ms;
}

export function list(i: In, name: string): unknown[] | undefined {
  const v = i[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(`The parameter ${name} must be a list.`);
  return v;
}

export function obj(v: unknown, name: string): In {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`The parameter ${name} must be a structure.`);
  return v as In;
}

export { combination, invalid, missing };
