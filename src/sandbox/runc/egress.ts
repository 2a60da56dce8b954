import { formatCidr, parseCidr, parseIp, type Cidr } from './subnet';

/**
 * Where EEs may send traffic. Pure: builds iptables rules, runs nothing.
 *
 * Lambda without a VPC reaches the internet and nothing else, so by default
 * an EE reaches only public addresses: every non-global range of the IANA
 * special-purpose registry (private networks, CGNAT, loopback, link-local,
 * documentation and benchmarking ranges, multicast, reserved) is dropped.
 * The host's LAN is the analogue of a customer's VPC: an operator opens it
 * (or any range) explicitly.
 *
 * Operator settings (environment of `kumo server`, comma-separated IPv4 CIDRs):
 *   KUMO_EGRESS_DENY   dropped, before anything else is allowed
 *   KUMO_EGRESS_ALLOW  reachable although non-public (e.g. a database on the LAN)
 *
 * Order of the rules (first match wins):
 *   1. outbound TCP port 25 (SMTP)          drop  — always, as Lambda does
 *   2. 169.254.0.0/16 (cloud metadata)      drop  — always: it hands out the host's credentials
 *   3. KUMO_EGRESS_DENY                     drop
 *   4. DNS (port 53) to the EEs' resolvers  accept — from /etc/resolv.conf, often a private address
 *   5. KUMO_EGRESS_ALLOW                    accept
 *   6. non-public ranges                    drop
 *   7. everything else (the internet)       accept, masqueraded
 *
 * The rules live in one chain per instance (KUMO-<tag>-EGR). A "named
 * network" (a per-function egress policy) can later be a chain of its own,
 * jumped to by source address (`-s <EE address> -j KUMO-<tag>-N-<name>`)
 * ahead of the instance-wide jump, built from the same `EgressPolicy` shape.
 */

export interface EgressPolicy {
  deny: Cidr[];
  allow: Cidr[];
}

/** Blocked outbound TCP destination ports (Lambda blocks SMTP, port 25). */
export const blockedTcpPorts = [25];

/** Always dropped, whatever the operator allows. */
export const alwaysDeniedCidrs = ['169.254.0.0/16'];

/** IANA IPv4 special-purpose ranges that are not globally reachable (RFC 6890 and updates). */
export const nonPublicCidrs = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private (RFC 1918)
  '100.64.0.0/10', // shared address space, CGNAT (RFC 6598)
  '127.0.0.0/8', // loopback
  '172.16.0.0/12', // private (RFC 1918)
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation TEST-NET-1
  '192.168.0.0/16', // private (RFC 1918)
  '198.18.0.0/15', // benchmarking (RFC 2544)
  '198.51.100.0/24', // documentation TEST-NET-2
  '203.0.113.0/24', // documentation TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the limited broadcast address
];

export const egressDenyEnv = 'KUMO_EGRESS_DENY';
export const egressAllowEnv = 'KUMO_EGRESS_ALLOW';

/** Parses a comma-separated CIDR list; a bare address means /32. Throws naming the variable on bad input. */
export function parseCidrList(text: string | undefined, name: string): Cidr[] {
  if (!text || !text.trim()) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      try {
        return parseCidr(s.includes('/') ? s : `${s}/32`);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    });
}

export function egressPolicyFromEnv(env: Record<string, string | undefined>): EgressPolicy {
  return { deny: parseCidrList(env[egressDenyEnv], egressDenyEnv), allow: parseCidrList(env[egressAllowEnv], egressAllowEnv) };
}

/** IPv4 name servers of a resolv.conf text (IPv6 ones are useless: EEs have no IPv6). */
export function ipv4Resolvers(resolvConf: string): string[] {
  const out: string[] = [];
  for (const m of resolvConf.matchAll(/^\s*nameserver\s+(\S+)/gm)) {
    try {
      parseIp(m[1]);
      if (!out.includes(m[1])) out.push(m[1]);
    } catch {
      /* not IPv4 */
    }
  }
  return out;
}

/** `-A <chain> …` lines of the egress chain (for iptables-restore). */
export function egressRules(chainName: string, policy: EgressPolicy, resolvers: string[]): string[] {
  const c = chainName;
  return [
    ...blockedTcpPorts.map((p) => `-A ${c} -p tcp --dport ${p} -j DROP`),
    ...alwaysDeniedCidrs.map((d) => `-A ${c} -d ${d} -j DROP`),
    ...policy.deny.map((d) => `-A ${c} -d ${formatCidr(d)} -j DROP`),
    ...resolvers.flatMap((r) => ['udp', 'tcp'].map((proto) => `-A ${c} -p ${proto} -d ${r} --dport 53 -j ACCEPT`)),
    ...policy.allow.map((a) => `-A ${c} -d ${formatCidr(a)} -j ACCEPT`),
    ...nonPublicCidrs.map((d) => `-A ${c} -d ${d} -j DROP`),
    `-A ${c} -j ACCEPT`,
  ];
}
