/**
 * The seccomp profile of every EE (OCI `linux.seccomp`), generated here so
 * the system-call surface of a sandbox is one reviewable list.
 *
 * Shape: default deny (SCMP_ACT_ERRNO → EPERM), then an allow-list of the
 * calls ordinary Linux programs (glibc, Node.js/libuv, CPython, bash,
 * coreutils, curl) make. It is at least as strict as Docker's default
 * profile for an unprivileged container, and stricter where noted:
 *
 *  - never allowed, whatever the capabilities (the EE has none anyway):
 *    ptrace, process_vm_readv/writev, process_madvise, pidfd_getfd, kcmp;
 *    unshare, setns, chroot; mount, umount2, pivot_root and the new mount
 *    API (fsopen … mount_setattr, open_tree, move_mount); bpf,
 *    perf_event_open; keyctl, add_key, request_key; userfaultfd;
 *    name_to_handle_at, open_by_handle_at; init/finit/delete_module,
 *    kexec_load, kexec_file_load, reboot, swapon/off, acct, quotactl;
 *    clock/time setters; syslog; io_uring_* (a large, often-exploited
 *    kernel surface; libuv falls back to its thread pool); NUMA policy
 *    calls; iopl/ioperm/modify_ldt; fanotify;
 *  - `clone` only without namespace flags; `clone3` fails with ENOSYS (its
 *    flags are in memory a filter cannot read), so glibc falls back to clone;
 *  - `socket` only for AF_UNIX, AF_INET/AF_INET6 stream and datagram (no
 *    SOCK_RAW), and AF_NETLINK with NETLINK_ROUTE only (glibc's getaddrinfo
 *    and getifaddrs read interfaces through it; changing routes or links
 *    needs CAP_NET_ADMIN, which the EE lacks). AF_PACKET, AF_ALG, AF_VSOCK,
 *    AF_KEY and every other family: EPERM;
 *  - `personality` only with the values that keep ASLR on (query, PER_LINUX,
 *    PER_LINUX32, UNAME26 and their combination);
 *  - only the native 64-bit ABI: an i386 or x32 (x86_64) or arm32 (aarch64)
 *    system call kills its caller with SIGSYS (libseccomp's action for a
 *    foreign architecture); Lambda does not run 32-bit code either.
 *
 * Names a host's libseccomp does not know are skipped by runc; calls newer
 * than every name in the profile fail with ENOSYS (runc's own stub), so
 * libcs fall back to older calls.
 */

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: 'SCMP_CMP_EQ' | 'SCMP_CMP_NE' | 'SCMP_CMP_MASKED_EQ';
}

export interface SeccompRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  /** Conditions on different argument indexes are ANDed; separate rules for one call are ORed. */
  args?: SeccompArg[];
}

export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ERRNO';
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: SeccompRule[];
}

/** errno values (asm-generic, the same on x86_64 and aarch64). */
export const EPERM = 1;
export const ENOSYS = 38;

/** Address families and socket types (linux/socket.h, linux/net.h). */
const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const NETLINK_ROUTE = 0;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
/** The type argument also carries SOCK_NONBLOCK / SOCK_CLOEXEC; the type itself is the low 4 bits. */
const SOCK_TYPE_MASK = 0xf;

/**
 * CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
 * CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET (linux/sched.h).
 */
export const cloneNamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** personality(2) values that neither disable ASLR nor change the ABI: PER_LINUX, PER_LINUX32, UNAME26, both, and the query 0xffffffff. */
const personalityAllowed = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** Calls allowed without conditions, grouped by what they are for. */
const allowed: Record<string, string[]> = {
  files: [
    'read', 'write', 'open', 'openat', 'openat2', 'close', 'close_range', 'creat', 'lseek', 'pread64', 'pwrite64', 'readv', 'writev',
    'preadv', 'pwritev', 'preadv2', 'pwritev2', 'sendfile', 'splice', 'tee', 'vmsplice', 'copy_file_range',
    'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'statfs', 'fstatfs', 'access', 'faccessat', 'faccessat2',
    'getdents', 'getdents64', 'getcwd', 'chdir', 'fchdir', 'rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat', 'rmdir',
    'link', 'linkat', 'unlink', 'unlinkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat', 'mknod', 'mknodat',
    'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown', 'lchown', 'fchownat', 'umask',
    'truncate', 'ftruncate', 'fallocate', 'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'readahead', 'fadvise64',
    'utime', 'utimes', 'futimesat', 'utimensat', 'flock', 'fcntl', 'ioctl', 'dup', 'dup2', 'dup3', 'pipe', 'pipe2',
    'setxattr', 'lsetxattr', 'fsetxattr', 'getxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr',
    'removexattr', 'lremovexattr', 'fremovexattr', 'setxattrat', 'getxattrat', 'listxattrat', 'removexattrat',
    'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'memfd_create', 'cachestat',
    'io_setup', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_submit', 'io_cancel',
  ],
  memory: [
    'brk', 'mmap', 'munmap', 'mremap', 'mprotect', 'msync', 'mincore', 'madvise', 'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall',
    'remap_file_pages', 'pkey_mprotect', 'pkey_alloc', 'pkey_free', 'membarrier', 'map_shadow_stack', 'mseal',
  ],
  processes: [
    'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'kill', 'tkill', 'tgkill',
    'getpid', 'getppid', 'gettid', 'getpgid', 'getpgrp', 'setpgid', 'getsid', 'setsid', 'set_tid_address', 'set_robust_list',
    'get_robust_list', 'rseq', 'arch_prctl', 'prctl', 'set_thread_area', 'get_thread_area', 'seccomp',
    'pidfd_open', 'pidfd_send_signal', 'restart_syscall', 'getrlimit', 'setrlimit', 'prlimit64', 'getrusage', 'times',
    'getpriority', 'setpriority', 'ioprio_get', 'ioprio_set', 'sched_yield', 'sched_getaffinity', 'sched_setaffinity',
    'sched_getparam', 'sched_setparam', 'sched_getscheduler', 'sched_setscheduler', 'sched_getattr', 'sched_setattr',
    'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval', 'getcpu',
    'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
  ],
  identity: [
    'getuid', 'geteuid', 'getgid', 'getegid', 'getresuid', 'getresgid', 'getgroups', 'capget',
    // Without capabilities these can only re-set the ids the process already has.
    'setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setfsuid', 'setfsgid', 'setgroups', 'capset',
  ],
  signals: [
    'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigtimedwait', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo',
    'rt_sigsuspend', 'sigaltstack', 'pause', 'alarm', 'signalfd', 'signalfd4',
  ],
  timeAndWaiting: [
    'nanosleep', 'clock_nanosleep', 'clock_gettime', 'clock_getres', 'gettimeofday', 'time', 'adjtimex',
    'getitimer', 'setitimer', 'timer_create', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timer_delete',
    'timerfd_create', 'timerfd_settime', 'timerfd_gettime', 'eventfd', 'eventfd2',
    'futex', 'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue',
    'poll', 'ppoll', 'select', 'pselect6', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2',
  ],
  network: [
    'socketpair', 'connect', 'accept', 'accept4', 'bind', 'listen', 'shutdown', 'getsockname', 'getpeername', 'setsockopt', 'getsockopt',
    'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg',
  ],
  // The EE has its own IPC namespace, so System V and POSIX IPC objects are its own.
  ipc: [
    'shmget', 'shmat', 'shmdt', 'shmctl', 'semget', 'semop', 'semtimedop', 'semctl', 'msgget', 'msgsnd', 'msgrcv', 'msgctl',
    'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr',
  ],
  system: ['uname', 'sysinfo', 'getrandom'],
};

/**
 * Calls the profile names only to document that they are denied (the default
 * would deny them too). The unit test checks none of them is allowed.
 */
export const deniedSyscalls = [
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'process_mrelease', 'pidfd_getfd', 'kcmp',
  'unshare', 'setns', 'chroot', 'mount', 'umount', 'umount2', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
  'open_tree', 'open_tree_attr', 'move_mount', 'mount_setattr', 'bpf', 'perf_event_open', 'keyctl', 'add_key', 'request_key',
  'userfaultfd', 'name_to_handle_at', 'open_by_handle_at', 'init_module', 'finit_module', 'delete_module', 'create_module',
  'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'acct', 'quotactl', 'quotactl_fd', 'settimeofday',
  'clock_settime', 'clock_adjtime', 'stime', 'syslog', 'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  'mbind', 'set_mempolicy', 'get_mempolicy', 'migrate_pages', 'move_pages', 'set_mempolicy_home_node',
  'iopl', 'ioperm', 'modify_ldt', 'fanotify_init', 'fanotify_mark', 'lookup_dcookie', 'nfsservctl', 'uselib', 'ustat',
  'sysfs', '_sysctl', 'vhangup', 'sethostname', 'setdomainname', 'memfd_secret', 'statmount', 'listmount',
];

/** OCI architecture names of the native ABI (no compat ABIs, see above). */
export function seccompArchitectures(arch: string = process.arch): string[] {
  switch (arch) {
    case 'x64':
      return ['SCMP_ARCH_X86_64'];
    case 'arm64':
      return ['SCMP_ARCH_AARCH64'];
    default:
      throw new Error(`no seccomp profile for architecture ${arch} (supported: x64, arm64)`);
  }
}

export function seccompProfile(arch: string = process.arch): SeccompProfile {
  const allow = (names: string[], args?: SeccompArg[]): SeccompRule => ({ names, action: 'SCMP_ACT_ALLOW', ...(args ? { args } : {}) });
  const eq = (index: number, value: number): SeccompArg => ({ index, value, op: 'SCMP_CMP_EQ' });
  const masked = (index: number, mask: number, value: number): SeccompArg => ({ index, value: mask, valueTwo: value, op: 'SCMP_CMP_MASKED_EQ' });
  const inetSockets = [AF_INET, AF_INET6].flatMap((family) =>
    [SOCK_STREAM, SOCK_DGRAM].map((type) => allow(['socket'], [eq(0, family), masked(1, SOCK_TYPE_MASK, type)])),
  );
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: seccompArchitectures(arch),
    syscalls: [
      allow(Object.values(allowed).flat()),
      // clone: flags are argument 0 on x86_64 and aarch64; no namespace flag may be set.
      allow(['clone'], [masked(0, cloneNamespaceFlags, 0)]),
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      allow(['socket'], [eq(0, AF_UNIX)]),
      ...inetSockets,
      allow(['socket'], [eq(0, AF_NETLINK), eq(2, NETLINK_ROUTE)]),
      ...personalityAllowed.map((p) => allow(['personality'], [eq(0, p)])),
    ],
  };
}

/** Every name the profile allows unconditionally (tests). */
export function unconditionallyAllowed(profile: SeccompProfile): Set<string> {
  return new Set(profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
}
