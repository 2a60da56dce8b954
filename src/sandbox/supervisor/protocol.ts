import fs from 'node:fs';
import path from 'node:path';
import { limits } from '../../config';
import { allowedRuntimeArgvs, debugCommand, emulatedEeMemoryOverheadMb, isEmulatedArgv, isEmulatedBootstrapArgv, runtimeSpec, supportedRuntimes } from '../../runtimes/registry';
import { sandboxIdPattern } from '../runc/limits';
import net from 'node:net';
import type { ApiPath, CodeBinding, CreateTimings, SandboxExit, SandboxSpec } from '../driver';

/**
 * The protocol between the unprivileged API process and the root supervisor
 * (supervisor.ts). It is the whole of what the API process can ask of root:
 * set up / tear down the sandbox plumbing, tell it the Runtime API port,
 * start an EE from a spec that passes `checkCreate`, end an EE's init CPU
 * allowance, wait for an EE's output to be forwarded, destroy an EE, kill every EE now. Nothing else is understood;
 * anything malformed is refused with an error reply and changes nothing.
 *
 * Transport: the Node IPC channel of `child_process.fork` (a socketpair the
 * two processes alone hold), with the `advanced` serialization so output
 * chunks travel as bytes.
 */
export type Request =
  | { id: number; op: 'init' }
  | { id: number; op: 'setRuntimeApiPort'; port: number }
  /** Kumo's AWS API port on the gateway address, and the IPv4 addresses each EE's netns redirects to it (checkApiPath). */
  | { id: number; op: 'setApiPath'; path: ApiPath }
  | { id: number; op: 'create'; spec: SpecData }
  | { id: number; op: 'endInit'; sandbox: string }
  /** A pre-initialised EE (created with `deferredCode`) gets its function's code and memory (checkBind). */
  | { id: number; op: 'bindCode'; sandbox: string; binding: CodeBinding }
  | { id: number; op: 'destroy'; sandbox: string }
  /** Answered after every output chunk the EE wrote before it (same ordered channel). */
  | { id: number; op: 'drain'; sandbox: string }
  | { id: number; op: 'shutdown' }
  | { id: number; op: 'killAllNow' };

/** A SandboxSpec without its callbacks (those become `output` / `exit` events). */
export type SpecData = Omit<SandboxSpec, 'onOutput' | 'onExit'>;

export type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

export type SupervisorEvent =
  | { event: 'output'; sandbox: string; stream: 'stdout' | 'stderr'; chunk: Uint8Array }
  | { event: 'exit'; sandbox: string; info: SandboxExit };

export interface InitResult {
  listenHost: string;
  /** EEs may be created with `deferredCode` (their code mounts are set up). */
  deferredCode: boolean;
}

export interface CreateResult {
  ip: string;
  timings: CreateTimings;
  /** The EE's cgroup below each hierarchy root; its freezer file is delegated to the API user. */
  cgroupPath: string;
}

/** What the supervisor accepts from its API process: the trees EEs may mount. */
export interface Policy {
  /** Real path of the data dir; code must lie in `<dataDir>/code/`, layers in `<dataDir>/opt/`. */
  dataDir: string;
  /** Real path of the repository's runtimes/ (the only /var/runtime). */
  runtimesDir: string;
  /** KUMO_DEBUG_FUNCTIONS: a runtime's debug command (its inspector listening in the EE's netns) is accepted too. */
  debug?: boolean;
}

/**
 * Total bytes of an EE's environment (keys + values + separators). The
 * function's own variables are at most 4 KB (AWS; limits.environmentBytesMax);
 * Kumo adds the Lambda-defined ones (names, ARNs, credentials, paths), well
 * below this bound, which only stops a compromised API process from handing
 * root megabytes to write into a bundle.
 */
export const eeEnvBytesMax = 64 * 1024;
/** Entries of an EE's argv (a runtime's command is two). */
export const eeArgsMax = 8;
/** Bytes of one argv entry or of the working directory. */
export const eePathBytesMax = 4096;
/** Ports the Runtime API may be told to use: unprivileged only (the API process cannot bind others). */
export const runtimeApiPortMin = 1024;

const bootstrapArgs = new Set(['/var/task/bootstrap', '/opt/bootstrap']);

/** Every managed runtime's argv, native and emulated (computed once: the registry is fixed for the process's life). */
let runtimeArgvs: string[][] | undefined;

/** argv the registry allows: a managed runtime's command, or a custom runtime's bootstrap, natively or under the registry's emulator. */
function allowedArgs(args: string[], debug: boolean): boolean {
  if (args.length === 1 && bootstrapArgs.has(args[0]!)) return true;
  if (isEmulatedBootstrapArgv(args, bootstrapArgs)) return true;
  const same = (cmd: readonly string[] | undefined) => cmd !== undefined && cmd.length === args.length && cmd.every((a, i) => a === args[i]);
  runtimeArgvs ??= allowedRuntimeArgvs();
  if (runtimeArgvs.some(same)) return true;
  // A debugged EE's command (its inspector open in its netns) only on a server started with KUMO_DEBUG_FUNCTIONS.
  if (!debug) return false;
  return supportedRuntimes.some((name) => {
    const spec = runtimeSpec(name);
    return spec !== undefined && (same(debugCommand(spec, false)) || same(debugCommand(spec, true)));
  });
}

/** Real path of `dir` when it is a directory strictly inside `root` (symlinks resolved), else undefined. */
function dirInside(dir: unknown, root: string): string | undefined {
  if (typeof dir !== 'string' || !path.isAbsolute(dir)) return undefined;
  let real: string;
  try {
    real = fs.realpathSync(dir);
    if (!fs.statSync(real).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return real.startsWith(root + path.sep) ? real : undefined;
}

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * The supervisor's check of a create request: returns the spec to run (with
 * directories replaced by their real paths) or throws saying what is refused.
 * Everything a compromised API process could vary is bounded here.
 */
export function checkCreate(raw: unknown, policy: Policy): SpecData {
  if (typeof raw !== 'object' || raw === null) throw new Error('spec must be an object');
  const s = raw as Record<string, unknown>;
  const id = s.id;
  if (typeof id !== 'string' || !sandboxIdPattern.test(id)) throw new Error(`invalid sandbox id (want ${sandboxIdPattern})`);
  if (s.deferredCode !== undefined && s.deferredCode !== true) throw new Error(`sandbox ${id}: deferredCode must be true or absent`);
  const deferred = s.deferredCode === true;
  let codeDir: string | undefined;
  let optDir: string | undefined;
  if (deferred) {
    // Its code comes later, through bindCode (checked there).
    if (s.codeDir !== undefined || s.optDir !== undefined) throw new Error(`sandbox ${id}: deferredCode takes no codeDir or optDir`);
  } else {
    ({ codeDir, optDir } = checkTrees(id, s, policy));
  }
  let runtimeDir: string | undefined;
  try {
    runtimeDir = typeof s.runtimeDir === 'string' ? fs.realpathSync(s.runtimeDir) : undefined;
  } catch {
    runtimeDir = undefined;
  }
  if (runtimeDir !== policy.runtimesDir) throw new Error(`sandbox ${id}: runtimeDir must be ${policy.runtimesDir}`);
  // An emulated EE (its argv is checked below) gets the emulator's allowance beyond AWS's maximum MemorySize.
  const memoryMax = limits.memoryMbMax + (Array.isArray(s.args) && isEmulatedArgv(s.args) ? emulatedEeMemoryOverheadMb : 0);
  if (!isIntIn(s.memoryMb, limits.memoryMbMin, memoryMax)) throw new Error(`sandbox ${id}: memoryMb out of range`);
  if (!isIntIn(s.ephemeralStorageMb, limits.ephemeralStorageMbMin, limits.ephemeralStorageMbMax)) throw new Error(`sandbox ${id}: ephemeralStorageMb out of range`);
  if (!isIntIn(s.pidsMax, 1, limits.eePidsMax)) throw new Error(`sandbox ${id}: pidsMax out of range`);
  if (!isIntIn(s.openFilesMax, 1, limits.eeOpenFilesMax)) throw new Error(`sandbox ${id}: openFilesMax out of range`);
  const args = s.args;
  if (!Array.isArray(args) || args.length === 0 || args.length > eeArgsMax || !args.every((a) => typeof a === 'string' && a.length <= eePathBytesMax)) {
    throw new Error(`sandbox ${id}: args must be 1–${eeArgsMax} strings`);
  }
  if (!allowedArgs(args as string[], policy.debug === true)) throw new Error(`sandbox ${id}: args are neither a runtime's command nor /var/task/bootstrap or /opt/bootstrap`);
  if (deferred && bootstrapArgs.has(args[0]!)) throw new Error(`sandbox ${id}: a custom runtime's bootstrap needs its code at create`);
  if (args[0] === '/opt/bootstrap' && !optDir) throw new Error(`sandbox ${id}: /opt/bootstrap without an optDir`);
  const cwd = s.cwd;
  if (typeof cwd !== 'string' || cwd.length > eePathBytesMax || !path.posix.isAbsolute(cwd) || cwd.includes('\0')) throw new Error(`sandbox ${id}: cwd must be an absolute path`);
  const env = s.env;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new Error(`sandbox ${id}: env must be an object`);
  let envBytes = 0;
  const cleanEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env as Record<string, unknown>)) {
    if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || v.includes('\0')) throw new Error(`sandbox ${id}: invalid environment variable ${JSON.stringify(k)}`);
    envBytes += Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
    cleanEnv[k] = v;
  }
  if (envBytes > eeEnvBytesMax) throw new Error(`sandbox ${id}: environment of ${envBytes} bytes exceeds ${eeEnvBytesMax}`);
  return {
    id, ...(deferred ? { deferredCode: true } : {}), ...(codeDir ? { codeDir } : {}), ...(optDir ? { optDir } : {}), runtimeDir, memoryMb: s.memoryMb, ephemeralStorageMb: s.ephemeralStorageMb,
    pidsMax: s.pidsMax, openFilesMax: s.openFilesMax, env: cleanEnv, args: [...(args as string[])], cwd,
  };
}

/** The code and layer trees of a create or a bind: real paths below the data dir's `code/` and `opt/`. */
function checkTrees(id: string, s: Record<string, unknown>, policy: Policy): { codeDir: string; optDir?: string } {
  const codeDir = dirInside(s.codeDir, path.join(policy.dataDir, 'code'));
  if (!codeDir) throw new Error(`sandbox ${id}: codeDir must be a directory below ${path.join(policy.dataDir, 'code')}`);
  if (s.optDir === undefined) return { codeDir };
  const optDir = dirInside(s.optDir, path.join(policy.dataDir, 'opt'));
  if (!optDir) throw new Error(`sandbox ${id}: optDir must be a directory below ${path.join(policy.dataDir, 'opt')}`);
  return { codeDir, optDir };
}

/** The supervisor's check of a bindCode request: the same trees a create may mount, a memory size in Lambda's range. */
export function checkBind(id: string, raw: unknown, policy: Policy): CodeBinding {
  if (typeof raw !== 'object' || raw === null) throw new Error('binding must be an object');
  const b = raw as Record<string, unknown>;
  const trees = checkTrees(id, b, policy);
  if (!isIntIn(b.memoryMb, limits.memoryMbMin, limits.memoryMbMax)) throw new Error(`sandbox ${id}: memoryMb out of range`);
  return { ...trees, memoryMb: b.memoryMb };
}

/** Checks a sandbox id argument of endInit / destroy. */
export function checkSandboxId(v: unknown): string {
  if (typeof v !== 'string' || !sandboxIdPattern.test(v)) throw new Error(`invalid sandbox id (want ${sandboxIdPattern})`);
  return v;
}

export function checkPort(v: unknown): number {
  if (!isIntIn(v, runtimeApiPortMin, 65535)) throw new Error(`Runtime API port must be an integer in ${runtimeApiPortMin}–65535`);
  return v;
}

/** Most addresses an EE's netns redirects to the API (127.0.0.1 and the API's own host address). */
export const apiPathRedirectedMax = 4;

/**
 * The API path: a port in the same range as the Runtime API's, and a few
 * IPv4 unicast addresses (written into iptables rules: dotted quads only).
 * Redirecting an EE's own traffic to those addresses to Kumo's API opens
 * nothing on the host beyond the port itself.
 */
export function checkApiPath(v: unknown): ApiPath {
  if (!v || typeof v !== 'object') throw new Error('API path must be an object');
  const o = v as Record<string, unknown>;
  if (!isIntIn(o.port, runtimeApiPortMin, 65535)) throw new Error(`API port must be an integer in ${runtimeApiPortMin}–65535`);
  const r = o.redirected;
  if (!Array.isArray(r) || r.length < 1 || r.length > apiPathRedirectedMax) throw new Error(`API path must redirect 1–${apiPathRedirectedMax} addresses`);
  for (const a of r) {
    if (typeof a !== 'string' || !net.isIPv4(a) || a === '0.0.0.0' || a.startsWith('255.')) throw new Error(`not an IPv4 unicast address: ${String(a)}`);
  }
  return { port: o.port, redirected: [...(r as string[])] };
}
