import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBudget, type Evictable } from './memory-budget';

interface Ee extends Evictable { id: string }

function host(budgetMb: number) {
  const b = new MemoryBudget(budgetMb);
  const idle: Ee[] = [];
  const evicted: string[] = [];
  const evict = (e: Ee) => {
    idle.splice(idle.indexOf(e), 1);
    evicted.push(e.id);
    b.give(e.memoryMb);
  };
  const start = (id: string, memoryMb: number, lastUsedMs: number) => {
    const ok = b.take(memoryMb, () => [...idle], evict);
    if (ok) idle.push({ id, memoryMb, lastUsedMs });
    return ok;
  };
  return { b, idle, evicted, evict, start };
}

test('starts within the budget evict nothing', () => {
  const h = host(512);
  assert.equal(h.start('a', 256, 1), true);
  assert.equal(h.start('b', 256, 2), true);
  assert.equal(h.b.promisedMb, 512);
  assert.deepEqual(h.evicted, []);
});

test('a start that does not fit evicts the least recently used idle EEs, only as many as it needs', () => {
  const h = host(512);
  h.start('old', 128, 10);
  h.start('newer', 128, 30);
  h.start('middle', 256, 20);
  assert.equal(h.start('x', 256, 40), true);
  assert.deepEqual(h.evicted, ['old', 'middle'], 'oldest first, until 256 MB are free (old alone frees 128)');
  assert.equal(h.b.promisedMb, 384);
});

test('a start that cannot fit even after evicting every idle EE is refused and evicts nothing', () => {
  const h = host(512);
  h.b.take(384, () => [], h.evict); // busy or provisioned: not offered for eviction
  h.start('idle', 128, 1);
  assert.equal(h.start('x', 256, 2), false);
  assert.deepEqual(h.evicted, []);
  assert.equal(h.b.promisedMb, 512);
});

test('more than the whole budget is refused at once; give() returns memory', () => {
  const h = host(256);
  assert.equal(h.start('big', 512, 1), false);
  assert.equal(h.b.take(256, () => [], h.evict), true);
  assert.equal(h.b.take(1, () => [], h.evict), false);
  h.b.give(256);
  assert.equal(h.b.promisedMb, 0);
  assert.equal(h.b.take(1, () => [], h.evict), true);
});

test('an eviction that gives nothing back does not overcommit', () => {
  const b = new MemoryBudget(256);
  b.take(256, () => [], () => {});
  assert.equal(b.take(128, () => [{ memoryMb: 256, lastUsedMs: 1 }], () => {}), false);
  assert.equal(b.promisedMb, 256);
});
