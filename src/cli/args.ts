/** Command-line parsing shared by every sub-command: declared options only, so typos are caught. */

export type OptionKind = 'string' | 'bool' | 'multi';

export interface CommandSpec {
  /** Long option name → kind. `help` is always accepted. */
  options: Record<string, OptionKind>;
  /** Short alias → long name (e.g. t → template). */
  short?: Record<string, string>;
}

export interface Parsed {
  positional: string[];
  flags: Record<string, string | true>;
  multi: Record<string, string[]>;
}

export class UsageError extends Error {}

/**
 * Parses argv against a spec. `--x value`, `--x=value`, `-t value`; `-` alone is
 * a value (stdin); `--` ends options. A `multi` option takes every following
 * word up to the next option (`--parameter-overrides A=1 B=2`) and may repeat.
 */
export function parseArgs(argv: string[], spec: CommandSpec): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  const multi: Record<string, string[]> = {};
  const options: Record<string, OptionKind> = { help: 'bool', ...spec.options };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq > 0 ? a.slice(eq + 1) : undefined;
    } else if (a.length > 1 && a.startsWith('-') && !/^-\d/.test(a)) {
      const s = a.slice(1);
      name = s === 'h' ? 'help' : spec.short?.[s];
      if (!name) throw new UsageError(`unknown option ${a}`);
    } else {
      positional.push(a);
      continue;
    }
    const kind = options[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'bool') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`--${name} takes no value`);
      if (inline !== 'false') flags[name] = true;
      continue;
    }
    if (kind === 'string') {
      let v = inline;
      if (v === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('-') && next !== '-')) throw new UsageError(`--${name} needs a value`);
        v = next;
        i++;
      }
      flags[name] = v;
      continue;
    }
    const list = (multi[name] ??= []);
    if (inline !== undefined) list.push(inline);
    else {
      let took = 0;
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
        list.push(argv[++i]!);
        took++;
      }
      if (took === 0) throw new UsageError(`--${name} needs at least one value`);
    }
  }
  return { positional, flags, multi };
}

/** Kept for callers of the old parser: every `--x` is a flag, a following non-option word its value. */
export function parseFlags(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags[a.slice(2)] = argv[++i]!;
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

/** "10m", "2h", "30s", "1d", "500ms" → milliseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+)(ms|[smhd])$/.exec(s);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
