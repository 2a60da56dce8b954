import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../paths';
import { chownDataDir, dropPrivileges, ensureApiUser, forkSupervisor, type ApiUser } from './privileges';
import { RemoteSandboxDriver } from './remote-driver';

/** `KUMO_SUPERVISOR=0` keeps the single root process of earlier versions (for the transition; not recommended). */
export function supervisorWanted(env: NodeJS.ProcessEnv): boolean {
  const v = env.KUMO_SUPERVISOR;
  // Anything else would be a typo silently taken as "on" or "off": refused.
  if (v !== undefined && v !== '' && v !== '0' && v !== '1') throw new Error(`KUMO_SUPERVISOR must be 0 or 1, not ${JSON.stringify(v)}`);
  return process.getuid?.() === 0 && v !== '0';
}

/**
 * The first parent directory of `realDir` that `user` may not pass through
 * (no search permission for it by owner, group or other bits), e.g. /root
 * (0700) for a data dir in a repository cloned there; undefined when every
 * parent is traversable.
 */
export function untraversableParent(realDir: string, user: ApiUser): string | undefined {
  let dir = path.dirname(realDir);
  const parents: string[] = [];
  for (;;) {
    parents.unshift(dir);
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const p of parents) {
    const st = fs.statSync(p);
    const bits = st.uid === user.uid ? (st.mode >> 6) & 1 : st.gid === user.gid ? (st.mode >> 3) & 1 : st.mode & 1;
    if (!bits) return p;
  }
  return undefined;
}

/**
 * Splits `kumo server` in two, from root: the data dir is given to the API
 * user, the root supervisor is forked with a private channel, and this
 * process becomes the API user for good. Returns the driver that talks to the
 * supervisor (and a standby that takes over once if it dies). Throws (still root, nothing started but the fork, which exits
 * with its channel) when the user or the data dir cannot be used.
 */
export function splitPrivileges(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): { driver: RemoteSandboxDriver; user: ApiUser; supervisorPid: number; standbyPid: number } | { blockedBy: string; what: string; fix: string; user: ApiUser } {
  const user = ensureApiUser(env.KUMO_USER || undefined);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The API process goes on loading Kumo's own modules after it drops root, so
  // the installation must be reachable as well as the data dir.
  const dataBlocked = untraversableParent(fs.realpathSync(dataDir), user);
  const codeBlocked = dataBlocked === undefined ? untraversableParent(path.join(projectRoot, 'dist'), user) : undefined;
  const blockedBy = dataBlocked ?? codeBlocked;
  if (blockedBy !== undefined) {
    const what = dataBlocked !== undefined ? `the data dir ${dataDir}` : `Kumo's installation ${projectRoot}`;
    const fix = dataBlocked !== undefined ? 'choose another --data-dir (e.g. /var/lib/kumo)' : 'install Kumo elsewhere (e.g. /opt/kumo)';
    // KUMO_SUPERVISOR=1 insists on the split: refuse. Otherwise the caller runs as one root process and says why.
    if (env.KUMO_SUPERVISOR === '1') throw new Error(`${what} is below ${blockedBy}, which user ${user.name} cannot traverse; ${fix}`);
    return { blockedBy, what, fix, user };
  }
  chownDataDir(fs.realpathSync(dataDir), user);
  const child = forkSupervisor(dataDir, user);
  const standby = forkSupervisor(dataDir, user);
  const driver = new RemoteSandboxDriver(child, standby);
  dropPrivileges(user);
  try {
    fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    driver.abandon();
    throw new Error(`the data dir ${dataDir} is not reachable by user ${user.name} (a parent directory is not traversable); choose another --data-dir`);
  }
  return { driver, user, supervisorPid: child.pid!, standbyPid: standby.pid! };
}
