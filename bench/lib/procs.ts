/**
 * Every process and temp dir the harness creates goes through here, so that it
 * can end each one by its PID (never by name) and remove each dir, also when
 * the run fails or is interrupted.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';

/**
 * The environment of every measured process: a fixed minimum plus what the
 * caller adds. In particular NODE_EXTRA_CA_CERTS (set in some shells, it costs
 * ~28 ms per Node.js start) never reaches a measured process.
 */
export function measuredEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: os.tmpdir(),
    LANG: 'C.UTF-8',
    ...extra,
  };
}

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const cleanups: (() => void)[] = [];

export function tempDir(label: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `kumo-bench-${label}-`));
  tempDirs.add(d);
  return d;
}

export function removeTempDir(d: string): void {
  fs.rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

/** A synchronous clean-up step to run at exit (after processes are gone). */
export function atExit(fn: () => void): void {
  cleanups.push(fn);
}

export interface Tracked {
  proc: ChildProcess;
  pid: number;
  /** Everything the process printed so far (stdout and stderr, capped). */
  output(): string;
  /** Resolves with the first regexp match in the output. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signal, wait, then SIGKILL what is left (the process and any descendant it left behind). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const outputCapChars = 1_000_000;

export function start(cmd: string, args: string[], opts: SpawnOptions & { env: Record<string, string> }): Tracked {
  const proc = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = proc.pid;
  children.add(proc);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (c: Buffer) => {
    if (out.length < outputCapChars) out += c.toString('utf8');
    for (const l of listeners) l();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      children.delete(proc);
      for (const l of listeners) l();
      resolve({ code, signal });
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    proc,
    pid,
    output: () => out,
    exited,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            done();
            resolve(m);
          } else if (gone) {
            done();
            reject(new Error(`${cmd} exited before printing ${re}:\n${out.slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${cmd} did not print ${re} within ${timeoutMs} ms:\n${out.slice(-3000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      const family = descendants(pid);
      if (!gone) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
        const t = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, graceMs);
        await exited;
        clearTimeout(t);
      }
      // Descendants it left behind (known by PID before the stop) are killed one by one.
      for (const d of family) killIfSameProcess(d.pid, d.start);
    },
  };
}

/** Runs a command to completion (setup steps, not measured). */
export function runSync(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}) {
  const r = spawnSync(cmd, args, { env: opts.env ?? measuredEnv(), cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Kill a PID only if it is still the same process (start time unchanged), so a recycled PID is never hit. */
function killIfSameProcess(pid: number, startTime: string | undefined): void {
  if (startTime === undefined || procStartTime(pid) !== startTime) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** Ends everything still running and removes temp dirs; synchronous, safe to call from 'exit'. */
export function cleanupAllSync(): void {
  for (const c of [...children]) {
    if (c.pid !== undefined) {
      for (const d of descendants(c.pid)) killIfSameProcess(d.pid, d.start);
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  children.clear();
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // best effort at exit
    }
  }
  for (const d of [...tempDirs]) removeTempDir(d);
}

// ---------------------------------------------------------------------------
// /proc
// ---------------------------------------------------------------------------

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Field 22 of /proc/PID/stat (start time in clock ticks): identifies a process beyond its PID. */
export function procStartTime(pid: number): string | undefined {
  const s = readText(`/proc/${pid}/stat`);
  if (!s) return undefined;
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

export function ppidOf(pid: number): number | undefined {
  const s = readText(`/proc/${pid}/stat`);
  if (!s) return undefined;
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
}

/** utime + stime of a process (all its threads), in ms; undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  const s = readText(`/proc/${pid}/stat`);
  if (!s) return undefined;
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicksPerSecond;
}
/** USER_HZ: 100 on every Linux architecture Node.js runs on. */
const clockTicksPerSecond = 100;

/** All descendants of a process (children, grandchildren…), with their start times. */
export function descendants(root: number): { pid: number; start: string | undefined }[] {
  const kids = new Map<number, number[]>();
  for (const pid of allPids()) {
    const pp = ppidOf(pid);
    if (pp === undefined) continue;
    if (!kids.has(pp)) kids.set(pp, []);
    kids.get(pp)!.push(pid);
  }
  const out: { pid: number; start: string | undefined }[] = [];
  const stack = [...(kids.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push({ pid, start: procStartTime(pid) });
    stack.push(...(kids.get(pid) ?? []));
  }
  return out;
}

/** A `kB` field of /proc/PID/status (VmRSS, VmHWM…), in bytes. */
export function statusBytes(pid: number, field = 'VmRSS'): number | undefined {
  const s = readText(`/proc/${pid}/status`);
  const m = s && new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s);
  return m ? Number(m[1]) * 1024 : undefined;
}

export function cmdline(pid: number): string {
  return (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
}

export function cgroupText(pid: number): string {
  return readText(`/proc/${pid}/cgroup`) ?? '';
}

export interface ProcInfo {
  pid: number;
  cmd: string;
  rss: number;
  pss: number;
  /** Unique set size: pages only this process maps (what ending it frees). */
  uss: number;
}

function info(pid: number): ProcInfo | undefined {
  const rss = statusBytes(pid);
  if (rss === undefined) return undefined;
  const m = smapsRollup(pid);
  return { pid, cmd: cmdline(pid), rss, pss: m.Pss ?? 0, uss: (m.Private_Clean ?? 0) + (m.Private_Dirty ?? 0) };
}

/** Fields of /proc/PID/smaps_rollup, bytes. */
export function smapsRollup(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of (readText(`/proc/${pid}/smaps_rollup`) ?? '').matchAll(/^(\w+):\s+(\d+) kB/gm)) out[m[1]!] = Number(m[2]) * 1024;
  return out;
}

export interface KumoProcs {
  /** The server's descendants in the host (not inside an EE): platform-side cost. */
  host: ProcInfo[];
  /** Per EE (keyed by its cgroup path): the runtime process and the other processes of the container. */
  ees: Map<string, { runtime: ProcInfo[]; other: ProcInfo[] }>;
}

/** Runtime processes as Kumo starts them (placement.ts runtimeArgs). */
const runtimeCmd = /^(\/usr\/bin\/node \/var\/runtime\/|\/usr\/bin\/python3 \/var\/runtime\/|\/var\/task\/bootstrap|\/opt\/bootstrap)/;

/**
 * The processes that belong to one Kumo server. EEs are found by their cgroup
 * `/kumo/<tag>/<ee>` where `<tag>` is the start of sha256(real path of the
 * data dir), so the EEs of other Kumo servers on the machine (test suites)
 * are never counted. In an EE, the runtime process (node/python3 running the
 * bootstrap, or the zip's bootstrap) is told apart from the rest (e.g. the
 * container's init shell), which is platform-side.
 */
export function kumoProcesses(serverPid: number, dataDir: string): KumoProcs {
  const full = createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex');
  const own = new Set(descendants(serverPid).map((d) => d.pid));
  const host: ProcInfo[] = [];
  const ees = new Map<string, { runtime: ProcInfo[]; other: ProcInfo[] }>();
  for (const pid of allPids()) {
    if (pid === serverPid || pid === process.pid) continue;
    const m = /\/kumo\/([0-9a-f]+)\/([^/\n]+)/.exec(cgroupText(pid));
    if (m && full.startsWith(m[1]!)) {
      const i = info(pid);
      if (!i) continue;
      const key = `/kumo/${m[1]}/${m[2]}`;
      if (!ees.has(key)) ees.set(key, { runtime: [], other: [] });
      (runtimeCmd.test(i.cmd) ? ees.get(key)!.runtime : ees.get(key)!.other).push(i);
    } else if (own.has(pid)) {
      const i = info(pid);
      if (i) host.push(i);
    }
  }
  return { host, ees };
}
