import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimSubnet, formatCidr, hostAddress, overlaps, parseCidr, releaseClaimsOf, slicesOf } from './subnet';

test('CIDR arithmetic', () => {
  const pool = parseCidr('10.213.0.0/16');
  const slices = slicesOf(pool, 22);
  assert.equal(slices.length, 64);
  assert.equal(formatCidr(slices[1]), '10.213.4.0/22');
  assert.equal(hostAddress(slices[1], 1), '10.213.4.1');
  assert.equal(hostAddress(slices[1], 1022), '10.213.7.254');
  assert.throws(() => hostAddress(slices[1], 1023));
  assert.ok(overlaps(parseCidr('10.213.4.0/24'), slices[1]));
  assert.ok(!overlaps(parseCidr('10.213.8.0/24'), slices[1]));
  assert.throws(() => parseCidr('10.213.4.1/22'), /host bits/);
  assert.throws(() => parseCidr('10.213.4.0'), /CIDR/);
});

function tmpLocks(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-locks-'));
}

test('claims are exclusive while the owner lives, and taken over once it is gone', () => {
  const lockDir = tmpLocks();
  try {
    const base = { dataDir: '/x', ownBridge: 'kbnone', lockDir, routes: [] };
    const a = claimSubnet({ ...base, tag: 'aaaaaa' });
    const b = claimSubnet({ ...base, tag: 'aaaaaa'.replace(/a/g, 'b') });
    assert.ok(!overlaps(a.cidr, b.cidr), 'two live instances got overlapping subnets');
    // Same tag again (a crash of that instance): the claim is taken over, same subnet.
    const again = claimSubnet({ ...base, tag: 'aaaaaa' });
    assert.equal(formatCidr(again.cidr), formatCidr(a.cidr));
    // A claim whose process is gone is stale.
    const file = fs.readdirSync(lockDir).find((f) => fs.readFileSync(path.join(lockDir, f), 'utf8').includes('bbbbbb'))!;
    const rec = JSON.parse(fs.readFileSync(path.join(lockDir, file), 'utf8'));
    fs.writeFileSync(path.join(lockDir, file), JSON.stringify({ ...rec, pid: 2 ** 22 + 1 }));
    const c = claimSubnet({ ...base, tag: 'cccccc', explicit: formatCidr(b.cidr) });
    assert.equal(formatCidr(c.cidr), formatCidr(b.cidr));
    // Explicit subnets that overlap a live claim or a host route are refused.
    assert.throws(() => claimSubnet({ ...base, tag: 'dddddd', explicit: formatCidr(a.cidr) }), /claimed|overlaps/);
    assert.throws(
      () => claimSubnet({ ...base, tag: 'dddddd', explicit: '192.168.0.0/24', routes: [{ iface: 'eth9', cidr: parseCidr('192.168.0.0/16') }] }),
      /host route/,
    );
    c.release();
    again.release();
    releaseClaimsOf('bbbbbb', lockDir);
    assert.deepEqual(fs.readdirSync(lockDir), []);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
});

test('auto-claim skips slices under a host route', () => {
  const lockDir = tmpLocks();
  try {
    const claim = claimSubnet({
      tag: '000000',
      dataDir: '/x',
      ownBridge: 'kbnone',
      lockDir,
      routes: [{ iface: 'docker0', cidr: parseCidr('10.213.0.0/21') }],
    });
    assert.equal(formatCidr(claim.cidr), '10.213.8.0/22');
    claim.release();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
});
