import fs from 'node:fs';
import path from 'node:path';
import { killAndThawTree, removeCgroupTree, type CgroupLayout } from './cgroups';
import { run } from './exec';
import { SandboxNetwork } from './network';
import { isAlive, readOwner } from './owner';
import { claimTags, releaseClaimsOf } from './subnet';
import { cleanupParallelismMax, instanceTagChars, ownerFileName, volatileRoot } from './limits';

/**
 * Every Kumo instance on the host, live or dead, and the removal of what a
 * dead one left behind.
 *
 * An instance is known by its tag, found in any of the names it creates
 * (driver.ts): state `/run/kumo-sandboxes/<tag>{,.rootfs}`, cgroups
 * `/kumo/<tag>` in any hierarchy, netns `k<tag>-<slot>`, links
 * `kv<tag>-<slot>` and `kb<tag>`, iptables chains `KUMO-<tag>-*` and rules
 * tagged `kumo:<tag>`, subnet claims in /run/kumo. Finding it from every
 * kind of name matters: a crash at any point of `init()` or of a teardown
 * may have left only some of them.
 *
 * An instance is alive while the process of its owner record
 * (`/run/kumo-sandboxes/<tag>/owner.json`) or of one of its subnet claims
 * runs (pid + start time, owner.ts); the claim covers Kumo versions that
 * wrote no owner record. An instance with neither alive is dead, whichever
 * data dir it used: its leftovers are removed by the next server to start.
 */

const tagPattern = `[0-9a-f]{${instanceTagChars}}`;
const tagRe = new RegExp(`^${tagPattern}$`);
const stateRe = new RegExp(`^(${tagPattern})(\\.rootfs)?$`);
const netnsRe = new RegExp(`^k(${tagPattern})-\\d+$`);
const linkRe = new RegExp(`^(?:kv(${tagPattern})-\\d+|kb(${tagPattern}))$`);
const chainRe = new RegExp(`^:KUMO-(${tagPattern})-[A-Z]+ `);
const commentRe = new RegExp(`--comment "?kumo:(${tagPattern})"?`);

/**
 * Extra per-instance clean-up (e.g. images or mounts kept under the
 * instance's state directory). Hooks run for a dead instance after its
 * processes are gone and before its state directory is removed; they must
 * touch only names carrying `tag` and be safe to run when nothing is there.
 */
export type InstanceCleanupHook = (tag: string) => Promise<void>;
const hooks: InstanceCleanupHook[] = [];

export function registerInstanceCleanup(hook: InstanceCleanupHook): void {
  if (!hooks.includes(hook)) hooks.push(hook);
}

export function instanceDir(tag: string): string {
  return path.join(volatileRoot, tag);
}

export function ownerFile(tag: string): string {
  return path.join(instanceDir(tag), ownerFileName);
}

/** Tags of every instance with something on the host. */
export async function tagsOnHost(layout: CgroupLayout): Promise<Set<string>> {
  const tags = new Set<string>();
  const add = (t: string | undefined): void => {
    if (t && tagRe.test(t)) tags.add(t);
  };
  for (const name of listDir(volatileRoot)) add(stateRe.exec(name)?.[1]);
  for (const h of layout.hierarchies) for (const name of listDir(path.join(h, 'kumo'))) add(name);
  for (const name of listDir('/run/netns')) add(netnsRe.exec(name)?.[1]);
  for (const name of listDir('/sys/class/net')) {
    const m = linkRe.exec(name);
    add(m?.[1] ?? m?.[2]);
  }
  for (const tag of claimTags().keys()) add(tag);
  for (const table of ['filter', 'nat']) {
    const saved = await run('iptables-save', ['-t', table], { allowFailure: true });
    if (saved.code !== 0) continue;
    for (const line of saved.stdout.split('\n')) add(chainRe.exec(line)?.[1] ?? commentRe.exec(line)?.[1]);
  }
  return tags;
}

/** Whether the instance's owner (or, for older versions, its subnet claim's owner) still runs. */
export function instanceAlive(tag: string): boolean {
  return isAlive(readOwner(ownerFile(tag))) || claimTags().get(tag) === true;
}

/**
 * Removes everything of instance `tag`, in this order (each step touches
 * only names carrying the tag):
 *   1. kill every task in its cgroups (frozen ones thawed into the kill,
 *      cgroups.ts) — this works even when runc's state is damaged;
 *   2. `runc delete --force` each container runc still knows;
 *   3. the cgroup directories, in every hierarchy;
 *   4. network namespaces, veths, bridge, iptables rules and chains;
 *   5. its subnet claims;
 *   6. registered per-instance hooks (registerInstanceCleanup);
 *   7. its state directory (runc state, bundles, owner record) and its
 *      shared rootfs skeleton — unless something is mounted there (a
 *      recursive delete must never reach into a mount; then they stay).
 * `keepStateDir` (the instance's own start-up) keeps the directory itself.
 */
export async function cleanInstance(tag: string, layout: CgroupLayout, opts: { keepStateDir?: boolean } = {}): Promise<void> {
  const cgroupRel = `/kumo/${tag}`;
  const dir = instanceDir(tag);
  const stateDir = path.join(dir, 'runc-state');
  killAndThawTree(layout, cgroupRel);
  const ids = listDir(stateDir);
  await forEachLimited(ids, cleanupParallelismMax, (id) => run('runc', ['--root', stateDir, 'delete', '--force', id], { allowFailure: true }));
  await removeCgroupTree(layout, cgroupRel);
  await SandboxNetwork.cleanup(tag);
  releaseClaimsOf(tag);
  for (const hook of hooks) await hook(tag);
  removeUnlessMounted(stateDir);
  removeUnlessMounted(path.join(dir, 'bundles'));
  if (!opts.keepStateDir) removeUnlessMounted(dir);
  removeUnlessMounted(path.join(volatileRoot, `${tag}.rootfs`));
}

/**
 * Cleans every dead instance on the host except `self`, and reports which.
 * Call holding the host lock (owner.ts `withHostLock`), so that no other
 * server is between its own clean-up and writing its owner record.
 */
export async function cleanDeadInstances(layout: CgroupLayout, self: string): Promise<string[]> {
  const cleaned: string[] = [];
  for (const tag of await tagsOnHost(layout)) {
    if (tag === self || instanceAlive(tag)) continue;
    await cleanInstance(tag, layout);
    cleaned.push(tag);
  }
  return cleaned;
}

/** Recursive delete of `dir`, refused when anything is mounted at or below it. Returns whether it is gone. */
export function removeUnlessMounted(dir: string): boolean {
  if (!fs.existsSync(dir)) return true;
  if (mountedBelow(dir)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

/** Whether any mount point of this process's mount namespace is `dir` or lies below it. */
export function mountedBelow(dir: string): boolean {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // Field 5 is the mount point, with spaces and other specials octal-escaped.
    const mp = line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp && (mp === dir || mp.startsWith(prefix))) return true;
  }
  return false;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}
