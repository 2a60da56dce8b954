import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  cleanupScratch, imageBytesFor, loopDevicesBackedBy, makeScratchDisk, mountsAtOrBelow, openScratchPool,
  kernelReserveBlocks, removeScratchDisk, reservedBlocksFor, ScratchPool, usableBlocksFor,
} from './scratch';
import { scratchBlockBytes, scratchImagesDefaultSize, scratchSlackBlocks } from './limits';

/**
 * Scratch disks against the real mkfs, loop devices and mounts (no mocks).
 * Needs root and loop devices; skipped with the reason otherwise.
 */

const mb = 1024 * 1024;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (loop devices, mount)';
  if (!fs.existsSync('/dev/loop-control')) return 'no /dev/loop-control';
  try {
    execFileSync('mkfs.ext4', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'mkfs.ext4 is not installed';
  }
  return undefined;
}
const skip = skipReason();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-scratch-test-'));
// The non-root writer below must reach the mount points (Kumo's own scratch dir stays 0700: runc opens bind sources as root).
fs.chmodSync(root, 0o755);
after(async () => {
  if (!skip) await cleanupScratch(root); // unmounts first: a recursive delete must never reach into a mount
  fs.rmSync(root, { recursive: true, force: true });
});

test('sizes: the image leaves room for EphemeralStorage after ext4 metadata, and not much more', () => {
  for (const sizeMb of [1, 8, 512, 513, 1024, 4096, 10_240]) {
    const bytes = imageBytesFor(sizeMb);
    assert.equal(bytes % scratchBlockBytes, 0);
    assert.ok(bytes > sizeMb * mb, `${sizeMb} MB`);
    // Inode tables are 1/64 of the image, the kernel keeps up to 2 %; the rest is small.
    assert.ok(bytes < sizeMb * mb * 1.04 + 2 * mb, `${sizeMb} MB: image ${bytes}`);
  }
  assert.equal(usableBlocksFor(512), (512 * mb) / scratchBlockBytes + scratchSlackBlocks);
  // 4 blocks of lost+found come back; ext4 keeps 2 % (at most 4,096 blocks) from everyone.
  assert.equal(kernelReserveBlocks(1000), 20);
  assert.equal(kernelReserveBlocks(10_000_000), 4096);
  assert.equal(reservedBlocksFor(512, usableBlocksFor(512) + 4096 + 10, 10_000_000), 14);
  assert.throws(() => reservedBlocksFor(512, usableBlocksFor(512), 10_000_000), /fewer than/);
});

test('without loop devices there is no pool, and the reason says why', async () => {
  const r = await openScratchPool(path.join(root, 'none'), 16, { loopControl: '/nonexistent/loop-control' });
  assert.deepEqual(r, { unavailable: 'no /nonexistent/loop-control (loop devices are not available here)' });
  assert.equal(fs.existsSync(path.join(root, 'none')), false, 'nothing was made');
});

describe('scratch disks on loop devices', { skip }, () => {
  const statfsAvail = (dir: string): number => {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  };

  test('a disk of each size offers exactly EphemeralStorage + slack to a non-root user, and leaves nothing when removed', async () => {
    const dir = path.join(root, 'sizes');
    fs.mkdirSync(dir, { mode: 0o700 });
    for (const sizeMb of [8, 512, 10_240]) {
      const disk = await makeScratchDisk(dir, `s${sizeMb}`, sizeMb);
      try {
        assert.ok(mountsAtOrBelow(disk.mountPoint).includes(disk.mountPoint));
        assert.equal(statfsAvail(disk.mountPoint), sizeMb * mb + scratchSlackBlocks * scratchBlockBytes, `${sizeMb} MB`);
        assert.deepEqual(fs.readdirSync(disk.mountPoint), [], 'no lost+found in /tmp');
        assert.equal(fs.statSync(disk.mountPoint).mode & 0o7777, 0o1777);
        // Sparse: a 10 GB disk costs the host almost nothing until written.
        assert.ok(fs.statSync(disk.image).blocks * 512 < 4 * mb, `image uses ${fs.statSync(disk.image).blocks * 512} bytes`);
      } finally {
        await removeScratchDisk(disk);
      }
      assert.deepEqual(mountsAtOrBelow(dir), []);
      assert.deepEqual(loopDevicesBackedBy(dir), [], 'the loop device autocleared');
    }
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a non-root writer fills it to EphemeralStorage, then gets ENOSPC', async () => {
    const dir = path.join(root, 'fill');
    fs.mkdirSync(dir, { mode: 0o755 });
    const disk = await makeScratchDisk(dir, 'f', 8);
    try {
      // As the sandbox user without privileges (reserved blocks are host root's).
      const out = execFileSync('setpriv', ['--reuid', '993', '--regid', '990', '--clear-groups', '/bin/sh', '-c',
        `dd if=/dev/zero of=${disk.mountPoint}/a bs=1M count=8 2>&1 && echo ok8; dd if=/dev/zero of=${disk.mountPoint}/b bs=1M count=1 2>&1; true`]).toString();
      assert.match(out, /ok8/);
      assert.match(out, /No space left on device/);
      assert.equal(fs.statSync(path.join(disk.mountPoint, 'a')).size, 8 * mb);
      assert.ok(fs.statSync(path.join(disk.mountPoint, 'b')).size <= scratchSlackBlocks * scratchBlockBytes);
    } finally {
      await removeScratchDisk(disk);
    }
  });

  test('pool: the default size is prepared ahead; takes are chowned; a new size is made on demand, then prepared', async () => {
    const dir = path.join(root, 'pool');
    await cleanupScratch(dir);
    const pool = await openScratchPool(dir, 16);
    assert.ok(pool instanceof ScratchPool, JSON.stringify(pool));
    try {
      for (let i = 0; i < 100 && pool.readyCount(16) < scratchImagesDefaultSize; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(pool.readyCount(16), scratchImagesDefaultSize);
      const a = await pool.take(16, { uid: 0x60000000, gid: 0x60000000 });
      assert.equal(a.made, false);
      assert.equal(fs.statSync(a.disk.mountPoint).uid, 0x60000000);
      fs.writeFileSync(path.join(a.disk.mountPoint, 'secret'), 'x');
      const b = await pool.take(24);
      assert.equal(b.made, true, 'no 24 MB disk was prepared');
      pool.refill();
      assert.equal(statfsAvail(b.disk.mountPoint), 24 * mb + scratchSlackBlocks * scratchBlockBytes);
      for (let i = 0; i < 100 && pool.readyCount(24) < 1; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(pool.readyCount(24) >= 1, 'the size just used is now prepared ahead');
      pool.release(a.disk);
      pool.release(b.disk);
      // A released disk is never handed out again: every take is a fresh file system.
      const c = await pool.take(16);
      assert.notEqual(c.disk.image, a.disk.image);
      assert.deepEqual(fs.readdirSync(c.disk.mountPoint), []);
      pool.release(c.disk);
    } finally {
      await pool.shutdown();
    }
    assert.deepEqual(mountsAtOrBelow(dir), []);
    assert.deepEqual(loopDevicesBackedBy(dir), []);
    assert.equal(fs.existsSync(dir), false);
  });

  test('crash clean-up: mounts, attached loop devices and images of a dead instance are removed', async () => {
    const dir = path.join(root, 'crash');
    fs.mkdirSync(dir, { mode: 0o700 });
    await makeScratchDisk(dir, 'left-mounted', 8);
    // A crash between losetup and mount: attached, never mounted.
    const img = path.join(dir, 'left-attached.img');
    fs.writeFileSync(img, '');
    fs.truncateSync(img, 8 * mb);
    execFileSync('losetup', ['--find', img]);
    assert.equal(loopDevicesBackedBy(dir).length, 2, 'the mounted one and the attached one');
    await cleanupScratch(dir);
    assert.deepEqual(mountsAtOrBelow(dir), []);
    assert.deepEqual(loopDevicesBackedBy(dir), []);
    assert.equal(fs.existsSync(dir), false);
  });

});
