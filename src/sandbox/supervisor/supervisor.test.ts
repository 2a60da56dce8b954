import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runtimesDir } from '../../paths';
import type { SupervisorEvent } from './protocol';
import { outputQueueBytesMax, Supervisor } from './supervisor';

test('EE output the API process has not taken is bounded; what is dropped is counted and said in the EE’s stderr', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-sup-'));
  try {
    const sent: { m: SupervisorEvent; written?: () => void }[] = [];
    const sup = new Supervisor({ dataDir, runtimesDir }, { uid: 65534, gid: 65534 }, (m, written) => sent.push({ m: m as SupervisorEvent, ...(written ? { written } : {}) }));
    const output = (sup as unknown as { output(id: string, s: 'stdout' | 'stderr', c: Buffer): void }).output.bind(sup);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const fits = outputQueueBytesMax / chunk.length;
    for (let i = 0; i < fits + 3; i++) output('ee-1', 'stdout', chunk);
    assert.equal(sent.length, fits, 'output past the bound must not be queued');
    // The API process catches up: the next chunk goes, after a note of what was lost.
    for (const s of sent) s.written?.();
    output('ee-1', 'stdout', Buffer.from('after\n'));
    const [note, after] = sent.slice(fits).map((s) => s.m);
    assert.deepEqual(note && { ...note, chunk: Buffer.from((note as { chunk: Uint8Array }).chunk).toString() }, {
      event: 'output', sandbox: 'ee-1', stream: 'stderr',
      chunk: `[kumo: ${3 * chunk.length} bytes of this execution environment's output were dropped: the API process fell behind]\n`,
    });
    assert.equal(Buffer.from((after as { chunk: Uint8Array }).chunk).toString(), 'after\n');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
