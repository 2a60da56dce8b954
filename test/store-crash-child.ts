import { crashRecords } from './store-contract-records';
import { storeOpeners } from './store-openers';

/**
 * The writer the contract suite kills (SIGKILL) while it writes: argv is the
 * opener name, its argument and the first round number. It prints `ready`
 * once the store is open, then makes multi-step changes in a loop until it is
 * killed (bounded, so a lost parent never leaves it running):
 * createFunction with tags, and appendLogs of one batch over two streams.
 */
const roundsMax = 100_000;

async function main(): Promise<void> {
  const [opener, arg, first] = process.argv.slice(2);
  const open = storeOpeners[opener!];
  if (!open) throw new Error(`no store opener named ${opener}`);
  const store = await open(arg!);
  process.stdout.write('ready\n');
  for (let i = Number(first); i < Number(first) + roundsMax; i++) {
    await store.createFunction(crashRecords.fn(i));
    await store.appendLogs(crashRecords.batch(i));
    // Let timers run (the store may answer synchronously).
    await new Promise((r) => setImmediate(r));
  }
  process.exit(3);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
