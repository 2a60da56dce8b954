import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAddLayerVersionPermission, decodeAlias, decodeCreateFunction, decodePublishLayerVersion, decodePublishVersion,
  decodeTagResource, decodeUpdateFunctionCode, decodeUpdateFunctionConfiguration,
} from './decode';
import type { ApiError } from './errors';

const serialization = (member: string) => (e: ApiError) =>
  e.errorName === 'SerializationException' && e.message === `Unexpected value type in payload for member '${member}'`;

test('a member of the wrong JSON type is SerializationException naming AWS\'s member path', () => {
  assert.throws(() => decodeCreateFunction({ MemorySize: '128' }), serialization('memorySize'));
  assert.throws(() => decodeCreateFunction({ MemorySize: 128.5 }), serialization('memorySize'));
  assert.throws(() => decodeCreateFunction({ Runtime: 3 }), serialization('runtime'));
  assert.throws(() => decodeCreateFunction({ EphemeralStorage: { Size: '512' } }), serialization('ephemeralStorage.size'));
  assert.throws(() => decodeCreateFunction({ Environment: { Variables: { A: 1 } } }), serialization('environment.variables.A'));
  assert.throws(() => decodeCreateFunction({ Environment: { Variables: [] } }), serialization('environment.variables'));
  assert.throws(() => decodeCreateFunction({ Tags: { k: false } }), serialization('tags.k'));
  assert.throws(() => decodeCreateFunction({ Layers: ['a', 1] }), serialization('layers'));
  assert.throws(() => decodeCreateFunction({ LoggingConfig: { LogFormat: 1 } }), serialization('loggingConfig.logFormat'));
  assert.throws(() => decodeCreateFunction({ KMSKeyArn: {} }), serialization('kMSKeyArn'));
  assert.throws(() => decodeCreateFunction({ Publish: 'yes' }), serialization('publish'));
  assert.throws(() => decodeUpdateFunctionConfiguration({ RevisionId: 1 }), serialization('revisionId'));
  assert.throws(() => decodeUpdateFunctionCode({ DryRun: 'true' }), serialization('dryRun'));
  assert.throws(() => decodeUpdateFunctionCode({ Architectures: 'x86_64' }), serialization('architectures'));
});

test('values pass through typed; constraints are left to the domain', () => {
  const zip = Buffer.from('PK\x03\x04 not really a zip');
  const i = decodeCreateFunction({
    FunctionName: 'f', Runtime: 'nodejs99.x', MemorySize: 1, Code: { ZipFile: zip.toString('base64') },
    Architectures: ['sparc'], Environment: {}, VpcConfig: { SubnetIds: ['s'] },
  });
  assert.equal(i.FunctionName, 'f');
  assert.equal(i.Runtime, 'nodejs99.x');
  assert.equal(i.MemorySize, 1);
  assert.deepEqual(i.Code?.ZipFile, zip);
  assert.deepEqual(i.Architectures, ['sparc']);
  assert.deepEqual(i.Environment, { Variables: undefined });
  assert.deepEqual(i.VpcConfig, { SubnetIds: ['s'] }, 'refused settings reach the domain as sent, so it can name them');
  // AWS answers these as missing members or "no source", which is the domain's to say.
  assert.equal(decodeCreateFunction({ FunctionName: 7 }).FunctionName, undefined);
  assert.equal(decodeCreateFunction({ Code: 'zip' }).Code, undefined);
  assert.equal(decodeCreateFunction({ Code: { ZipFile: '' } }).Code?.ZipFile, undefined);
  assert.equal(decodeUpdateFunctionCode({ ZipFile: 5 }).ZipFile, undefined);
});

test('versions, aliases, layers and tags: the same rule, AWS\'s member paths', () => {
  assert.throws(() => decodePublishVersion({ CodeSha256: 1 }), serialization('codeSha256'));
  assert.throws(() => decodeAlias({ FunctionVersion: 1 }), serialization('functionVersion'));
  assert.throws(() => decodeAlias({ RoutingConfig: 'x' }), serialization('routingConfig'));
  assert.throws(() => decodeAlias({ RoutingConfig: { AdditionalVersionWeights: [] } }), serialization('routingConfig.additionalVersionWeights'));
  assert.throws(() => decodeAlias({ RoutingConfig: { AdditionalVersionWeights: { 2: '0.5' } } }), serialization('routingConfig.additionalVersionWeights'));
  assert.throws(() => decodePublishLayerVersion({ CompatibleRuntimes: 'nodejs20.x' }), serialization('compatibleRuntimes'));
  assert.throws(() => decodePublishLayerVersion({ LicenseInfo: 5 }), serialization('licenseInfo'));
  assert.throws(() => decodeAddLayerVersionPermission({ Principal: 1 }), serialization('principal'));
  assert.throws(() => decodeTagResource({ Tags: { a: 1 } }), serialization('tags.a'));
  assert.deepEqual(decodeAlias({ RoutingConfig: {} }).RoutingConfig, { AdditionalVersionWeights: undefined });
  assert.deepEqual(decodeAlias({ RoutingConfig: { AdditionalVersionWeights: { 2: 0.5 } } }).RoutingConfig, { AdditionalVersionWeights: { 2: 0.5 } });
  const l = decodePublishLayerVersion({ Content: { ZipFile: Buffer.from('z').toString('base64'), S3Bucket: 'b' } });
  assert.deepEqual(l.Content?.ZipFile, Buffer.from('z'));
  assert.equal(l.Content?.S3Bucket, 'b');
  assert.equal(decodePublishLayerVersion({ Content: 3 }).Content, undefined);
});
