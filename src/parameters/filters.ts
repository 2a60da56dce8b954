import { ParameterError, validation } from './errors';
import { pathRequirementsMessage } from './names';
import type { ParameterType, ParameterVersionRecord } from '../store/types';

/**
 * ParameterFilters (ParameterStringFilter) as DescribeParameters and
 * GetParametersByPath take them, checked with AWS's messages: keys valid
 * for the operation, one filter per key, values present, options per key
 * (Equals and BeginsWith; Name also Contains; Path OneLevel or Recursive;
 * Label only Equals).
 */
export interface ParameterFilter {
  key: string;
  option?: string;
  values?: string[];
}

export type FilterOperation = 'describe' | 'by-path';

const describeKeys = ['Path', 'Name', 'Type', 'KeyId', 'Tier', 'DataType'];
const byPathKeys = ['Type', 'KeyId', 'Label'];
const types: ParameterType[] = ['String', 'StringList', 'SecureString'];

/** Checks the filters, answering AWS's error for the first wrong one. */
export function checkFilters(filters: ParameterFilter[], op: FilterOperation): void {
  const seen = new Set<string>();
  for (const f of filters) {
    const tag = f.key.startsWith('tag:');
    if (op === 'describe' ? !(tag || describeKeys.includes(f.key)) : !byPathKeys.includes(f.key)) {
      const valid = op === 'describe' ? '[Path, Name, Type, KeyId, Tier]' : '[Type, KeyId]';
      throw new ParameterError('InvalidFilterKey', `The following filter key is not valid: ${f.key}. Valid filter keys include: ${valid}.`);
    }
    if (!f.values || f.values.length === 0) throw new ParameterError('InvalidFilterValue', `The following filter values are missing : null for filter key ${f.key}.`);
    if (seen.has(f.key)) {
      throw new ParameterError('InvalidFilterKey', `The following filter is duplicated in the request: ${f.key}. A request can contain only one occurrence of a specific filter.`);
    }
    seen.add(f.key);
    const option = optionOf(f);
    if (f.key === 'Path') {
      if (option !== 'OneLevel' && option !== 'Recursive') {
        throw new ParameterError('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: [Recursive, OneLevel].`);
      }
      for (const v of f.values) {
        if (/^\/(aws|ssm)/i.test(v)) {
          throw validation('Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.');
        }
        if (!v.startsWith('/') || v.includes('//') || !/^[a-zA-Z0-9_.\-/]+$/.test(v)) throw validation(pathRequirementsMessage);
      }
    } else {
      const allowed = f.key === 'Label' ? ['Equals'] : f.key === 'Name' ? ['Equals', 'BeginsWith', 'Contains'] : ['Equals', 'BeginsWith'];
      if (!allowed.includes(option)) {
        throw new ParameterError('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: [${allowed.slice().sort().join(', ')}].`);
      }
    }
    if (f.key === 'Type') {
      for (const v of f.values) {
        if (!types.includes(v as ParameterType)) throw new ParameterError('InvalidFilterValue', `The following filter value is not valid: ${v}. Valid values include: [String, StringList, SecureString].`);
      }
    }
    if (f.key === 'Tier') {
      for (const v of f.values) {
        if (!['Standard', 'Advanced', 'Intelligent-Tiering'].includes(v)) {
          throw new ParameterError('InvalidFilterValue', `The following filter value is not valid: ${v}. Valid values include: [Standard, Advanced, Intelligent-Tiering].`);
        }
      }
    }
  }
}

const optionOf = (f: ParameterFilter) => f.option ?? (f.key === 'Path' ? 'OneLevel' : 'Equals');

function textMatches(what: string | undefined, option: string, values: string[]): boolean {
  if (what === undefined) return false;
  if (option === 'BeginsWith') return values.some((v) => what.startsWith(v));
  if (option === 'Contains') return values.some((v) => what.includes(v));
  return values.includes(what);
}

/** Whether a parameter (its newest version and tags) passes every filter. Label filters are applied by the caller (they pick a version). */
export function matches(p: ParameterVersionRecord, tags: Record<string, string> | undefined, filters: ParameterFilter[]): boolean {
  for (const f of filters) {
    const option = optionOf(f);
    const values = f.values ?? [];
    let ok: boolean;
    if (f.key === 'Name') {
      // A Name filter compares fully qualified names: "a" and "/a" are written alike.
      const q = (n: string) => (n.startsWith('/') ? n : `/${n}`);
      ok = textMatches(q(p.name), option, option === 'Contains' ? values : values.map(q));
    } else if (f.key === 'Type') ok = textMatches(p.type, option, values);
    else if (f.key === 'KeyId') ok = textMatches(p.keyId, option, values);
    else if (f.key === 'DataType') ok = textMatches(p.dataType, option, values);
    else if (f.key === 'Tier') ok = values.includes('Standard');
    else if (f.key === 'Path') ok = values.some((v) => underPath(p.name, v, option === 'Recursive'));
    else if (f.key.startsWith('tag:')) {
      const v = tags?.[f.key.slice(4)];
      ok = v !== undefined && textMatches(v, option, values);
    } else ok = true;
    if (!ok) return false;
  }
  return true;
}

/** Whether `name` is in `path` (one level below it, or anywhere below when recursive). */
export function underPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!name.startsWith(prefix)) return false;
  return recursive || !name.slice(prefix.length).includes('/');
}
