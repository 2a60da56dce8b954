import type { BusEvent, TargetRecord } from './records';

/**
 * What a target receives (AWS: "Transforming target input", the Target
 * reference): the event as EventBridge formed it, or `Input` (constant JSON
 * text, as given), or the part of the event `InputPath` selects, or
 * `InputTransformer`'s template with its placeholders filled. Pure.
 *
 * Placeholders (`<name>`) come from InputPathsMap (a JSON path into the
 * event each) or are AWS's reserved variables: `<aws.events.rule-arn>`,
 * `<aws.events.rule-name>`, `<aws.events.event.ingestion-time>`,
 * `<aws.events.event>` (the whole event, JSON) and `<aws.events.event.json>`
 * (the same). A placeholder inside a JSON string of the template takes the
 * value's text (a string without its quotes); outside a string it takes the
 * value as JSON (a string with quotes), so `{"i": <id>}` stays JSON and
 * `"<id> is <state>"` reads `"i-1 is running"`, as AWS's examples show.
 * A path that finds nothing is `null` outside a string and empty inside.
 */

/** InputPath and InputPathsMap values: `$`, then `.name` or `[n]` steps (AWS accepts this JSONPath subset). */
const jsonPathRe = /^\$(?:\.[^.[\]\s]+|\[[0-9]+\])*$/;
/** A placeholder in InputTemplate (a fresh RegExp per use: a shared /g one carries lastIndex between calls). */
const placeholderText = '<([A-Za-z0-9_.\\-]+)>';
export const reservedPlaceholders = new Set([
  'aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json',
]);

export const isJsonPath = (p: string) => jsonPathRe.test(p);

/** The value at a JSON path (`$.detail.items[0]`), or undefined. */
export function atPath(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const m of path.slice(1).matchAll(/\.([^.[\]\s]+)|\[([0-9]+)\]/g)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = m[1] !== undefined ? (Array.isArray(v) ? undefined : (v as Record<string, unknown>)[m[1]]) : Array.isArray(v) ? v[Number(m[2])] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/** The placeholders a template names that neither its InputPathsMap nor AWS's reserved variables define (PutTargets refuses them). */
export function undefinedPlaceholders(template: string, paths: Record<string, string>): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(new RegExp(placeholderText, 'g'))) {
    const k = m[1]!;
    if (!(k in paths) && !reservedPlaceholders.has(k)) out.push(k);
  }
  return out;
}

export interface InputContext {
  ruleArn: string;
  ruleName: string;
  /** When EventBridge received the event (ISO 8601, as `<aws.events.event.ingestion-time>`). */
  ingestionTime: string;
}

/** The body a target receives for `event`. */
export function targetInput(target: TargetRecord, event: BusEvent, ctx: InputContext): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    const v = atPath(event, target.InputPath);
    return v === undefined ? '' : JSON.stringify(v);
  }
  if (target.InputTransformer) return transform(target.InputTransformer, event, ctx);
  return JSON.stringify(event);
}

function transform(t: NonNullable<TargetRecord['InputTransformer']>, event: BusEvent, ctx: InputContext): string {
  const value = (k: string): unknown => {
    if (k === 'aws.events.rule-arn') return ctx.ruleArn;
    if (k === 'aws.events.rule-name') return ctx.ruleName;
    if (k === 'aws.events.event.ingestion-time') return ctx.ingestionTime;
    if (k === 'aws.events.event' || k === 'aws.events.event.json') return event;
    const path = t.InputPathsMap?.[k];
    return path === undefined ? undefined : atPath(event, path);
  };
  const tpl = t.InputTemplate;
  let out = '';
  let inString = false;
  const placeholderRe = new RegExp(placeholderText, 'y');
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c === '<') {
      placeholderRe.lastIndex = i;
      const m = placeholderRe.exec(tpl);
      if (m) {
        const v = value(m[1]!);
        if (inString) out += v === undefined || v === null ? '' : typeof v === 'string' ? JSON.stringify(v).slice(1, -1) : JSON.stringify(v).replace(/"/g, '\\"');
        else out += v === undefined ? 'null' : JSON.stringify(v);
        i += m[0].length - 1;
        continue;
      }
    }
    if (c === '\\' && inString) {
      out += c + (tpl[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    out += c;
  }
  return out;
}
