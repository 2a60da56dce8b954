import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { awsRuntimeEnum, deprecatedRuntimes, runtimeSpec, supportedRuntimes, unavailableRuntimes } from './registry';

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
