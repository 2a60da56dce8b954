import type { DeployContext } from '../context';
import { isMapping } from '../values';

/**
 * Which stack and template own a named resource (a function, a queue, a
 * topic): tags written when the deploy creates it. A resource of that name
 * that this stack did not create is never taken over: two projects must not
 * overwrite each other's.
 */
export const stackTag = 'kumo:stack';
export const templateTag = 'kumo:template';

export const ownerTags = (ctx: DeployContext): Record<string, string> => ({ [stackTag]: ctx.stackName, [templateTag]: ctx.templateFile });

/** Why a resource found on the server cannot be used, or undefined when this stack owns it (or its record says it made it). */
export function ownershipConflict(ctx: DeployContext, id: string, what: string, name: string, tags: Record<string, string> | undefined): string | undefined {
  if (ctx.prev[id] || tags?.[templateTag] === ctx.templateFile) return undefined;
  const owner = tags?.[templateTag];
  return `a ${what} named ${name} already exists and ${owner ? `belongs to ${owner}` : 'was not created by this stack'}; give it another name or use --stack-name`;
}

/** CloudFormation's Tags list ([{Key, Value}]) as a map, with a template error for another shape. */
export function tagList(ctx: DeployContext, v: unknown, p: string): Record<string, string> {
  if (v === undefined) return {};
  if (!Array.isArray(v) || v.some((t) => !isMapping(t) || typeof t.Key !== 'string' || t.Value === undefined)) throw ctx.error(p, 'Tags is a list of {Key, Value}');
  return Object.fromEntries((v as { Key: string; Value: unknown }[]).map((t) => [t.Key, String(t.Value)]));
}

/** What TagResource / UntagResource must do to turn `have` into `want`. */
export function tagDiff(want: Record<string, string>, have: Record<string, string>): { set: Record<string, string>; unset: string[] } {
  const set = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
  const unset = Object.keys(have).filter((k) => !(k in want));
  return { set, unset };
}
