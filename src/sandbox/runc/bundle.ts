import fs from 'node:fs';
import os from 'node:os';
import type { SandboxSpec } from '../driver';
import type { CgroupLayout } from './cgroups';
import { cpuPeriodMicros, cpuQuotaMicrosMin, memoryMbPerVcpu, sandboxGid, sandboxUid, userNsHostIdBase, userNsIdsPerEe } from './limits';
import type { OciMount } from './rootfs';
import { seccompProfile } from './seccomp';

/**
 * The OCI runtime config (config.json) of one EE. Pure: no I/O, so the
 * security-relevant shape of a container can be read and tested in one place.
 */

/** Bytes per MiB, for the MB values of a function's configuration. */
const bytesPerMb = 1024 * 1024;
/** Size of the /dev tmpfs (device nodes only), as in runc's default spec. */
const devTmpfsKb = 65_536;
/**
 * Out-of-memory score of EE processes: when the whole host runs out of
 * memory, the kernel kills EE processes before the platform.
 */
const eeOomScoreAdj = 1000;

/**
 * Variables added on the way to the EE's process, removed unless the spec
 * sets them: runc adds HOME (from /etc/passwd), a POSIX shell adds PWD
 * (dash) or PWD, SHLVL, _ and OLDPWD (bash).
 */
const addedEnv = ['HOME', 'PWD', 'OLDPWD', 'SHLVL', '_'];

/**
 * Container init: a `/bin/sh` that runs the EE's process with the status
 * pipe (fd 3) closed, then writes the exit status there. runc exits once the
 * container has started, so this status line is how the driver learns how
 * the process ended; EOF on the pipes tells it the container is gone (when
 * pid 1 exits the kernel kills the rest of the pid namespace). A shell
 * reports death by signal N as 128+N.
 *
 * `env -u` removes what runc and the shell added to the environment, so the process
 * sees `spec.env` and nothing else. Values never appear in argv (host users
 * can read any process's argv, not its environment).
 */
export const initScript = '"$@" 3>&-; echo "$?" >&3';

export function initArgs(spec: Pick<SandboxSpec, 'args' | 'env'>): string[] {
  const strip = addedEnv.filter((name) => !(name in spec.env));
  const envCleaner = strip.length ? ['/usr/bin/env', ...strip.flatMap((n) => ['-u', n]), '--'] : [];
  return ['/bin/sh', '-c', initScript, 'kumo-init', ...envCleaner, ...spec.args];
}

/** Exit status line written by the init (see `initScript`) → how the process ended. */
export function parseInitStatus(text: string, signalNames: Record<string, number>): { exitCode: number | null; signal: string | null } | undefined {
  const m = /^(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const status = Number(m[1]);
  if (status > 128) {
    const name = Object.keys(signalNames).find((k) => signalNames[k] === status - 128);
    if (name) return { exitCode: null, signal: name };
  }
  return { exitCode: status, signal: null };
}

/** Paths of /proc and /sys hidden or made read-only, as in runc's default spec. */
const maskedPaths = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * CPU in proportion to memory, as Lambda allocates it: 1,769 MB is one
 * vCPU, capped at the host's cores (a 10,240 MB function on a 2-core host
 * gets 2). Enforced as a CFS bandwidth quota per period (cgroup v1
 * cpu.cfs_quota_us/cfs_period_us, v2 cpu.max), so an EE never gets more than
 * its share even on an idle host, and a busy loop in one EE cannot take the
 * host's CPU from the server or other EEs.
 */
export function cpuQuota(memoryMb: number, hostCores: number = os.availableParallelism()): { quota: number; period: number } {
  return quotaOf(Math.min(memoryMb / memoryMbPerVcpu, hostCores));
}

/**
 * During init an EE gets at least one vCPU (Lambda, too, does not hold a
 * 128 MB function's runtime start-up to 7 % of a core); `RuncSandbox` lowers
 * it to `cpuQuota` when init ends (see driver.ts, `endInit`).
 */
export function initCpuQuota(memoryMb: number, hostCores: number = os.availableParallelism()): { quota: number; period: number } {
  return quotaOf(Math.min(Math.max(1, memoryMb / memoryMbPerVcpu), hostCores));
}

function quotaOf(vcpus: number): { quota: number; period: number } {
  return { quota: Math.max(cpuQuotaMicrosMin, Math.round(vcpus * cpuPeriodMicros)), period: cpuPeriodMicros };
}

/**
 * The EE's user namespace: container ids 0…`size`−1 are host ids `hostId`…,
 * so root inside the EE (only runc's init ever is) is an unprivileged,
 * otherwise unused host user, and the sandbox user 993 is not host uid 993.
 * Files of the shared read-only root and of the code (host root's) appear as
 * nobody:nogroup and stay readable by their mode bits, as before.
 */
export interface UserNamespace {
  hostId: number;
  size: number;
}

/** The mapping of the EE with address `ip` (limits.ts: userNsHostIdBase). */
export function userNamespaceFor(ip: string): UserNamespace {
  const parts = ip.split('.').map(Number);
  const index = parts[2] * 256 + parts[3];
  return { hostId: userNsHostIdBase + index * userNsIdsPerEe, size: userNsIdsPerEe };
}

function userNamespace(u: UserNamespace | undefined): { namespace?: { type: 'user' }; uidMappings?: unknown[]; gidMappings?: unknown[] } {
  if (!u) return {};
  const mapping = [{ containerID: 0, hostID: u.hostId, size: u.size }];
  return { namespace: { type: 'user' }, uidMappings: mapping, gidMappings: mapping };
}

export interface BundleInputs {
  spec: SandboxSpec;
  rootfsPath: string;
  /** Host binds of the shared rootfs (/usr, /etc entries). */
  hostMounts: OciMount[];
  netnsPath: string;
  cgroupsPath: string;
  hostname: string;
  cgroups: CgroupLayout;
  /** Map the EE's ids into a user namespace of its own (absent: no user namespace). */
  userns?: UserNamespace;
  /** Host dir bind-mounted at /tmp: the EE's scratch disk (scratch.ts). Absent: a tmpfs of EphemeralStorage. */
  tmpDir?: string;
  /**
   * `spec.deferredCode`: the empty host directories behind /var/task and
   * /opt (code-mounts.ts), bound `rslave` so the code mounted on them later
   * propagates in (host → EE only).
   */
  codeMountPoints?: { task: string; opt: string };
}

const hostHasBash = fs.existsSync('/usr/bin/bash');

/** /var/task and /opt: the function's trees, or (deferred code) the mount points its trees are bound on later. */
function codeMounts(i: BundleInputs, options: string[]): OciMount[] {
  const { spec } = i;
  if (spec.deferredCode) {
    if (!i.codeMountPoints) throw new Error(`sandbox ${spec.id}: deferred code without mount points`);
    const slave = [...options, 'rslave'];
    return [
      { destination: '/var/task', type: 'bind', source: i.codeMountPoints.task, options: slave },
      { destination: '/opt', type: 'bind', source: i.codeMountPoints.opt, options: slave },
    ];
  }
  if (!spec.codeDir) throw new Error(`sandbox ${spec.id}: no codeDir`);
  return [
    { destination: '/var/task', type: 'bind', source: spec.codeDir, options },
    ...(spec.optDir ? [{ destination: '/opt', type: 'bind', source: spec.optDir, options }] : []),
  ];
}

export function ociConfig(i: BundleInputs): Record<string, unknown> {
  const { spec } = i;
  const memoryBytes = spec.memoryMb * bytesPerMb;
  const nosuidNodev = ['bind', 'ro', 'nosuid', 'nodev'];
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', `size=${devTmpfsKb}k`] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
    },
    // No /dev/shm and no /dev/mqueue: Lambda has neither (Python's multiprocessing.Queue fails there too).
    // A sysfs may only be mounted by the owner of the network namespace, which is the host's user
    // namespace (namespaces are prepared ahead, see network.ts); with a user namespace /sys stays
    // an empty read-only directory instead (Lambda's runtimes do not read it; neither do Node.js or Python).
    i.userns
      ? { destination: '/sys', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'ro', 'size=4k', 'mode=555'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ...i.hostMounts,
    // Lambda's Amazon Linux has bash as /bin/sh, and custom runtimes rely on it (AWS's own
    // tutorial bootstrap is `#!/bin/sh` with `source` and `set -o pipefail`). Debian's is dash.
    ...(hostHasBash ? [{ destination: '/usr/bin/sh', type: 'bind', source: '/usr/bin/bash', options: nosuidNodev }] : []),
    ...codeMounts(i, nosuidNodev),
    { destination: '/var/runtime', type: 'bind', source: spec.runtimeDir, options: nosuidNodev },
    // Exec stays allowed on /tmp (Lambda's /tmp allows it; functions unpack binaries there).
    i.tmpDir
      ? { destination: '/tmp', type: 'bind', source: i.tmpDir, options: ['bind', 'rw', 'nosuid', 'nodev'] }
      : { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', `size=${spec.ephemeralStorageMb}m`] },
  ];
  const user = userNamespace(i.userns);
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: sandboxUid, gid: sandboxGid, additionalGids: [] },
      args: initArgs(spec),
      env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      cwd: spec.cwd,
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: spec.openFilesMax, soft: spec.openFilesMax }],
      noNewPrivileges: true,
      oomScoreAdj: eeOomScoreAdj,
    },
    root: { path: i.rootfsPath, readonly: true },
    hostname: i.hostname,
    mounts,
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'cgroup' },
        { type: 'network', path: i.netnsPath },
        ...(user.namespace ? [user.namespace] : []),
      ],
      ...(user.uidMappings ? { uidMappings: user.uidMappings, gidMappings: user.gidMappings } : {}),
      cgroupsPath: i.cgroupsPath,
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        memory: {
          limit: memoryBytes,
          // memory+swap = memory: no swap (Lambda has none). Without swap
          // accounting (v1 hosts booted without it) there is nothing to set.
          ...(i.cgroups.swapAccounting ? { swap: memoryBytes } : {}),
          disableOOMKiller: false,
        },
        pids: { limit: spec.pidsMax },
        cpu: initCpuQuota(spec.memoryMb),
      },
      maskedPaths,
      readonlyPaths,
      // Default-deny system-call filter (seccomp.ts); applied by runc right before exec, after no_new_privs.
      seccomp: seccompProfile(),
    },
  };
}
