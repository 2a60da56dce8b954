/**
 * /tmp scratch disks (src/sandbox/runc/scratch.ts): what one costs when it is
 * made on demand (a pool miss: sparse file, mkfs, tune2fs, losetup, mount)
 * and when it is taken from the pool prepared ahead (what a cold start pays
 * normally), and what removing one costs (off the request path). Runs Kumo's
 * built code from dist/ in this process, in a temp dir; the same figure as it
 * shows up in a real cold start is the `Scratch` phase of the cold-start
 * table (INIT_PHASES).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from '../lib/stats';
import type { ScratchResult } from '../lib/results';
import { projectRoot } from '../targets/kumo';

/** The sizes measured: Lambda's default and its maximum EphemeralStorage, MB. */
export const scratchBenchSizesMb = [512, 10_240];

interface ScratchDisk { sizeMb: number; mountPoint: string; image: string }
interface ScratchModule {
  cleanupScratch(dir: string): Promise<void>;
  makeScratchDisk(dir: string, name: string, sizeMb: number): Promise<ScratchDisk>;
  removeScratchDisk(disk: ScratchDisk): Promise<void>;
  openScratchPool(dir: string, defaultSizeMb: number): Promise<{ take(sizeMb: number): Promise<{ disk: ScratchDisk; ms: number; made: boolean }>; release(d: ScratchDisk): void; refill(): void; readyCount(sizeMb: number): number; shutdown(): Promise<void> } | { unavailable: string }>;
}

export async function runScratch(rounds: number, log: (s: string) => void): Promise<ScratchResult> {
  const modPath = path.join(projectRoot, 'dist', 'src', 'sandbox', 'runc', 'scratch.js');
  if (!fs.existsSync(modPath)) throw new Error('Kumo is not built (dist/src/sandbox/runc/scratch.js missing): run make build');
  if (process.getuid?.() !== 0) throw new Error('needs root (loop devices, mount)');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require(modPath) as ScratchModule;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-bench-scratch-'));
  const dir = path.join(base, 'scratch');
  const result: ScratchResult = { rounds, made: [], pooledTakeMedianMs: NaN };
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    for (const sizeMb of scratchBenchSizesMb) {
      const make: number[] = [];
      const remove: number[] = [];
      for (let i = 0; i < rounds; i++) {
        let t = performance.now();
        const disk = await m.makeScratchDisk(dir, `b${sizeMb}-${i}`, sizeMb);
        make.push(performance.now() - t);
        t = performance.now();
        await m.removeScratchDisk(disk);
        remove.push(performance.now() - t);
      }
      result.made.push({ sizeMb, makeMedianMs: median(make), makeMaxMs: Math.max(...make), removeMedianMs: median(remove) });
      log(`  scratch ${sizeMb} MB made on demand: median ${median(make).toFixed(1)} ms (max ${Math.max(...make).toFixed(1)}), removed ${median(remove).toFixed(1)} ms`);
    }
    // From the pool: wait for it to be full before each take, as between cold starts on a quiet server.
    const pool = await m.openScratchPool(path.join(base, 'pool'), 512);
    if ('unavailable' in pool) throw new Error(pool.unavailable);
    try {
      const take: number[] = [];
      for (let i = 0; i < rounds; i++) {
        for (let w = 0; w < 200 && pool.readyCount(512) === 0; w++) await new Promise((r) => setTimeout(r, 10));
        const { disk, ms, made } = await pool.take(512);
        if (made) throw new Error('the pool had no prepared disk');
        take.push(ms);
        pool.release(disk);
        pool.refill(); // as the driver does once the container runs
        await new Promise((r) => setTimeout(r, 50));
      }
      result.pooledTakeMedianMs = median(take);
      log(`  scratch 512 MB taken from the pool: median ${median(take).toFixed(3)} ms`);
    } finally {
      await pool.shutdown();
    }
  } finally {
    // Unmounts whatever is left, then removes the dir (never recursing into a mount).
    await m.cleanupScratch(base);
  }
  return result;
}
