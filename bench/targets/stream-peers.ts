/**
 * The stream phase's peers, what a user would run instead of Kumo's Kinesis:
 * kinesalite (npm, the Kinesis emulator on LevelDB; with no --path it keeps
 * everything in memory with memdown), installed with npm into a temp dir
 * for this run only as sqslite is, and moto's server (started as the queue
 * phase starts it; moto serves every service from one process).
 */
import fs from 'node:fs';
import path from 'node:path';
import { measuredEnv, start } from '../lib/procs';
import { peerAuthorization } from '../lib/kinesis';
import type { StreamSubject } from '../phases/stream';
import { putShards } from '../phases/stream';
import { freePort, npmInstall } from './peer';
import { startMoto } from './queue-peers';

export const kinesalitePackage = 'kinesalite@3.3.3';

export interface KinesaliteInstall {
  dir: string;
  version: string;
  installMs: number;
}

export interface StreamPeer extends StreamSubject {
  stop(): Promise<void>;
}

export async function installKinesalite(log: (s: string) => void): Promise<KinesaliteInstall> {
  const t0 = performance.now();
  const dir = await npmInstall('kinesalite', [kinesalitePackage], log);
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'kinesalite', 'package.json'), 'utf8')) as { version: string }).version;
  return { dir, version, installMs: performance.now() - t0 };
}

/** kinesalite's own CLI, in memory; streams ACTIVE after 500 ms as its default; its shard limit (10 by default) raised for the measured stream. */
export async function startKinesalite(install: KinesaliteInstall): Promise<StreamPeer> {
  const port = await freePort();
  const p = start(process.execPath, [path.join(install.dir, 'node_modules', 'kinesalite', 'cli.js'), '--port', String(port), '--shardLimit', String(putShards * 4)], {
    cwd: install.dir,
    env: measuredEnv({ HOME: install.dir }),
  });
  await p.waitFor(new RegExp(`Listening at http://.*:${port}`), 30_000);
  return {
    key: 'kinesalite', label: `kinesalite ${install.version} (memdown)`,
    endpoint: { host: '127.0.0.1', port, authorization: peerAuthorization },
    stop: () => p.stop('SIGTERM', 5000),
  };
}

/** moto_server, measured in JSON 1.1 with a fixed Authorization naming `kinesis`. */
export async function startMotoKinesis(bin: string): Promise<StreamPeer> {
  const m = await startMoto(bin);
  return { key: 'moto', label: m.label, endpoint: { host: '127.0.0.1', port: m.endpoint.port, authorization: peerAuthorization }, stop: m.stop };
}
