import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { UsageError, type Parsed } from './args';
import { CliError } from './client';

/** blueprints/ at the top of the installation (dist/src/cli → ../../..). */
export const blueprintsDir = path.resolve(__dirname, '..', '..', '..', 'blueprints');

export interface Blueprint {
  name: string;
  description: string;
  runtime: string;
  dir: string;
}

export function listBlueprints(): Blueprint[] {
  if (!fs.existsSync(blueprintsDir)) return [];
  const out: Blueprint[] = [];
  for (const name of fs.readdirSync(blueprintsDir).sort()) {
    const dir = path.join(blueprintsDir, name);
    const meta = path.join(dir, 'blueprint.json');
    if (!fs.existsSync(meta)) continue;
    const m = JSON.parse(fs.readFileSync(meta, 'utf8')) as { description: string; runtime: string };
    out.push({ name, description: m.description, runtime: m.runtime, dir });
  }
  return out;
}

function copyTree(from: string, to: string): string[] {
  const made: string[] = [];
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.name === 'blueprint.json' || e.name === '__pycache__' || e.name === '.kumo-stack.json') continue;
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) made.push(...copyTree(a, b).map((x) => path.join(e.name, x)));
    else if (e.isFile()) {
      fs.copyFileSync(a, b);
      fs.chmodSync(b, fs.statSync(a).mode & 0o777);
      made.push(e.name);
    }
  }
  return made;
}

export async function initCommand({ positional, flags }: Parsed): Promise<number> {
  const all = listBlueprints();
  if (flags.list) {
    const w = Math.max(...all.map((b) => b.name.length));
    process.stdout.write('Blueprints (kumo init --blueprint NAME [DIR]):\n');
    for (const b of all) process.stdout.write(`  ${b.name.padEnd(w)}  ${b.runtime.padEnd(15)} ${b.description}\n`);
    return 0;
  }
  if (positional.length > 1) throw new UsageError(`unexpected argument '${positional[1]}'`);
  let name = typeof flags.blueprint === 'string' ? flags.blueprint : undefined;
  if (!name) {
    if (!process.stdin.isTTY) throw new UsageError(`choose a blueprint with --blueprint NAME (one of: ${all.map((b) => b.name).join(', ')})`);
    process.stdout.write('Which blueprint?\n');
    all.forEach((b, i) => process.stdout.write(`  ${i + 1}) ${b.name.padEnd(20)} ${b.description}\n`));
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    try {
      const dflt = String(Math.max(1, all.findIndex((b) => b.name === 'hello-nodejs') + 1));
      const ans = (await rl.question(`Number or name [${dflt}]: `)).trim() || dflt;
      const byNum = /^\d+$/.test(ans) ? all[Number(ans) - 1] : undefined;
      name = byNum?.name ?? ans;
    } finally {
      rl.close();
    }
  }
  const bp = all.find((b) => b.name === name);
  if (!bp) throw new CliError(`no blueprint '${name}' (kumo init --list names them: ${all.map((b) => b.name).join(', ')})`, 2);
  const target = path.resolve(positional[0] ?? bp.name);
  if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new CliError(`${path.relative(process.cwd(), target) || target} exists and is not empty; choose another directory`, 2);
  }
  const files = copyTree(bp.dir, target);
  const rel = path.relative(process.cwd(), target) || '.';
  const test = bp.runtime.startsWith('python') ? 'python3 -m unittest' : 'node --test';
  const next: [string, string][] = [
    [`cd ${rel}`, ''],
    [test, 'the local test'],
    ['kumo deploy', 'deploy template.yaml'],
    [`kumo invoke ${readFirstFunctionId(target) ?? '<Function>'} --event events/event.json`, 'result, then the log tail'],
    ['kumo dev', 'redeploy on every change'],
  ];
  const w = Math.max(...next.map(([c]) => c.length));
  process.stdout.write(
    `Created ${rel} from ${bp.name} (${files.length} files):\n${files.sort().map((f) => `  ${f}`).join('\n')}\n\n` +
      `Next:\n${next.map(([c, why]) => `  ${why ? c.padEnd(w) + '  # ' + why : c}`).join('\n')}\n`,
  );
  return 0;
}

function readFirstFunctionId(dir: string): string | undefined {
  try {
    const t = fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8');
    const m = /^ {2}([A-Za-z0-9]+):\n {4}Type: AWS::Serverless::Function/m.exec(t);
    return m?.[1];
  } catch {
    return undefined;
  }
}
