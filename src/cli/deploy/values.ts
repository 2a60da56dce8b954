import type { DeployContext } from './context';

/** Reading resolved property values, with a template error (template.yaml:LINE:COL) when one has the wrong shape. */

export const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
export const notFound = (e: unknown) => (e as { name?: string })?.name === 'ResourceNotFoundException';

export function num(ctx: DeployContext, v: unknown, p: string, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw ctx.error(p, `${what} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

export function str(ctx: DeployContext, v: unknown, p: string, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw ctx.error(p, `${what} must be a string, got ${JSON.stringify(v)}`);
}

/** A name property (FunctionName, LayerName) if the template gives one. */
export function nameProp(ctx: DeployContext, props: Record<string, unknown>, id: string, key: string): string | undefined {
  const p = `Resources.${id}.Properties.${key}`;
  const n = props[key] !== undefined ? ctx.resolver.value(props[key], p) : undefined;
  if (n !== undefined && typeof n !== 'string') throw ctx.error(p, `${key} must be a string`);
  return n;
}

/** Runs a delete; a resource already gone is not an error. */
export async function ignoreMissing(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!notFound(e)) throw e;
  }
}
