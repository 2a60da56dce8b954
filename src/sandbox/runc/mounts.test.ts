import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountedBelow } from './driver';

test('mountedBelow sees mount points at or below a directory, and nothing in a plain one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-mounts-'));
  try {
    assert.equal(mountedBelow(dir), false);
    assert.equal(mountedBelow('/proc'), true, '/proc is a mount point');
    assert.equal(mountedBelow('/'), true, 'everything is below /');
    // A prefix that is not a path component does not count (/pro is not /proc).
    assert.equal(mountedBelow('/pro'), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
