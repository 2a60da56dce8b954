import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupPollMs, freezeWaitMsMax, killWaitMsMax } from './limits';

/**
 * Direct cgroup file access for the per-EE operations that sit on the warm
 * invoke path (freeze, thaw, peak memory) or must work without runc (kill,
 * crash cleanup). runc creates and removes the cgroups; this module only
 * reads and writes their files, so no process is spawned here.
 *
 * Two layouts:
 *  - v2 (unified): one tree at /sys/fs/cgroup (detected by its
 *    cgroup.controllers file). Freezer is `cgroup.freeze`/`cgroup.events`,
 *    kill is `cgroup.kill`, OOM kills are in `memory.events`.
 *  - v1 (legacy or hybrid): one tree per controller at /sys/fs/cgroup/<ctrl>
 *    (hybrid hosts also have an empty cgroup2 tree at /sys/fs/cgroup/unified,
 *    where runc still creates a directory). Freezer is `freezer.state`, OOM
 *    kills are `oom_kill` in `memory.oom_control`.
 */

const cgroupRoot = '/sys/fs/cgroup';

export interface CgroupLayout {
  version: 1 | 2;
  /** v2: the unified tree's mount point. v1: the directory holding the controller mounts. */
  root: string;
  /** v1: controller name → mount directory. v2: empty. */
  controllers: Map<string, string>;
  /** Every hierarchy runc may create a directory in (for cleanup). */
  hierarchies: string[];
  /** v1 only: memory.memsw.* exists (swap accounting on), so runc may be given a swap limit. */
  swapAccounting: boolean;
}

export function detectCgroups(): CgroupLayout {
  if (fs.existsSync(path.join(cgroupRoot, 'cgroup.controllers'))) {
    const available = fs.readFileSync(path.join(cgroupRoot, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    for (const c of ['memory', 'pids', 'cpu']) {
      if (!available.includes(c)) throw new Error(`cgroup v2 controller "${c}" is not available at ${cgroupRoot}`);
    }
    if (!fs.existsSync(path.join(cgroupRoot, 'cgroup.stat'))) throw new Error('cgroup v2 root looks incomplete');
    return {
      version: 2,
      root: cgroupRoot,
      controllers: new Map(),
      hierarchies: [cgroupRoot],
      // runc skips memory.swap.max = 0 silently when swap accounting is off on v2.
      swapAccounting: true,
    };
  }
  const controllers = new Map<string, string>();
  const hierarchies: string[] = [];
  const seen = new Set<string>();
  for (const name of fs.readdirSync(cgroupRoot)) {
    const dir = path.join(cgroupRoot, name);
    let real: string;
    try {
      real = fs.realpathSync(dir);
      if (!fs.statSync(real).isDirectory()) continue;
    } catch {
      continue;
    }
    if (!seen.has(real)) {
      seen.add(real);
      hierarchies.push(real);
    }
    // "cpu,cpuacct" mounts: each listed controller lives in that directory.
    for (const c of path.basename(real).split(',')) if (!controllers.has(c)) controllers.set(c, real);
    if (!controllers.has(name)) controllers.set(name, real);
  }
  for (const c of ['memory', 'pids', 'freezer', 'cpu']) {
    if (!controllers.has(c)) throw new Error(`cgroup v1 controller "${c}" is not mounted under ${cgroupRoot}`);
  }
  return {
    version: 1,
    root: cgroupRoot,
    controllers,
    hierarchies,
    swapAccounting: fs.existsSync(path.join(controllers.get('memory')!, 'memory.memsw.limit_in_bytes')),
  };
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function keyedValue(text: string | undefined, key: string): number | undefined {
  const m = text && new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

function pidsIn(dir: string): number[] {
  const text = readText(path.join(dir, 'cgroup.procs'));
  if (!text) return [];
  return text
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((n) => n > 0);
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** The cgroup of one EE, addressed by its path below the hierarchy roots (`/kumo/<tag>/<id>`). */
export class SandboxCgroup {
  private readonly dirOf: (controller: string) => string;

  constructor(
    private readonly layout: CgroupLayout,
    readonly relPath: string,
  ) {
    this.dirOf =
      layout.version === 2
        ? () => path.join(layout.root, relPath)
        : (c) => path.join(layout.controllers.get(c) ?? path.join(layout.root, c), relPath);
  }

  exists(): boolean {
    return fs.existsSync(this.dirOf('memory'));
  }

  pids(): number[] {
    return pidsIn(this.dirOf('freezer'));
  }

  /**
   * Stops every task from being scheduled and resolves once the kernel
   * reports the whole cgroup frozen. v1 may sit in FREEZING while a task is
   * in an uninterruptible sleep; writing FROZEN again retries (kernel docs,
   * cgroup-v1/freezer-subsystem). Gives up after `freezeWaitMsMax`, thawing
   * again so the EE is never left half-frozen.
   */
  async freeze(keepTrying: () => boolean = () => true): Promise<void> {
    const deadline = Date.now() + freezeWaitMsMax;
    if (this.layout.version === 2) {
      const dir = this.dirOf('freezer');
      fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '1');
      while (keyedValue(readText(path.join(dir, 'cgroup.events')), 'frozen') !== 1 && keepTrying()) {
        if (Date.now() > deadline) {
          fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0');
          throw new Error(`cgroup ${this.relPath} did not freeze within ${freezeWaitMsMax} ms`);
        }
        await sleep(cgroupPollMs);
      }
      return;
    }
    const stateFile = path.join(this.dirOf('freezer'), 'freezer.state');
    fs.writeFileSync(stateFile, 'FROZEN');
    while (fs.readFileSync(stateFile, 'utf8').trim() !== 'FROZEN' && keepTrying()) {
      if (Date.now() > deadline) {
        fs.writeFileSync(stateFile, 'THAWED');
        throw new Error(`cgroup ${this.relPath} did not freeze within ${freezeWaitMsMax} ms`);
      }
      await sleep(cgroupPollMs);
      if (keepTrying()) fs.writeFileSync(stateFile, 'FROZEN');
    }
  }

  thaw(): void {
    if (this.layout.version === 2) fs.writeFileSync(path.join(this.dirOf('freezer'), 'cgroup.freeze'), '0');
    else fs.writeFileSync(path.join(this.dirOf('freezer'), 'freezer.state'), 'THAWED');
  }

  /**
   * SIGKILLs every task, frozen or not. Order matters on v1: the kill is
   * queued first and the thaw then lets frozen tasks run into it; thawing
   * first would let a frozen EE run user code again for a moment.
   */
  killAll(): void {
    const dir = this.dirOf('freezer');
    if (this.layout.version === 2 && fs.existsSync(path.join(dir, 'cgroup.kill'))) {
      fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1'); // kernel ≥ 5.14: kills frozen tasks too
      return;
    }
    killPids(pidsIn(dir));
    try {
      this.thaw();
    } catch {
      /* cgroup already gone */
    }
  }

  /** Resolves true once no task is left (or the cgroup is gone), false after `killWaitMsMax`. */
  async waitEmpty(): Promise<boolean> {
    const deadline = Date.now() + killWaitMsMax;
    while (this.pids().length > 0) {
      if (Date.now() > deadline) return false;
      this.killAll();
      await sleep(cgroupPollMs * 5);
    }
    return true;
  }

  /** How many tasks the memory-cgroup OOM killer has killed here (0 when unknown). */
  oomKills(): number {
    if (this.layout.version === 2) return keyedValue(readText(path.join(this.dirOf('memory'), 'memory.events')), 'oom_kill') ?? 0;
    return keyedValue(readText(path.join(this.dirOf('memory'), 'memory.oom_control')), 'oom_kill') ?? 0;
  }

  /**
   * The peak-memory file, kept open once read (REPORT reads it after every
   * invoke: one pread instead of open, read and close). One descriptor per
   * live EE; `closeFiles()` gives it back.
   */
  private peakFd: number | undefined;
  private readonly peakBuf = Buffer.alloc(32);

  /** Peak memory use in bytes; undefined once the cgroup is gone. `keepOpen`: keep the file open for the next read. */
  memoryPeakBytes(keepOpen = true): number | undefined {
    if (this.peakFd !== undefined) {
      try {
        const n = fs.readSync(this.peakFd, this.peakBuf, 0, this.peakBuf.length, 0);
        return Number(this.peakBuf.toString('latin1', 0, n).trim());
      } catch {
        this.closeFiles(); // the cgroup is gone (ENODEV): read by name below, which says so
      }
    }
    const dir = this.dirOf('memory');
    const names = this.layout.version === 2 ? ['memory.peak', 'memory.current'] : ['memory.max_usage_in_bytes'];
    for (const name of names) {
      const file = path.join(dir, name);
      const text = readText(file);
      if (text === undefined) continue;
      if (keepOpen) {
        try {
          this.peakFd = fs.openSync(file, 'r');
        } catch {
          /* out of descriptors: read by name next time too */
        }
      }
      return Number(text.trim());
    }
    return undefined;
  }

  /** Closes the files kept open (before the cgroup is removed, or when the EE is gone). */
  closeFiles(): void {
    if (this.peakFd === undefined) return;
    const fd = this.peakFd;
    this.peakFd = undefined;
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
  }

  /** Sets the CFS bandwidth limit (µs of CPU time per period); one file write, no process. */
  setCpuQuota(quotaMicros: number, periodMicros: number): void {
    if (this.layout.version === 2) {
      fs.writeFileSync(path.join(this.dirOf('cpu'), 'cpu.max'), `${quotaMicros} ${periodMicros}`);
      return;
    }
    // runc set the same period at creation, so the quota alone changes the share.
    fs.writeFileSync(path.join(this.dirOf('cpu'), 'cpu.cfs_quota_us'), String(quotaMicros));
  }

  /**
   * Sets the memory limit (no swap, as at creation): a pre-initialised EE
   * started with its memory class's limit gets its function's MemorySize
   * when it is bound. v1 keeps memsw ≥ limit at every step, so a lower limit
   * is written before memsw and a higher one after.
   */
  setMemoryLimitBytes(bytes: number): void {
    const dir = this.dirOf('memory');
    if (this.layout.version === 2) {
      fs.writeFileSync(path.join(dir, 'memory.max'), String(bytes));
      return;
    }
    const limitFile = path.join(dir, 'memory.limit_in_bytes');
    const memswFile = path.join(dir, 'memory.memsw.limit_in_bytes');
    const current = Number(readText(limitFile) ?? NaN);
    const writes: [string, number][] = [[limitFile, bytes]];
    if (this.layout.swapAccounting) writes[bytes > current ? 'unshift' : 'push']([memswFile, bytes]);
    for (const [file, v] of writes) fs.writeFileSync(file, String(v));
  }

  /** Memory limit in bytes now set, undefined once the cgroup is gone. */
  memoryLimitBytes(): number | undefined {
    const t = readText(path.join(this.dirOf('memory'), this.layout.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'));
    return t === undefined || t.trim() === 'max' ? undefined : Number(t.trim());
  }

  /** CFS bandwidth limit currently set (µs per period), undefined once the cgroup is gone. */
  cpuQuota(): { quota: number; period: number } | undefined {
    if (this.layout.version === 2) {
      const m = /^(\d+|max) (\d+)/.exec(readText(path.join(this.dirOf('cpu'), 'cpu.max')) ?? '');
      return m ? { quota: m[1] === 'max' ? -1 : Number(m[1]), period: Number(m[2]) } : undefined;
    }
    const q = readText(path.join(this.dirOf('cpu'), 'cpu.cfs_quota_us'));
    const p = readText(path.join(this.dirOf('cpu'), 'cpu.cfs_period_us'));
    return q === undefined || p === undefined ? undefined : { quota: Number(q.trim()), period: Number(p.trim()) };
  }

  /** CPU time used by the cgroup's tasks, µs (tests use it to see a frozen loop stop). */
  cpuUsageMicros(): number | undefined {
    if (this.layout.version === 2) return keyedValue(readText(path.join(this.dirOf('cpu'), 'cpu.stat')), 'usage_usec');
    const text = readText(path.join(this.dirOf('cpuacct'), 'cpuacct.usage'));
    return text === undefined ? undefined : Math.floor(Number(text.trim()) / 1000);
  }
}

/**
 * Kills every task below `relPath` and makes sure none stays frozen, with
 * file writes only (no process; also the last resort of a server that must
 * exit now). Returns the directories found, in every hierarchy.
 *
 * Frozen tasks cannot die: a SIGKILL stays pending until they are thawed
 * (v1 freezer tasks then sit in state D, holding their memory, forever if
 * nobody thaws them). So:
 *  - v2 with `cgroup.kill` (kernel ≥ 5.14): one write at the subtree root
 *    kills every task below it, frozen ones included;
 *  - otherwise every task gets SIGKILL first and then every level is
 *    thawed, shallowest first (a v1 child whose parent is FROZEN, or a v2
 *    cgroup below one with `cgroup.freeze` 1, stays frozen whatever its own
 *    state says). Killing before thawing means a frozen EE never runs user
 *    code again.
 */
export function killAndThawTree(layout: CgroupLayout, relPath: string): string[] {
  const dirs: string[] = [];
  for (const h of layout.hierarchies) collectDirs(path.join(h, relPath), dirs);
  const freezerRoot = layout.version === 2 ? layout.root : layout.controllers.get('freezer');
  // collectDirs lists parents before their children: this is shallowest first.
  const freezable = dirs.filter((d) => freezerRoot !== undefined && (d === freezerRoot || d.startsWith(freezerRoot + '/')));
  const top = freezable[0];
  let killedAll = false;
  if (layout.version === 2 && top && fs.existsSync(path.join(top, 'cgroup.kill'))) {
    try {
      fs.writeFileSync(path.join(top, 'cgroup.kill'), '1');
      killedAll = true;
    } catch {
      /* removed meanwhile, or an old kernel refusing it: kill task by task */
    }
  }
  if (!killedAll) for (const d of freezable) killPids(pidsIn(d));
  for (const d of freezable) {
    try {
      if (layout.version === 2) fs.writeFileSync(path.join(d, 'cgroup.freeze'), '0');
      else fs.writeFileSync(path.join(d, 'freezer.state'), 'THAWED');
    } catch {
      /* gone meanwhile */
    }
  }
  return dirs;
}

/**
 * Kills whatever still runs below `relPath` in every hierarchy (frozen tasks
 * included, see `killAndThawTree`) and removes the directories, deepest
 * first. Used for one EE's cgroup, one instance's subtree (`/kumo/<tag>`),
 * and a dead instance's subtree at start-up.
 */
export async function removeCgroupTree(layout: CgroupLayout, relPath: string): Promise<void> {
  const dirs = killAndThawTree(layout, relPath);
  if (dirs.length === 0) return;
  const deadline = Date.now() + killWaitMsMax;
  for (const d of dirs.sort((a, b) => b.length - a.length)) {
    for (;;) {
      try {
        fs.rmdirSync(d);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (Date.now() > deadline) throw new Error(`cannot remove cgroup ${d}: ${code}`);
        // A task may still be on its way out; kill and thaw again (a no-op for the dead).
        killAndThawTree(layout, relPath);
        await sleep(cgroupPollMs * 5);
      }
    }
  }
}

function collectDirs(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  out.push(dir);
  for (const e of entries) if (e.isDirectory()) collectDirs(path.join(dir, e.name), out);
}
