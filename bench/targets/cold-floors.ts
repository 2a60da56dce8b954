/**
 * Process-start floors for cold starts, measured in the same run as Kumo's
 * cold starts: `node -e 0`, `python3 -c 0`, and `runc run` of each in a
 * minimal bundle (read-only root of symlinks into a read-only bind mount of the
 * host's /usr; runc's default namespaces: pid, net, ipc, uts, mount). Every
 * process gets the minimal measured environment (no NODE_EXTRA_CA_CERTS).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { atExit, measuredEnv, runSync, tempDir } from '../lib/procs';

/** Wall time (ms) from spawn to exit of one process; throws on a non-zero exit. */
export function timeProcess(cmd: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${err.trim().slice(0, 500)}`));
    });
  });
}

export class RuncFloor {
  private readonly dir: string;
  private readonly stateDir: string;
  private readonly cgroupParent: string;
  private seq = 0;
  readonly runcVersion: string;

  constructor() {
    this.dir = tempDir('runc');
    this.stateDir = path.join(this.dir, 'state');
    this.cgroupParent = `kumo-bench-${process.pid}`;
    const v = runSync('runc', ['--version']);
    if (v.code !== 0) throw new Error(`runc is not usable: ${v.stderr || v.error}`);
    this.runcVersion = v.stdout.split('\n')[0]!.trim();
    atExit(() => this.removeCgroups());
  }

  /** A bundle whose process is `args`. */
  bundle(name: string, args: string[]): string {
    const b = path.join(this.dir, name);
    const rootfs = path.join(b, 'rootfs');
    fs.mkdirSync(rootfs, { recursive: true });
    const gen = runSync('runc', ['spec', '--bundle', b]);
    if (gen.code !== 0) throw new Error(`runc spec failed: ${gen.stderr}`);
    for (const d of ['usr', 'proc', 'dev', 'sys', 'tmp', 'etc']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    for (const [link, to] of [['bin', 'usr/bin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64'], ['sbin', 'usr/sbin']]) {
      fs.symlinkSync(to!, path.join(rootfs, link!));
    }
    const cfgPath = path.join(b, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as {
      process: { terminal: boolean; args: string[]; env: string[]; cwd: string };
      root: { path: string; readonly: boolean };
      mounts: { destination: string; type: string; source: string; options: string[] }[];
      linux: { cgroupsPath?: string };
    };
    cfg.process.terminal = false;
    cfg.process.args = args;
    cfg.process.env = ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/tmp'];
    cfg.process.cwd = '/tmp';
    cfg.root = { path: 'rootfs', readonly: true };
    cfg.mounts.push({ destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro'] });
    cfg.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=65536k'] });
    fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 1));
    return b;
  }

  /** `runc run` of a bundle, foreground, until the container's process has exited; ms. */
  async run(bundle: string): Promise<number> {
    const id = `kumo-bench-${process.pid}-${++this.seq}`;
    const cfgPath = path.join(bundle, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as { linux: { cgroupsPath?: string } };
    cfg.linux.cgroupsPath = `/${this.cgroupParent}/${id}`;
    fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 1));
    try {
      return await timeProcess('runc', ['--root', this.stateDir, 'run', '--bundle', bundle, id], measuredEnv());
    } finally {
      runSync('runc', ['--root', this.stateDir, 'delete', '--force', id]);
    }
  }

  /** The per-run cgroup parent this harness created in each hierarchy. */
  removeCgroups(): void {
    const roots = ['/sys/fs/cgroup'];
    try {
      for (const e of fs.readdirSync('/sys/fs/cgroup', { withFileTypes: true })) if (e.isDirectory()) roots.push(path.join('/sys/fs/cgroup', e.name));
    } catch {
      return;
    }
    for (const r of roots) {
      const d = path.join(r, this.cgroupParent);
      if (!fs.existsSync(d)) continue;
      try {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) fs.rmdirSync(path.join(d, e.name));
        fs.rmdirSync(d);
      } catch {
        // busy or not a cgroup dir we made; left as is
      }
    }
  }
}
