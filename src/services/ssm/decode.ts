import { memberReaders } from '../../gateway/protocols/members';
import type { Members } from '../../gateway/service';
import { ssmErrors } from './errors';

/**
 * Reading Systems Manager's JSON 1.1 members: a member of the wrong JSON
 * type is SerializationException, before any constraint, as AWS
 * deserialises before it validates; a missing required member is Coral's
 * "must not be null".
 */
const readers = memberReaders(ssmErrors);
const { wrongType } = readers;
export const { str, int, bool, list, strList } = readers;






/** A list of structures (Tags, ParameterFilters). */
export function objList(m: Members, k: string): Members[] | undefined {
  const l = list(m, k);
  if (!l) return undefined;
  for (const v of l) if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrongType(k);
  return l as Members[];
}
