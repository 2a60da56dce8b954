import fs from 'node:fs';
import path from 'node:path';
import { runtimeHostEtcEntries } from '../../runtimes/registry';
import { sandboxGid, sandboxUid, sandboxUserName } from './limits';

/**
 * The shared read-only root file system of every EE of one Kumo instance.
 *
 * It is a small directory tree built at `init()`: the merged-usr symlinks,
 * empty mount points, and a generated minimal /etc. The host's /usr and the
 * few /etc entries host programs need are bind-mounted read-only over it by
 * each container (returned as OCI mounts). Nothing else of the host is
 * visible: no /etc/shadow, no /home, no /root, no /var.
 *
 * The tree is updated in place, never deleted recursively: a stray bind
 * mount below it would otherwise make a recursive delete reach host files.
 */

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** Read-only bind of a host path; suid/device files stay inert. */
export function roBind(source: string, destination: string): OciMount {
  return { destination, type: 'bind', source, options: ['bind', 'ro', 'nosuid', 'nodev'] };
}

/** Top-level directories that merged-usr hosts make symlinks into /usr; others get them bound. */
const usrLinkNames = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/**
 * Host /etc entries programs from /usr need: the dynamic linker cache, TLS
 * trust stores (Debian and RHEL layouts), Debian's alternatives symlinks,
 * the time zone, the service/protocol name databases, and what the
 * registry's runtimes name (Debian's JDK configuration).
 */
const hostEtcEntries = [
  'ld.so.cache',
  'ssl',
  'ca-certificates',
  'pki',
  'crypto-policies',
  'alternatives',
  'localtime',
  'services',
  'protocols',
  'mime.types',
  ...runtimeHostEtcEntries,
];

/** Mount points that must exist in the read-only tree (runc cannot create them later). */
const mountPointDirs = ['usr', 'etc', 'proc', 'dev', 'sys', 'tmp', 'opt', 'var/task', 'var/runtime'];

function writeIfChanged(file: string, content: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === content) return;
  } catch {
    /* missing: write it */
  }
  fs.rmSync(file, { force: true }); // a leftover directory here would make the write fail loudly
  fs.writeFileSync(file, content, { mode: 0o644 });
}

function ensureDir(dir: string): void {
  try {
    if (fs.lstatSync(dir).isDirectory()) return;
    fs.unlinkSync(dir);
  } catch {
    /* missing */
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
}

function ensureFile(file: string): void {
  try {
    if (fs.lstatSync(file).isFile()) return;
    fs.rmdirSync(file); // only an empty directory may stand in the way
  } catch {
    /* missing */
  }
  fs.writeFileSync(file, '', { mode: 0o644 });
}

function ensureSymlink(link: string, target: string): void {
  try {
    if (fs.readlinkSync(link) === target) return;
  } catch {
    /* missing or not a link */
  }
  for (const remove of [fs.unlinkSync, fs.rmdirSync]) {
    try {
      remove(link); // a stale link or file, or an empty mount point directory
    } catch {
      /* not that kind of entry */
    }
  }
  fs.symlinkSync(target, link);
}

/**
 * resolv.conf for EEs: the host's, unless it only names resolvers on the
 * host's loopback (systemd-resolved's 127.0.0.53, a local dnsmasq), which an
 * EE in its own network namespace cannot reach; then systemd-resolved's list
 * of upstream servers if there is one.
 */
export function sandboxResolvConf(): string {
  const read = (f: string): string | undefined => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return undefined;
    }
  };
  const servers = (t: string): string[] => [...t.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]);
  const loopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';
  const host = read('/etc/resolv.conf') ?? '';
  if (servers(host).some((s) => !loopback(s))) return host;
  const upstream = read('/run/systemd/resolve/resolv.conf');
  if (upstream && servers(upstream).some((s) => !loopback(s))) return upstream;
  return host;
}

/** Builds (or refreshes) the tree at `rootfsDir`; returns the host binds every container adds. */
export function buildRootfs(rootfsDir: string): OciMount[] {
  const mounts: OciMount[] = [];
  ensureDir(rootfsDir);
  fs.chmodSync(rootfsDir, 0o755);
  for (const d of mountPointDirs) ensureDir(path.join(rootfsDir, d));
  fs.chmodSync(path.join(rootfsDir, 'tmp'), 0o1777);

  // 1. Host userland: /usr read-only, plus bin/lib… as the host has them.
  mounts.push(roBind('/usr', '/usr'));
  for (const name of usrLinkNames) {
    const host = path.join('/', name);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(host);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      ensureSymlink(path.join(rootfsDir, name), fs.readlinkSync(host));
    } else if (st.isDirectory()) {
      ensureDir(path.join(rootfsDir, name)); // not merged-usr: bind the real directory
      mounts.push(roBind(host, `/${name}`));
    }
  }

  // 2. Generated /etc: Lambda's sandbox user, name resolution through files then DNS.
  const etc = path.join(rootfsDir, 'etc');
  writeIfChanged(
    path.join(etc, 'passwd'),
    [
      'root:x:0:0:root:/root:/usr/sbin/nologin',
      `${sandboxUserName}:x:${sandboxUid}:${sandboxGid}::/tmp:/usr/sbin/nologin`,
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      '',
    ].join('\n'),
  );
  // Lambda's gid 990 has no name (`id` prints "gid=990"), so the group file does not name it either.
  writeIfChanged(path.join(etc, 'group'), ['root:x:0:', 'nogroup:x:65534:', ''].join('\n'));
  writeIfChanged(path.join(etc, 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  writeIfChanged(
    path.join(etc, 'nsswitch.conf'),
    ['passwd: files', 'group: files', 'shadow: files', 'hosts: files dns', 'networks: files', 'protocols: files', 'services: files', ''].join('\n'),
  );
  writeIfChanged(path.join(etc, 'resolv.conf'), sandboxResolvConf());

  // 3. Host /etc entries, read-only, each over a mount point of its own type.
  for (const name of hostEtcEntries) {
    const host = path.join('/etc', name);
    let st: fs.Stats;
    try {
      st = fs.statSync(host); // follows /etc/localtime → /usr/share/zoneinfo/…
    } catch {
      continue;
    }
    if (st.isDirectory()) ensureDir(path.join(etc, name));
    else if (st.isFile()) ensureFile(path.join(etc, name));
    else continue;
    mounts.push(roBind(host, `/etc/${name}`));
  }
  return mounts;
}
