import { kumoApiAddress } from './kinds/http-api';
import { showPending } from '../intrinsics';
import type { DeployContext } from './context';
import type { Action } from './kind';
import type { Removal } from './orchestrator';
import { isMapping } from './values';
import { TemplateError } from '../template';

const symbols: Record<Action, string> = { create: '+', update: '~', unchanged: '=', delete: '-', skip: '!' };

/** The plan as a table: action, logical id, type, physical name, and why (placeholders shown as "<X, known after apply>"). */
export function printPlan(ctx: DeployContext, removed: Removal[]): void {
  const rows: string[][] = [];
  /** `<type> — <reason>` → logical ids: what Kumo does not deploy, listed once per type and reason. */
  const absent = new Map<string, string[]>();
  for (const p of ctx.plans.values()) {
    if (!ctx.looksAt(p.decl)) continue;
    if (p.unsupported) {
      const k = `${p.decl.type}: ${p.unsupported}`;
      absent.set(k, [...(absent.get(k) ?? []), p.decl.id]);
      continue;
    }
    rows.push([`${symbols[p.action]} ${p.action}`, p.decl.id, p.decl.type, p.physical, p.reasons.join('; ')]);
  }
  for (const { id, r } of removed) rows.push(['- delete', id, r.type, r.physicalId, 'removed from the template']);
  const w = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  ctx.out('Plan:');
  for (const r of rows) ctx.out(`  ${r.slice(0, 4).map((c, i) => c.padEnd(w[i]!)).join('  ')}${r[4] ? '  (' + showPending(r[4]) + ')' : ''}`.trimEnd());
  if (!absent.size) return;
  ctx.out(`Not deployed (${[...absent.values()].flat().length}; a !Ref to one gives its logical ID, a !GetAtt a stand-in):`);
  for (const [k, ids] of absent) ctx.out(`  ${k}: ${ids.join(', ')}`);
}

/**
 * Resolves the Outputs once with what the plan knows, so a template error in
 * one (a `!Ref` of an id the template cannot name) stops the deploy before
 * anything changes; values known only after apply stay placeholders here.
 */
export function checkOutputs(ctx: DeployContext): void {
  for (const [k, o] of Object.entries(ctx.model.outputs)) {
    if (!isMapping(o)) continue;
    if (o.Condition && !ctx.resolver.condition(String(o.Condition), `Outputs.${k}.Condition`)) continue;
    try {
      ctx.resolver.value(o.Value, `Outputs.${k}.Value`);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
    }
  }
}

/** The template's Outputs, resolved with what the deploy made; one that cannot be resolved says why. */
export function printOutputs(ctx: DeployContext): void {
  const entries = Object.entries(ctx.model.outputs);
  if (!entries.length) return;
  ctx.out('Outputs:');
  for (const [k, o] of entries) {
    if (!isMapping(o)) continue;
    if (o.Condition && !ctx.resolver.condition(String(o.Condition), `Outputs.${k}.Condition`)) continue;
    let v: string;
    try {
      const r = ctx.resolver.value(o.Value, `Outputs.${k}.Value`);
      v = typeof r === 'string' ? r : JSON.stringify(r);
    } catch (e) {
      v = `(unavailable: ${(e as Error).message})`;
    }
    ctx.out(`  ${k} = ${showPending(kumoApiAddress(v, ctx))}`);
  }
}
