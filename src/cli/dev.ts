import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type Parsed } from './args';
import { describeError, lambdaClient, loadCliConfig, type CliConfig } from './client';
import { kumoRoute } from './kumo-route';
import type { StackRecord } from './stack';
import { deploy, loadModel, overridesOf } from './deploy/index';
import { kindOf } from './deploy/registry';
import { findTemplate } from './template';

/** Changes closer together than this are one redeploy. */
const debounceMs = 150;
/** Timeout for every function in a --debug session (Lambda's maximum). */
const debugTimeoutSeconds = 900;
/** The host port of the first debugged function (Node.js's default); the server gives the next free ones to the others. */
const debugPortDefault = 9229;
/** How long `kumo dev` waits for a debugged function's inspector to answer /json/list (its EE's cold start). */
const inspectorListWaitMs = 30_000;
const functionTypes = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);

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
  const brk = flags['debug-brk'] === true;
  const debugging = flags.debug === true || brk;
  let debugPort = debugPortDefault;
  if (typeof flags['debug-port'] === 'string') {
    debugPort = Number(flags['debug-port']);
    if (!Number.isInteger(debugPort) || debugPort < 1024 || debugPort > 65535) throw new UsageError(`--debug-port must be a port from 1024 to 65535, got '${flags['debug-port']}'`);
    if (!debugging) throw new UsageError('--debug-port needs --debug');
  }
  const timeoutOverride = debugging ? debugTimeoutSeconds : undefined;
  const log = (l: string) => process.stdout.write(l + '\n');
  const debuggers = debugging ? new Debuggers(cfg, debugPort, brk, log) : undefined;
  if (debuggers) {
    const refused = await debuggers.check();
    if (refused) {
      process.stderr.write(`kumo dev: --debug: ${refused}\n`);
      return 1;
    }
    log(`kumo dev: --debug: every function's Timeout is ${debugTimeoutSeconds} s, one execution environment at a time, Node.js inspectors on 127.0.0.1 from port ${debugPort}${brk ? ' (each waits at its first line for a debugger)' : ''}`);
  }
  const run = async (only?: Set<string>) => {
    const t0 = Date.now();
    try {
      const r = await deploy({ templateFile, overrides, stackName, cfg, timeoutOverride, only, out: log });
      if (debuggers) await debuggers.open(r.record, only);
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
  if (debuggers) await debuggers.closeAll();
  log('kumo dev: stopped (the deployed functions stay; kumo rm or remove them from the template to delete)');
  return 0;
}

/**
 * The debugger forwards of a `kumo dev --debug` session: after each deploy
 * every function of the stack gets one (Kumo's route PUT
 * /kumo/functions/{name}/debug: the server listens on 127.0.0.1 and forwards
 * to the function's EE's inspector), and the line naming its port and
 * WebSocket URL is printed; a function gone from the template loses its
 * forward; stopping `kumo dev` closes them all (the functions then run as
 * usual again).
 */
class Debuggers {
  private readonly open_ = new Map<string, number>();
  private readonly client;

  constructor(
    private readonly cfg: CliConfig,
    private readonly port: number,
    private readonly brk: boolean,
    private readonly log: (l: string) => void,
  ) {
    this.client = lambdaClient(cfg);
  }

  /** Why the server opens no debugger (undefined: it does). */
  async check(): Promise<string | undefined> {
    let r;
    try {
      r = await kumoRoute(this.cfg, this.client.config.credentials, 'GET', '/kumo/debug');
    } catch (e) {
      return describeError(e, this.cfg);
    }
    if (r.status === 200 && r.json.Enabled === true) return undefined;
    if (r.status === 200 || r.status === 404) {
      return 'the server at ' + this.cfg.endpoint + ' opens no debuggers: start it with KUMO_DEBUG_FUNCTIONS=1 (an open inspector runs any code in the function: only on a machine you alone use)';
    }
    return `the server refused it (HTTP ${r.status}): ${String(r.json.Message ?? r.json.message ?? '')}`;
  }

  async open(record: StackRecord, only?: Set<string>): Promise<void> {
    const fns = Object.entries(record.resources).filter(([, r]) => functionTypes.has(r.type));
    const names = new Set(fns.map(([, r]) => r.physicalId));
    for (const name of [...this.open_.keys()]) if (!names.has(name)) await this.close(name);
    for (const [id, r] of fns) {
      const name = r.physicalId;
      if (only && !only.has(id) && this.open_.has(name)) continue;
      const res = await kumoRoute(this.cfg, this.client.config.credentials, 'PUT', `/kumo/functions/${encodeURIComponent(name)}/debug`, {
        Port: this.port, Break: this.brk,
        // An AutoPublishAlias function is invoked through its alias: the debugger's EE is of the version it names.
        ...(r.alias ? { Qualifier: r.alias } : {}),
      });
      if (res.status !== 200) {
        this.log(`kumo dev: no debugger for ${name}: ${String(res.json.Message ?? res.json.message ?? `HTTP ${res.status}`)}`);
        continue;
      }
      const port = Number(res.json.Port);
      this.open_.set(name, port);
      if (res.json.Protocol === 'dap') {
        // debugpy speaks the Debug Adapter Protocol: no URL to read; the debugger's connection starts the EE.
        this.log(`kumo dev: debugger for ${name}: debugpy on 127.0.0.1:${port} (VS Code: "type": "debugpy", "request": "attach", "connect": {"host": "127.0.0.1", "port": ${port}}, pathMappings remoteRoot /var/task)`);
      } else {
        this.log(`kumo dev: debugger for ${name}: ${await this.wsUrl(port)} (VS Code: attach to 127.0.0.1:${port}, remoteRoot /var/task; Chrome: chrome://inspect, target 127.0.0.1:${port})`);
      }
    }
  }

  /** The inspector's WebSocket URL, read through the forward (which starts the function's EE). */
  private async wsUrl(port: number): Promise<string> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(inspectorListWaitMs) });
      const list = (await res.json()) as { webSocketDebuggerUrl?: string }[];
      return list[0]?.webSocketDebuggerUrl ?? `127.0.0.1:${port}`;
    } catch {
      return `127.0.0.1:${port} (its execution environment starts when a debugger connects or an invoke comes)`;
    }
  }

  private async close(name: string): Promise<void> {
    this.open_.delete(name);
    try {
      await kumoRoute(this.cfg, this.client.config.credentials, 'DELETE', `/kumo/functions/${encodeURIComponent(name)}/debug`);
    } catch (e) {
      this.log(`kumo dev: closing the debugger of ${name}: ${describeError(e, this.cfg)}`);
    }
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.open_.keys()]) await this.close(name);
    this.client.destroy();
  }
}
