/**
 * Control-plane call latency, as a client sees it through the AWS SDK v3
 * (`Kumo.client`): a read (GetFunctionConfiguration), a configuration change
 * until it has applied (UpdateFunctionConfiguration, then polling until
 * LastUpdateStatus is Successful, as `function-updated-v2` waits), and a
 * function's life (CreateFunction until Active, then DeleteFunction). The
 * store is on every one of these paths, so this is where SQLite and
 * PostgreSQL modes differ most.
 */
import { DeleteFunctionCommand, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { summarize } from '../lib/stats';
import type { ControlResult, Sizes } from '../lib/results';
import { noopCode, type Kumo } from '../targets/kumo';

/** How often a change's status is polled (the SDK waiter polls every second; finer here to measure). */
const pollMs = 5;
/** A change that has not applied by then is a failure of the run. */
const appliedWithinMs = 30_000;

export async function runControl(kumo: Kumo, fn: string, sizes: Sizes, log: (s: string) => void): Promise<ControlResult> {
  const c = kumo.client;
  const get: number[] = [];
  for (let i = 0; i < sizes.controlReads; i++) {
    const t0 = performance.now();
    await c.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    get.push(performance.now() - t0);
  }
  log(`  control: ${sizes.controlReads} GetFunctionConfiguration, p50 ${summarize(get).p50.toFixed(2)} ms`);

  const update: number[] = [];
  for (let i = 0; i < sizes.controlWrites; i++) {
    const t0 = performance.now();
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Description: `bench ${i} ${Date.now()}` }));
    for (;;) {
      const g = await c.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
      if (g.LastUpdateStatus === 'Successful') break;
      if (g.LastUpdateStatus === 'Failed' || performance.now() - t0 > appliedWithinMs) throw new Error(`update ${i} of ${fn}: ${g.LastUpdateStatus}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
    update.push(performance.now() - t0);
  }
  log(`  control: ${sizes.controlWrites} UpdateFunctionConfiguration until applied, p50 ${summarize(update).p50.toFixed(2)} ms`);

  const create: number[] = [];
  const del: number[] = [];
  for (let i = 0; i < sizes.controlCreates; i++) {
    const name = `${fn}-life-${i}`;
    const t0 = performance.now();
    await kumo.deploy(name, 'nodejs20.x', noopCode['nodejs20.x'].handler, { ...noopCode['nodejs20.x'].files });
    create.push(performance.now() - t0);
    const t1 = performance.now();
    await c.send(new DeleteFunctionCommand({ FunctionName: name }));
    del.push(performance.now() - t1);
  }
  log(`  control: ${sizes.controlCreates} CreateFunction until Active p50 ${summarize(create).p50.toFixed(1)} ms, DeleteFunction p50 ${summarize(del).p50.toFixed(1)} ms`);
  return { database: kumo.database, get: summarize(get), update: summarize(update), create: summarize(create), delete: summarize(del) };
}
