import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  CreateFunctionCommand, InvokeCommand, UpdateFunctionConfigurationCommand, type LambdaClient,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { decode, encode, makeZip, role, startServer, type RunningServer } from './harness';

/**
 * Issue 9, item 4: /tmp is disk, as in Lambda ("/tmp ... 512 MB to 10,240 MB"),
 * not memory. A 128 MB function fills a 512 MB /tmp, gets ENOSPC past it and
 * is not OOM-killed; the next EE starts with an empty /tmp; a stopped server
 * leaves no loop device, mount or image behind.
 */

const mb = 1024 * 1024;
const ephemeralMb = 512;

// Unbuffered 1 MB writes, so the byte count is exact and ENOSPC surfaces at the write that hits it.
const handler = `
import errno, os
CHUNK = b'k' * ${mb}

def handler(event, context):
    files = sorted(os.listdir('/tmp'))
    with open('/proc/self/mountinfo') as f:
        mount = next((l.strip() for l in f if l.split()[4] == '/tmp'), '')
    if event.get('mode') == 'list':
        return {'files': files, 'mount': mount}
    limit = event.get('mb')
    written, err = 0, None
    fd = os.open('/tmp/' + event['name'], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while limit is None or written < limit * ${mb}:
            try:
                written += os.write(fd, CHUNK)
            except OSError as e:
                err = errno.errorcode.get(e.errno, str(e.errno))
                break
    finally:
        os.close(fd)
    return {'written': written, 'errno': err, 'files': files, 'mount': mount}
`;

function leftScratch(dataDir: string): string[] {
  const real = fs.realpathSync(dataDir);
  const found = execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(real));
  for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (l.includes(real)) found.push(`mount: ${l}`);
  const dir = `${real}/sandbox/scratch`;
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) found.push(`file: ${f}`);
  return found;
}

const skip = process.getuid?.() !== 0 ? 'needs root (the server runs runc)' : !fs.existsSync('/dev/loop-control') ? 'no loop devices: /tmp is a tmpfs here' : undefined;

describe('/tmp is disk of EphemeralStorage, not memory (AWS SDK v3 against the real server)', { skip }, () => {
  let s: RunningServer;
  let c: LambdaClient;
  const invoke = async (payload: unknown, extra: Record<string, unknown> = {}) => {
    const r = await c.send(new InvokeCommand({ FunctionName: 'tmp-fill', Payload: encode(payload), ...extra }));
    const body = JSON.parse(decode(r.Payload)) as Record<string, unknown>;
    assert.equal(r.FunctionError, undefined, JSON.stringify(body));
    return { r, body };
  };

  before(async () => {
    s = await startServer();
    c = s.client;
    await c.send(new CreateFunctionCommand({
      FunctionName: 'tmp-fill', Runtime: 'python3.11', Role: role, Handler: 'index.handler',
      Code: { ZipFile: await makeZip({ 'index.py': handler }) },
      MemorySize: 128, EphemeralStorage: { Size: ephemeralMb }, Timeout: 120,
    }));
    await waitUntilFunctionActiveV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'tmp-fill' });
  });
  after(async () => {
    await s?.stop();
  });

  it('a 128 MB function writes 500 MB to /tmp, then gets ENOSPC just past 512 MB, and is not OOM-killed', async () => {
    const first = await invoke({ name: 'a', mb: 500 }, { LogType: 'Tail' });
    assert.equal(first.body.written, 500 * mb);
    assert.equal(first.body.errno, null);
    assert.match(String(first.body.mount), / \/tmp rw,nosuid,nodev,.* - ext4 \/dev\/loop\d+ /);
    // The disk came from the pool prepared ahead: its cost is reported as a phase of the cold start.
    const log = Buffer.from(first.r.LogResult!, 'base64').toString('utf8');
    assert.match(log, /INIT_PHASES Network: [\d.]+ ms\tScratch: [\d.]+ ms\tSandbox: /);
    // Same EE (warm): fill it up.
    const rest = await invoke({ name: 'b' });
    assert.equal(rest.body.errno, 'ENOSPC');
    assert.deepEqual(rest.body.files, ['a']);
    const total = 500 * mb + Number(rest.body.written);
    assert.ok(total >= ephemeralMb * mb && total < (ephemeralMb + 1) * mb, `wrote ${total} bytes before ENOSPC`);
    // Still the same, living EE: its files are there.
    assert.deepEqual((await invoke({ mode: 'list' })).body.files, ['a', 'b']);
  });

  it('the next EE starts with an empty /tmp', async () => {
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'tmp-fill', Environment: { Variables: { NEXT: '1' } } }));
    await waitUntilFunctionUpdatedV2({ client: c, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'tmp-fill' });
    const { r, body } = await invoke({ mode: 'list' }, { LogType: 'Tail' });
    assert.match(Buffer.from(r.LogResult!, 'base64').toString('utf8'), /INIT_START/, 'expected a cold start');
    assert.deepEqual(body.files, []);
  });

  it('after the server stops, no loop device, mount or image of its data dir remains', async () => {
    assert.ok(leftScratch(s.dataDir).length > 0, 'while running, the pool holds mounted disks');
    assert.equal(await s.stop(), 0);
    assert.deepEqual(leftScratch(s.dataDir), []);
  });
});
