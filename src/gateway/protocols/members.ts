import { gatewayError, type ErrorSpec } from '../errors';
import type { Members } from '../service';

/**
 * Typed reads of decoded JSON/CBOR members, shared by the JSON services
 * (EventBridge, Kinesis, SSM…). A member of the wrong type is the service's
 * SerializationException, before any constraint, as AWS deserialises before
 * it validates; absent or null is undefined. A byte string (CBOR) is never
 * an object.
 */
export interface MemberReaders {
  str(m: Members, k: string): string | undefined;
  int(m: Members, k: string): number | undefined;
  bool(m: Members, k: string): boolean | undefined;
  obj(m: Members, k: string): Members | undefined;
  list(m: Members, k: string): unknown[] | undefined;
  strList(m: Members, k: string): string[] | undefined;
  strMap(m: Members, k: string): Record<string, string> | undefined;
  /** The service's SerializationException for a member. */
  wrongType(member: string): Error;
}

export function memberReaders(errors: Readonly<Record<string, ErrorSpec>>): MemberReaders {
  const wrongType = (member: string) => gatewayError('SerializationException', `Unexpected value type for member ${member}`, errors);
  const absent = (v: unknown) => v === undefined || v === null;
  const r: MemberReaders = {
    wrongType,
    str(m, k) {
      const v = m[k];
      if (absent(v)) return undefined;
      if (typeof v !== 'string') throw wrongType(k);
      return v;
    },
    int(m, k) {
      const v = m[k];
      if (absent(v)) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(k);
      return v;
    },
    bool(m, k) {
      const v = m[k];
      if (absent(v)) return undefined;
      if (typeof v !== 'boolean') throw wrongType(k);
      return v;
    },
    obj(m, k) {
      const v = m[k];
      if (absent(v)) return undefined;
      if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw wrongType(k);
      return v as Members;
    },
    list(m, k) {
      const v = m[k];
      if (absent(v)) return undefined;
      if (!Array.isArray(v)) throw wrongType(k);
      return v;
    },
    strList(m, k) {
      const l = r.list(m, k);
      if (l && !l.every((x) => typeof x === 'string')) throw wrongType(k);
      return l as string[] | undefined;
    },
    strMap(m, k) {
      const o = r.obj(m, k);
      if (o && !Object.values(o).every((x) => typeof x === 'string')) throw wrongType(k);
      return o as Record<string, string> | undefined;
    },
  };
  return r;
}
