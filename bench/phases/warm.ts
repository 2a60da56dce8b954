/**
 * Warm phases, interleaved: every target gets a slice of the sequential phase
 * and of the concurrent phase in each round (the start rotates), so slow
 * drifts of a shared machine's load spread over all targets instead of
 * favouring whichever ran first. Each slice is preceded by an unmeasured
 * warm-up (the first one also creates `connections` warm workers/EEs).
 */
import { concurrent, mergePhases, sequential, simultaneous, type PhaseResult } from '../lib/load';
import { percentileCurve, summarize } from '../lib/stats';
import { cpuMs } from '../lib/procs';
import type { Sizes, WarmResult } from '../lib/results';
import type { WarmTarget } from '../targets/types';

/** Longest warm-up spent waiting for a target's worker count to settle. */
const warmupSteadyMsMax = 30_000;

export async function runWarm(targets: WarmTarget[], sizes: Sizes, log: (s: string) => void, afterConcurrent?: (t: WarmTarget) => Promise<number | undefined>): Promise<WarmResult[]> {
  const seqParts = new Map<string, PhaseResult[]>(targets.map((t) => [t.key, []]));
  const concParts = new Map<string, PhaseResult[]>(targets.map((t) => [t.key, []]));
  const warmupErrors = new Map<string, number>(targets.map((t) => [t.key, 0]));
  const procs = new Map<string, number | undefined>();
  const cpu = new Map<string, { server: number; runtime: number; client: number }>(targets.map((t) => [t.key, { server: 0, runtime: 0, client: 0 }]));
  const seqSlice = Math.ceil(sizes.seqRequests / sizes.rounds);
  const concSliceMs = (sizes.concSeconds * 1000) / sizes.rounds;

  for (let round = 0; round < sizes.rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const t of order) {
      const wu = await sequential(t.endpoint, round === 0 ? 200 : 50);
      warmupErrors.set(t.key, warmupErrors.get(t.key)! + wu.errors);
      const r = await sequential(t.endpoint, seqSlice);
      seqParts.get(t.key)!.push(r);
      log(`  round ${round + 1}/${sizes.rounds} sequential ${t.key}: ${r.requests} req, p50 ${summarize(r.latencies).p50.toFixed(3)} ms${r.errors ? `, ${r.errors} ERRORS` : ''}`);
    }
    for (const t of order) {
      if (round === 0) {
        // Bring up as many workers/EEs as there are connections before measuring.
        for (let i = 0; i < 2; i++) warmupErrors.set(t.key, warmupErrors.get(t.key)! + (await simultaneous(t.endpoint, sizes.connections)).result.errors);
      }
      const wu = await concurrent(t.endpoint, sizes.connections, round === 0 ? 1000 : 500);
      warmupErrors.set(t.key, warmupErrors.get(t.key)! + wu.errors);
      if (round === 0) {
        // A platform that caps concurrent cold starts (Kumo) reaches one EE per connection only
        // under sustained load: keep warming until the process count stops growing, so the
        // measurement sees the steady state rather than cold starts.
        const deadline = Date.now() + warmupSteadyMsMax;
        let before = t.runtimeProcesses() ?? 0;
        while (Date.now() < deadline) {
          const more = await concurrent(t.endpoint, sizes.connections, 1000);
          warmupErrors.set(t.key, warmupErrors.get(t.key)! + more.errors);
          const now = t.runtimeProcesses() ?? 0;
          if (now <= before || now >= sizes.connections) break;
          before = now;
        }
      }
      const pids = t.pids();
      const sum = (xs: number[]) => xs.reduce((a, pid) => a + (cpuMs(pid) ?? 0), 0);
      const c0 = { server: sum(pids.server), runtime: sum(pids.runtime), client: process.cpuUsage() };
      const r = await concurrent(t.endpoint, sizes.connections, concSliceMs);
      const acc = cpu.get(t.key)!;
      acc.server += sum(pids.server) - c0.server;
      acc.runtime += sum(pids.runtime) - c0.runtime;
      const cu = process.cpuUsage(c0.client);
      acc.client += (cu.user + cu.system) / 1000;
      concParts.get(t.key)!.push(r);
      log(`  round ${round + 1}/${sizes.rounds} concurrent ${t.key}: ${(r.requests / (r.elapsedMs / 1000)).toFixed(0)} req/s${r.errors ? `, ${r.errors} ERRORS` : ''}`);
      if (round === sizes.rounds - 1) procs.set(t.key, afterConcurrent ? await afterConcurrent(t) : t.runtimeProcesses());
    }
  }

  return targets.map((t) => {
    const seq = mergePhases(seqParts.get(t.key)!);
    const conc = mergePhases(concParts.get(t.key)!);
    const errors = seq.errors + conc.errors;
    const res: WarmResult = {
      target: t.key,
      label: t.label,
      group: t.group,
      database: t.database,
      seq: { ...summarize(seq.latencies), requests: seq.requests, errors: seq.errors, errorSamples: seq.errorSamples },
      conc: {
        ...summarize(conc.latencies),
        requests: conc.requests,
        errors: conc.errors,
        errorSamples: conc.errorSamples,
        rps: (conc.requests - conc.errors) / (conc.elapsedMs / 1000),
        connections: sizes.connections,
        seconds: conc.elapsedMs / 1000,
        cpuMsPerRequest: {
          server: cpu.get(t.key)!.server / Math.max(1, conc.requests),
          runtime: cpu.get(t.key)!.runtime / Math.max(1, conc.requests),
          client: cpu.get(t.key)!.client / Math.max(1, conc.requests),
        },
      },
      curve: seq.latencies.length ? percentileCurve(seq.latencies) : undefined,
      warmupErrors: warmupErrors.get(t.key)!,
      runtimeProcesses: procs.get(t.key),
      valid: errors === 0,
      invalidReason: errors ? `${errors} failed request(s) in measured phases: ${[...seq.errorSamples, ...conc.errorSamples].slice(0, 2).join(' | ')}` : undefined,
    };
    return res;
  });
}
