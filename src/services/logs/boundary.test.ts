import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/** ARCHITECTURE.md: the Logs service calls the domain LogService, never the store. */
test('src/services/logs imports nothing from src/store', () => {
  const dir = path.resolve(__dirname, '..', '..', '..', '..', 'src', 'services', 'logs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.ok(files.length >= 5, `found ${files.join(', ')} in ${dir}`);
  for (const f of files) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    assert.doesNotMatch(src, /from ['"][./]*\/store\//, `${f} imports the store`);
  }
});
