import type { Members } from '../../gateway/service';
import { logsError } from './errors';

/**
 * Input validation with the model's constraints (logs-2014-03-28) and AWS's
 * words: every failure of a request is listed in one
 * `N validation error(s) detected: Value '…' at '…' failed to satisfy constraint: …`
 * InvalidParameterException. A member of the wrong JSON type is a
 * SerializationException, as AWS's JSON services answer it. Unknown members
 * are ignored, as AWS ignores them.
 */
export type Rule =
  | { type: 'string'; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { type: 'long' | 'integer'; min?: number; max?: number; enum?: readonly number[] }
  | { type: 'boolean' }
  | { type: 'list'; min?: number; max?: number; member: Rule }
  | { type: 'map'; min?: number; max?: number }
  | { type: 'structure'; members: Record<string, Rule>; required?: readonly string[] };

export type Shape = { members: Record<string, Rule>; required?: readonly string[] };

const patterns = new Map<string, RegExp>();
const anchored = (p: string) => {
  let r = patterns.get(p);
  if (!r) patterns.set(p, (r = new RegExp(`^(?:${p})$`, 'su')));
  return r;
};

/** Checks `input` against `shape`; returns it typed as the caller declares, or throws AWS's error. */
export function validate<T>(input: Members, shape: Shape): T {
  const failures: string[] = [];
  checkStructure(input, shape.members, shape.required ?? [], '', failures);
  if (failures.length) {
    const n = failures.length;
    throw logsError('InvalidParameterException', `${n} validation error${n > 1 ? 's' : ''} detected: ${failures.join('; ')}`);
  }
  return input as T;
}

function checkStructure(v: Members, members: Record<string, Rule>, required: readonly string[], prefix: string, out: string[]): void {
  for (const name of required) {
    if (v[name] === undefined || v[name] === null) out.push(`Value null at '${prefix}${name}' failed to satisfy constraint: Member must not be null`);
  }
  for (const [name, rule] of Object.entries(members)) {
    const x = v[name];
    if (x === undefined || x === null) continue;
    check(x, rule, prefix + name, out);
  }
}

function typeError(path: string, type: string): never {
  throw logsError('SerializationException', `Value at '${path}' is not a valid ${type}.`);
}

function shown(x: unknown): string {
  return typeof x === 'string' ? x : JSON.stringify(x);
}

function check(x: unknown, r: Rule, path: string, out: string[]): void {
  const fail = (c: string) => out.push(`Value '${shown(x)}' at '${path}' failed to satisfy constraint: ${c}`);
  switch (r.type) {
    case 'string': {
      if (typeof x !== 'string') typeError(path, 'string');
      const len = [...x].length;
      if (r.min !== undefined && len < r.min) fail(`Member must have length greater than or equal to ${r.min}`);
      if (r.max !== undefined && len > r.max) fail(`Member must have length less than or equal to ${r.max}`);
      if (r.pattern !== undefined && len > 0 && !anchored(r.pattern).test(x)) fail(`Member must satisfy regular expression pattern: ${r.pattern}`);
      if (r.enum && !r.enum.includes(x)) fail(`Member must satisfy enum value set: [${r.enum.join(', ')}]`);
      return;
    }
    case 'long':
    case 'integer': {
      if (typeof x !== 'number' || !Number.isInteger(x)) typeError(path, r.type);
      if (r.min !== undefined && x < r.min) fail(`Member must have value greater than or equal to ${r.min}`);
      if (r.max !== undefined && x > r.max) fail(`Member must have value less than or equal to ${r.max}`);
      if (r.enum && !r.enum.includes(x)) fail(`Member must satisfy enum value set: [${r.enum.join(', ')}]`);
      return;
    }
    case 'boolean':
      if (typeof x !== 'boolean') typeError(path, 'boolean');
      return;
    case 'list': {
      if (!Array.isArray(x)) typeError(path, 'list');
      if (r.min !== undefined && x.length < r.min) fail(`Member must have length greater than or equal to ${r.min}`);
      if (r.max !== undefined && x.length > r.max) fail(`Member must have length less than or equal to ${r.max}`);
      x.forEach((m, i) => {
        if (m === null || m === undefined) out.push(`Value null at '${path}.${i + 1}.member' failed to satisfy constraint: Member must not be null`);
        else check(m, r.member, `${path}.${i + 1}.member`, out);
      });
      return;
    }
    case 'map': {
      if (typeof x !== 'object' || Array.isArray(x)) typeError(path, 'map');
      const n = Object.keys(x as object).length;
      if (r.min !== undefined && n < r.min) fail(`Member must have length greater than or equal to ${r.min}`);
      if (r.max !== undefined && n > r.max) fail(`Member must have length less than or equal to ${r.max}`);
      return;
    }
    case 'structure':
      if (typeof x !== 'object' || Array.isArray(x)) typeError(path, 'structure');
      checkStructure(x as Members, r.members, r.required ?? [], path + '.', out);
      return;
  }
}
