/**
 * Limits and fixed values of the runc driver, units last in every name.
 * Per-function limits (memory, /tmp, pids, open files) come from the
 * `SandboxSpec`; these are the driver's own.
 */

/** Lambda's sandbox user (`sbx_user1051`) and group, as seen inside real EEs. */
export const sandboxUid = 993;
export const sandboxGid = 990;
export const sandboxUserName = 'sbx_user1051';

/**
 * Address pool shared by every Kumo instance on the machine. Each instance
 * claims one aligned slice (a lock file in `lockDir`), so instances never
 * collide. /22 slices: 64 instances per machine, 1,021 EEs per instance
 * (AWS's default account concurrency is 1,000).
 */
export const subnetPoolCidr = '10.213.0.0/16';
export const subnetSlicePrefixBits = 22;
/** Explicit `subnet` options must hold at least a gateway and a few EEs, and not exceed the pool shape. */
export const subnetPrefixBitsMin = 16;
export const subnetPrefixBitsMax = 28;
/** Where subnet claims live; /run is a tmpfs, so claims vanish with a reboot like the links they guard. */
export const lockDir = '/run/kumo';

/**
 * Lock (in `lockDir`) held while a starting server scans the host and
 * removes what dead instances left, so two servers starting at once neither
 * clean the same leftovers twice nor judge each other before their owner
 * record exists.
 */
export const hostLockFileName = 'instances.lock';
/** Longest wait for another starting server's clean-up (dozens of dead instances take a few seconds). */
export const hostLockWaitMsMax = 30_000;
/** Poll period while another server holds the host lock. */
export const hostLockPollMs = 10;
/** Name of each instance's owner record in its `/run/kumo-sandboxes/<tag>/` directory. */
export const ownerFileName = 'owner.json';

/** Namespaces kept prepared (netns + veth + address, a few KB of kernel memory each) so a cold start skips the network phase. */
export const preparedNetnsPoolSize = 4;
/** Namespaces prepared by one batch (one `ip -batch` plus one `ip -n` per namespace). */
export const netnsPrepareBatchMax = 8;

/** `runc run -d` must have started the container within this. */
export const runcStartTimeoutMs = 15_000;
/** After a failed `runc run`, how long we wait for the rest of its error message. */
export const runcErrorDrainMs = 1_000;
/** `runc delete`, `ip`, `iptables` must finish within this. */
export const commandTimeoutMs = 15_000;
/** Output the privileged commands may print before we stop collecting it. */
export const commandOutputBytesMax = 256 * 1024;
/** Container output held back while `runc run` is still running (to tell runc's own errors apart). */
export const startOutputBufferBytesMax = 1024 * 1024;
/** Waiting for a cgroup to reach FROZEN / frozen 1. */
export const freezeWaitMsMax = 2_000;
/** Waiting for every process of a killed EE to be gone before removing its cgroup. */
export const killWaitMsMax = 5_000;
/** Poll period while waiting for the freezer or for killed processes. */
export const cgroupPollMs = 1;
/** runc containers removed in parallel while cleaning up after a crash. */
export const cleanupParallelismMax = 8;
/** Ids of sandboxes: they name the container, the cgroup and the bundle directory. */
export const sandboxIdPattern = /^[a-z0-9-]{1,48}$/;
/** Length of the instance tag (hex characters of the data dir's hash); keeps link names ≤ 15 chars. */
export const instanceTagChars = 6;
/** Linux interface names: IFNAMSIZ − 1. */
export const interfaceNameCharsMax = 15;
/** MTU used when the host has no default route to copy one from. */
export const mtuDefaultBytes = 1500;

/** Where runc's state and EE bundles live: tmpfs, because both hold decrypted environments. */
export const volatileRoot = '/run/kumo-sandboxes';

/** Lambda: "at 1,769 MB, a function has the equivalent of one vCPU" (AWS Lambda developer guide, memory configuration). */
export const memoryMbPerVcpu = 1769;
/** CFS bandwidth period of EE cgroups, µs (the kernel's and Docker's default). */
export const cpuPeriodMicros = 100_000;
/** The kernel's smallest CFS quota, µs. */
export const cpuQuotaMicrosMin = 1_000;

/**
 * User namespaces: EE root (runc's init) and the sandbox user are mapped to
 * host ids no host user has, distinct per EE: container ids 0…1023 map to
 * `userNsHostIdBase + index * userNsIdsPerEe`, index = the low 16 bits of
 * the EE's address (unique on the machine among live EEs: subnets are
 * claimed machine-wide). The range lies in systemd's container id range
 * (0x80000–0x6fffffff, docs: "UID/GID ranges"), in its top part.
 */
export const userNsHostIdBase = 0x60000000;
export const userNsIdsPerEe = 1024;

/**
 * Scratch disks (scratch.ts), the EE's disk-backed /tmp. Images kept
 * prepared (made, loop-attached and mounted) per size: the default size
 * (Lambda's default EphemeralStorage, 512 MB) always, and the sizes most
 * recently asked for. Each idle image costs a loop device, a mount and about
 * 150 KB of disk (the files are sparse).
 */
export const scratchImagesDefaultSize = 4;
/** Lambda's default EphemeralStorage, MB (the size most EEs ask for). */
export const scratchDefaultSizeMb = 512;
export const scratchImagesOtherSize = 2;
/** Sizes other than the default kept prepared (least recently used dropped first). */
export const scratchOtherSizesMax = 2;
/** ext4 block size of scratch images, bytes. */
export const scratchBlockBytes = 4096;
/**
 * Blocks a function may use beyond EphemeralStorage, for the file system's
 * own per-file blocks (directories, extent-tree leaves), so that
 * EphemeralStorage MB of file data always fit (256 KB).
 */
export const scratchSlackBlocks = 64;
/** mkfs, tune2fs, losetup, mount, umount must finish within this (a loaded disk can make them slow). */
export const scratchCommandTimeoutMs = 30_000;
/** Passes of a dead instance's /tmp-disk clean-up, and the pause between them (a step its server left running finishes meanwhile). */
export const scratchCleanupPassesMax = 4;
export const scratchCleanupSettleMs = 150;
