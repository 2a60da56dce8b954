import { gatewayError } from '../../gateway/errors';
import type { Members } from '../../gateway/service';
import { ssmErrors } from './errors';

/**
 * Reading Systems Manager's JSON 1.1 members: a member of the wrong JSON
 * type is SerializationException, before any constraint, as AWS
 * deserialises before it validates; a missing required member is Coral's
 * "must not be null".
 */
const wrongType = (member: string) => gatewayError('SerializationException', `Unexpected value type for member ${member}`, ssmErrors);

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

export function list(m: Members, k: string): unknown[] | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw wrongType(k);
  return v;
}

export function strList(m: Members, k: string): string[] | undefined {
  const l = list(m, k);
  if (!l) return undefined;
  for (const v of l) if (typeof v !== 'string') throw wrongType(k);
  return l as string[];
}

/** A list of structures (Tags, ParameterFilters). */
export function objList(m: Members, k: string): Members[] | undefined {
  const l = list(m, k);
  if (!l) return undefined;
  for (const v of l) if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrongType(k);
  return l as Members[];
}
