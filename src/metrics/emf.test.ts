import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emfPoints } from './emf';
import { dimsKey } from './dimensions';

const line = (o: unknown) => JSON.stringify(o);
const doc = {
  _aws: { Timestamp: 1_700_000_123_456, CloudWatchMetrics: [{ Namespace: 'App', Dimensions: [['Service'], ['Service', 'Op']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }, { Name: 'Hits' }] }] },
  Service: 'cart', Op: 'add', Latency: [10, 20], Hits: 1,
};

describe('Embedded Metric Format', () => {
  it('each metric under each dimension set, at the minute of _aws.Timestamp, values from the members', () => {
    const pts = emfPoints(line(doc), 0);
    assert.deepEqual(pts.map((p) => [p.metricName, p.dims, p.count, p.sum, p.unit, p.tsMs]), [
      ['Latency', dimsKey([['Service', 'cart']]), 2, 30, 'Milliseconds', 1_700_000_100_000],
      ['Latency', dimsKey([['Service', 'cart'], ['Op', 'add']]), 2, 30, 'Milliseconds', 1_700_000_100_000],
      ['Hits', dimsKey([['Service', 'cart']]), 1, 1, 'None', 1_700_000_100_000],
      ['Hits', dimsKey([['Service', 'cart'], ['Op', 'add']]), 1, 1, 'None', 1_700_000_100_000],
    ]);
  });

  it('lines that are not EMF, or break the specification, give nothing', () => {
    assert.deepEqual(emfPoints('INFO {"_aws": 1}', 0), [], 'not starting with {');
    assert.deepEqual(emfPoints('{"plain": "json"}', 0), []);
    assert.deepEqual(emfPoints('{"_aws": not json', 0), []);
    assert.deepEqual(emfPoints(line({ ...doc, Latency: 'slow' }), 0), [], 'a non-numeric value');
    assert.deepEqual(emfPoints(line({ ...doc, Service: 3 }), 0), [], 'a non-string dimension value');
    assert.deepEqual(emfPoints(line({ ...doc, _aws: { ...doc._aws, CloudWatchMetrics: [{ ...doc._aws.CloudWatchMetrics[0], Namespace: 'AWS/Lambda' }] } }), 0), [], 'AWS/ namespaces');
    assert.deepEqual(emfPoints(line({ ...doc, _aws: { ...doc._aws, CloudWatchMetrics: [{ ...doc._aws.CloudWatchMetrics[0], Metrics: [{ Name: 'Latency', Unit: 'Parsecs' }] }] } }), 0), [], 'an unknown unit');
  });
});
