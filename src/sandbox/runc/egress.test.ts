import { test } from 'node:test';
import assert from 'node:assert/strict';
import { egressPolicyFromEnv, egressRules, ipv4Resolvers, nonPublicCidrs } from './egress';
import { formatCidr } from './subnet';

test('operator lists: comma-separated CIDRs, bare addresses are /32, bad input names the variable', () => {
  const p = egressPolicyFromEnv({ KUMO_EGRESS_DENY: '203.0.113.7, 198.51.100.0/24', KUMO_EGRESS_ALLOW: '10.1.0.0/16,' });
  assert.deepEqual(p.deny.map(formatCidr), ['203.0.113.7/32', '198.51.100.0/24']);
  assert.deepEqual(p.allow.map(formatCidr), ['10.1.0.0/16']);
  assert.deepEqual(egressPolicyFromEnv({}), { deny: [], allow: [] });
  assert.throws(() => egressPolicyFromEnv({ KUMO_EGRESS_ALLOW: '10.1.0.1/16' }), /KUMO_EGRESS_ALLOW: .*host bits/);
  assert.throws(() => egressPolicyFromEnv({ KUMO_EGRESS_DENY: 'example.com' }), /KUMO_EGRESS_DENY/);
});

test('resolvers: IPv4 name servers only, once each', () => {
  assert.deepEqual(ipv4Resolvers('# x\nnameserver 10.0.0.2\nnameserver ::1\nnameserver 10.0.0.2\n nameserver 1.1.1.1\n'), ['10.0.0.2', '1.1.1.1']);
});

test('rule order: SMTP and link-local always dropped, deny before resolvers and allow, non-public dropped, then the internet', () => {
  const rules = egressRules('E', egressPolicyFromEnv({ KUMO_EGRESS_DENY: '10.9.9.9', KUMO_EGRESS_ALLOW: '10.0.0.0/8,169.254.169.254' }), ['10.0.0.2']);
  const at = (s: string): number => {
    const i = rules.findIndex((r) => r.includes(s));
    assert.ok(i >= 0, `no rule with ${s}`);
    return i;
  };
  assert.equal(at('--dport 25 -j DROP'), 0);
  assert.ok(at('-d 169.254.0.0/16 -j DROP') < at('-d 169.254.169.254/32 -j ACCEPT'), 'allow cannot open the metadata range');
  assert.ok(at('-d 10.9.9.9/32 -j DROP') < at('-d 10.0.0.2 --dport 53 -j ACCEPT'));
  assert.ok(at('-d 10.0.0.2 --dport 53 -j ACCEPT') < at('-d 10.0.0.0/8 -j ACCEPT'));
  assert.ok(at('-d 10.0.0.0/8 -j ACCEPT') < at('-d 10.0.0.0/8 -j DROP'));
  assert.equal(rules[rules.length - 1], '-A E -j ACCEPT');
  for (const c of nonPublicCidrs) assert.ok(rules.includes(`-A E -d ${c} -j DROP`), c);
});
