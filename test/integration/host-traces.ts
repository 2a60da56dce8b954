import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role } from './harness';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cleanupScratch, loopDevicesBackedBy, mountsAtOrBelow } from '../../src/sandbox/runc/scratch';

/**
 * What an instance leaves on the host, read from the host itself (cgroup
 * directories, /proc, `ip netns list`, `ip link`, `iptables -S`, /run), never
 * from what the server says about itself. Shared by the leak and supervisor suites.
 */

/** The instance tag: the same hash of the data dir's real path the driver uses (driver.ts). */
/** Removes a data dir after its test: any /tmp disk still mounted there is unmounted first (rm never recurses into a mount). */
export async function removeDataDir(dir: string | undefined): Promise<void> {
  if (!dir) return;
  await cleanupScratch(path.join(dir, 'sandbox', 'scratch'));
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Data dirs of the tags this suite computed, so tracesOf() can look for their /tmp disks. */
const dataDirsByTag = new Map<string, string>();
export function tagOf(dataDir: string): string {
  const real = fs.realpathSync(dataDir);
  const tag = createHash('sha256').update(real).digest('hex').slice(0, 6);
  dataDirsByTag.set(tag, real);
  return tag;
}

const cgroupRoot = '/sys/fs/cgroup';
const v2 = fs.existsSync(path.join(cgroupRoot, 'cgroup.controllers'));
/** Where EE cgroups' freezer state is: v1 the freezer hierarchy, v2 the unified tree. */
const freezerRoot = v2 ? cgroupRoot : path.join(cgroupRoot, 'freezer');

export function cgroupDirs(tag: string): string[] {
  const roots = v2 ? [cgroupRoot] : fs.readdirSync(cgroupRoot).map((h) => path.join(cgroupRoot, h));
  return roots.map((r) => path.join(r, 'kumo', tag)).filter((d) => fs.existsSync(d));
}

/** Processes in any cgroup of the instance (every EE's cgroup sits below /kumo/<tag>). */
export function processesOf(tag: string): number[] {
  const out = new Set<number>();
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    try {
      for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) out.add(Number(p));
    } catch {
      /* removed meanwhile */
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  for (const d of cgroupDirs(tag)) walk(d);
  return [...out];
}

/** A process is alive unless /proc has no entry for it or it is a zombie (already dead, not reaped). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** EE cgroups of the instance with their freezer state. */
export function eeFreezerStates(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = path.join(freezerRoot, 'kumo', tag);
  for (const id of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const d = path.join(dir, id);
    if (!fs.statSync(d).isDirectory()) continue;
    if (v2) out.set(id, /^frozen 1$/m.test(fs.readFileSync(path.join(d, 'cgroup.events'), 'utf8')) ? 'FROZEN' : 'THAWED');
    else out.set(id, fs.readFileSync(path.join(d, 'freezer.state'), 'utf8').trim());
  }
  return out;
}

/** Everything of instance `tag` on the host, as readable strings (empty = nothing left). */
export function tracesOf(tag: string): string[] {
  const found: string[] = [];
  for (const pid of processesOf(tag)) if (alive(pid)) found.push(`process ${pid}`);
  for (const d of cgroupDirs(tag)) found.push(`cgroup ${d}`);
  for (const ns of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
    if (ns.startsWith(`k${tag}-`)) found.push(`netns ${ns.split(' ')[0]}`);
  }
  for (const line of execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n')) {
    const name = line.split(': ')[1]?.split('@')[0];
    if (name && (name.startsWith(`kv${tag}-`) || name === `kb${tag}`)) found.push(`link ${name}`);
  }
  for (const table of ['filter', 'nat']) {
    for (const rule of execFileSync('iptables', ['-t', table, '-S'], { encoding: 'utf8' }).split('\n')) {
      if (rule.includes(`KUMO-${tag}-`) || rule.includes(`kumo:${tag}`)) found.push(`iptables ${table}: ${rule}`);
    }
  }
  for (const p of [`/run/kumo-sandboxes/${tag}`, `/run/kumo-sandboxes/${tag}.rootfs`]) if (fs.existsSync(p)) found.push(`state ${p}`);
  // Each EE's /tmp disk: mounted (and loop-attached) under its data dir's sandbox/scratch.
  const dataDir = dataDirsByTag.get(tag);
  if (dataDir) {
    const scratch = path.join(dataDir, 'sandbox', 'scratch');
    for (const m of mountsAtOrBelow(scratch)) found.push(`mount ${m}`);
    for (const d of loopDevicesBackedBy(scratch)) found.push(`loop ${d}`);
  }
  for (const f of fs.existsSync('/run/kumo') ? fs.readdirSync('/run/kumo') : []) {
    const file = path.join('/run/kumo', f);
    try {
      if (fs.readFileSync(file, 'utf8').includes(`"tag":"${tag}"`)) found.push(`claim ${file}`);
    } catch {
      /* released meanwhile */
    }
  }
  return found;
}


/** The root supervisors `kumo server` printed at start (the active one and its standby). */
export function supervisorPids(output: string): { active: number; standby: number } {
  const m = /sandbox supervisor (\d+) \(standby (\d+)\) as root/.exec(output);
  if (!m) throw new Error(`no supervisor line in:\n${output}`);
  return { active: Number(m[1]), standby: Number(m[2]) };
}

/**
 * kill -9 of every process of a server at once (the OOM killer, `kill -9` of
 * its process group): nobody is left to kill its EEs. Standby first, so it
 * cannot take over; then the supervisor; then the API process.
 */
export async function kill9WholeServer(s: { output(): string; kill9(): Promise<void> }): Promise<void> {
  // A server running as one root process (a checkout the API user cannot reach, or KUMO_SUPERVISOR=0) has no supervisors.
  const single = /WARNING: the API runs as root in this process/.test(s.output());
  const { active, standby } = single ? { active: 0, standby: 0 } : supervisorPids(s.output());
  for (const pid of single ? [] : [standby, active]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await s.kill9();
}

/** A handler that sleeps `ms` and tells which EE answered (an id drawn once per EE, at module load). */
const sleeperCode = `
  const ee = require('crypto').randomUUID();
  exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return { ee, pid: process.pid }; };`;

export async function deploySleeper(c: LambdaClient, name: string): Promise<void> {
  await c.send(
    new CreateFunctionCommand({
      FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 30,
      Code: { ZipFile: await makeZip({ 'index.js': sleeperCode }) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
}

export async function invokeEe(c: LambdaClient, name: string, ms: number): Promise<string> {
  const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: encode({ ms }) }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  return (JSON.parse(decode(r.Payload)) as { ee: string }).ee;
}
