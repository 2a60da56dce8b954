import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { ipInBlocks, parseIpBlock, parseIpInto } from './ip';

const groups = (s: string): number[] | undefined => {
  const out = new Uint16Array(8);
  return parseIpInto(s, out) ? [...out] : undefined;
};

test('addresses: IPv4 as IPv4-mapped IPv6, IPv6 with :: and embedded IPv4; anything else refused', () => {
  assert.deepEqual(groups('203.0.113.7'), [0, 0, 0, 0, 0, 0xffff, 0xcb00, 0x7107]);
  assert.deepEqual(groups('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(groups('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(groups('2001:db8::'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(groups('2001:DB8:1:2:3:4:5:6'), [0x2001, 0xdb8, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(groups('2001:db8::5:6'), [0x2001, 0xdb8, 0, 0, 0, 0, 5, 6]);
  assert.deepEqual(groups('::ffff:203.0.113.7'), [0, 0, 0, 0, 0, 0xffff, 0xcb00, 0x7107]);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-4', '1..2.3', ':', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', '::1:', ':1::', 'abc', '1.2.3.4/8']) {
    assert.equal(groups(bad), undefined, bad);
  }
});

test("agrees with node:net BlockList on a spread of blocks and addresses (IPv4, IPv6, mapped)", () => {
  const blocks = ['203.0.113.0/24', '10.0.0.0/8', '0.0.0.0/0', '192.0.2.1', '192.0.2.128/25', '2001:db8:1234:5678::/64', '2001:db8::/32', '::/0', '::1', 'fe80::/10', '2001:db8:ffff::/47', '198.51.100.0/31'];
  const addresses = [
    '203.0.113.7', '203.0.114.7', '10.255.255.255', '11.0.0.0', '192.0.2.1', '192.0.2.2', '192.0.2.129', '192.0.2.127', '198.51.100.1', '198.51.100.2',
    '2001:db8:1234:5678::1', '2001:db8:1234:5679::1', '2001:db9::1', '::1', '::2', 'fe80::1', 'fec0::1', '2001:db8:fffe::1', '2001:db8:ffff:1::1', '::ffff:203.0.113.7', '::ffff:10.1.2.3',
  ];
  for (const b of blocks) {
    const parsed = parseIpBlock(b);
    assert.ok(parsed, b);
    const [addr, bits] = b.includes('/') ? b.split('/') : [b, undefined];
    const family = isIP(addr) === 4 ? 'ipv4' : 'ipv6';
    const list = new BlockList();
    list.addSubnet(addr, bits === undefined ? (family === 'ipv4' ? 32 : 128) : +bits, family);
    for (const a of addresses) {
      const want = list.check(a, isIP(a) === 4 ? 'ipv4' : 'ipv6');
      assert.equal(ipInBlocks(a, [parsed]), want, `${a} in ${b}`);
    }
  }
});

test('blocks that are not CIDRs are refused; a text that is no address matches nothing', () => {
  for (const bad of ['203.0.113.0/33', '2001:db8::/129', '203.0.113.0/', '203.0.113.0/x', 'nope', '']) assert.equal(parseIpBlock(bad), undefined, bad);
  assert.equal(ipInBlocks('not-an-ip', [parseIpBlock('0.0.0.0/0')!]), false);
  assert.equal(ipInBlocks('1.2.3.4', []), false);
});
