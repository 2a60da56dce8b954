/** Floor A and Floor B (see bench/servers/): the least a Lambda-shaped server can cost on this machine. */
import path from 'node:path';
import { descendants, measuredEnv, start } from '../lib/procs';
import type { WarmTarget } from './types';

const serversDir = path.resolve(__dirname, '..', '..', '..', 'bench', 'servers');

export async function startFloorA(): Promise<WarmTarget> {
  const p = start(process.execPath, [path.join(serversDir, 'floor-a.mjs')], { env: measuredEnv() });
  const m = await p.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
  return {
    key: 'floor-a',
    label: 'Floor A (in-process handler)',
    group: 'floors',
    endpoint: { host: '127.0.0.1', port: Number(m[1]), functionName: 'noop' },
    runtimeProcesses: () => 0,
    pids: () => ({ server: [p.pid], runtime: [] }),
    stop: () => p.stop('SIGTERM', 5000),
  };
}

export async function startFloorB(runtimes: number, lang: 'node' | 'python'): Promise<WarmTarget> {
  const p = start(process.execPath, [path.join(serversDir, 'floor-b.mjs'), String(runtimes), lang], { env: measuredEnv() });
  const m = await p.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
  const suffix = lang === 'python' ? '-py' : '';
  return {
    key: `floor-b${runtimes}${suffix}`,
    label: `Floor B${runtimes} (${runtimes} ${lang === 'python' ? 'python3' : 'node'} runtime proc${runtimes > 1 ? 's' : ''})`,
    group: 'floors',
    endpoint: { host: '127.0.0.1', port: Number(m[1]), functionName: 'noop' },
    runtimeProcesses: () => runtimes,
    pids: () => ({ server: [p.pid], runtime: descendants(p.pid).map((d) => d.pid) }),
    stop: () => p.stop('SIGTERM', 5000),
  };
}
