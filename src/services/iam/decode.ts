import type { Members } from '../../gateway/service';
import type { ServiceError } from '../../gateway/errors';

/**
 * Reads of query-protocol members (every value arrives as a string, lists
 * and maps already unwrapped by the gateway), with the Coral-style
 * ValidationError the query services answer for a missing or malformed one.
 * Shared by IAM and STS, which word these errors alike.
 */
export function queryReaders(error: (code: string, message: string) => ServiceError) {
  const invalid = (member: string, value: unknown, rule: string) =>
    error('ValidationError', `1 validation error detected: Value '${String(value)}' at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: ${rule}`);
  const str = (m: Members, k: string): string | undefined => {
    const v = m[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalid(k, '[object]', 'Member must be a string');
    return v;
  };
  return {
    str,
    required(m: Members, k: string): string {
      const v = str(m, k);
      if (v === undefined) throw error('ValidationError', `1 validation error detected: Value null at '${k[0]!.toLowerCase()}${k.slice(1)}' failed to satisfy constraint: Member must not be null`);
      return v;
    },
    int(m: Members, k: string): number | undefined {
      const v = str(m, k);
      if (v === undefined) return undefined;
      if (!/^-?[0-9]{1,10}$/.test(v)) throw invalid(k, v, 'Member must be an integer');
      return Number(v);
    },
    bool(m: Members, k: string): boolean | undefined {
      const v = str(m, k);
      if (v === undefined) return undefined;
      if (v !== 'true' && v !== 'false') throw invalid(k, v, 'Member must be a boolean');
      return v === 'true';
    },
    /** `Tags.member.N.Key/Value` → [key, value] pairs. */
    tags(m: Members, k = 'Tags'): [string, string][] {
      const v = m[k];
      if (v === undefined || v === '') return [];
      if (!Array.isArray(v)) throw invalid(k, '[object]', 'Member must be a list');
      return v.map((t: unknown) => {
        const o = (t ?? {}) as Record<string, unknown>;
        if (typeof o.Key !== 'string') throw error('ValidationError', `1 validation error detected: Value null at '${k.toLowerCase()}.member.key' failed to satisfy constraint: Member must not be null`);
        return [o.Key, typeof o.Value === 'string' ? o.Value : ''];
      });
    },
    strList(m: Members, k: string): string[] {
      const v = m[k];
      if (v === undefined || v === '') return [];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(k, '[object]', 'Member must be a list of strings');
      return v as string[];
    },
  };
}
