import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatTraceHeader, frontDoorTraceHeader, newTraceHeader, otelTraceId, parseTraceHeader, sampledFor, xrayRoot } from './trace-header';
import { untracedHeader } from './tracer';

describe('trace header', () => {
  it('parses AWS\'s example header and formats it back', () => {
    const h = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const t = parseTraceHeader(h)!;
    assert.deepEqual(t, { root: '1-5759e988-bd862e3fe1be46a994272793', parent: '53995c3f42cd8ad8', sampled: true, lineage: undefined });
    assert.equal(formatTraceHeader(t), h);
    assert.equal(formatTraceHeader({ ...t, lineage: 'a87bd80c:0' }), `${h};Lineage=a87bd80c:0`);
    assert.equal(parseTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793')!.sampled, undefined, 'no decision');
  });

  it('a header without a valid Root is no header', () => {
    for (const h of [undefined, '', 'Parent=53995c3f42cd8ad8;Sampled=1', 'Root=1-abc;Sampled=1', 'Root=2-5759e988-bd862e3fe1be46a994272793']) {
      assert.equal(parseTraceHeader(h), undefined, String(h));
    }
  });

  it('maps an X-Ray root to the 32-hex OTel trace id and back', () => {
    assert.equal(otelTraceId('1-5759e988-bd862e3fe1be46a994272793'), '5759e988bd862e3fe1be46a994272793');
    assert.equal(xrayRoot('5759e988bd862e3fe1be46a994272793'), '1-5759e988-bd862e3fe1be46a994272793');
  });

  it('a new header has the epoch second, 24 + 16 hex and the decision', () => {
    const h = newTraceHeader(false);
    const m = /^Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/.exec(h);
    assert.ok(m, h);
    assert.ok(Math.abs(parseInt(m[1]!, 16) - Date.now() / 1000) < 5);
  });

  it('sampling: Active always, PassThrough only when the caller sampled', () => {
    assert.equal(sampledFor('Active', undefined), true);
    assert.equal(sampledFor('Active', false), true);
    assert.equal(sampledFor('PassThrough', true), true);
    assert.equal(sampledFor('PassThrough', false), false);
    assert.equal(sampledFor('PassThrough', undefined), false);
  });

  it('an untraced Active invocation still gets Sampled=1, the caller\'s Root and a Parent of Lambda\'s', () => {
    const h = untracedHeader('Active', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0', () => 'unused');
    assert.match(h, /^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=(?!53995c3f42cd8ad8)[0-9a-f]{16};Sampled=1$/);
    assert.equal(untracedHeader('PassThrough', 'Root=x', () => 'new'), 'Root=x', 'PassThrough: as it came');
    assert.equal(untracedHeader('PassThrough', undefined, () => 'new'), 'new');
  });

  it('a front door keeps a client\'s valid header and otherwise adds a Root', () => {
    const h = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
    assert.equal(frontDoorTraceHeader(h, Date.now()), h);
    assert.match(frontDoorTraceHeader('garbage', Date.now()), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.match(frontDoorTraceHeader(undefined, Date.now()), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });
});
