import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryClassMb, prewarmEligible } from './prewarm-pool';

describe('pre-initialised EE pools: keys and eligibility', () => {
  test('a MemorySize belongs to the smallest class that holds it', () => {
    assert.equal(memoryClassMb(128), 128);
    assert.equal(memoryClassMb(129), 256);
    assert.equal(memoryClassMb(200), 256);
    assert.equal(memoryClassMb(1769), 1769);
    assert.equal(memoryClassMb(1770), 3008);
    assert.equal(memoryClassMb(10240), 10240);
  });

  test('managed Node.js and Python runtimes are eligible; custom runtimes and unknown names are not', () => {
    assert.equal(prewarmEligible('nodejs20.x', []), true);
    assert.equal(prewarmEligible('python3.11', ['MY_SETTING']), true);
    assert.equal(prewarmEligible('provided.al2023', []), false);
    assert.equal(prewarmEligible('java21', []), false);
  });

  test('a variable the runtime reads only at process start sends the function the ordinary way', () => {
    for (const n of ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'UV_THREADPOOL_SIZE', 'LD_PRELOAD', 'OPENSSL_CONF', 'LC_ALL']) {
      assert.equal(prewarmEligible('nodejs20.x', ['A', n]), false, n);
    }
    for (const n of ['PYTHONPATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONWARNINGS', 'LD_LIBRARY_PATH_EXTRA', 'LC_CTYPE']) {
      assert.equal(prewarmEligible('python3.11', [n]), false, n);
    }
    // Names that merely resemble them are fine.
    assert.equal(prewarmEligible('nodejs20.x', ['MY_NODE_OPTIONS', 'PYTHONPATH']), true);
    assert.equal(prewarmEligible('python3.11', ['NODE_OPTIONS', 'MY_PYTHONPATH']), true);
  });
});
