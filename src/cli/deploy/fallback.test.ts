import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestRuntime, recordedChoice, refusedArchitecture, refusedRuntime } from './fallback';

test('the nearest runtime of the same language: closest version, the newer on a tie; none across languages', () => {
  const have = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'python3.11', 'java17', 'ruby3.2', 'provided.al2023', 'provided.al2'];
  assert.equal(nearestRuntime('python3.12', have), 'python3.11');
  assert.equal(nearestRuntime('python3.9', have), 'python3.11');
  assert.equal(nearestRuntime('nodejs18.x', have), 'nodejs20.x');
  assert.equal(nearestRuntime('nodejs21.x', have), 'nodejs22.x', 'a tie goes to the newer');
  assert.equal(nearestRuntime('java21', have), 'java17');
  assert.equal(nearestRuntime('ruby3.4', have), 'ruby3.2');
  assert.equal(nearestRuntime('dotnet8', have), undefined);
});

test("the server's refusals are read back: the runtime and the ones it runs, the architecture and the host's", () => {
  assert.deepEqual(
    refusedRuntime('The runtime parameter of python3.12 is not supported by this Kumo server: it runs Python 3.11 only. Supported runtimes: nodejs20.x, python3.11, provided.al2023.'),
    { runtime: 'python3.12', supported: ['nodejs20.x', 'python3.11', 'provided.al2023'] },
  );
  assert.equal(refusedRuntime('Function not found: x'), undefined);
  assert.deepEqual(
    refusedArchitecture("Architectures arm64 is not supported by this Kumo server: it runs functions on its host's architecture (x86_64)."),
    { architecture: 'arm64', host: 'x86_64' },
  );
  assert.deepEqual(
    refusedArchitecture("Architectures arm64 is not supported by this Kumo server for python3.11: it runs functions on its host's architecture (x86_64); arm64 runs through qemu-user emulation for nodejs20.x, provided.al2023 only (this host has no arm64 build of python3.11's interpreter)."),
    { architecture: 'arm64', host: 'x86_64' },
  );
});

test('a recorded choice applies only while the flag is given and the template still asks for what was replaced', () => {
  const prev = { type: 'AWS::Serverless::Function', physicalId: 'f', fallback: { runtime: { from: 'python3.12', to: 'python3.11' } } };
  assert.deepEqual(recordedChoice(prev, { runtime: true, architecture: false }, 'python3.12', 'x86_64'), { runtime: { from: 'python3.12', to: 'python3.11' } });
  assert.deepEqual(recordedChoice(prev, { runtime: false, architecture: false }, 'python3.12', 'x86_64'), {});
  assert.deepEqual(recordedChoice(prev, { runtime: true, architecture: false }, 'python3.13', 'x86_64'), {});
});
