import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type Parsed } from './args';
import { describeError, loadCliConfig } from './client';
import { deploy, loadModel, overridesOf } from './deploy/index';
import { kindOf } from './deploy/registry';
import { findTemplate } from './template';

/** Changes closer together than this are one redeploy. */
const debounceMs = 150;
/** Timeout for every function in a --debug session (Lambda's maximum). */
const debugTimeoutSeconds = 900;

/**
 * `kumo dev`: deploy, then watch. A change under one function's CodeUri
 * redeploys that function only (its code zip is compared by CodeSha256); a
 * change to the template redeploys what the template changed.
 */
export async function devCommand({ positional, flags, multi }: Parsed): Promise<number> {
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const overrides = overridesOf(multi);
  const templateFile = findTemplate(typeof flags.template === 'string' ? flags.template : undefined);
  const cfg = loadCliConfig(flags);
  const stackName = typeof flags['stack-name'] === 'string' ? flags['stack-name'] : undefined;
  const timeoutOverride = flags.debug ? debugTimeoutSeconds : undefined;
  if (flags.debug) process.stdout.write(`kumo dev: --debug: every function's Timeout is ${debugTimeoutSeconds} s (the Node.js inspector is not available yet)\n`);
  const log = (l: string) => process.stdout.write(l + '\n');
  const run = async (only?: Set<string>) => {
    const t0 = Date.now();
    try {
      const r = await deploy({ templateFile, overrides, stackName, cfg, timeoutOverride, only, out: log });
      log(`kumo dev: ${r.ok ? 'ready' : 'deployed with failures'} in ${Date.now() - t0} ms; watching for changes (Ctrl-C to stop)`);
    } catch (e) {
      log(`kumo dev: ${describeError(e, cfg)}`);
      log('kumo dev: fix it and save; watching for changes');
    }
  };
  await run();

  const watchers: fs.FSWatcher[] = [];
  let pending = new Set<string>();
  let templateChanged = false;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const only = pending;
      const full = templateChanged;
      pending = new Set();
      templateChanged = false;
      busy = busy.then(async () => {
        if (full) {
          log('kumo dev: template changed, redeploying');
          rewatch();
          await run();
        } else if (only.size) {
          log(`kumo dev: code changed: ${[...only].join(', ')}`);
          await run(only);
        }
      });
    }, debounceMs);
  };
  const rewatch = () => {
    for (const w of watchers.splice(0)) w.close();
    watchers.push(
      fs.watch(path.dirname(templateFile), (_ev, file) => {
        if (file && path.join(path.dirname(templateFile), file.toString()) === templateFile) {
          templateChanged = true;
          schedule();
        }
      }),
    );
    let dirs: { id: string; dir: string }[] = [];
    definitionFiles.clear();
    try {
      const model = loadModel(templateFile, overrides);
      stackWideIds.clear();
      for (const r of model.resources) {
        for (const f of kindOf(r.type).definitionFiles?.(r.props) ?? []) definitionFiles.add(path.resolve(model.dir, f));
        const code = kindOf(r.type).code;
        if (!code) continue;
        if (code.redeploys === 'stack') stackWideIds.add(r.id);
        const v = r.props[code.property] ?? (code.inlineProperty !== undefined && r.props[code.inlineProperty] !== undefined ? undefined : code.defaultPath);
        if (typeof v === 'string') dirs.push({ id: r.id, dir: path.resolve(model.dir, v) });
      }
    } catch {
      dirs = [];
    }
    // An API's DefinitionUri file is part of the template: saving it redeploys as a template save does.
    for (const dir of new Set([...definitionFiles].map((f) => path.dirname(f)))) {
      if (!fs.existsSync(dir)) continue;
      watchers.push(
        fs.watch(dir, (_ev, file) => {
          if (file && definitionFiles.has(path.join(dir, file.toString()))) {
            templateChanged = true;
            schedule();
          }
        }),
      );
    }
    for (const { id, dir } of dirs) {
      if (!fs.existsSync(dir)) continue;
      try {
        watchers.push(
          fs.watch(dir, { recursive: fs.statSync(dir).isDirectory() }, (_ev, file) => {
            const f = file?.toString() ?? '';
            if (f.includes('.kumo-stack.') || f.includes('__pycache__') || f.startsWith('.git')) return;
            // A code dir that holds the template itself: template edits are handled above.
            if (path.join(dir, f) === templateFile) return;
            // A layer's new version changes its functions' Layers too: that is a full deploy.
            if (stackWideIds.has(id)) templateChanged = true;
            else pending.add(id);
            schedule();
          }),
        );
      } catch (e) {
        log(`kumo dev: cannot watch ${dir}: ${(e as Error).message}`);
      }
    }
  };
  const stackWideIds = new Set<string>();
  const definitionFiles = new Set<string>();
  rewatch();
  await new Promise<void>((resolve) => {
    const stop = () => {
      for (const w of watchers) w.close();
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await busy;
  log('kumo dev: stopped (the deployed functions stay; kumo rm or remove them from the template to delete)');
  return 0;
}
