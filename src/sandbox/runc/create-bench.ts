/**
 * Cold-start cost of the EE hardening: `node dist/src/sandbox/runc/create-bench.js [rounds] [other-dist]`
 * (root, runc). Times `RuncDriver.create()` of `/bin/true` at 128 MB (512 MB
 * /tmp: a disk from the pool, or a tmpfs in the first variant) for each
 * variant, interleaved per round so that load drift on a shared machine hits
 * every variant alike, and prints min/median/p90 and the paired median
 * difference. `other-dist` (e.g. a build of an older commit) adds that
 * tree's driver as the baseline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SandboxDriver } from '../driver';
import { RuncDriver } from './driver';

interface Variant {
  name: string;
  driver: SandboxDriver;
  createMs: number[];
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))];
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 30);
  const other = process.argv[3];
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-create-bench-'));
  fs.chmodSync(base, 0o755);
  const code = path.join(base, 'code');
  fs.mkdirSync(code);
  const variants: Variant[] = [];
  if (other) {
    const Old = (require(path.resolve(other, 'src/sandbox/runc/driver.js')) as { RuncDriver: new (o: { dataDir: string }) => SandboxDriver }).RuncDriver;
    variants.push({ name: `baseline (${other})`, driver: new Old({ dataDir: path.join(base, 'old') }), createMs: [] });
  }
  variants.push({ name: 'tmpfs /tmp (no scratch disk)', driver: new RuncDriver({ dataDir: path.join(base, 'tmpfs'), scratchDisks: false }), createMs: [] });
  variants.push({ name: 'hardened, no user namespace', driver: new RuncDriver({ dataDir: path.join(base, 'nouserns'), userNamespaces: false }), createMs: [] });
  variants.push({ name: 'hardened (as shipped)', driver: new RuncDriver({ dataDir: path.join(base, 'full') }), createMs: [] });
  try {
    for (const v of variants) {
      await v.driver.init();
      v.driver.setRuntimeApiPort(9);
    }
    await new Promise((r) => setTimeout(r, 1000)); // let the namespace pools fill
    for (let i = 0; i < rounds; i++) {
      for (const v of i % 2 ? [...variants].reverse() : variants) {
        let exited!: () => void;
        const done = new Promise<void>((r) => (exited = r));
        const t0 = performance.now();
        const { sandbox } = await v.driver.create({
          id: `bench-${i}`, codeDir: code, runtimeDir: code, memoryMb: 128, ephemeralStorageMb: 512, pidsMax: 1024, openFilesMax: 1024,
          env: { PATH: '/usr/bin:/bin' }, cwd: '/var/task', args: ['/bin/true'], onOutput() {}, onExit: () => exited(),
        });
        v.createMs.push(performance.now() - t0);
        await done;
        await sandbox.destroy();
        await new Promise((r) => setTimeout(r, 30));
      }
    }
    for (const v of variants) {
      const m = v.createMs;
      console.log(`${v.name.padEnd(40)} create(): min ${Math.min(...m).toFixed(1)}  median ${quantile(m, 0.5).toFixed(1)}  p90 ${quantile(m, 0.9).toFixed(1)} ms`);
    }
    const ref = variants[0];
    for (const v of variants.slice(1)) {
      console.log(`paired median difference, ${v.name} − ${ref.name}: ${quantile(v.createMs.map((x, i) => x - ref.createMs[i]), 0.5).toFixed(1)} ms`);
    }
  } finally {
    for (const v of variants) await v.driver.shutdown().catch(() => undefined);
    fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
