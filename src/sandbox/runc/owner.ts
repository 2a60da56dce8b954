import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostLockPollMs, hostLockWaitMsMax } from './limits';

/**
 * Who owns what on the host: a live Kumo process, named by its pid and the
 * start time of that pid (field 22 of /proc/<pid>/stat), so a pid reused by
 * another process after a crash is told apart from the owner.
 *
 * Used for the owner record of each instance (`/run/kumo-sandboxes/<tag>/owner.json`,
 * written by `RuncDriver.init()`), for subnet claims (subnet.ts) and for the
 * host lock that serialises the start-up clean-up of several servers.
 *
 * Limit: pids are those of the host's pid namespace; two Kumo servers in
 * different pid namespaces sharing one /run would not see each other alive.
 */

export interface OwnerRecord {
  pid: number;
  startTime: string;
  /** Informational (operators, error messages). */
  dataDir?: string;
}

/**
 * Start time of a running process in clock ticks since boot; undefined when
 * the process is gone or is a zombie (dead, not yet reaped: a kill -9'd
 * server whose parent has not waited for it yet owns nothing any more).
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export function ownRecord(dataDir?: string): OwnerRecord {
  return { pid: process.pid, startTime: processStartTime(process.pid) ?? '', ...(dataDir ? { dataDir } : {}) };
}

/** Whether the process a record names still runs (same pid and same start time). */
export function isAlive(rec: OwnerRecord | undefined): boolean {
  if (!rec || !Number.isInteger(rec.pid) || rec.pid <= 0) return false;
  const start = processStartTime(rec.pid);
  return start !== undefined && start === rec.startTime;
}

/** The record in `file`; undefined when missing or unreadable (a crash while writing it). */
export function readOwner(file: string): OwnerRecord | undefined {
  try {
    const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as OwnerRecord;
    return typeof rec.pid === 'number' && typeof rec.startTime === 'string' ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a record atomically (temp file + rename), so a reader sees the old or the new one. */
export function writeOwner(file: string, rec: OwnerRecord): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Runs `fn` holding the host-wide lock `file`: created with O_EXCL holding
 * our record; a lock whose holder is dead is taken over (renamed aside,
 * checked to be the file judged stale, then ours is created). Waits for a
 * live holder at most `hostLockWaitMsMax`.
 */
export async function withHostLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const content = JSON.stringify({ ...ownRecord(), nonce: randomBytes(8).toString('hex') });
  const deadline = Date.now() + hostLockWaitMsMax;
  let holder: OwnerRecord | undefined;
  while (!tryLock(file, content, (h) => (holder = h))) {
    if (Date.now() > deadline) {
      throw new Error(`the host lock ${file} is held by Kumo process ${holder?.pid ?? '?'} for more than ${hostLockWaitMsMax} ms`);
    }
    await sleep(hostLockPollMs);
  }
  try {
    return await fn();
  } finally {
    try {
      if (fs.readFileSync(file, 'utf8') === content) fs.rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  }
}

function tryLock(file: string, content: string, seenHolder: (h: OwnerRecord | undefined) => void): boolean {
  try {
    fs.writeFileSync(file, content, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return false; // released in between: the caller retries at once
  }
  let rec: OwnerRecord | undefined;
  try {
    rec = JSON.parse(raw) as OwnerRecord;
  } catch {
    rec = undefined; // a crash between create and write: stale
  }
  seenHolder(rec);
  if (isAlive(rec)) return false;
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return false;
  }
  let moved: string | undefined;
  try {
    moved = fs.readFileSync(aside, 'utf8');
  } catch {
    moved = undefined;
  }
  if (moved !== raw) {
    // We moved a fresh lock taken meanwhile: put it back (unless the name was taken again).
    try {
      fs.linkSync(aside, file);
    } catch {
      /* someone holds the name now */
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return false; // retry the exclusive create at once
}
