import type { StackResource } from '../stack';

/**
 * `kumo deploy --runtime-fallback` / `--architecture-fallback` (issue 20,
 * item 8): code that does not care which runtime version or architecture it
 * runs on can be deployed on what the server has, visibly. The server stays
 * the judge of what it runs: a function is created as written; only when the
 * server refuses its Runtime (naming the runtimes it runs) or its
 * Architectures (naming the host's), and the flag allows it, is it created
 * on the nearest runtime of the same language, or on the host's
 * architecture, with a line saying so. The stack record keeps the choice, so
 * a redeploy of the same template plans no change.
 */
export interface FallbackChoice {
  runtime?: { from: string; to: string };
  architecture?: { from: string; to: string };
}

export interface FallbackFlags {
  runtime: boolean;
  architecture: boolean;
}

/** The server's refusal of a runtime it does not run (src/control/validate.ts `checkRuntime`): the runtime and the ones it runs. */
export function refusedRuntime(message: string): { runtime: string; supported: string[] } | undefined {
  const m = /^The runtime parameter of (\S+) is not supported by this Kumo server.*Supported runtimes: (.*)\.$/s.exec(message);
  return m ? { runtime: m[1]!, supported: m[2]!.split(',').map((x) => x.trim()).filter(Boolean) } : undefined;
}

/** The server's refusal of an architecture (`checkArchitectureRuns`): the one asked for and the host's (older servers named no runtime). */
export function refusedArchitecture(message: string): { architecture: string; host: string } | undefined {
  const m = /^Architectures (\S+) is not supported by this Kumo server(?: for \S+)?: it runs functions on its host's architecture \(([^)]+)\)/.exec(message);
  return m ? { architecture: m[1]!, host: m[2]! } : undefined;
}

/** `python3.12` → { family: 'python', version: [3, 12] }; `nodejs22.x` → nodejs [22]; `provided.al2023` → provided [2023]. */
function parseRuntime(r: string): { family: string; version: number[] } | undefined {
  const m = /^([a-z]+)(?:\.al)?([0-9][0-9.]*)?/.exec(r.replace(/\.x$/, '').replace(/\.al2(\d*)$/, '.al2$1'));
  if (!m) return undefined;
  return { family: m[1]!, version: (m[2] ?? '0').split('.').filter(Boolean).map(Number) };
}

const distance = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

/**
 * The runtime of the same language nearest to `wanted` among `supported`:
 * the closest version, the newer one on a tie (code written for 3.12 more
 * often runs on 3.13 than on 3.11… but a newer one is not always there).
 */
export function nearestRuntime(wanted: string, supported: readonly string[]): string | undefined {
  const w = parseRuntime(wanted);
  if (!w) return undefined;
  let best: { r: string; d: number[] } | undefined;
  for (const r of supported) {
    const p = parseRuntime(r);
    if (!p || p.family !== w.family) continue;
    const key = p.version.map((x, i) => Math.abs(x - (w.version[i] ?? 0)));
    if (!best || distance(key, best.d) < 0 || (distance(key, best.d) === 0 && distance(p.version, parseRuntime(best.r)!.version) > 0)) best = { r, d: key };
  }
  return best?.r;
}

/** What the record says this resource was deployed as, applied to the template's values when the flags still allow it. */
export function recordedChoice(prev: StackResource | undefined, flags: FallbackFlags, runtime: string | undefined, arch: string | undefined): FallbackChoice {
  const f = prev?.fallback;
  const out: FallbackChoice = {};
  if (flags.runtime && f?.runtime && f.runtime.from === runtime) out.runtime = f.runtime;
  if (flags.architecture && f?.architecture && f.architecture.from === arch) out.architecture = f.architecture;
  return out;
}
