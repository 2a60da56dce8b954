import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { run } from './exec';
import {
  scratchBlockBytes,
  scratchCleanupPassesMax,
  scratchCleanupSettleMs,
  scratchCommandTimeoutMs,
  scratchImagesDefaultSize,
  scratchImagesOtherSize,
  scratchOtherSizesMax,
  scratchSlackBlocks,
} from './limits';

/**
 * Scratch disks: each EE's /tmp is an ext4 file system of its own on a
 * sparse image file in the data dir, so what a function writes to /tmp is
 * disk, as in Lambda, and not page-cache memory charged to its memory limit
 * (a tmpfs is). Lambda: "/tmp ... between 512 MB and 10,240 MB"; writing past
 * it fails with ENOSPC.
 *
 * Making one (sparse file, mkfs, tune2fs, losetup, mount: five processes,
 * 10–20 ms on an idle machine and far more on a loaded one) is kept off the
 * cold-start path: images are prepared ahead, per size, like the network
 * namespaces (network.ts), and a cold start only takes one and chowns its
 * root. A size with none prepared is made on demand (its cost is the
 * `Scratch` phase of INIT_PHASES) and is prepared ahead from then on.
 *
 * Layout (`dir` = `<dataDir>/sandbox/scratch`, 0700, this instance's only):
 *   <n>.img   (n = <start time>-<sequence>) sparse image, ext4 without journal (nothing survives a crash
 *             or is ever mounted twice, so there is nothing to replay)
 *   <n>/      its mount point on the host (nosuid, nodev), bind-mounted
 *             into the EE at /tmp
 *
 * Life of a disk:
 *   1. create `<n>.img` of `imageBytesFor(size)` (sparse: ~150 KB on disk);
 *   2. `mkfs.ext4` (4 KB blocks, no journal, no reserve, lazy inode tables:
 *      the sparse file already reads as zeros);
 *   3. `tune2fs -r`: every free block beyond EphemeralStorage (+ a small
 *      slack) is reserved for host root, so the EE's user (never host root,
 *      no CAP_SYS_RESOURCE) gets ENOSPC right after EphemeralStorage MB of
 *      file data (`reservedBlocksFor`). The rule: the EE can allocate
 *      EphemeralStorage MB + `scratchSlackBlocks` × 4 KB of blocks; files
 *      take whole 4 KB blocks, directories and large files' extent trees a
 *      few more, which the slack covers for ordinary use;
 *   4. `losetup --direct-io=on` (the image's data does not sit in the host's
 *      page cache a second time), mount, then `losetup -d` at once: the
 *      device is marked autoclear and goes away by itself when the file
 *      system is unmounted, even if Kumo dies;
 *   5. the root dir: lost+found removed, mode 1777 (as the tmpfs was);
 *   6. taken by an EE: chowned to the EE's root (the EE's user namespace
 *      maps it to a host id of its own), so /tmp looks as the tmpfs did;
 *   7. released after the container is gone: unmounted, image deleted. An
 *      image is never used twice: the next EE gets a fresh mkfs, so nothing
 *      of one EE's /tmp can reach another.
 *
 * Where a disk cannot be made (no /dev/loop-control in a container, no
 * e2fsprogs, a data dir whose file system refuses loop devices), the driver
 * falls back to a tmpfs /tmp and logs why at start (`openScratchPool`).
 */

export interface ScratchDisk {
  readonly sizeMb: number;
  /** Host path of the mounted file system: the bind source of the EE's /tmp. */
  readonly mountPoint: string;
  readonly image: string;
}

const bytesPerMb = 1024 * 1024;
/** ext4 fraction of blocks taken by inode tables: 256-byte inodes, one per 16 KB. */
const inodeBytes = 256;
const bytesPerInode = 16_384;
/** Blocks of an ext4 block group (4 KB blocks): each costs a block and an inode bitmap. */
const blocksPerGroup = 32_768;
/** Superblock, group descriptors and their sparse backups, root and lost+found, rounded up generously (1 MB). */
const fixedOverheadBlocks = 256;
/** lost+found as mke2fs makes it (16 KB): removed before the EE sees /tmp, so its blocks become free. */
const lostFoundBlocks = 16_384 / scratchBlockBytes;
/**
 * ext4 keeps min(2 %, 4,096) of the blocks back from everyone, root too, for
 * its own metadata (fs/ext4/super.c, ext4_calculate_resv_clusters); statfs
 * and writers see the rest.
 */
const kernelReserveFraction = 1 / 50;
const kernelReserveBlocksMax = 4096;
export function kernelReserveBlocks(imageBlocks: number): number {
  return Math.min(Math.floor(imageBlocks * kernelReserveFraction), kernelReserveBlocksMax);
}
/** ext4 superblock: at byte 1024; s_free_blocks_count_lo at +12 (le32), s_blocks_count_lo at +4. */
const superblockOffset = 1024;

const mkfsArgs = (image: string): string[] => [
  '-F', '-q', '-t', 'ext4',
  '-b', String(scratchBlockBytes), '-I', String(inodeBytes), '-i', String(bytesPerInode),
  '-m', '0',
  // No journal (nothing to replay, see above), no online-resize reserve (never grown).
  '-O', '^has_journal,^resize_inode',
  // The image is a fresh sparse file: discarding it or zeroing inode tables would only write zeros.
  '-E', 'nodiscard,lazy_itable_init=1',
  image,
];
/**
 * noinit_itable: the kernel would otherwise zero the (already zero) inode
 * tables in the background. discard: a file deleted in /tmp gives its blocks
 * back to the host's disk at once (the loop device punches holes in the
 * image), so the host's disk holds what the EE's /tmp holds now, not the most
 * it ever held. nodelalloc: blocks are allocated as the EE writes, so the
 * file system fills exactly at its capacity; with delayed allocation ext4's
 * reservations for dirty pages made a write fail with ENOSPC up to a few MiB
 * early, depending on writeback timing (tmp-disk.test.ts failed ~1 run in 8).
 */
const mountOptions = 'nosuid,nodev,noinit_itable,discard,nodelalloc';

/** Blocks the EE may fill: EphemeralStorage plus the slack for the file system's per-file blocks. */
export function usableBlocksFor(sizeMb: number): number {
  return Math.ceil((sizeMb * bytesPerMb) / scratchBlockBytes) + scratchSlackBlocks;
}

/**
 * Image size for `sizeMb` of usable space: enough that, after ext4's
 * metadata (inode tables 1/64, two bitmaps per group, a fixed part), at
 * least `usableBlocksFor(sizeMb)` blocks are free. The excess is reserved in
 * step 3, so the exact free count does not matter as long as it is enough
 * (checked when each image is made).
 */
export function imageBytesFor(sizeMb: number): number {
  const need = usableBlocksFor(sizeMb) + fixedOverheadBlocks;
  const overheadFraction = inodeBytes / bytesPerInode + 2 / blocksPerGroup + kernelReserveFraction;
  return Math.ceil(need / (1 - overheadFraction)) * scratchBlockBytes;
}

/**
 * Blocks to reserve (for host root) so that exactly `usableBlocksFor(sizeMb)`
 * stay available to the EE, given the free blocks mkfs left (lost+found
 * still there) in an image of `imageBlocks`.
 */
export function reservedBlocksFor(sizeMb: number, freeBlocks: number, imageBlocks: number): number {
  const reserved = freeBlocks + lostFoundBlocks - kernelReserveBlocks(imageBlocks) - usableBlocksFor(sizeMb);
  if (reserved < 0) throw new Error(`scratch image for ${sizeMb} MB has ${freeBlocks} free blocks, fewer than ${usableBlocksFor(sizeMb)}`);
  return reserved;
}

/** Free blocks recorded in an ext4 superblock (image below 16 TB: the low 32 bits are the count). */
export function superblockFreeBlocks(image: string): number {
  const fd = fs.openSync(image, 'r');
  try {
    const b = Buffer.alloc(16);
    fs.readSync(fd, b, 0, 16, superblockOffset);
    return b.readUInt32LE(12);
  } finally {
    fs.closeSync(fd);
  }
}

const runOpts = { timeoutMs: scratchCommandTimeoutMs };

/** Makes, attaches and mounts one disk (steps 1–5). On failure nothing of it is left. */
export async function makeScratchDisk(dir: string, name: string, sizeMb: number): Promise<ScratchDisk> {
  const image = path.join(dir, `${name}.img`);
  const mountPoint = path.join(dir, name);
  let device: string | undefined;
  let mounted = false;
  try {
    // 1. Sparse image; 'wx': a name is never reused while its file exists.
    const fd = fs.openSync(image, 'wx', 0o600);
    try {
      fs.ftruncateSync(fd, imageBytesFor(sizeMb));
    } finally {
      fs.closeSync(fd);
    }
    // 2.–3. File system, then the reserve that caps it at EphemeralStorage.
    await run('mkfs.ext4', mkfsArgs(image), runOpts);
    const reserved = reservedBlocksFor(sizeMb, superblockFreeBlocks(image), imageBytesFor(sizeMb) / scratchBlockBytes);
    await run('tune2fs', ['-r', String(reserved), image], runOpts);
    // 4. Loop device, mount, autoclear.
    device = (await run('losetup', ['--find', '--show', '--direct-io=on', image], runOpts)).stdout.trim();
    if (!/^\/dev\/loop\d+$/.test(device)) throw new Error(`losetup printed ${JSON.stringify(device)}`);
    fs.mkdirSync(mountPoint, { mode: 0o700 });
    await run('mount', ['-t', 'ext4', '-o', mountOptions, device, mountPoint], runOpts);
    mounted = true;
    await run('losetup', ['--detach', device], runOpts);
    device = undefined;
    // 5. The root dir as the EE expects /tmp.
    fs.rmdirSync(path.join(mountPoint, 'lost+found'));
    fs.chmodSync(mountPoint, 0o1777);
    return { sizeMb, mountPoint, image };
  } catch (e) {
    if (mounted) await unmount(mountPoint);
    if (device) await run('losetup', ['--detach', device], { ...runOpts, allowFailure: true }).catch(() => undefined);
    fs.rmSync(mountPoint, { recursive: false, force: true }); // an empty dir when not mounted
    fs.rmSync(image, { force: true });
    throw e;
  }
}

/** Step 7: unmount (autoclear detaches the loop device), delete the image. */
export async function removeScratchDisk(disk: ScratchDisk): Promise<void> {
  await unmount(disk.mountPoint);
  removeIfNotMounted(disk.mountPoint);
  fs.rmSync(disk.image, { force: true });
}

async function unmount(mountPoint: string): Promise<void> {
  const r = await run('umount', [mountPoint], { ...runOpts, allowFailure: true });
  // Still busy (a process of the host has a file open there): detach it now; the
  // kernel frees it, and autoclear the loop device, when the last user is gone.
  if (r.code !== 0 && mountsAtOrBelow(mountPoint).length) await run('umount', ['--lazy', mountPoint], runOpts);
}

function removeIfNotMounted(dir: string): void {
  if (mountsAtOrBelow(dir).length) return; // never recurse into a mount
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Mount points of this mount namespace at or below `dir`, deepest first. */
export function mountsAtOrBelow(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const found: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // Field 5 is the mount point, with spaces and other specials octal-escaped.
    const mp = line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp && (mp === dir || mp.startsWith(prefix))) found.push(mp);
  }
  return found.sort((a, b) => b.length - a.length);
}

/** Loop devices whose backing file lies in `dir` (as /sys shows them; a deleted file ends in " (deleted)"). */
export function loopDevicesBackedBy(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const found: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/sys/block');
  } catch {
    return found;
  }
  for (const dev of entries) {
    if (!/^loop\d+$/.test(dev)) continue;
    try {
      const backing = fs.readFileSync(`/sys/block/${dev}/loop/backing_file`, 'utf8').trim();
      if (backing.startsWith(prefix)) found.push(`/dev/${dev}`);
    } catch {
      /* not attached */
    }
  }
  return found;
}

/**
 * Removes what a dead instance left in `dir`: mounts (deepest first; their
 * loop devices autoclear), loop devices attached but never mounted (a crash
 * inside step 4), then the images and mount points. Other instances' dirs are
 * never touched.
 *
 * A server killed while it made a disk leaves the step that was running
 * (mkfs, losetup or mount) to finish on its own, a moment after the server
 * is gone: so when a pass found anything, another pass follows after
 * `scratchCleanupSettleMs` (at most `scratchCleanupPassesMax`). Nothing is
 * deleted recursively: a mount that still appears later keeps its mount
 * point and image, for the next clean-up.
 */
export async function cleanupScratch(dir: string): Promise<void> {
  for (let pass = 0; pass < scratchCleanupPassesMax; pass++) {
    if (!fs.existsSync(dir)) return;
    if (pass > 0) await sleep(scratchCleanupSettleMs);
    const mounts = mountsAtOrBelow(dir);
    const loops = loopDevicesBackedBy(dir);
    for (const mp of mounts) await unmount(mp);
    for (const dev of loops) await run('losetup', ['--detach', dev], { ...runOpts, allowFailure: true });
    let busy = false;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      // Removed meanwhile (its pool's own shutdown, another clean-up): nothing is left to clean.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      try {
        if (e.isDirectory()) removeIfNotMounted(p);
        else if (!loopDevicesBackedBy(dir).length) fs.rmSync(p, { force: true });
      } catch (err) {
        // A mount that appeared since the scan (EBUSY): the next pass unmounts it.
        if (!isBusy(err)) throw err;
        busy = true;
      }
    }
    try {
      if (!mountsAtOrBelow(dir).length && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (!isBusy(err)) throw err;
      busy = true;
    }
    if (!mounts.length && !loops.length && !busy) return;
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EBUSY' || code === 'ENOTEMPTY';
}

/** Why scratch disks cannot be used on this host, or undefined when they might (the probe in `openScratchPool` decides). */
function unavailableReason(loopControl: string): string | undefined {
  if (!fs.existsSync(loopControl)) return `no ${loopControl} (loop devices are not available here)`;
  const missing = ['mkfs.ext4', 'tune2fs', 'losetup', 'mount', 'umount'].filter((t) => !onToolPath(t));
  if (missing.length) return `${missing.join(', ')} not found (install e2fsprogs, util-linux, mount)`;
  return undefined;
}

function onToolPath(tool: string): boolean {
  return ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => {
    try {
      fs.accessSync(path.join(d, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Call after `cleanupScratch(dir)`. Proves a disk can be made here by making
 * the first one of the default size. Returns the pool, or the
 * reason there is none (the caller falls back to a tmpfs /tmp and says so).
 */
export async function openScratchPool(
  dir: string,
  defaultSizeMb: number,
  host: { loopControl: string } = { loopControl: '/dev/loop-control' },
): Promise<ScratchPool | { unavailable: string }> {
  const why = unavailableReason(host.loopControl);
  if (why) return { unavailable: why };
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pool = new ScratchPool(dir, defaultSizeMb);
  try {
    pool.add(await makeScratchDisk(dir, pool.nextName(), defaultSizeMb));
  } catch (e) {
    await cleanupScratch(dir).catch(() => undefined);
    return { unavailable: `a scratch disk could not be made in ${dir}: ${(e as Error).message.split('\n')[0]}` };
  }
  pool.refill();
  return pool;
}

/**
 * Prepared disks per size, refilled one disk at a time in the background
 * (cold starts take precedence for the machine's two cores).
 */
export class ScratchPool {
  private readonly ready = new Map<number, ScratchDisk[]>();
  /** Sizes other than the default, most recently taken last. */
  private readonly recentSizes: number[] = [];
  private seq = 0;
  /** Names differ from every earlier instance's (left-overs are told apart in tests and by operators). */
  private readonly namePrefix = Date.now().toString(36);
  private closed = false;
  private refilling: Promise<void> | undefined;
  /** Disks being made on demand by take(). */
  private readonly making = new Set<Promise<void>>();
  private readonly removing = new Set<Promise<void>>();
  /** Last failure of the preparer (a take() then makes its disk on demand). */
  lastRefillError: Error | undefined;

  constructor(
    readonly dir: string,
    readonly defaultSizeMb: number,
  ) {}

  /** @internal */
  nextName(): string {
    return `${this.namePrefix}-${this.seq++}`;
  }

  /** @internal */
  add(disk: ScratchDisk): void {
    const list = this.ready.get(disk.sizeMb) ?? [];
    list.push(disk);
    this.ready.set(disk.sizeMb, list);
  }

  /** Prepared disks of a size (tests, diagnostics). */
  readyCount(sizeMb: number): number {
    return this.ready.get(sizeMb)?.length ?? 0;
  }

  /**
   * A disk of `sizeMb` whose root is owned by `owner` (host ids). Prepared
   * ones cost a chown; otherwise one is made now. `made` says which. The
   * caller calls `refill()` once its container runs: five processes of
   * mkfs & co. beside `runc run` on two cores would slow that cold start.
   */
  async take(sizeMb: number, owner?: { uid: number; gid: number }): Promise<{ disk: ScratchDisk; ms: number; made: boolean }> {
    if (this.closed) throw new Error('the scratch pool is shut down');
    const t0 = performance.now();
    this.noteSize(sizeMb);
    let disk = this.ready.get(sizeMb)?.shift();
    const made = !disk;
    if (!disk) {
      // Made now: shutdown() waits for it, and a disk finished after the pool closed is removed.
      const making = makeScratchDisk(this.dir, this.nextName(), sizeMb);
      const tracked: Promise<void> = making.then(() => undefined, () => undefined).finally(() => this.making.delete(tracked));
      this.making.add(tracked);
      disk = await making;
      if (this.closed) {
        this.release(disk);
        throw new Error('the scratch pool is shut down');
      }
    }
    try {
      if (owner) fs.chownSync(disk.mountPoint, owner.uid, owner.gid);
    } catch (e) {
      this.release(disk);
      throw e;
    }
    return { disk, ms: performance.now() - t0, made };
  }

  /** Gives a disk back after its EE is gone: removed in the background (never reused). */
  release(disk: ScratchDisk): void {
    const p: Promise<void> = removeScratchDisk(disk)
      .catch(() => undefined) // what is left is found by cleanupScratch at shutdown or next start
      .finally(() => this.removing.delete(p));
    this.removing.add(p);
  }

  /** Tops up every wanted size, one disk at a time. */
  refill(): void {
    if (this.closed || this.refilling) return;
    this.refilling = (async () => {
      for (let size = this.nextShort(); size !== undefined && !this.closed; size = this.nextShort()) {
        try {
          this.add(await makeScratchDisk(this.dir, this.nextName(), size));
          this.lastRefillError = undefined;
        } catch (e) {
          this.lastRefillError = e as Error;
          return; // the next take() retries
        }
      }
    })().finally(() => (this.refilling = undefined));
  }

  /** Removes every disk, prepared or not yet released, and the pool's dir. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.refilling;
    await Promise.all([...this.making]);
    for (const list of this.ready.values()) for (const d of list.splice(0)) this.release(d);
    await Promise.all([...this.removing]);
    await cleanupScratch(this.dir);
  }

  /** The size the pool is shortest of, if any. */
  private nextShort(): number | undefined {
    if (this.readyCount(this.defaultSizeMb) < scratchImagesDefaultSize) return this.defaultSizeMb;
    return this.recentSizes.find((s) => this.readyCount(s) < scratchImagesOtherSize);
  }

  private noteSize(sizeMb: number): void {
    if (sizeMb === this.defaultSizeMb) return;
    const i = this.recentSizes.indexOf(sizeMb);
    if (i >= 0) this.recentSizes.splice(i, 1);
    this.recentSizes.push(sizeMb);
    while (this.recentSizes.length > scratchOtherSizesMax) {
      const dropped = this.recentSizes.shift()!;
      for (const d of this.ready.get(dropped)?.splice(0) ?? []) this.release(d);
      this.ready.delete(dropped);
    }
  }
}
