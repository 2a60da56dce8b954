import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';

/**
 * Issue 9.7: a runtime that exits while its EE is idle (AWS's Python runtime
 * interface client does so after a 413 from the Runtime API) must never be
 * handed the next request: that request gets a fresh EE and succeeds.
 *
 * The runtime here is a custom one (bash + curl): it answers one request, then
 * exits after `LINGER` seconds without polling again. A request sent while it
 * lingers used to be assigned to it and fail with Runtime.ExitError.
 */
const bootstrap = (linger: string) => `#!/bin/bash
set -euo pipefail
api="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
hdrs=$(mktemp)
body=$(curl -sS -D "$hdrs" "$api/invocation/next")
id=$(grep -i '^lambda-runtime-aws-request-id:' "$hdrs" | tr -d '\\r' | cut -d' ' -f2)
curl -sS -X POST "$api/invocation/$id/response" -d "{\\"ee\\":\\"$HOSTNAME-$$\\",\\"got\\":$body}" >/dev/null
sleep ${linger}
exit 0
`;

describe('an EE whose runtime exited is never handed another request', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
    for (const [name, linger] of [['one-shot-linger', '0.5'], ['one-shot-exit', '0']] as const) {
      await s.client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'provided.al2023',
          Handler: 'x',
          Role: role,
          Timeout: 10,
          Code: { ZipFile: await makeZip({ bootstrap: bootstrap(linger) }) },
        }),
      );
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 60 }, { FunctionName: name });
    }
  });
  after(async () => {
    await s?.stop();
  });

  for (const name of ['one-shot-linger', 'one-shot-exit']) {
    it(`${name}: back-to-back requests each succeed, each on a new EE`, async () => {
      const ees = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const r = await s.client.send(new InvokeCommand({ FunctionName: name, Payload: encode({ i }) }));
        const text = decode(r.Payload);
        assert.equal(r.FunctionError, undefined, `request ${i}: ${text}`);
        const out = JSON.parse(text) as { ee: string; got: { i: number } };
        assert.equal(out.got.i, i);
        ees.add(out.ee);
      }
      assert.equal(ees.size, 4, 'every request ran in a runtime of its own');
    });
  }
});
