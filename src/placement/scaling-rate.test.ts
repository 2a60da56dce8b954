import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScalingRate } from './scaling-rate';

/** A clock the test moves by hand. */
function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test('a full bucket allows eesMax cold starts at once, then none until it refills', () => {
  const k = clock();
  const r = new ScalingRate(1000, 10_000, k.now);
  for (let i = 0; i < 1000; i++) assert.equal(r.take('f'), true, `take ${i}`);
  assert.equal(r.take('f'), false);
  assert.equal(r.take('g'), true, 'each function has its own rate');
});

test('refilled continuously: eesMax per window, a share of it after part of one (AWS: 1,000 per 10 s, 100 per second)', () => {
  const k = clock();
  const r = new ScalingRate(1000, 10_000, k.now);
  for (let i = 0; i < 1000; i++) r.take('f');
  k.advance(1_000);
  let n = 0;
  while (r.take('f')) n++;
  assert.equal(n, 100);
  k.advance(9);
  assert.equal(r.take('f'), false, '0.9 of a token');
  k.advance(1);
  assert.equal(r.take('f'), true);
});

test('unused rate does not accumulate beyond one window', () => {
  const k = clock();
  const r = new ScalingRate(2, 1_000, k.now);
  r.take('f');
  k.advance(60_000);
  assert.equal(r.available('f'), 2);
  assert.equal(r.take('f'), true);
  assert.equal(r.take('f'), true);
  assert.equal(r.take('f'), false);
});

test('a refused take costs nothing and the bucket keeps refilling', () => {
  const k = clock();
  const r = new ScalingRate(1, 1_000, k.now);
  assert.equal(r.take('f'), true);
  for (let i = 0; i < 5; i++) {
    k.advance(100);
    assert.equal(r.take('f'), false);
  }
  k.advance(500);
  assert.equal(r.take('f'), true, '1,000 ms after the first take');
});

test('refuses a rate that allows nothing', () => {
  assert.throws(() => new ScalingRate(0, 1000), /at least 1 EE/);
  assert.throws(() => new ScalingRate(1, 0), /positive window/);
});
