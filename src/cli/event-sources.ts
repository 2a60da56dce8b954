import { ListEventSourceMappingsCommand, type EventSourceMappingConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { UsageError, type Parsed } from './args';
import { feature, lambdaClient, loadCliConfig, type CliConfig } from './client';
import { Sha256 } from './kumo-route';
import { table } from './functions';

/**
 * `kumo event-sources`: the server's event source mappings (ListEventSourceMappings)
 * with, for stream mappings, the IteratorAge the pollers keep in memory —
 * how far behind the newest record the last read was — read from Kumo's own
 * signed route `GET /kumo/event-source-mappings/iterator-age` (AWS publishes
 * it as the CloudWatch metric AWS/Lambda IteratorAge instead).
 */
const listPageMax = 100;

export async function eventSourcesCommand({ positional, flags }: Parsed): Promise<number> {
  if (positional.length && !['ls', 'list'].includes(positional[0]!)) throw new UsageError(`unknown event-sources command '${positional[0]}' (ls)`);
  if (positional.length > 1) throw new UsageError(`unexpected argument '${positional[1]}'`);
  const cfg = loadCliConfig(flags);
  const client = lambdaClient(cfg);
  try {
    const mappings: EventSourceMappingConfiguration[] = [];
    let marker: string | undefined;
    do {
      const page = await feature('event source mappings', 'ListEventSourceMappings', () => client.send(new ListEventSourceMappingsCommand({ Marker: marker, MaxItems: listPageMax })));
      mappings.push(...(page.EventSourceMappings ?? []));
      marker = page.NextMarker;
    } while (marker);
    const ages = await iteratorAges(cfg, client).catch(() => new Map<string, number | null>());
    if (flags.json) {
      process.stdout.write(JSON.stringify(mappings.map((m) => ({ ...m, ...(ages.has(m.UUID!) ? { IteratorAgeMilliseconds: ages.get(m.UUID!) } : {}) })), null, 2) + '\n');
      return 0;
    }
    if (mappings.length === 0) {
      process.stdout.write('no event source mappings\n');
      return 0;
    }
    const rows = [['UUID', 'STATE', 'FUNCTION', 'SOURCE', 'BATCH', 'ITERATOR AGE', 'LAST RESULT']];
    for (const m of mappings) {
      const age = ages.get(m.UUID!);
      rows.push([
        m.UUID ?? '', m.State ?? '', (m.FunctionArn ?? '').split(':').slice(6).join(':'), (m.EventSourceArn ?? '').split(':').slice(5).join(':'),
        String(m.BatchSize ?? ''), age === undefined || age === null ? '-' : formatAge(age), m.LastProcessingResult ?? '',
      ]);
    }
    process.stdout.write(table(rows));
    return 0;
  } finally {
    client.destroy();
  }
}

export function formatAge(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** UUID → IteratorAge in ms (null: nothing read yet), from the server's signed Kumo route. */
async function iteratorAges(cfg: CliConfig, client: LambdaClient): Promise<Map<string, number | null>> {
  const url = new URL('/kumo/event-source-mappings/iterator-age', cfg.endpoint);
  const signer = new SignatureV4({ service: 'lambda', region: cfg.region, credentials: client.config.credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'GET', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query: {},
    headers: { host: url.host },
  });
  const res = await fetch(url, { headers: signed.headers as Record<string, string> });
  if (!res.ok) return new Map();
  const body = (await res.json()) as { IteratorAges?: { UUID: string; IteratorAgeMilliseconds: number | null }[] };
  return new Map((body.IteratorAges ?? []).map((a) => [a.UUID, a.IteratorAgeMilliseconds]));
}
