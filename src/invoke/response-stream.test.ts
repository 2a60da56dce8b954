import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ResponseGovernor, HttpPreludeSplitter } from './response-stream';
import { streamLimits, streamLimitsFromEnv } from './limits';

const drain = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

describe('ResponseGovernor', () => {
  it('passes bytes up to the size limit, then drops the rest and reports it once', async () => {
    let over = 0;
    const g = new ResponseGovernor({ responseBytesMax: 2500, uncappedBytes: 1e9, cappedBytesPerSecond: 1e9 }, () => over++);
    const got: Buffer[] = [];
    const done = pipeline(
      Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2), Buffer.alloc(1000, 3), Buffer.alloc(1000, 4)]),
      g,
      new Writable({
        write(c: Buffer, _e, cb) {
          got.push(c);
          cb();
        },
      }),
    );
    await done;
    assert.equal(over, 1);
    assert.equal(Buffer.concat(got).length, 2500);
    assert.equal(g.bytesPassed, 2500);
    assert.deepEqual(Buffer.concat(got).subarray(2000), Buffer.alloc(500, 3));
  });

  it('lets the uncapped bytes through at once and holds the rest to the capped rate', async () => {
    const g = new ResponseGovernor({ responseBytesMax: 1e9, uncappedBytes: 4000, cappedBytesPerSecond: 10_000 }, () => assert.fail('not over'));
    const t0 = performance.now();
    await pipeline(Readable.from(Array.from({ length: 6 }, () => Buffer.alloc(1000))), g, drain());
    const ms = performance.now() - t0;
    // 2,000 capped bytes at 10,000 B/s: at least 200 ms (timers may fire a little early).
    assert.ok(ms >= 190, `took ${ms} ms`);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('does not read ahead of a consumer that does not read (backpressure)', async () => {
    let pulled = 0;
    const chunk = 64 * 1024;
    const source = new Readable({
      read() {
        pulled += chunk;
        this.push(Buffer.alloc(chunk));
      },
    });
    const g = new ResponseGovernor({ ...streamLimits }, () => undefined);
    source.pipe(g);
    await new Promise((r) => setTimeout(r, 200));
    // Only the streams' own buffers fill (16 KiB marks, a chunk or two each): nowhere near 200 MB.
    assert.ok(pulled <= 8 * chunk, `pulled ${pulled} bytes with nobody reading`);
    g.destroy();
    source.destroy();
  });
});

describe('streamLimitsFromEnv', () => {
  it("is AWS's 200 MB, uncapped for 6 MB then 2 MBps, unless KUMO_STREAM_RESPONSE_BYTES_MAX lowers the size", () => {
    assert.deepEqual(streamLimitsFromEnv({}), { responseBytesMax: 200 * 1024 * 1024, uncappedBytes: 6 * 1024 * 1024, cappedBytesPerSecond: 2 * 1024 * 1024, httpPreludeBytesMax: 64 * 1024 });
    assert.equal(streamLimitsFromEnv({ KUMO_STREAM_RESPONSE_BYTES_MAX: '1000' }).responseBytesMax, 1000);
    assert.throws(() => streamLimitsFromEnv({ KUMO_STREAM_RESPONSE_BYTES_MAX: 'lots' }), /must be a positive integer/);
    assert.throws(() => streamLimitsFromEnv({ KUMO_STREAM_RESPONSE_BYTES_MAX: '0' }), /must be a positive integer/);
  });
});

describe('HttpPreludeSplitter', () => {
  it('gives the prelude once its 8 NUL bytes are in, and the bytes after them as body', () => {
    const sp = new HttpPreludeSplitter();
    assert.equal(sp.push(Buffer.from('{"statusCode":2')), undefined);
    const out = sp.push(Buffer.concat([Buffer.from('00}'), Buffer.alloc(8), Buffer.from('body')]));
    assert.ok(out && 'prelude' in out);
    assert.deepEqual(out.prelude, { statusCode: 200 });
    assert.equal(out.body.toString(), 'body');
    assert.deepEqual(sp.push(Buffer.from('more')), { body: Buffer.from('more') });
  });

  it('hands back what arrived when the stream ends before its prelude does, and refuses an endless prelude', () => {
    const sp = new HttpPreludeSplitter();
    assert.equal(sp.push(Buffer.from('{"a":')), undefined);
    assert.equal(sp.end().toString(), '{"a":');
    const long = new HttpPreludeSplitter();
    assert.throws(() => long.push(Buffer.alloc(65 * 1024, 0x61)), /longer than/);
  });
});
