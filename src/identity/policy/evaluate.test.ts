import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies } from './evaluate';
import { parsePolicy } from './parse';
import type { EvalInput, EvalPrincipal, Match, PolicyDocument, PolicyKind } from './types';
import type { ConditionContext } from '../types';

const V = '2012-10-17';
function doc(statements: unknown, kind: PolicyKind = 'identity', version: string | undefined = V): PolicyDocument {
  const r = parsePolicy(JSON.stringify(version === undefined ? { Statement: statements } : { Version: version, Statement: statements }), kind);
  if (!r.ok) throw new Error(r.message);
  return r.doc;
}
const ev = (docs: PolicyDocument | PolicyDocument[], action: string, resource = '*', context: ConditionContext = {}, principal?: EvalPrincipal): Match =>
  evaluatePolicies(Array.isArray(docs) ? docs : [docs], { action, resource, context, principal } as EvalInput);

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:my-function';

test('no statement applies: None (an implicit deny); an Allow allows; an explicit Deny beats any Allow', () => {
  const allowAll = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
  const denyInvoke = doc({ Effect: 'Deny', Action: 'lambda:InvokeFunction', Resource: '*' });
  assert.equal(ev([], 'lambda:InvokeFunction', FN), 'None');
  assert.equal(ev(allowAll, 'lambda:InvokeFunction', FN), 'Allow');
  assert.equal(ev([allowAll, denyInvoke], 'lambda:InvokeFunction', FN), 'Deny');
  assert.equal(ev([denyInvoke, allowAll], 'lambda:InvokeFunction', FN), 'Deny');
  assert.equal(ev([allowAll, denyInvoke], 'lambda:GetFunction', FN), 'Allow');
  assert.equal(ev(denyInvoke, 'lambda:GetFunction', FN), 'None');
});

test('actions: case-insensitive, * and ? wildcards, NotAction', () => {
  const d = doc({ Effect: 'Allow', Action: ['lambda:Get*', 'sqs:?endMessage', 'SNS:Publish'], Resource: '*' });
  const table: Array<[string, Match]> = [
    ['lambda:GetFunction', 'Allow'],
    ['LAMBDA:getfunctionconfiguration', 'Allow'],
    ['lambda:Get', 'Allow'],
    ['lambda:ListFunctions', 'None'],
    ['sqs:SendMessage', 'Allow'],
    ['sqs:SendMessageBatch', 'None'],
    ['sns:publish', 'Allow'],
    ['lambdax:GetFunction', 'None'],
  ];
  for (const [action, want] of table) assert.equal(ev(d, action), want, action);
  // AWS's NotAction example: everything except IAM.
  const notIam = doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
  assert.equal(ev(notIam, 'lambda:CreateFunction'), 'Allow');
  assert.equal(ev(notIam, 'iam:CreateUser'), 'None');
  assert.equal(ev(notIam, 'IAM:CreateUser'), 'None');
});

test('resources: case-sensitive ARN globs; * spans colons only at the end of a segment; ? one character but not a colon', () => {
  const table: Array<[pattern: string, resource: string, match: boolean]> = [
    ['*', FN, true],
    [FN, FN, true],
    [FN, FN.toUpperCase(), false],
    ['arn:aws:lambda:*:*:function:*', FN, true],
    ['arn:aws:lambda:*:*:function:*', FN + ':prod', true],
    ['arn:aws:lambda:*:*:function:my-*', FN, true],
    ['arn:aws:lambda:*:*:function:my-*', FN + ':1', true],
    ['arn:aws:lambda:*:123456789012:function:*', 'arn:aws:lambda:us-east-1:999999999999:function:f', false],
    ['arn:aws:lambda:us-east-?:*:function:my-function', FN, true],
    ['arn:aws:lambda:us-east-?:*:function:my-function', 'arn:aws:lambda:us-east-10:123456789012:function:my-function', false],
    ['arn:aws:lambda:us-*-1:*:function:my-function', FN, true],
    // A * inside a segment does not cross a colon.
    ['arn:aws:lambda:us-*1:*:function:my-function', 'arn:aws:lambda:us-east:x:1:123456789012:function:my-function', false],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b/c.txt', true],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket2/a', false],
    ['arn:aws:s3:::bucket/*.txt', 'arn:aws:s3:::bucket/dir/a.txt', true],
    ['arn:aws:iam::123456789012:user/accounting/*', 'arn:aws:iam::123456789012:user/accounting/bob', true],
    ['arn:aws:sqs:us-east-1:123456789012:queue.fifo', 'arn:aws:sqs:us-east-1:123456789012:queueXfifo', false],
    ['arn:aws:sqs:us-east-1:123456789012:q(1)', 'arn:aws:sqs:us-east-1:123456789012:q(1)', true],
  ];
  for (const [pattern, resource, match] of table) {
    assert.equal(ev(doc({ Effect: 'Allow', Action: '*', Resource: pattern }), 'lambda:InvokeFunction', resource), match ? 'Allow' : 'None', `${pattern} ~ ${resource}`);
  }
});

test('NotResource: AWS example, deny everything outside a bucket', () => {
  const d = [
    doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
    doc({ Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'] }),
  ];
  assert.equal(ev(d, 's3:GetObject', 'arn:aws:s3:::HRBucket/Payroll/jan.csv'), 'Allow');
  assert.equal(ev(d, 's3:GetObject', 'arn:aws:s3:::HRBucket/Other'), 'Deny');
});

test('policy variables: substituted in 2012-10-17 documents, escapes, defaults, missing keys match nothing', () => {
  const d = doc({ Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: 'arn:aws:iam::*:user/${aws:username}' });
  const user = (name: string) => `arn:aws:iam::123456789012:user/${name}`;
  assert.equal(ev(d, 'iam:CreateAccessKey', user('alice'), { 'aws:username': 'alice' }), 'Allow');
  assert.equal(ev(d, 'iam:CreateAccessKey', user('bob'), { 'aws:username': 'alice' }), 'None');
  assert.equal(ev(d, 'iam:CreateAccessKey', user('alice'), { 'AWS:UserName': 'alice' }), 'Allow', 'keys are case-insensitive');
  assert.equal(ev(d, 'iam:CreateAccessKey', user('alice'), {}), 'None');
  // The variable's value is literal: a * in it is no wildcard.
  assert.equal(ev(d, 'iam:CreateAccessKey', user('alice'), { 'aws:username': '*' }), 'None');
  assert.equal(ev(d, 'iam:CreateAccessKey', user('*'), { 'aws:username': '*' }), 'Allow');
  // 2008-10-17 (or no Version): literal text.
  const old = doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:iam::*:user/${aws:username}' }, 'identity', '2008-10-17');
  assert.equal(ev(old, 'iam:GetUser', user('alice'), { 'aws:username': 'alice' }), 'None');
  assert.equal(ev(old, 'iam:GetUser', user('${aws:username}'), { 'aws:username': 'alice' }), 'Allow');
  // ${*} ${?} ${$}: literal characters.
  const esc = doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/${*}${?}${$}x' });
  assert.equal(ev(esc, 's3:GetObject', 'arn:aws:s3:::b/*?$x'), 'Allow');
  assert.equal(ev(esc, 's3:GetObject', 'arn:aws:s3:::b/ab$x'), 'None');
  // Defaults, and variables with wildcards beside them.
  const dflt = doc({ Effect: 'Allow', Action: '*', Resource: "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*" });
  assert.equal(ev(dflt, 's3:GetObject', 'arn:aws:s3:::b/shared/x'), 'Allow');
  assert.equal(ev(dflt, 's3:GetObject', 'arn:aws:s3:::b/red/x', { 'aws:PrincipalTag/team': 'red' }), 'Allow');
  assert.equal(ev(dflt, 's3:GetObject', 'arn:aws:s3:::b/shared/x', { 'aws:PrincipalTag/team': 'red' }), 'None');
  // In condition values.
  const cond = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'ec2:ResourceTag/Owner': '${aws:username}' } } });
  assert.equal(ev(cond, 'ec2:StartInstances', '*', { 'aws:username': 'alice', 'ec2:ResourceTag/Owner': 'alice' }), 'Allow');
  assert.equal(ev(cond, 'ec2:StartInstances', '*', { 'aws:username': 'alice', 'ec2:ResourceTag/Owner': 'bob' }), 'None');
});

/** One operator, one key, its values; the request's value (undefined: key absent). */
type Case = [operator: string, values: string | string[], request: string | string[] | undefined, holds: boolean];

function checkConditions(cases: Case[]): void {
  for (const [op, values, request, holds] of cases) {
    const d = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { [op]: { 'test:Key': values } } });
    const context: ConditionContext = request === undefined ? {} : { 'test:key': request };
    assert.equal(ev(d, 'x:y', '*', context), holds ? 'Allow' : 'None', `${op} ${JSON.stringify(values)} vs ${JSON.stringify(request)}`);
  }
}

test('string operators (values ORed; negations are NOR; absent keys false unless negated)', () => {
  checkConditions([
    ['StringEquals', 'a', 'a', true],
    ['StringEquals', 'a', 'A', false],
    ['StringEquals', ['a', 'b'], 'b', true],
    ['StringEquals', 'a', undefined, false],
    ['StringEquals', 'a*', 'abc', false],
    ['StringNotEquals', 'a', 'b', true],
    ['StringNotEquals', ['a', 'b'], 'b', false],
    ['StringNotEquals', 'a', undefined, true],
    ['StringEqualsIgnoreCase', 'Hello', 'hELLO', true],
    ['StringEqualsIgnoreCase', 'Hello', 'hELL', false],
    ['StringNotEqualsIgnoreCase', 'Hello', 'hello', false],
    ['StringNotEqualsIgnoreCase', 'Hello', 'bye', true],
    ['StringLike', 'home/${aws:username}/*', 'home//x', false],
    ['StringLike', 'home/*', 'home/a:b/c', true],
    ['StringLike', 'a?c', 'abc', true],
    ['StringLike', 'a?c', 'ac', false],
    ['StringLike', ['x', 'y*'], 'yes', true],
    ['StringLike', 'ab', 'AB', false],
    ['StringNotLike', 'a*', 'abc', false],
    ['StringNotLike', 'a*', 'xbc', true],
    ['StringNotLike', 'a*', undefined, true],
    ['StringEqualsIfExists', 'a', undefined, true],
    ['StringEqualsIfExists', 'a', 'b', false],
    ['StringEqualsIfExists', 'a', 'a', true],
  ]);
});

test('numeric operators', () => {
  checkConditions([
    ['NumericEquals', '10', '10', true],
    ['NumericEquals', '10', '10.0', true],
    ['NumericEquals', '10', '11', false],
    ['NumericEquals', '10', 'ten', false],
    ['NumericNotEquals', '10', '11', true],
    ['NumericNotEquals', '10', '10', false],
    ['NumericLessThan', '10', '9', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericLessThanEquals', '10', '10', true],
    ['NumericLessThanEquals', '10', '11', false],
    ['NumericGreaterThan', '10', '11', true],
    ['NumericGreaterThan', '10', '10', false],
    ['NumericGreaterThanEquals', '10', '10', true],
    ['NumericGreaterThanEquals', '-1.5', '-2', false],
    ['NumericLessThan', '10', undefined, false],
    ['NumericLessThanIfExists', '10', undefined, true],
  ]);
});

test('date operators: ISO 8601 and epoch seconds, on either side', () => {
  checkConditions([
    ['DateEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', true],
    ['DateEquals', '2020-01-01T00:00:00Z', '2020-01-01T01:00:00+01:00', true],
    ['DateEquals', '2020-01-01T00:00:00Z', '1577836800', true],
    ['DateEquals', '1577836800', '2020-01-01T00:00:00.000Z', true],
    ['DateEquals', '2020-01-01', '2020-01-01T00:00:00Z', true],
    ['DateNotEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:01Z', true],
    ['DateNotEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', false],
    ['DateLessThan', '2020-01-01T00:00:00Z', '2019-12-31T23:59:59Z', true],
    ['DateLessThan', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', false],
    ['DateLessThanEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', true],
    ['DateGreaterThan', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00.001Z', true],
    ['DateGreaterThan', '2020-01-01T00:00:00Z', '2019-01-01T00:00:00Z', false],
    ['DateGreaterThanEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', true],
    ['DateGreaterThan', '2020-01-01T00:00:00Z', 'not a date', false],
    ['DateGreaterThan', '2020-01-01T00:00:00Z', undefined, false],
  ]);
});

test('Bool, BinaryEquals, Null', () => {
  checkConditions([
    ['Bool', 'true', 'true', true],
    ['Bool', 'true', 'TRUE', true],
    ['Bool', 'true', 'false', false],
    ['Bool', 'false', 'false', true],
    ['Bool', 'true', undefined, false],
    ['BoolIfExists', 'false', undefined, true],
    ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', true],
    ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'AAAA', false],
    ['Null', 'true', undefined, true],
    ['Null', 'true', 'x', false],
    ['Null', 'false', 'x', true],
    ['Null', 'false', undefined, false],
    ['Null', 'false', [], false],
  ]);
});

test('IpAddress / NotIpAddress: IPv4 and IPv6 CIDRs, bare addresses', () => {
  checkConditions([
    ['IpAddress', '203.0.113.0/24', '203.0.113.7', true],
    ['IpAddress', '203.0.113.0/24', '203.0.114.7', false],
    ['IpAddress', ['192.0.2.0/24', '203.0.113.0/24'], '192.0.2.255', true],
    ['IpAddress', '203.0.113.7', '203.0.113.7', true],
    ['IpAddress', '203.0.113.7/32', '203.0.113.8', false],
    ['IpAddress', '0.0.0.0/0', '8.8.8.8', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5678::1', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1', false],
    ['IpAddress', '2001:db8::/32', '203.0.113.7', false],
    ['IpAddress', '203.0.113.0/24', 'not-an-ip', false],
    ['IpAddress', 'garbage', '203.0.113.7', false],
    ['NotIpAddress', '203.0.113.0/24', '198.51.100.1', true],
    ['NotIpAddress', '203.0.113.0/24', '203.0.113.1', false],
    ['NotIpAddress', '203.0.113.0/24', undefined, true],
    ['IpAddress', '203.0.113.0/24', undefined, false],
  ]);
});

test('ARN operators: each of the six segments separately; the resource part whole', () => {
  checkConditions([
    ['ArnEquals', 'arn:aws:sns:us-east-1:123456789012:topic', 'arn:aws:sns:us-east-1:123456789012:topic', true],
    ['ArnEquals', 'arn:aws:sns:*:123456789012:*', 'arn:aws:sns:eu-west-1:123456789012:t', true],
    ['ArnLike', 'arn:aws:sns:*:123456789012:*', 'arn:aws:sns:eu-west-1:123456789012:t', true],
    ['ArnLike', 'arn:aws:sns:*:123456789012:*', 'arn:aws:sns:eu-west-1:999999999999:t', false],
    ['ArnLike', 'arn:aws:lambda:*:*:function:*', 'arn:aws:lambda:us-east-1:123456789012:function:f:alias', true],
    ['ArnLike', 'arn:aws:s3:::bucket*', 'arn:aws:s3:::bucket-1', true],
    ['ArnLike', 'arn:*:sns:us-east-1:123456789012:t', 'arn:aws:sns:us-east-1:123456789012:t', true],
    // A wildcard in one of the first five segments stays in it.
    ['ArnLike', 'arn:aws:sns:us-*:123456789012:t', 'arn:aws:sns:us-east-1:x:123456789012:t', false],
    ['ArnLike', 'arn:aws:sns:us-east-1:123456789012:t', 'ARN:AWS:SNS:US-EAST-1:123456789012:T', false],
    ['ArnNotEquals', 'arn:aws:sns:us-east-1:123456789012:t', 'arn:aws:sns:us-east-1:123456789012:u', true],
    ['ArnNotLike', 'arn:aws:sns:*:123456789012:*', 'arn:aws:sns:eu-west-1:123456789012:t', false],
    ['ArnNotLike', 'arn:aws:sns:*:123456789012:*', undefined, true],
    ['ArnLike', 'arn:aws:sns:*:123456789012:*', undefined, false],
  ]);
});

test('set operators: ForAllValues (true for an empty set), ForAnyValue (false for one)', () => {
  checkConditions([
    ['ForAllValues:StringEquals', ['Department', 'CostCenter'], ['Department'], true],
    ['ForAllValues:StringEquals', ['Department', 'CostCenter'], ['Department', 'Other'], false],
    ['ForAllValues:StringEquals', ['Department'], undefined, true],
    ['ForAllValues:StringEquals', ['Department'], [], true],
    ['ForAnyValue:StringEquals', ['Department', 'CostCenter'], ['Other', 'CostCenter'], true],
    ['ForAnyValue:StringEquals', ['Department'], ['Other'], false],
    ['ForAnyValue:StringEquals', ['Department'], undefined, false],
    ['ForAnyValue:StringEqualsIfExists', ['Department'], undefined, true],
    ['ForAnyValue:StringLike', ['dev-*'], ['prod-1', 'dev-2'], true],
    ['ForAllValues:StringLike', ['dev-*'], ['prod-1', 'dev-2'], false],
    ['ForAnyValue:StringNotEquals', ['a'], ['a', 'b'], true],
    ['ForAnyValue:StringNotEquals', ['a'], ['a'], false],
    ['ForAllValues:StringNotEquals', ['a'], ['b', 'c'], true],
    ['ForAllValues:StringNotEquals', ['a'], ['b', 'a'], false],
    // Without a qualifier, a multivalued key passes when any value does (negations: when none does).
    ['StringEquals', 'a', ['b', 'a'], true],
    ['StringNotEquals', 'a', ['b', 'a'], false],
    ['StringNotEquals', 'a', ['b', 'c'], true],
  ]);
});

test('several keys under one operator and several operators are ANDed', () => {
  const d = doc({
    Effect: 'Allow',
    Action: '*',
    Resource: '*',
    Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'red' }, Bool: { 'aws:SecureTransport': 'true' } },
  });
  const full = { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'red', 'aws:SecureTransport': 'true' };
  assert.equal(ev(d, 'x:y', '*', full), 'Allow');
  assert.equal(ev(d, 'x:y', '*', { ...full, 'aws:SecureTransport': 'false' }), 'None');
  assert.equal(ev(d, 'x:y', '*', { ...full, 'aws:PrincipalTag/team': 'blue' }), 'None');
  assert.equal(ev(d, 'x:y', '*', { 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': 'true' }), 'None');
  // An empty operator block holds; an unknown operator with an empty block is accepted by IAM and holds too.
  const empty = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: {}, Whatever: {} } });
  assert.equal(ev(empty, 'x:y'), 'Allow');
});

test("AWS's example: deny unless MFA (BoolIfExists), with an allow for the rest", () => {
  const d = doc([
    { Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' },
    { Sid: 'DenyAllExceptListedIfNoMFA', Effect: 'Deny', NotAction: ['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'sts:GetSessionToken'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } },
  ]);
  assert.equal(ev(d, 'lambda:InvokeFunction', FN, {}), 'Deny', 'no MFA key: IfExists holds → denied');
  assert.equal(ev(d, 'lambda:InvokeFunction', FN, { 'aws:MultiFactorAuthPresent': 'false' }), 'Deny');
  assert.equal(ev(d, 'lambda:InvokeFunction', FN, { 'aws:MultiFactorAuthPresent': 'true' }), 'Allow');
  assert.equal(ev(d, 'sts:GetSessionToken', '*', {}), 'Allow');
});

test("AWS's example: deny outside a source IP range (aws:SourceIp, NotIpAddress)", () => {
  const d = doc([
    { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
    { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } } },
  ]);
  assert.equal(ev(d, 'lambda:ListFunctions', '*', { 'aws:SourceIp': '192.0.2.10' }), 'Allow');
  assert.equal(ev(d, 'lambda:ListFunctions', '*', { 'aws:SourceIp': '198.51.100.1' }), 'Deny');
});

test('principals (resource and trust documents): *, AWS *, account root, exact ARNs, services, NotPrincipal', () => {
  const pol = (principal: unknown, kind: PolicyKind = 'resource', key = 'Principal') =>
    doc({ Effect: 'Allow', [key]: principal, Action: 'lambda:InvokeFunction', Resource: FN }, kind);
  const user: EvalPrincipal = { aws: ['arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:root', '123456789012'] };
  const other: EvalPrincipal = { aws: ['arn:aws:iam::999999999999:user/mallory', 'arn:aws:iam::999999999999:root', '999999999999'] };
  const s3: EvalPrincipal = { service: 's3.amazonaws.com' };
  const table: Array<[principal: unknown, who: EvalPrincipal, want: Match]> = [
    ['*', user, 'Allow'],
    ['*', s3, 'Allow'],
    [{ AWS: '*' }, other, 'Allow'],
    [{ AWS: '123456789012' }, user, 'Allow'],
    [{ AWS: '123456789012' }, other, 'None'],
    [{ AWS: 'arn:aws:iam::123456789012:root' }, user, 'Allow'],
    [{ AWS: 'arn:aws:iam::123456789012:user/alice' }, user, 'Allow'],
    [{ AWS: 'arn:aws:iam::123456789012:user/bob' }, user, 'None'],
    [{ Service: 's3.amazonaws.com' }, s3, 'Allow'],
    [{ Service: 's3.amazonaws.com' }, { service: 'sns.amazonaws.com' }, 'None'],
    [{ Service: 's3.amazonaws.com' }, user, 'None'],
    [{ AWS: 'arn:aws:iam::123456789012:root' }, s3, 'None'],
  ];
  for (const [principal, who, want] of table) {
    assert.equal(ev(pol(principal), 'lambda:InvokeFunction', FN, {}, who), want, `${JSON.stringify(principal)} / ${JSON.stringify(who)}`);
  }
  const notP = doc({ Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::123456789012:user/alice' }, Action: '*', Resource: '*' }, 'resource');
  assert.equal(ev(notP, 'lambda:InvokeFunction', FN, {}, user), 'None');
  assert.equal(ev(notP, 'lambda:InvokeFunction', FN, {}, other), 'Deny');
  // Without a principal in the input (identity evaluation), Principal is not considered.
  assert.equal(ev(pol({ AWS: 'arn:aws:iam::123456789012:user/bob' }), 'lambda:InvokeFunction', FN), 'Allow');
  // A trust policy: who may assume the role.
  const trust = doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }, 'trust');
  assert.equal(ev(trust, 'sts:AssumeRole', 'arn:aws:iam::123456789012:role/r', {}, { service: 'lambda.amazonaws.com' }), 'Allow');
  assert.equal(ev(trust, 'sts:AssumeRole', 'arn:aws:iam::123456789012:role/r', {}, { service: 'ec2.amazonaws.com' }), 'None');
});

test("Lambda's function policy from AddPermission (Principal service, SourceArn and SourceAccount conditions)", () => {
  const fnPolicy = doc(
    {
      Sid: 'sns-invoke',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: FN,
      Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' } },
    },
    'resource',
  );
  const sns: EvalPrincipal = { service: 'sns.amazonaws.com' };
  const ctx = { 'aws:SourceAccount': '123456789012', 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' };
  assert.equal(ev(fnPolicy, 'lambda:InvokeFunction', FN, ctx, sns), 'Allow');
  assert.equal(ev(fnPolicy, 'lambda:InvokeFunction', FN, { ...ctx, 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:other' }, sns), 'None');
  assert.equal(ev(fnPolicy, 'lambda:InvokeFunction', FN, {}, sns), 'None');
  assert.equal(ev(fnPolicy, 'lambda:InvokeFunction', FN + ':prod', ctx, sns), 'None');
});

test('performance: 100k evaluations of a 10-statement document (reported, not asserted)', () => {
  const d = doc([
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    { Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:us-east-1:123456789012:orders-*' },
    { Effect: 'Allow', Action: ['lambda:Get*', 'lambda:List*'], Resource: '*' },
    { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:app-*' },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/home/${aws:username}/*' },
    { Effect: 'Allow', Action: 'sns:Publish', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
    { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } } },
    { Effect: 'Deny', Action: 'lambda:DeleteFunction', Resource: '*' },
    { Effect: 'Allow', Action: 'events:PutEvents', Resource: 'arn:aws:events:*:*:event-bus/default' },
    { Effect: 'Deny', NotAction: ['iam:*', 'sts:*', 'lambda:*', 'logs:*', 'sqs:*', 's3:*', 'sns:*', 'events:*'], Resource: '*' },
  ]);
  const input: EvalInput = {
    action: 'lambda:InvokeFunction',
    resource: 'arn:aws:lambda:us-east-1:123456789012:function:app-orders',
    context: { 'aws:SourceIp': '10.1.2.3', 'aws:username': 'alice', 'aws:RequestedRegion': 'us-east-1' },
  };
  assert.equal(evaluatePolicies([d], input), 'Allow');
  const n = 100_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) evaluatePolicies([d], input);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`# policy evaluation: ${n} evaluations of a 10-statement document in ${ms.toFixed(1)} ms (${((ms * 1000) / n).toFixed(2)} µs each)`);
});
