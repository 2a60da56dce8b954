import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowsPublicUrl } from './url-permission';
import type { PolicyStatement } from '../domain/records';

const fn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const url: PolicyStatement = { Sid: 'url', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunctionUrl', Resource: fn, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } } };
const via: PolicyStatement = { Sid: 'via', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: fn, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } };

test('AWS\'s public URL policy (both statements) opens a NONE URL; either alone does not', () => {
  assert.equal(allowsPublicUrl([url, via], fn), true);
  assert.equal(allowsPublicUrl([url], fn), false);
  assert.equal(allowsPublicUrl([via], fn), false);
  assert.equal(allowsPublicUrl([], fn), false);
});

test('the statements must name this resource and the anonymous principal', () => {
  assert.equal(allowsPublicUrl([url, via], `${fn}:live`), false, 'the function policy is not the alias\'s');
  const acct = (s: PolicyStatement): PolicyStatement => ({ ...s, Principal: { AWS: 'arn:aws:iam::000000000000:root' } });
  assert.equal(allowsPublicUrl([acct(url), via], fn), false);
  assert.equal(allowsPublicUrl([url, { ...via, Principal: { AWS: '*' } }], fn), true);
  assert.equal(allowsPublicUrl([url, { ...via, Principal: { Service: 's3.amazonaws.com' } }], fn), false);
});

test('wildcard actions count; a condition an anonymous caller cannot meet does not; AuthType AWS_IAM does not', () => {
  const any: PolicyStatement = { Sid: 'any', Effect: 'Allow', Principal: '*', Action: 'lambda:*', Resource: fn };
  assert.equal(allowsPublicUrl([any], fn), true);
  assert.equal(allowsPublicUrl([{ ...any, Action: '*' }], fn), true);
  assert.equal(allowsPublicUrl([{ ...any, Action: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'] }], fn), true);
  assert.equal(allowsPublicUrl([url, { ...via, Condition: { StringEquals: { 'AWS:SourceAccount': '000000000000' } } }], fn), false);
  assert.equal(allowsPublicUrl([url, { ...via, Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::b' } } }], fn), false);
  assert.equal(allowsPublicUrl([{ ...url, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }, via], fn), false);
  assert.equal(allowsPublicUrl([url, { ...via, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'false' } } }], fn), false);
});

test('an explicit Deny wins when it applies; a policy that does not parse opens nothing', () => {
  const deny: PolicyStatement = { Sid: 'no', Effect: 'Deny', Principal: '*', Action: 'lambda:InvokeFunction', Resource: fn };
  assert.equal(allowsPublicUrl([url, via, deny], fn), false);
  assert.equal(allowsPublicUrl([url, via, { ...deny, Condition: { StringEquals: { 'AWS:SourceAccount': '1' } } }], fn), true, 'a Deny on a key the caller lacks does not apply');
  assert.equal(allowsPublicUrl([url, via, { ...deny, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } }], fn), false);
  assert.equal(allowsPublicUrl([url, { ...via, Effect: 'Maybe' }], fn), false);
});
