import { CliError, describeError, NotSupportedError } from '../client';
import type { ResourceDecl } from '../sam';
import type { StackRecord, StackResource } from '../stack';
import { TemplateError } from '../template';
import type { DeployContext } from './context';
import type { Planned, ResourceKind } from './kind';
import { kindOf as registeredKindOf } from './registry';

/**
 * The order of a deploy, for resources of any kind: expand SAM resources,
 * plan each in dependency order (read-only), apply in the same order — a
 * failure skips only what depends on it — then delete what the template no
 * longer has (aliases and versions first, layers last). No resource type is
 * named here; each kind says how it plans, applies and deletes.
 */

type KindOf = (type: string) => ResourceKind;

/** The declarations whose Condition holds, each replaced by what its kind expands it into (in place, so the order stays a dependency order). */
export function activeResources(ctx: DeployContext, kindOf: KindOf = registeredKindOf): ResourceDecl[] {
  const out: ResourceDecl[] = [];
  for (const d of ctx.model.resources) {
    if (d.condition && !ctx.resolver.condition(d.condition, `Resources.${d.id}.Condition`)) continue;
    ctx.active.add(d.id);
    out.push(d);
  }
  // SAM's implicit ids (`<Fn>Role`) exist when the resource they belong to does.
  for (const [x, owner] of Object.entries(ctx.model.implicit ?? {})) if (ctx.active.has(owner)) ctx.active.add(x);
  return expandAll(out, ctx, kindOf);
}

/** Replaces each declaration by its kind's expansion; the new ones are marked `partOf` the declaration and become known to !Ref. */
export function expandAll(decls: ResourceDecl[], ctx: Pick<DeployContext, 'active' | 'declById'>, kindOf: KindOf = registeredKindOf): ResourceDecl[] {
  const out: ResourceDecl[] = [];
  for (const d of decls) {
    const kind = kindOf(d.type);
    if (!kind.expand) {
      out.push(d);
      continue;
    }
    for (const x of kind.expand(d, ctx as DeployContext)) {
      const child = x.id === d.id ? x : { ...x, partOf: d.id };
      ctx.active.add(child.id);
      ctx.declById.set(child.id, child);
      out.push(child);
    }
  }
  return out;
}

/** Plans every resource in order. Resources `kumo dev` leaves out are taken as unchanged from the record. */
export async function planAll(ctx: DeployContext, decls: ResourceDecl[], kindOf: KindOf = registeredKindOf): Promise<void> {
  for (const d of decls) {
    const prev = ctx.prev[d.id];
    if (!ctx.looksAt(d)) {
      if (prev) ctx.state[d.id] = { ...prev };
      ctx.plans.set(d.id, { decl: d, action: 'unchanged', reasons: [], physical: prev?.physicalId ?? d.id });
      continue;
    }
    let pl: Planned;
    try {
      pl = await kindOf(d.type).plan(d, ctx);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      // A server without that service (an older Kumo without SQS, say): this resource is not deployed (listed, not
      // a failure) and what depends on it is skipped as failed; the rest deploys.
      if (e instanceof NotSupportedError) {
        pl = { decl: d, action: 'skip', reasons: [], physical: d.id, unsupported: `not supported by this Kumo server (${e.operation} unknown)`, blocksDependants: true };
      }
      else throw new CliError(`${d.id}: ${describeError(e, ctx.cfg)}`);
    }
    ctx.plans.set(d.id, pl);
    if (pl.action === 'unchanged' && prev) ctx.state[d.id] = { ...prev };
  }
}

export interface Removal {
  id: string;
  r: StackResource;
}

/** What the last deploy made that this one removes: gone from the template, of another type now, or renamed where a new name is a new resource. */
export function removals(prev: Record<string, StackResource>, plans: ReadonlyMap<string, Planned>, kindOf: KindOf = registeredKindOf): Removal[] {
  const out: Removal[] = [];
  for (const [id, r] of Object.entries(prev)) {
    const pl = plans.get(id);
    if (!pl || pl.decl.type !== r.type || (pl.physical !== r.physicalId && kindOf(r.type).replacedOnRename)) out.push({ id, r });
  }
  return out;
}

/** How apply reports: one line each, and the error as the user should read it. */
export interface Reporter {
  out(line: string): void;
  describe(e: unknown): string;
}

/**
 * Applies the plans in order and returns the ids that failed. A resource
 * whose dependency failed is skipped (and counts as failed); a resource
 * expanded from another failing counts as that one failing for its dependants.
 */
export async function applyInOrder(plans: Iterable<Planned>, apply: (pl: Planned) => Promise<void>, rep: Reporter, looksAt: (d: ResourceDecl) => boolean = () => true): Promise<string[]> {
  const broken = new Set<string>();
  /** Resources not deployed because the server lacks their service (not failures). */
  const absent = new Set<string>();
  const failed: string[] = [];
  const fail = (d: ResourceDecl, line: string) => {
    broken.add(d.id);
    if (d.partOf) broken.add(d.partOf);
    failed.push(d.id);
    rep.out(line);
  };
  for (const pl of plans) {
    const d = pl.decl;
    const badDep = d.deps.find((x) => broken.has(x) || absent.has(x));
    if (badDep) fail(d, `  ✗ ${d.id}: skipped, it depends on ${badDep}, which ${absent.has(badDep) ? 'this server cannot deploy' : 'failed'}`);
    else if (pl.conflict) fail(d, `  ✗ ${d.id} (${d.type}) failed: ${pl.conflict}`);
    else if (pl.unsupported && pl.blocksDependants) absent.add(d.id);
    else if (pl.action === 'skip' || !looksAt(d)) continue;
    else {
      try {
        await apply(pl);
      } catch (e) {
        fail(d, `  ✗ ${d.id} (${d.type}) failed: ${e instanceof TemplateError ? `template error: ${e.message}` : rep.describe(e)}`);
      }
    }
  }
  return failed;
}

export interface RemoveSteps {
  record: StackRecord;
  plans: ReadonlyMap<string, Planned>;
  remove(r: StackResource): Promise<void>;
  changed(id: string): void;
}

/** Deletes in the kinds' order; a resource its owner's deletion took with it is only struck from the record. Returns the ids that failed. */
export async function removeAll(removed: Removal[], steps: RemoveSteps, rep: Reporter, kindOf: KindOf = registeredKindOf): Promise<string[]> {
  const failed: string[] = [];
  const gone = removed.map((x) => x.r);
  const ordered = [...removed].sort((a, b) => kindOf(a.r.type).deleteOrder - kindOf(b.r.type).deleteOrder);
  for (const { id, r } of ordered) {
    try {
      const owner = kindOf(r.type).deletedWith?.(r, gone);
      if (owner !== undefined) {
        delete steps.record.resources[id];
        rep.out(`  - ${id}: deleted with ${owner}`);
        continue;
      }
      await steps.remove(r);
      if (steps.plans.get(id)?.decl.type !== r.type) delete steps.record.resources[id];
      rep.out(`  - ${id}: deleted ${r.physicalId}`);
      steps.changed(id);
    } catch (e) {
      failed.push(id);
      rep.out(`  ✗ ${id}: delete failed: ${rep.describe(e)}`);
    }
  }
  return failed;
}
