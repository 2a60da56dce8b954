import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { processStartTime } from './owner';
import { lockDir as defaultLockDir, subnetPoolCidr, subnetPrefixBitsMax, subnetPrefixBitsMin, subnetSlicePrefixBits } from './limits';

/**
 * IPv4 subnet arithmetic and the machine-wide claim of one subnet per Kumo
 * instance.
 *
 * Claim protocol: a subnet is owned by whoever created
 * `/run/kumo/subnet-<network>-<prefix>.lock` (O_EXCL). The file holds the
 * owner's pid, that process's start time and the instance tag. A claim is
 * stale when its process is gone (or the pid was reused: the start time
 * differs) or when it carries our own tag (our previous run crashed). Stale
 * claims are taken over by renaming the file aside first (atomic), checking
 * the renamed file is the one judged stale, and only then creating ours.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  network: number;
  prefixBits: number;
}

export function parseIp(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${s}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`not an IPv4 address: ${s}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(prefixBits: number): number {
  return prefixBits === 0 ? 0 : (0xffffffff << (32 - prefixBits)) >>> 0;
}

export function parseCidr(s: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  if (!m) throw new Error(`not an IPv4 CIDR: ${s}`);
  const prefixBits = Number(m[2]);
  if (prefixBits > 32) throw new Error(`not an IPv4 CIDR: ${s}`);
  const ip = parseIp(m[1]);
  const network = (ip & maskOf(prefixBits)) >>> 0;
  if (network !== ip) throw new Error(`${s} has host bits set (network is ${formatIp(network)}/${prefixBits})`);
  return { network, prefixBits };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network)}/${c.prefixBits}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefixBits);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.prefixBits, b.prefixBits);
  const m = maskOf(bits);
  return ((a.network & m) >>> 0) === ((b.network & m) >>> 0);
}

/** Address `index` inside `c` (1 = gateway, 2.. = EEs). */
export function hostAddress(c: Cidr, index: number): string {
  if (index < 1 || index >= cidrSize(c) - 1) throw new Error(`host index ${index} outside ${formatCidr(c)}`);
  return formatIp(c.network + index);
}

/** The aligned slices of `pool` with `prefixBits`, in order. */
export function slicesOf(pool: Cidr, prefixBits: number): Cidr[] {
  const count = 2 ** (prefixBits - pool.prefixBits);
  const step = 2 ** (32 - prefixBits);
  return Array.from({ length: count }, (_, i) => ({ network: pool.network + i * step, prefixBits }));
}

/** IPv4 routes of the main table (from /proc/net/route, no process spawn), default route excluded. */
export function hostRoutes(): { iface: string; cidr: Cidr }[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const le = os.endianness() === 'LE';
  const toIp = (hex: string): number => {
    const n = parseInt(hex, 16) >>> 0;
    if (!le) return n;
    return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
  };
  const out: { iface: string; cidr: Cidr }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const mask = toIp(f[7]);
    if (mask === 0) continue;
    // Route masks are contiguous, so the prefix length is the number of set bits.
    out.push({ iface: f[0], cidr: { network: (toIp(f[1]) & mask) >>> 0, prefixBits: popcount(mask) } });
  }
  return out;
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n >>> 0; x; x = (x & (x - 1)) >>> 0) c++;
  return c;
}

/** The interface of the default route, if any (its MTU is copied to the sandbox links). */
export function defaultRouteInterface(): string | undefined {
  try {
    for (const line of fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 8 && parseInt(f[1], 16) === 0 && parseInt(f[7], 16) === 0) return f[0];
    }
  } catch {
    /* no /proc/net/route: no default route known */
  }
  return undefined;
}

interface ClaimRecord {
  pid: number;
  startTime: string;
  tag: string;
  dataDir: string;
  nonce: string;
}

function lockName(c: Cidr): string {
  return `subnet-${formatIp(c.network)}-${c.prefixBits}.lock`;
}

function cidrOfLockName(name: string): Cidr | undefined {
  const m = /^subnet-([\d.]+)-(\d+)\.lock$/.exec(name);
  if (!m) return undefined;
  try {
    return parseCidr(`${m[1]}/${m[2]}`);
  } catch {
    return undefined;
  }
}

function readClaim(file: string): { raw: string; rec: ClaimRecord | undefined } | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return { raw, rec: JSON.parse(raw) as ClaimRecord };
  } catch {
    return { raw, rec: undefined };
  }
}

function isStale(rec: ClaimRecord | undefined, ourTag: string): boolean {
  if (!rec || typeof rec.pid !== 'number') return true; // unreadable claim: a crash while writing it
  if (rec.tag === ourTag) return true;
  const start = processStartTime(rec.pid);
  return start === undefined || start !== rec.startTime;
}

export interface SubnetClaim {
  cidr: Cidr;
  release(): void;
}

function tryClaim(file: string, content: string, ourTag: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, content, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const seen = readClaim(file);
    if (!seen) continue; // vanished in between: try to create again
    if (!isStale(seen.rec, ourTag)) return false;
    // Take over a stale claim: move it aside (atomic), then make sure we moved
    // the file we judged stale and not a fresh claim created meanwhile.
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      fs.renameSync(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = readClaim(aside);
    if (moved?.raw !== seen.raw) {
      try {
        fs.linkSync(aside, file); // put the other claim back unless the name was taken again
      } catch {
        /* someone holds the name now; the moved claim's owner will find it gone */
      }
      fs.rmSync(aside, { force: true });
      return false;
    }
    fs.rmSync(aside, { force: true });
  }
  return false;
}

/**
 * Claims `explicit` (if given) or the first free slice of the pool, starting
 * at a slice derived from the tag so an instance tends to get the same
 * subnet on every start. Skips slices overlapping a host route or another
 * live claim.
 */
export function claimSubnet(opts: {
  tag: string;
  dataDir: string;
  explicit?: string;
  ownBridge: string;
  /** Tests point this elsewhere; every Kumo instance on a machine must use the same. */
  lockDir?: string;
  routes?: { iface: string; cidr: Cidr }[];
}): SubnetClaim {
  const lockDir = opts.lockDir ?? defaultLockDir;
  fs.mkdirSync(lockDir, { recursive: true, mode: 0o755 });
  const record: ClaimRecord = {
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? '',
    tag: opts.tag,
    dataDir: opts.dataDir,
    nonce: randomBytes(8).toString('hex'),
  };
  const content = JSON.stringify(record);
  const routes = (opts.routes ?? hostRoutes()).filter((r) => r.iface !== opts.ownBridge);
  const liveClaims = (): Cidr[] => {
    const out: Cidr[] = [];
    for (const name of fs.readdirSync(lockDir)) {
      const c = cidrOfLockName(name);
      if (!c) continue;
      const seen = readClaim(path.join(lockDir, name));
      if (seen && !isStale(seen.rec, opts.tag)) out.push(c);
    }
    return out;
  };
  const usable = (c: Cidr): string | undefined => {
    const r = routes.find((x) => overlaps(x.cidr, c));
    if (r) return `overlaps host route ${formatCidr(r.cidr)} on ${r.iface}`;
    const other = liveClaims().find((x) => overlaps(x, c) && formatCidr(x) !== formatCidr(c));
    if (other) return `overlaps ${formatCidr(other)} claimed by another Kumo instance`;
    return undefined;
  };
  const claimed = (c: Cidr): SubnetClaim => {
    const file = path.join(lockDir, lockName(c));
    return {
      cidr: c,
      release: () => {
        const seen = readClaim(file);
        if (seen?.raw === content) fs.rmSync(file, { force: true });
      },
    };
  };

  if (opts.explicit) {
    const c = parseCidr(opts.explicit);
    if (c.prefixBits < subnetPrefixBitsMin || c.prefixBits > subnetPrefixBitsMax) {
      throw new Error(`sandbox subnet ${opts.explicit}: prefix must be /${subnetPrefixBitsMin}../${subnetPrefixBitsMax}`);
    }
    const why = usable(c);
    if (why) throw new Error(`sandbox subnet ${opts.explicit} ${why}`);
    if (!tryClaim(path.join(lockDir, lockName(c)), content, opts.tag)) {
      throw new Error(`sandbox subnet ${opts.explicit} is claimed by another running Kumo instance (see ${lockDir})`);
    }
    return claimed(c);
  }

  const slices = slicesOf(parseCidr(subnetPoolCidr), subnetSlicePrefixBits);
  const start = parseInt(opts.tag, 16) % slices.length;
  for (let i = 0; i < slices.length; i++) {
    const c = slices[(start + i) % slices.length];
    if (usable(c)) continue;
    if (tryClaim(path.join(lockDir, lockName(c)), content, opts.tag)) return claimed(c);
  }
  throw new Error(
    `no free sandbox subnet in ${subnetPoolCidr}: every /${subnetSlicePrefixBits} is claimed (see ${lockDir}) or overlaps a host route; pass an explicit subnet`,
  );
}

/**
 * The tags of every subnet claim on the host, each with whether its owner is
 * still running (host clean-up: a live claim means a live instance, even one
 * of a Kumo version that writes no owner record).
 */
export function claimTags(lockDir = defaultLockDir): Map<string, boolean> {
  const out = new Map<string, boolean>();
  let names: string[];
  try {
    names = fs.readdirSync(lockDir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!cidrOfLockName(name)) continue;
    const rec = readClaim(path.join(lockDir, name))?.rec;
    if (!rec || typeof rec.tag !== 'string') continue;
    const alive = typeof rec.pid === 'number' && processStartTime(rec.pid) === rec.startTime;
    out.set(rec.tag, (out.get(rec.tag) ?? false) || alive);
  }
  return out;
}

/** Releases every claim carrying `tag` (crash cleanup). */
export function releaseClaimsOf(tag: string, lockDir = defaultLockDir): void {
  let names: string[];
  try {
    names = fs.readdirSync(lockDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!cidrOfLockName(name)) continue;
    const file = path.join(lockDir, name);
    if (readClaim(file)?.rec?.tag === tag) fs.rmSync(file, { force: true });
  }
}
