import fs from 'node:fs';
import { run, runSync } from './exec';
import { cidrSize, formatCidr, hostAddress, type Cidr } from './subnet';
import { netnsPrepareBatchMax, preparedNetnsPoolSize } from './limits';
import { egressRules, type EgressPolicy } from './egress';
import type { ApiPath } from '../driver';

/**
 * The sandbox network of one Kumo instance:
 *
 *   EE netns k<tag>-<slot>            host
 *   ┌──────────────────────┐          ┌───────────────────────────────────┐
 *   │ eth0 <subnet>.<slot> ├─veth─────┤ kv<tag>-<slot> ─┐                 │
 *   └──────────────────────┘          │                 kb<tag> (bridge)  │
 *                                      │  gateway <subnet>.1, Runtime API  │
 *                                      └── MASQUERADE ──▶ default route ───┘
 *
 * - Each EE has its own network namespace; its address (`slot`) is unique
 *   among this instance's live EEs and the instance's subnet is unique on the
 *   machine (see subnet.ts), so the Runtime API identifies an EE by the
 *   source address of its connection.
 * - Bridge ports are `isolated`: EEs cannot reach each other, only the host.
 * - No IPv6 on these links (no link-local addresses either): the filter
 *   rules are IPv4 only, and a host service listening on `::` would
 *   otherwise be reachable through the bridge's fe80:: address.
 * - Filter rules (chains KUMO-<tag>-IN / -FWD / -OUT / -EGR, jumps tagged
 *   with the comment `kumo:<tag>`):
 *     IN   (EE → any host address): only the Runtime API port (TCP; UDP on
 *          the same number for the X-Ray daemon receiver) and Kumo's AWS API
 *          port on the gateway address, and DNS to a resolver that happens to
 *          be a host address; every other host service, on every host
 *          address, is dropped; and the gateway address answers only on the
 *          bridge and on loopback (another machine routing to it through the
 *          uplink is dropped);
 *     OUT  (host → EE): replies only; no host process opens a connection
 *          into an EE (but, on a server started with KUMO_DEBUG_FUNCTIONS,
 *          the API user's processes to the debugger port: Kumo's forward,
 *          placement/debug.ts);
 *     FWD  (routed): into an EE replies only (so neither another machine nor
 *          another EE, of this instance or another, can connect to one);
 *          out of an EE through the egress chain;
 *     EGR  the egress policy (egress.ts): no SMTP, no link-local, operator
 *          deny/allow lists, public addresses only by default.
 *   Outbound traffic is masqueraded.
 * - Kumo's AWS API from inside an EE (`setApiPath`): the API listens on the
 *   gateway address too (same port P), and each EE's own netns rewrites
 *   TCP to 127.0.0.1:P (and to the API's own host address, when it listens
 *   on one) into gateway:P (nat OUTPUT DNAT; `route_localnet` on eth0 lets a
 *   loopback-sourced packet leave, and POSTROUTING SNATs it to the EE's
 *   address, so the host sees the EE as for any other packet). So
 *   `http://localhost:P/…`, the URL the host side uses, reaches Kumo from
 *   inside an EE as well. These rules live in the EE's netns and go with it.
 * - A few namespaces are kept prepared so a cold start does not wait for the
 *   two `ip` processes a namespace costs.
 */

export interface PreparedNetns {
  slot: number;
  ip: string;
  name: string;
  /** Path runc joins (`linux.namespaces[].path`). */
  path: string;
  hostVeth: string;
  /** The API path installed in this namespace (`apiPathKey`), if any. */
  apiPath?: string;
}


export function bridgeName(tag: string): string {
  return `kb${tag}`;
}
function netnsName(tag: string, slot: number): string {
  return `k${tag}-${slot}`;
}
function vethName(tag: string, slot: number): string {
  return `kv${tag}-${slot}`;
}
function chain(tag: string, kind: 'IN' | 'FWD' | 'OUT' | 'EGR'): string {
  return `KUMO-${tag}-${kind}`;
}
function commentOf(tag: string): string {
  return `kumo:${tag}`;
}
/** A locally administered MAC derived from the tag: a bridge without a fixed MAC takes its lowest port's, which changes as EEs come and go and leaves stale ARP entries behind. */
function bridgeMac(tag: string): string {
  const t = tag.padEnd(6, '0').slice(0, 6);
  return `02:6b:75:${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}`;
}

const netnsDir = '/run/netns';

export class SandboxNetwork {
  readonly bridge: string;
  readonly gateway: string;
  private readonly freeSlots: number[] = [];
  private readonly pool: PreparedNetns[] = [];
  private refilling: Promise<void> | undefined;
  private closed = false;
  private runtimeApiPort: number | undefined;
  private apiPath: ApiPath | undefined;
  /** Cold starts waiting for a namespace while the pool is empty. */
  private readonly waiters: { resolve(n: PreparedNetns): void; reject(e: Error): void }[] = [];
  /** Last failure of the preparer (queued callers got it too; the next take() retries). */
  lastRefillError: Error | undefined;

  constructor(
    private readonly tag: string,
    private readonly cidr: Cidr,
    private readonly mtuBytes: number,
    private readonly egress: EgressPolicy = { deny: [], allow: [] },
    /** IPv4 name servers of the EEs' resolv.conf: DNS to them is let through. */
    private readonly resolvers: string[] = [],
    /** KUMO_DEBUG_FUNCTIONS: processes of this host user (the API process: its debugger forward) may connect to this TCP port of every EE. */
    private readonly inspector?: { port: number; clientUid: number },
  ) {
    this.bridge = bridgeName(tag);
    this.gateway = hostAddress(cidr, 1);
    // Slots 2 … size−2 (.0 is the network, .1 the gateway, the last the broadcast).
    for (let s = 2; s < cidrSize(cidr) - 1; s++) this.freeSlots.push(s);
  }

  get capacity(): number {
    return cidrSize(this.cidr) - 3;
  }

  /**
   * Removes every network object of instance `tag` left by an earlier run:
   * namespaces k<tag>-*, veths kv<tag>-*, bridge kb<tag>, tagged iptables
   * rules and chains. Names of other instances never match.
   */
  static async cleanup(tag: string): Promise<void> {
    const lines: string[] = [];
    // 1. Host-side veths first: deleting one end removes the pair at once,
    //    while a namespace's own links go away only asynchronously.
    for (const link of listDir('/sys/class/net')) if (link.startsWith(`kv${tag}-`)) lines.push(`link del ${link}`);
    // 2. Namespaces (their eth0 is already gone with the veth).
    for (const ns of listDir(netnsDir)) if (ns.startsWith(`k${tag}-`)) lines.push(`netns del ${ns}`);
    // 3. The bridge (removes its address and route).
    if (fs.existsSync(`/sys/class/net/${bridgeName(tag)}`)) lines.push(`link del ${bridgeName(tag)}`);
    if (lines.length) await run('ip', ['-force', '-batch', '-'], { input: lines.join('\n') + '\n', allowFailure: true });
    // 4. Filter and NAT rules.
    await removeIptablesRules(tag);
  }

  /** Creates the bridge and the NAT/filter rules. Call after `cleanup(tag)`. */
  async setUp(): Promise<void> {
    // 1. Routing between the bridge and the uplink (global switch, left on at
    //    shutdown since other instances or programs may rely on it).
    fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
    // 2. The bridge with the gateway address the Runtime API listens on.
    const b = this.bridge;
    await run('ip', ['-batch', '-'], {
      input: [
        `link add ${b} address ${bridgeMac(this.tag)} mtu ${this.mtuBytes} type bridge stp_state 0 forward_delay 0`,
        `link set ${b} addrgenmode none`,
        `addr add ${this.gateway}/${this.cidr.prefixBits} dev ${b}`,
        `link set ${b} up`,
        '',
      ].join('\n'),
    });
    const ipv6Switch = `/proc/sys/net/ipv6/conf/${b}/disable_ipv6`;
    if (fs.existsSync(ipv6Switch)) fs.writeFileSync(ipv6Switch, '1');
    // 3. Filter and NAT rules, in one atomic iptables-restore.
    await run('iptables-restore', ['-w', '5', '--noflush'], { input: this.rulesScript() });
  }

  private inputChainRules(): string[] {
    const c = chain(this.tag, 'IN');
    return [
      `-A ${c} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
      ...(this.runtimeApiPort ? [`-A ${c} -p tcp -d ${this.gateway} --dport ${this.runtimeApiPort} -j ACCEPT`] : []),
      // Kumo's AWS API (the same listener on the gateway address; each netns redirects its loopback port here).
      ...(this.apiPath ? [`-A ${c} -p tcp -d ${this.gateway} --dport ${this.apiPath.port} -j ACCEPT`] : []),
      // The X-Ray daemon receiver (src/tracing/xray-daemon.ts): UDP on the Runtime API's port number (AWS_XRAY_DAEMON_ADDRESS).
      ...(this.runtimeApiPort ? [`-A ${c} -p udp -d ${this.gateway} --dport ${this.runtimeApiPort} -j ACCEPT`] : []),
      // A resolver on one of the host's own addresses (a local dnsmasq on the LAN address, say).
      ...this.resolvers.flatMap((r) => ['udp', 'tcp'].map((proto) => `-A ${c} -p ${proto} -d ${r} --dport 53 -j ACCEPT`)),
      `-A ${c} -j DROP`,
    ];
  }

  private rulesScript(): string {
    const b = this.bridge;
    const tagged = `-m comment --comment "${commentOf(this.tag)}"`;
    const cin = chain(this.tag, 'IN');
    const cfwd = chain(this.tag, 'FWD');
    const cout = chain(this.tag, 'OUT');
    const cegr = chain(this.tag, 'EGR');
    return [
      '*filter',
      `:${cin} - [0:0]`,
      `:${cfwd} - [0:0]`,
      `:${cout} - [0:0]`,
      `:${cegr} - [0:0]`,
      // Inserted first so a host firewall's DROP or ACCEPT rules cannot shadow them.
      `-I INPUT 1 -i ${b} ${tagged} -j ${cin}`,
      `-I FORWARD 1 -i ${b} ${tagged} -j ${cfwd}`,
      `-I FORWARD 1 -o ${b} ${tagged} -j ${cfwd}`,
      `-I OUTPUT 1 -o ${b} ${tagged} -j ${cout}`,
      // The gateway address is for EEs (on the bridge, decided by IN above) and the host itself (loopback):
      // another machine routing to it through the uplink reaches neither the Runtime API nor the API's listener there.
      `-I INPUT 2 -d ${this.gateway}/32 ! -i lo ${tagged} -j DROP`,
      ...this.inputChainRules(),
      // Into an EE (from another machine, another EE, or routed back in): replies only.
      `-A ${cfwd} -o ${b} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
      `-A ${cfwd} -o ${b} -j DROP`,
      // Out of an EE: replies to nothing (an EE accepts no connection), new traffic through the egress policy.
      `-A ${cfwd} -j ${cegr}`,
      ...egressRules(cegr, this.egress, this.resolvers),
      // From the host itself into an EE: replies only, and with debugging on the inspector's port
      // (Kumo's forward on 127.0.0.1 connects there; an EE that is not debugged has nothing listening on it).
      `-A ${cout} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
      ...(this.inspector ? [`-A ${cout} -p tcp --dport ${this.inspector.port} -m owner --uid-owner ${this.inspector.clientUid} -j ACCEPT`] : []),
      `-A ${cout} -j DROP`,
      'COMMIT',
      '*nat',
      `-A POSTROUTING -s ${formatCidr(this.cidr)} ! -o ${b} ${tagged} -j MASQUERADE`,
      'COMMIT',
      '',
    ].join('\n');
  }

  /** Opens the Runtime API port to EEs (rewrites the input chain; one synchronous iptables-restore). */
  setRuntimeApiPort(port: number): void {
    this.runtimeApiPort = port;
    const c = chain(this.tag, 'IN');
    // Declaring an existing chain in a --noflush restore flushes it, so this replaces the chain's rules atomically.
    runSync('iptables-restore', ['-w', '5', '--noflush'], {
      input: ['*filter', `:${c} - [0:0]`, ...this.inputChainRules(), 'COMMIT', ''].join('\n'),
    });
  }

  /**
   * Opens Kumo's AWS API to EEs: the input chain lets `path.port` on the
   * gateway through, and every namespace from now on (pooled ones when they
   * are taken) redirects `path.redirected`:port to it. Call before EEs start.
   */
  setApiPath(path: ApiPath): void {
    this.apiPath = { port: path.port, redirected: [...path.redirected] };
    const c = chain(this.tag, 'IN');
    runSync('iptables-restore', ['-w', '5', '--noflush'], {
      input: ['*filter', `:${c} - [0:0]`, ...this.inputChainRules(), 'COMMIT', ''].join('\n'),
    });
  }

  /**
   * Installs the API path in one namespace: route_localnet on eth0, then the
   * nat rules, in one process chain (`ip netns exec … sh`, with a fixed
   * script and the rules on stdin). The EE has no capability in its netns, so
   * it cannot change them.
   */
  private async installApiPath(netns: PreparedNetns, path: ApiPath): Promise<void> {
    const to = `${this.gateway}:${path.port}`;
    const rules = [
      '*nat',
      ...path.redirected.map((a) => `-A OUTPUT -d ${a}/32 -p tcp --dport ${path.port} -j DNAT --to-destination ${to}`),
      `-A POSTROUTING -o eth0 -s 127.0.0.0/8 -j SNAT --to-source ${netns.ip}`,
      'COMMIT',
      '',
    ].join('\n');
    await run('ip', ['netns', 'exec', netns.name, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet && exec iptables-restore -w 5'], {
      input: rules,
    });
    netns.apiPath = apiPathKey(path);
  }

  /**
   * A prepared namespace and the ms this caller waited for it. From the pool
   * when it has one; otherwise the caller queues and the preparer serves
   * queued callers first, batching a burst of cold starts into few `ip` runs.
   */
  async take(): Promise<{ netns: PreparedNetns; ms: number }> {
    const t0 = performance.now();
    const pooled = this.pool.shift();
    const netns =
      pooled ??
      (await new Promise<PreparedNetns>((resolve, reject) => {
        this.waiters.push({ resolve, reject });
        this.refill();
      }));
    // A namespace prepared before the API path was set (the first few after start) gets it now.
    const api = this.apiPath;
    if (api && netns.apiPath !== apiPathKey(api)) {
      try {
        await this.installApiPath(netns, api);
      } catch (e) {
        await this.release(netns);
        throw e;
      }
    }
    const ms = performance.now() - t0;
    // Refill after the caller's own spawn of runc: spawning blocks the event loop for a few ms.
    if (pooled) setImmediate(() => this.refill());
    return { netns, ms };
  }

  /** Removes the namespace and its veth, then frees the address. */
  async release(netns: PreparedNetns): Promise<void> {
    try {
      await this.removeLinks(netns);
    } finally {
      this.freeAddress(netns);
    }
  }

  /** Deletes the veth pair (synchronously, unlike a namespace's own links) and the namespace. */
  async removeLinks(netns: PreparedNetns): Promise<void> {
    await run('ip', ['-force', '-batch', '-'], { input: `link del ${netns.hostVeth}\nnetns del ${netns.name}\n`, allowFailure: true });
  }

  /** Makes the address available again; only after `removeLinks` (the names derive from it). */
  freeAddress(netns: PreparedNetns): void {
    // Freed addresses go to the back of the queue: the longest-unused one is handed out next.
    this.freeSlots.push(netns.slot);
  }

  /**
   * The preparer: one loop at a time, serving queued `take()` callers first,
   * then keeping `preparedNetnsPoolSize` namespaces ready.
   */
  refill(): void {
    if (this.refilling) return;
    const wanted = (): number => (this.closed ? 0 : this.waiters.length + Math.max(0, preparedNetnsPoolSize - this.pool.length));
    let failed = false;
    this.refilling = (async () => {
      while (wanted() > 0 && this.freeSlots.length > 0) {
        // Queued cold starts get a batch of their own size: they should not wait for the pool's share.
        const n = this.waiters.length > 0 ? this.waiters.length : wanted();
        const ready = await this.prepare(Math.min(netnsPrepareBatchMax, n, this.freeSlots.length));
        for (const r of ready) {
          const waiter = this.waiters.shift();
          if (waiter) waiter.resolve(r);
          else if (this.closed) await this.release(r);
          else this.pool.push(r);
        }
      }
      if (this.waiters.length > 0) {
        const why = this.closed ? 'the sandbox network is shutting down' : `no free sandbox address in ${formatCidr(this.cidr)} (${this.capacity} EEs max per instance)`;
        throw new Error(why);
      }
    })()
      .catch((e: Error) => {
        failed = true;
        this.lastRefillError = e;
        for (const w of this.waiters.splice(0)) w.reject(e);
      })
      .finally(() => {
        this.refilling = undefined;
        // Callers that queued after the loop's last check. After a failure the
        // next take() retries instead, so a broken host does not spin.
        if (!failed && wanted() > 0 && this.freeSlots.length > 0) this.refill();
      });
  }

  /**
   * Prepares `n` namespaces: one `ip -batch` in the host namespace creates
   * them with their veth pairs, then one `ip -n <ns> -batch` each sets the
   * address and route inside (addresses do not survive moving a link between
   * namespaces, so this part has to run in the namespace).
   */
  private async prepare(n: number): Promise<PreparedNetns[]> {
    if (this.freeSlots.length < n) {
      throw new Error(`no free sandbox address in ${formatCidr(this.cidr)} (${this.capacity} EEs max per instance)`);
    }
    const items = this.freeSlots.splice(0, n).map((slot) => ({
      slot,
      ip: hostAddress(this.cidr, slot),
      name: netnsName(this.tag, slot),
      path: `${netnsDir}/${netnsName(this.tag, slot)}`,
      hostVeth: vethName(this.tag, slot),
    }));
    const m = this.mtuBytes;
    try {
      // 1. Namespace, veth pair with the inner end already inside, outer end on the bridge.
      await run('ip', ['-batch', '-'], {
        input: items
          .flatMap((i) => [
            `netns add ${i.name}`,
            `link add ${i.hostVeth} mtu ${m} type veth peer name eth0 mtu ${m} netns ${i.name}`,
            `link set ${i.hostVeth} master ${this.bridge}`,
            `link set dev ${i.hostVeth} type bridge_slave isolated on`,
            `link set ${i.hostVeth} addrgenmode none`,
            `link set ${i.hostVeth} up`,
          ])
          .concat('')
          .join('\n'),
      });
      // 2. Inside each namespace: loopback, address, default route via the gateway.
      await Promise.all(
        items.map((i) =>
          run('ip', ['-n', i.name, '-batch', '-'], {
            input: [
              'link set lo up',
              'link set eth0 addrgenmode none',
              `addr add ${i.ip}/${this.cidr.prefixBits} dev eth0`,
              'link set eth0 up',
              `route add default via ${this.gateway}`,
              '',
            ].join('\n'),
          }),
        ),
      );
      // 3. Kumo's AWS API from inside (when set: the server sets it before any EE starts).
      const api = this.apiPath;
      if (api) await Promise.all(items.map((i) => this.installApiPath(i, api)));
    } catch (e) {
      await Promise.all(items.map((i) => this.release(i)));
      throw e;
    }
    return items;
  }

  /** Removes the prepared namespaces, the bridge and the rules. Live EEs must have been released. */
  async tearDown(): Promise<void> {
    this.closed = true;
    await this.refilling;
    await Promise.all(this.pool.splice(0).map((p) => this.release(p)));
    await SandboxNetwork.cleanup(this.tag);
  }
}

function apiPathKey(p: ApiPath): string {
  return `${p.port}/${p.redirected.join(',')}`;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Deletes the rules tagged `kumo:<tag>` and the chains KUMO-<tag>-*, in every
 * table, using one iptables-save and one iptables-restore.
 */
async function removeIptablesRules(tag: string): Promise<void> {
  const saved = await run('iptables-save', [], { allowFailure: true });
  if (saved.code !== 0) return; // no iptables at all: nothing of ours can be there
  const commentRe = new RegExp(`--comment "?${commentOf(tag)}"?(\\s|$)`);
  const ourChain = `KUMO-${tag}-`;
  const script: string[] = [];
  let table = '';
  let body: string[] = [];
  let chains: string[] = [];
  const flushTable = (): void => {
    if (table && (body.length || chains.length)) {
      // Every chain is flushed before any is deleted: a chain still jumped to cannot be deleted.
      script.push(`*${table}`, ...body, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
    }
    body = [];
    chains = [];
  };
  for (const line of saved.stdout.split('\n')) {
    if (line.startsWith('*')) {
      flushTable();
      table = line.slice(1).trim();
    } else if (line.startsWith(`:${ourChain}`)) {
      chains.push(line.slice(1).split(' ')[0]);
    } else if (line.startsWith('-A ') && commentRe.test(line) && !line.startsWith(`-A ${ourChain}`)) {
      body.push('-D ' + line.slice(3));
    }
  }
  flushTable();
  if (script.length) await run('iptables-restore', ['-w', '5', '--noflush'], { input: script.join('\n') + '\n' });
}
