import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec';
import { mountsAtOrBelow } from './scratch';

/**
 * Code bound into an EE after its container started (pre-initialised EEs,
 * issue 13 item 5). The container's /var/task and /opt are bind mounts of two
 * empty per-EE host directories, made `rslave`: mounts the host later adds on
 * those directories propagate into the container (host → container only, as
 * Kubernetes' HostToContainer), never the other way.
 *
 *   <instance>/ee-code/            shared mount (bind of itself, --make-shared)
 *   <instance>/ee-code/<id>/task   → the EE's /var/task
 *   <instance>/ee-code/<id>/opt    → the EE's /opt
 *   <instance>/ee-stage/           private mount: where a bind is made read-only
 *                                  before it is moved into ee-code
 *
 * Binding a tree is two mount(8) calls: bind it at a staging point below
 * the private parent, make it private and remount it read-only/nosuid/nodev
 * (one call; remounts do not propagate, so it must be read-only before it
 * becomes visible), then move it onto `ee-code/<id>/task`, which propagates
 * the read-only copy into the container. In a container with a user namespace the propagated mount is
 * locked (MNT_LOCK_READONLY): the EE cannot make it writable, and it has no
 * CAP_SYS_ADMIN anyway.
 *
 * A directory is bound at most once per EE (the supervisor refuses a second
 * bind), so an EE never sees two functions' code. Everything lives on /run
 * (tmpfs) under the instance's state directory; the instance clean-up hook
 * (driver.ts) unmounts it after a crash.
 */
export class CodeMounts {
  readonly sharedDir: string;
  private readonly stageDir: string;
  private ready = false;

  constructor(instanceDir: string) {
    this.sharedDir = path.join(instanceDir, 'ee-code');
    this.stageDir = path.join(instanceDir, 'ee-stage');
  }

  /** The shared and the private parent, each a mount of its own (idempotent). */
  async init(): Promise<void> {
    for (const [dir, propagation] of [
      [this.sharedDir, '--make-shared'],
      [this.stageDir, '--make-private'],
    ] as const) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      fs.chmodSync(dir, 0o755); // EE root of a user namespace traverses it at mount time
      if (!mountsAtOrBelow(dir).includes(dir)) await run('mount', ['--bind', dir, dir]);
      await run('mount', [propagation, dir]);
    }
    this.ready = true;
  }

  get available(): boolean {
    return this.ready;
  }

  /** The EE's two empty mount sources (host side of /var/task and /opt). */
  prepare(id: string): { task: string; opt: string } {
    const base = path.join(this.sharedDir, id);
    const task = path.join(base, 'task');
    const opt = path.join(base, 'opt');
    fs.mkdirSync(task, { recursive: true, mode: 0o755 });
    fs.mkdirSync(opt, { recursive: true, mode: 0o755 });
    fs.chmodSync(base, 0o755);
    return { task, opt };
  }

  /** Binds `codeDir` (and `optDir`) read-only over the EE's /var/task (and /opt). */
  async bind(id: string, codeDir: string, optDir: string | undefined): Promise<void> {
    const { task, opt } = this.prepare(id);
    await this.bindOne(`${id}-task`, codeDir, task);
    if (optDir) await this.bindOne(`${id}-opt`, optDir, opt);
  }

  private async bindOne(stageName: string, source: string, target: string): Promise<void> {
    const stage = path.join(this.stageDir, stageName);
    fs.mkdirSync(stage, { mode: 0o755 });
    try {
      // One mount(8): the bind, made private (no peer of the source's mount) and then read-only.
      await run('mount', ['--bind', '--make-private', '-o', 'ro,nosuid,nodev', source, stage]);
      await run('mount', ['--move', stage, target]);
    } catch (e) {
      await unmountAll(stage);
      throw e;
    } finally {
      if (!mountsAtOrBelow(stage).length) fs.rmSync(stage, { recursive: true, force: true });
    }
  }

  /** After the EE's container is gone: its binds and directories. */
  async release(id: string): Promise<void> {
    const base = path.join(this.sharedDir, id);
    if (!fs.existsSync(base)) return;
    await unmountAll(base);
    for (const s of ['task', 'opt']) await unmountAll(path.join(this.stageDir, `${id}-${s}`));
    if (!mountsAtOrBelow(base).length) fs.rmSync(base, { recursive: true, force: true });
  }

  /** Everything of an instance (its own start, its shutdown, or a dead instance's leftovers). */
  static async cleanup(instanceDir: string): Promise<void> {
    for (const name of ['ee-code', 'ee-stage']) {
      const dir = path.join(instanceDir, name);
      if (!fs.existsSync(dir)) continue;
      await unmountAll(dir);
      if (!mountsAtOrBelow(dir).length) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Unmounts every mount at or below `dir`, deepest first; a busy one is detached (lazy). */
async function unmountAll(dir: string): Promise<void> {
  for (const mp of mountsAtOrBelow(dir)) {
    const r = await run('umount', [mp], { allowFailure: true });
    if (r.code !== 0 && mountsAtOrBelow(mp).includes(mp)) await run('umount', ['--lazy', mp], { allowFailure: true });
  }
}
