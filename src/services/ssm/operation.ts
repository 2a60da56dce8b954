import type { Members } from '../../gateway/service';
import type { ParameterFilter } from '../../parameters/filters';
import type { ParameterService, ParameterView } from '../../parameters/parameter-service';
import { constraint } from '../../parameters/errors';
import { objList, str, strList } from './decode';

/** What the SSM service needs from the domain. */
export interface SsmDeps {
  parameters: ParameterService;
}

/** A required member (Coral's "must not be null", naming it in lowerCamelCase as Systems Manager does). */
export function required<T>(v: T | undefined, member: string): T {
  if (v === undefined) throw constraint(member, null, 'Member must not be null');
  return v;
}

/** Tags ([{Key, Value}]) as a map. */
export function tagsOf(m: Members, k = 'Tags'): Record<string, string> | undefined {
  const l = objList(m, k);
  if (!l) return undefined;
  const out: Record<string, string> = {};
  for (const t of l) out[required(str(t, 'Key'), 'Tags.member.key')] = required(str(t, 'Value'), 'Tags.member.value');
  return out;
}

export function filtersOf(m: Members, k: string): ParameterFilter[] | undefined {
  return objList(m, k)?.map((f) => ({ key: required(str(f, 'Key'), `${k}.member.key`), option: str(f, 'Option'), values: strList(f, 'Values') }));
}

/** The Parameter shape (GetParameter, GetParameters, GetParametersByPath): LastModifiedDate in epoch seconds with a fraction. */
export function parameterShape(p: ParameterView): Members {
  return {
    Name: p.name, Type: p.type, Value: p.value, Version: p.version, ...(p.selector !== undefined ? { Selector: p.selector } : {}),
    LastModifiedDate: p.modifiedMs / 1000, ARN: p.arn, DataType: p.dataType,
  };
}
