import fs from 'node:fs';
import type { SandboxSpec } from '../driver';
import type { CgroupLayout } from './cgroups';
import { sandboxGid, sandboxUid } from './limits';
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
 * LATER HARDENING — user namespace. Mapping the sandbox user to an
 * unprivileged host range goes here (needs idmapped or chowned mounts for
 * /var/task); until then uid 993 in the EE is uid 993 on the host.
 */
function userNamespace(): { namespace?: { type: 'user' }; uidMappings?: unknown[]; gidMappings?: unknown[] } {
  return {};
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
}

const hostHasBash = fs.existsSync('/usr/bin/bash');

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
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ...i.hostMounts,
    // Lambda's Amazon Linux has bash as /bin/sh, and custom runtimes rely on it (AWS's own
    // tutorial bootstrap is `#!/bin/sh` with `source` and `set -o pipefail`). Debian's is dash.
    ...(hostHasBash ? [{ destination: '/usr/bin/sh', type: 'bind', source: '/usr/bin/bash', options: nosuidNodev }] : []),
    { destination: '/var/task', type: 'bind', source: spec.codeDir, options: nosuidNodev },
    { destination: '/var/runtime', type: 'bind', source: spec.runtimeDir, options: nosuidNodev },
    ...(spec.optDir ? [{ destination: '/opt', type: 'bind', source: spec.optDir, options: nosuidNodev }] : []),
    {
      destination: '/tmp',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=1777', `size=${spec.ephemeralStorageMb}m`],
    },
  ];
  const user = userNamespace();
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
      },
      maskedPaths,
      readonlyPaths,
      // Default-deny system-call filter (seccomp.ts); applied by runc right before exec, after no_new_privs.
      seccomp: seccompProfile(),
    },
  };
}
