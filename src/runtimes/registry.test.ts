import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  allowedRuntimeArgvs, architectureRefusal, awsRuntimeEnum, deprecatedRuntimes, emulation, emulationMissingRefusal, hostArchitecture, isEmulatedBootstrapArgv,
  runtimeArgv, runtimeSpec, runsOn, supportedRuntimes, unavailableRuntimes,
} from './registry';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** The AWS Lambda API model lives in shared/ beside the checkout (as in CI and every session). */
const modelFile = path.resolve(repoRoot, '..', 'shared', 'aws-models', 'lambda-2015-03-31.json');

test('every runtime Kumo runs has its bootstrap in runtimes/ and its interpreter on the host', () => {
  assert.ok(supportedRuntimes.length >= 4);
  for (const name of supportedRuntimes) {
    const spec = runtimeSpec(name)!;
    assert.equal(spec.name, name);
    if (spec.family === 'provided') {
      assert.equal(spec.command, undefined, name);
      assert.deepEqual(spec.bootstrapPaths, ['/var/task/bootstrap', '/opt/bootstrap'], name);
      assert.equal(spec.executionEnv, undefined, `${name}: AWS sets no AWS_EXECUTION_ENV for custom runtimes`);
      continue;
    }
    const [interpreter, bootstrap] = spec.command!;
    assert.ok(bootstrap!.startsWith('/var/runtime/'), name);
    assert.ok(fs.existsSync(path.join(repoRoot, 'runtimes', path.relative('/var/runtime', bootstrap!))), `${name}: ${bootstrap} not in runtimes/`);
    // java17 starts a shell script that starts the JVM; the others run their interpreter directly,
    // from the host's /usr or (npm-installed Node.js majors) from below runtimes/, i.e. /var/runtime.
    if (interpreter!.startsWith('/var/runtime/')) {
      assert.equal(spec.hostBinary, path.join(repoRoot, 'runtimes', path.relative('/var/runtime', interpreter!)), name);
      assert.ok(spec.version, `${name}: an npm-installed interpreter names its version`);
    } else {
      if (spec.family !== 'java') assert.equal(interpreter, spec.hostBinary);
      assert.ok(fs.existsSync(interpreter!), `${name}: ${interpreter} not on this host`);
    }
    assert.ok(fs.existsSync(spec.hostBinary!), `${name}: ${spec.hostBinary} not on this host`);
    for (const e of spec.hostEtc ?? []) assert.ok(fs.existsSync(path.join('/etc', e)), `${name}: /etc/${e} not on this host`);
    assert.equal(spec.executionEnv, `AWS_Lambda_${name}`);
  }
  // Debian 12 has no JDK 21 and no .NET SDK: never claimed.
  assert.equal(runtimeSpec('java21'), undefined);
  assert.equal(runtimeSpec('dotnet8'), undefined);
});

test('runtime names match AWS’s enum: supported ones are current, deprecated ones are in the model', { skip: fs.existsSync(modelFile) ? false : `the AWS model is not beside this checkout (${modelFile})` }, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { shapes: Record<string, { enum?: string[] }> };
  const awsEnum = new Set(model.shapes.Runtime!.enum!);
  for (const n of supportedRuntimes) {
    assert.ok(awsEnum.has(n), `${n} is not an AWS runtime name`);
    assert.ok(!deprecatedRuntimes.has(n), `${n} is deprecated`);
  }
  for (const n of deprecatedRuntimes) assert.ok(awsEnum.has(n), `deprecated ${n} is not in AWS's enum`);
  for (const n of awsRuntimeEnum) assert.ok(awsEnum.has(n), `${n} of AWS's refusal message is not in AWS's enum`);
});

test('a runtime Kumo cannot run here is one AWS names today, and is not also supported', () => {
  for (const n of Object.keys(unavailableRuntimes)) {
    assert.ok((awsRuntimeEnum as readonly string[]).includes(n), `${n} is not in AWS's current list`);
    assert.equal(runtimeSpec(n), undefined, `${n} is both unavailable and supported`);
  }
});

test('the npm-installed Node.js majors run the version their AWS name says', () => {
  for (const name of ['nodejs22.x', 'nodejs24.x']) {
    const spec = runtimeSpec(name);
    assert.ok(spec, `${name} is not installed here (make setup installs runtimes/nodejs-versions)`);
    const v = execFileSync(spec.hostBinary!, ['--version'], { encoding: 'utf8' }).trim();
    assert.equal(v, `v${spec.version}`);
    assert.equal(`nodejs${v.slice(1).split('.')[0]}.x`, name);
  }
});

test('arm64 on an x86_64 host: Node.js and custom runtimes run under qemu-user with the arm64 sysroot; the others are refused naming what the host runs', { skip: hostArchitecture() !== 'x86_64' && 'arm64 is native here' }, () => {
  const prefix = [emulation.qemu, '-L', emulation.sysroot];
  for (const name of ['nodejs20.x', 'nodejs22.x', 'nodejs24.x']) {
    const spec = runtimeSpec(name)!;
    assert.equal(architectureRefusal(spec, 'arm64'), undefined, `${name} runs on arm64 here (make setup installs runtimes/nodejs-arm64 and the emulator)`);
    const argv = runtimeArgv(spec, 'arm64')!;
    assert.deepEqual(argv.slice(0, 3), prefix);
    assert.equal(argv[3], spec.arm64Interpreter!.inEe);
    assert.deepEqual(argv.slice(4), spec.command!.slice(1), `${name}: the same bootstrap as on x86_64`);
    // The arm64 interpreter is the version the runtime's name says, and an aarch64 ELF.
    const v = execFileSync(emulation.qemu, ['-L', emulation.sysroot, spec.arm64Interpreter!.onHost, '--version'], { encoding: 'utf8' }).trim();
    assert.equal(v, `v${spec.arm64Interpreter!.version}`);
    assert.equal(`nodejs${v.slice(1).split('.')[0]}.x`, name);
    const elf = fs.readFileSync(spec.arm64Interpreter!.onHost).subarray(0, 20);
    assert.equal(elf.readUInt16LE(18), 183, `${name}: e_machine EM_AARCH64`);
    assert.deepEqual(runtimeArgv(spec, 'x86_64'), [...spec.command!], 'the host architecture runs the command as it is');
  }
  const go = runtimeSpec('provided.al2023')!;
  assert.ok(runsOn(go, 'arm64'));
  assert.deepEqual(runtimeArgv(go, 'arm64', '/var/task/bootstrap'), [...prefix, '/var/task/bootstrap']);
  assert.deepEqual(runtimeArgv(go, 'x86_64', '/opt/bootstrap'), ['/opt/bootstrap']);
  assert.equal(runtimeArgv(go, 'arm64'), undefined, 'no bootstrap, no argv');
  for (const name of ['python3.11', 'java17', 'ruby3.2']) {
    const spec = runtimeSpec(name)!;
    assert.ok(!runsOn(spec, 'arm64'));
    assert.match(architectureRefusal(spec, 'arm64')!, new RegExp(`^it runs functions on its host's architecture \\(x86_64\\); arm64 runs through qemu-user emulation for .*nodejs20\\.x.* only \\(this host has no arm64 build of ${name.replace('.', '\\.')}'s interpreter\\)$`));
    assert.equal(runtimeArgv(spec, 'arm64'), undefined);
  }
});

test("the supervisor's allow-list holds every runtime's argv on each architecture it runs on, and emulated bootstraps only in the exact form", () => {
  const argvs = allowedRuntimeArgvs().map((a) => a.join(' '));
  for (const name of supportedRuntimes) {
    const spec = runtimeSpec(name)!;
    if (!spec.command) continue;
    for (const arch of ['x86_64', 'arm64'] as const) {
      if (runsOn(spec, arch)) assert.ok(argvs.includes(runtimeArgv(spec, arch)!.join(' ')), `${name} on ${arch}`);
    }
  }
  const boots = new Set(['/var/task/bootstrap', '/opt/bootstrap']);
  const prefix = [emulation.qemu, '-L', emulation.sysroot];
  assert.equal(isEmulatedBootstrapArgv([...prefix, '/var/task/bootstrap'], boots), hostArchitecture() === 'x86_64');
  assert.equal(isEmulatedBootstrapArgv([...prefix, '/tmp/evil'], boots), false);
  assert.equal(isEmulatedBootstrapArgv([emulation.qemu, '-L', '/tmp', '/var/task/bootstrap'], boots), false);
  assert.equal(isEmulatedBootstrapArgv([emulation.qemu, '-strace', '-L', emulation.sysroot, '/var/task/bootstrap'], boots), false);
});

test('a host without the emulator or its sysroot refuses arm64 naming the missing paths, make setup and the packages', () => {
  const why = emulationMissingRefusal([emulation.qemu, '/usr/aarch64-linux-gnu/lib/libstdc++.so.6']);
  assert.equal(
    why,
    "it runs functions on its host's architecture (x86_64); arm64 runs through qemu-user emulation, which needs /usr/bin/qemu-aarch64-static, /usr/aarch64-linux-gnu/lib/libstdc++.so.6 (make setup installs qemu-user-static, libc6-arm64-cross, libstdc++6-arm64-cross and libgcc-s1-arm64-cross)",
  );
  // The manifest installs exactly what the registry looks for.
  const manifest = fs.readFileSync(path.join(repoRoot, 'scripts', 'tools.manifest'), 'utf8');
  for (const f of [emulation.qemu, ...emulation.sysrootFiles.filter((x) => !x.endsWith('libc.so.6')).map((x) => path.join(emulation.sysroot, x))]) {
    assert.match(manifest, new RegExp(`\\s(file:)?${f.replace(/[.+]/g, '\\$&')}\\s`), `${f} is in scripts/tools.manifest`);
  }
});
