/**
 * Cold starts: the first invoke of a freshly deployed (never invoked) Kumo
 * function, end to end from the client (signing included), with Init
 * Duration read from the REPORT line of `LogType: Tail`; interleaved, run by
 * run, with the process-start floors so all see the same machine load.
 */
import http from 'node:http';
import { invoke } from '../lib/load';
import { median } from '../lib/stats';
import { measuredEnv } from '../lib/procs';
import type { ColdResult } from '../lib/results';
import { RuncFloor, timeProcess } from '../targets/cold-floors';
import type { Kumo } from '../targets/kumo';

export interface ColdSubject {
  subject: string;
  label: string;
  kind: 'floor' | 'kumo';
  /** One cold start; returns ms (and, for Kumo, the REPORT fields). */
  once(i: number): Promise<{ ms: number; report?: Record<string, number> }>;
}

const msFields = (line: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/([A-Za-z][A-Za-z ]*?): ([\d.]+) ms/g)) out[m[1]!.trim()] = Number(m[2]);
  return out;
};

/**
 * From a base64 log tail: the numeric `Name: N ms` fields of the REPORT line,
 * plus init phases if Kumo reports them, either as extra `X Duration: N ms`
 * fields of REPORT or as `Name: N ms` fields of a line starting with
 * `INIT_PHASES` (phase keys are prefixed `phase:`).
 */
export function reportFields(logResultB64: string | undefined): Record<string, number> | undefined {
  if (!logResultB64) return undefined;
  const lines = Buffer.from(logResultB64, 'base64').toString('utf8').split('\n');
  const report = lines.find((l) => l.startsWith('REPORT '));
  if (!report) return undefined;
  const out = msFields(report);
  for (const [k, v] of Object.entries(out)) {
    if (/Duration$/.test(k) && !['Duration', 'Billed Duration', 'Init Duration'].includes(k)) out[`phase:${k}`] = v;
  }
  const phases = lines.find((l) => l.startsWith('INIT_PHASES'));
  if (phases) for (const [k, v] of Object.entries(msFields(phases.slice('INIT_PHASES'.length)))) out[`phase:${k}`] = v;
  return out;
}

export function floorSubjects(runc: RuncFloor | undefined, runcProblem: (e: Error) => void): ColdSubject[] {
  const env = measuredEnv();
  const subjects: ColdSubject[] = [
    { subject: 'node-e-0', label: 'node -e 0', kind: 'floor', once: async () => ({ ms: await timeProcess('/usr/bin/node', ['-e', '0'], env) }) },
    { subject: 'python3-c-0', label: 'python3 -c 0', kind: 'floor', once: async () => ({ ms: await timeProcess('/usr/bin/python3', ['-c', '0'], env) }) },
  ];
  if (runc) {
    try {
      const nodeBundle = runc.bundle('node', ['/usr/bin/node', '-e', '0']);
      const pyBundle = runc.bundle('python', ['/usr/bin/python3', '-c', '0']);
      subjects.push(
        { subject: 'runc-node-e-0', label: 'runc run node -e 0', kind: 'floor', once: async () => ({ ms: await runc.run(nodeBundle) }) },
        { subject: 'runc-python3-c-0', label: 'runc run python3 -c 0', kind: 'floor', once: async () => ({ ms: await runc.run(pyBundle) }) },
      );
    } catch (e) {
      runcProblem(e as Error);
    }
  }
  return subjects;
}

/** Column key of each runtime's cold start. */
const coldSubjectKeys = { 'nodejs20.x': 'kumo-node', 'python3.11': 'kumo-python', java17: 'kumo-java', 'ruby3.2': 'kumo-ruby' } as const;

export function kumoColdSubject(kumo: Kumo, runtime: keyof typeof coldSubjectKeys, names: string[], agent: http.Agent): ColdSubject {
  return {
    subject: coldSubjectKeys[runtime],
    label: `Kumo ${runtime} first invoke`,
    kind: 'kumo',
    once: async (i) => {
      const o = await invoke(kumo.endpoint(names[i]!), agent, { headers: { 'x-amz-log-type': 'Tail' }, timeoutMs: 60_000 });
      if (!o.ok) throw new Error(o.error ?? 'failed');
      return { ms: o.ms, report: reportFields(o.headers?.['x-amz-log-result'] as string | undefined) };
    },
  };
}

/**
 * `runs` measured rounds after `warmupRuns` unmeasured ones (first-use costs
 * such as page-cache misses hit floors and Kumo alike, and are not what a
 * cold start on a running machine pays). Subject call i uses function i.
 */
export async function runCold(subjects: ColdSubject[], runs: number, warmupRuns: number, log: (s: string) => void): Promise<ColdResult[]> {
  const acc = new Map<string, { ms: number[]; reports: Record<string, number>[]; errors: string[]; pooled: boolean[] }>(
    subjects.map((s) => [s.subject, { ms: [], reports: [], errors: [], pooled: [] }]),
  );
  for (let i = 0; i < warmupRuns + runs; i++) {
    const measured = i >= warmupRuns;
    const line: string[] = [];
    for (const s of subjects) {
      const a = acc.get(s.subject)!;
      try {
        const r = await s.once(i);
        // `*`: the cold start took a pre-initialised EE (INIT_PHASES shows Bind).
        const pooled = r.report?.['phase:Bind'] !== undefined;
        line.push(`${s.subject} ${r.ms.toFixed(1)}${pooled ? '*' : ''}`);
        if (measured) {
          a.ms.push(r.ms);
          if (r.report) a.reports.push(r.report);
          a.pooled.push(pooled);
        }
      } catch (e) {
        line.push(`${s.subject} ERR`);
        if (measured) a.errors.push((e as Error).message.slice(0, 300));
        else log(`  cold warm-up: ${s.subject}: ${(e as Error).message.slice(0, 300)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`  cold ${measured ? `run ${i - warmupRuns + 1}/${runs}` : 'warm-up (not counted)'}: ${line.join(', ')}`);
  }
  return subjects.map((s) => {
    const a = acc.get(s.subject)!;
    const res: ColdResult = {
      subject: s.subject,
      label: s.label,
      kind: s.kind,
      samplesMs: a.ms,
      medianMs: median(a.ms),
      errors: a.errors.length,
      errorSamples: [...new Set(a.errors)].slice(0, 3),
    };
    if (s.kind === 'kumo') {
      const init = a.reports.map((r) => r['Init Duration']).filter((x): x is number => x !== undefined);
      res.initMs = init;
      res.medianInitMs = init.length ? median(init) : undefined;
      const dur = a.reports.map((r) => r['Duration']).filter((x): x is number => x !== undefined);
      res.medianInvokeMs = dur.length ? median(dur) : undefined;
      res.pooled = a.pooled;
      const phaseKeys = new Set(a.reports.flatMap((r) => Object.keys(r)).filter((k) => k.startsWith('phase:')));
      if (phaseKeys.size) {
        res.phasesMs = {};
        for (const k of phaseKeys) res.phasesMs[k.slice('phase:'.length)] = median(a.reports.map((r) => r[k]).filter((x): x is number => x !== undefined));
      }
    }
    return res;
  });
}
