import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';

/** The API process's user when KUMO_USER does not name one: a system account created on first start. */
export const apiUserDefault = 'kumo';

export interface ApiUser {
  name: string;
  uid: number;
  gid: number;
}

/** `name`'s uid and primary gid from the passwd database, or undefined. */
export function lookupUser(name: string): ApiUser | undefined {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/**
 * The user the API process runs as: `name` if it exists; the default account
 * is created (system, no home, no login shell) when missing. Refuses root and
 * a named user that does not exist (a typo must not silently fall back).
 */
export function ensureApiUser(name: string | undefined): ApiUser {
  const wanted = name ?? apiUserDefault;
  let user = lookupUser(wanted);
  if (!user && name === undefined) {
    execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', wanted], { stdio: 'pipe' });
    user = lookupUser(wanted);
  }
  if (!user) throw new Error(`KUMO_USER ${wanted} does not exist`);
  if (user.uid === 0 || user.gid === 0) throw new Error(`KUMO_USER ${wanted} is root; the API process must not run as root`);
  return user;
}

/**
 * Gives the data dir to the API user, except `sandbox/` (the supervisor's:
 * /tmp disk images, the link to runc's state), which stays root's. Only
 * entries not already owned are changed, so a restart walks but rarely writes.
 * Symlinks are changed themselves (lchown), never followed.
 */
export function chownDataDir(dataDir: string, user: ApiUser): void {
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    if (st.uid !== user.uid || st.gid !== user.gid) fs.lchownSync(p, user.uid, user.gid);
    if (!st.isDirectory()) return;
    for (const name of fs.readdirSync(p)) {
      if (p === dataDir && name === 'sandbox') continue;
      walk(path.join(p, name));
    }
  };
  walk(dataDir);
}

/**
 * Forks the root supervisor (supervisor.ts) with a private IPC channel; it
 * learns the data dir and the API user here, from root, not from a request.
 */
export function forkSupervisor(dataDir: string, user: ApiUser): ChildProcess {
  return fork(path.join(__dirname, 'main.js'), [dataDir, String(user.uid), String(user.gid)], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: process.env,
  });
}

/** Irrevocably becomes `user` (supplementary groups first, then gid, then uid). */
export function dropPrivileges(user: ApiUser): void {
  process.setgroups!([user.gid]);
  process.setgid!(user.gid);
  process.setuid!(user.uid);
  if (process.getuid!() !== user.uid || process.geteuid!() !== user.uid) throw new Error('could not drop root');
}
