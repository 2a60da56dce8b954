import type { ParsedTemplate } from './template';

/**
 * CloudFormation's intrinsic functions, evaluated locally. Values of resources
 * that do not exist yet (planning) are placeholders: strings carrying the
 * `afterApply` marker, so Sub/Join keep working and the plan can tell a
 * property "depends on X".
 */
export const NoValue = Symbol('AWS::NoValue');

const marker = '\u0000after-apply:';
export const afterApply = (id: string) => `${marker}${id}\u0000`;
export function pendingRefs(v: unknown): string[] {
  const s = JSON.stringify(v) ?? '';
  const out = new Set<string>();
  for (const m of s.matchAll(/\\u0000after-apply:([^\\]+)\\u0000/g)) out.add(m[1]!);
  return [...out];
}
/** Renders placeholders for the plan: "(known after apply: X)". */
export const showPending = (s: string) => s.replace(new RegExp(`${marker}([^\\u0000]+)\\u0000`, 'g'), '<$1, known after apply>');

export interface ResolveCtx {
  tpl: ParsedTemplate;
  params: Record<string, string | string[]>;
  pseudo: Record<string, string>;
  mappings: Record<string, unknown>;
  conditionDefs: Record<string, unknown>;
  /** Known resource logical ids (after conditions). */
  resourceIds: Set<string>;
  /** All logical ids declared (including those whose Condition is false). */
  declaredIds: Set<string>;
  ref(id: string, path: string): string;
  getAtt(id: string, attr: string, path: string): string;
}

const intrinsicKeys = new Set([
  'Ref',
  'Fn::Sub',
  'Fn::GetAtt',
  'Fn::If',
  'Fn::Equals',
  'Fn::Not',
  'Fn::And',
  'Fn::Or',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::ImportValue',
  'Fn::Cidr',
  'Fn::Length',
  'Fn::ToJsonString',
  'Fn::Transform',
]);

function intrinsicOf(v: unknown): [string, unknown] | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1 || !intrinsicKeys.has(keys[0]!)) return undefined;
  return [keys[0]!, (v as Record<string, unknown>)[keys[0]!]];
}

/** The logical ids a value refers to (Ref, GetAtt, ${X} / ${X.Attr} in Sub). */
export function referencedIds(v: unknown, out = new Set<string>()): Set<string> {
  const fn = intrinsicOf(v);
  if (fn) {
    const [k, a] = fn;
    if (k === 'Ref' && typeof a === 'string') out.add(a.split('.')[0]!);
    else if (k === 'Fn::GetAtt' && Array.isArray(a) && typeof a[0] === 'string') out.add(a[0].split('.')[0]!);
    else if (k === 'Fn::Sub') {
      const s = Array.isArray(a) ? a[0] : a;
      const vars = Array.isArray(a) && a[1] && typeof a[1] === 'object' ? Object.keys(a[1] as object) : [];
      if (typeof s === 'string') {
        for (const m of s.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = m[1]!.trim();
          if (!vars.includes(name)) out.add(name.split('.')[0]!);
        }
      }
      if (Array.isArray(a)) referencedIds(a[1], out);
    } else referencedIds(a, out);
    return out;
  }
  if (Array.isArray(v)) for (const x of v) referencedIds(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) referencedIds(x, out);
  return out;
}

export class Resolver {
  private conditionCache = new Map<string, boolean>();
  private evaluating = new Set<string>();

  constructor(readonly ctx: ResolveCtx) {}

  private err(path: string, msg: string): Error {
    return this.ctx.tpl.error(path, msg);
  }

  condition(name: string, path: string): boolean {
    const hit = this.conditionCache.get(name);
    if (hit !== undefined) return hit;
    if (!(name in this.ctx.conditionDefs)) {
      throw this.err(path, `condition '${name}' is not declared in Conditions (declared: ${Object.keys(this.ctx.conditionDefs).join(', ') || 'none'})`);
    }
    if (this.evaluating.has(name)) throw this.err(`Conditions.${name}`, `condition '${name}' refers to itself`);
    this.evaluating.add(name);
    const v = this.boolean(this.ctx.conditionDefs[name], `Conditions.${name}`);
    this.evaluating.delete(name);
    this.conditionCache.set(name, v);
    return v;
  }

  /** A condition expression: Fn::Equals/Not/And/Or, {Condition: X}, or a literal boolean. */
  boolean(v: unknown, path: string): boolean {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && 'Condition' in v) {
      const c = (v as { Condition: unknown }).Condition;
      if (typeof c !== 'string') throw this.err(path, 'Condition wants a condition name');
      return this.condition(c, path);
    }
    const r = this.value(v, path);
    if (typeof r === 'boolean') return r;
    throw this.err(path, `expected a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), got ${JSON.stringify(v)}`);
  }

  /** Resolves every intrinsic in a value. AWS::NoValue removes the key / item. */
  value(v: unknown, path: string): unknown {
    const fn = intrinsicOf(v);
    if (fn) return this.intrinsic(fn[0], fn[1], path);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      v.forEach((x, i) => {
        const r = this.value(x, `${path}[${i}]`);
        if (r !== NoValue) out.push(r);
      });
      return out;
    }
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const r = this.value(x, `${path}.${k}`);
        if (r !== NoValue) out[k] = r;
      }
      return out;
    }
    return v;
  }

  private str(v: unknown, path: string, what: string): string {
    const r = this.value(v, path);
    if (typeof r === 'string') return r;
    if (typeof r === 'number' || typeof r === 'boolean') return String(r);
    throw this.err(path, `${what} wants a string, got ${JSON.stringify(r)}`);
  }

  private list(v: unknown, path: string, what: string): unknown[] {
    const r = this.value(v, path);
    if (Array.isArray(r)) return r;
    throw this.err(path, `${what} wants a list, got ${JSON.stringify(r)}`);
  }

  private args(a: unknown, n: number, path: string, what: string): unknown[] {
    if (!Array.isArray(a) || a.length !== n) throw this.err(path, `${what} takes a list of ${n} items`);
    return a;
  }

  refName(name: string, path: string): unknown {
    if (name in this.ctx.params) return this.ctx.params[name];
    if (name === 'AWS::NoValue') return NoValue;
    if (name in this.ctx.pseudo) return this.ctx.pseudo[name];
    if (name.startsWith('AWS::')) throw this.err(path, `pseudo parameter ${name} is not available locally`);
    const base = name.split('.')[0]!;
    if (this.ctx.resourceIds.has(base)) return this.ctx.ref(name, path);
    if (this.ctx.declaredIds.has(base)) throw this.err(path, `${base} is not created (its Condition is false), so it cannot be referred to`);
    throw this.err(path, `'${name}' is not a parameter, pseudo parameter or resource of this template`);
  }

  private intrinsic(k: string, a: unknown, path: string): unknown {
    const p = `${path}.${k}`;
    switch (k) {
      case 'Ref':
        if (typeof a !== 'string') throw this.err(p, 'Ref wants a name');
        return this.refName(a, p);
      case 'Fn::GetAtt': {
        const parts = Array.isArray(a) ? a.map((x, i) => this.str(x, `${p}[${i}]`, 'Fn::GetAtt')) : typeof a === 'string' ? a.split('.') : [];
        if (parts.length < 2) throw this.err(p, 'Fn::GetAtt wants [LogicalId, Attribute]');
        const [id, ...rest] = parts;
        if (!this.ctx.resourceIds.has(id!)) {
          if (this.ctx.declaredIds.has(id!)) throw this.err(p, `${id} is not created (its Condition is false)`);
          throw this.err(p, `Fn::GetAtt: '${id}' is not a resource of this template`);
        }
        return this.ctx.getAtt(id!, rest.join('.'), p);
      }
      case 'Fn::Sub': {
        let s: unknown = a;
        let vars: Record<string, unknown> = {};
        if (Array.isArray(a)) {
          if (a.length !== 2) throw this.err(p, 'Fn::Sub takes a string, or [string, {variables}]');
          s = a[0];
          const raw = a[1];
          if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw this.err(p, 'Fn::Sub variables must be a mapping');
          vars = Object.fromEntries(Object.entries(raw).map(([n, x]) => [n, this.value(x, `${p}[1].${n}`)]));
        }
        if (typeof s !== 'string') throw this.err(p, 'Fn::Sub wants a string');
        return s.replace(/\$\{([^}]*)\}/g, (_m, inner: string) => {
          if (inner.startsWith('!')) return '${' + inner.slice(1) + '}';
          const name = inner.trim();
          let r: unknown;
          if (name in vars) r = vars[name];
          else if (name.includes('.') && !name.startsWith('AWS::') && !(name in this.ctx.params)) {
            const dot = name.indexOf('.');
            const id = name.slice(0, dot);
            const attr = name.slice(dot + 1);
            // SAM's Fn.Alias / Fn.Version are Refs; others are GetAtt.
            if (attr === 'Alias' || attr === 'Version') r = this.refName(name, p);
            else if (!this.ctx.resourceIds.has(id)) throw this.err(p, `Fn::Sub: '${id}' is not a resource of this template`);
            else r = this.ctx.getAtt(id, attr, p);
          } else r = this.refName(name, p);
          if (Array.isArray(r)) return r.join(',');
          if (r === NoValue) return '';
          if (typeof r === 'object') throw this.err(p, `Fn::Sub: \${${name}} is not a string`);
          return String(r);
        });
      }
      case 'Fn::Join': {
        const [d, l] = this.args(a, 2, p, 'Fn::Join');
        const delim = this.str(d, `${p}[0]`, 'Fn::Join delimiter');
        return this.list(l, `${p}[1]`, 'Fn::Join').map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(delim);
      }
      case 'Fn::Select': {
        const [i, l] = this.args(a, 2, p, 'Fn::Select');
        const idx = Number(this.value(i, `${p}[0]`));
        const list = this.list(l, `${p}[1]`, 'Fn::Select');
        if (!Number.isInteger(idx) || idx < 0 || idx >= list.length) throw this.err(p, `Fn::Select index ${String(idx)} is outside the list (${list.length} items)`);
        return list[idx];
      }
      case 'Fn::Split': {
        const [d, s] = this.args(a, 2, p, 'Fn::Split');
        return this.str(s, `${p}[1]`, 'Fn::Split').split(this.str(d, `${p}[0]`, 'Fn::Split delimiter'));
      }
      case 'Fn::If': {
        const [c, yes, no] = this.args(a, 3, p, 'Fn::If');
        if (typeof c !== 'string') throw this.err(p, 'Fn::If wants [ConditionName, value if true, value if false]');
        return this.condition(c, p) ? this.value(yes, `${p}[1]`) : this.value(no, `${p}[2]`);
      }
      case 'Fn::Equals': {
        const [x, y] = this.args(a, 2, p, 'Fn::Equals');
        return JSON.stringify(this.value(x, `${p}[0]`)) === JSON.stringify(this.value(y, `${p}[1]`)) || String(this.value(x, `${p}[0]`)) === String(this.value(y, `${p}[1]`));
      }
      case 'Fn::Not': {
        const [x] = this.args(a, 1, p, 'Fn::Not');
        return !this.boolean(x, `${p}[0]`);
      }
      case 'Fn::And':
      case 'Fn::Or': {
        if (!Array.isArray(a) || a.length < 2 || a.length > 10) throw this.err(p, `${k} takes 2 to 10 conditions`);
        const vals = a.map((x, i) => this.boolean(x, `${p}[${i}]`));
        return k === 'Fn::And' ? vals.every(Boolean) : vals.some(Boolean);
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(a) || a.length < 3) throw this.err(p, 'Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]');
        const [m, k1, k2] = a.slice(0, 3).map((x, i) => this.str(x, `${p}[${i}]`, 'Fn::FindInMap'));
        const map = this.ctx.mappings[m!] as Record<string, Record<string, unknown>> | undefined;
        if (!map) throw this.err(p, `mapping '${m}' is not declared in Mappings`);
        const v = map[k1!]?.[k2!];
        if (v === undefined) {
          if (a[3] && typeof a[3] === 'object' && 'DefaultValue' in (a[3] as object)) return this.value((a[3] as { DefaultValue: unknown }).DefaultValue, `${p}[3]`);
          throw this.err(p, `Mappings.${m} has no ${k1}.${k2}`);
        }
        return v;
      }
      case 'Fn::Base64':
        return Buffer.from(this.str(a, p, 'Fn::Base64')).toString('base64');
      case 'Fn::GetAZs': {
        const region = this.ctx.pseudo['AWS::Region']!;
        return ['a', 'b', 'c'].map((x) => region + x);
      }
      case 'Fn::Length':
        return this.list(a, p, 'Fn::Length').length;
      case 'Fn::ToJsonString':
        return JSON.stringify(this.value(a, p));
      default:
        throw this.err(p, `${k} is not supported by kumo deploy (no cross-stack exports, CIDR maths or macros locally)`);
    }
  }
}
