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

const specs: readonly RuntimeSpec[] = [
  {
    name: 'nodejs20.x',
    family: 'nodejs',
    command: ['/usr/bin/node', '/var/runtime/nodejs/bootstrap.mjs'],
    env: { NODE_PATH: nodePath(20) },
    executionEnv: 'AWS_Lambda_nodejs20.x',
    layerPaths: ['/opt/nodejs/node_modules', '/opt/nodejs/node20/node_modules', '/opt/bin', '/opt/lib'],
    hostBinary: '/usr/bin/node',
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
