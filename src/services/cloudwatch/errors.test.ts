import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cloudWatchErrors } from './errors';
import { gatewayErrors } from '../../gateway/errors';

const modelFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'aws-models', 'cloudwatch-2010-08-01.json');
const haveModel = fs.existsSync(modelFile);

test("the CloudWatch registry has every error the four operations' model lists, with the model's query code and status, and nothing else but gateway errors", {
  skip: haveModel ? false : `the AWS model is not beside this checkout (${modelFile})`,
}, () => {
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as {
    operations: Record<string, { errors?: { shape: string }[] }>;
    shapes: Record<string, { exception?: boolean; error?: { code?: string; httpStatusCode?: number } }>;
  };
  const listed = new Set(['GetMetricStatistics', 'GetMetricData', 'ListMetrics', 'PutMetricData'].flatMap((op) => model.operations[op]!.errors!.map((e) => e.shape)));
  assert.deepEqual([...listed].sort(), ['InternalServiceFault', 'InvalidNextToken', 'InvalidParameterCombinationException', 'InvalidParameterValueException', 'MissingRequiredParameterException']);
  for (const name of listed) {
    const spec = cloudWatchErrors[name];
    assert.ok(spec, name);
    assert.equal(spec.queryCode, model.shapes[name]!.error!.code, name);
    assert.equal(spec.status, model.shapes[name]!.error!.httpStatusCode, name);
  }
  for (const name of Object.keys(cloudWatchErrors)) {
    assert.ok(model.shapes[name]?.exception || name in gatewayErrors, `${name} is neither a CloudWatch exception nor a gateway error`);
  }
});
