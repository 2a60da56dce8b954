import fs from 'node:fs';
import path from 'node:path';
import { packagePath, type Package } from '../package';
import type { ResourceDecl } from '../sam';
import type { DeployContext } from './context';
import type { CodeSource } from './kind';

/** Zips a resource's code: inline code from the template, or the local directory / .zip / single file its code property names (or the kind's default path). */
export async function packageCode(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>, code: CodeSource): Promise<Package> {
  const p = `Resources.${d.id}.Properties`;
  const inline = code.inline?.(pr, p, ctx);
  if (inline) return inline;
  const key = code.property;
  const src = pr[key] ?? (code.inlineProperty !== undefined && pr[code.inlineProperty] !== undefined ? undefined : code.defaultPath);
  if (typeof src !== 'string') {
    throw ctx.error(`${p}.${key}`, `${key} must be a local directory or .zip file (S3 locations are not supported by Kumo)`);
  }
  const abs = path.resolve(ctx.model.dir, src);
  if (!fs.existsSync(abs)) throw ctx.error(`${p}.${key}`, `${key} ${src} does not exist (looked at ${abs})`);
  try {
    return await packagePath(abs);
  } catch (e) {
    throw ctx.error(`${p}.${key}`, (e as Error).message);
  }
}
