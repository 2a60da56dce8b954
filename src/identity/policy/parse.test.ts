import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, policyMessages } from './parse';
import type { PolicyKind } from './types';
import { AWS_ACCEPTED, AWS_REFUSED } from './aws-recorded.test-data';

const msg = (doc: unknown, kind: PolicyKind = 'identity', managed = false): string | undefined => {
  const r = parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc), kind, { managed });
  return r.ok ? undefined : r.message;
};
const ok = (doc: unknown, kind: PolicyKind = 'identity') => {
  const r = parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc), kind);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.doc;
};
const V = '2012-10-17';
const allow = { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' };

test("every document AWS refused in CreatePolicy gets AWS's message (LocalStack's recordings)", () => {
  for (const [doc, message] of AWS_REFUSED) assert.equal(msg(doc, 'identity', true), message, doc);
});

test('every document AWS accepted in CreatePolicy parses', () => {
  for (const doc of AWS_ACCEPTED) assert.equal(msg(doc, 'identity', true), undefined, doc);
});

test('Version: inline and trust documents may omit it or say 2008-10-17; managed ones must say 2012-10-17', () => {
  assert.equal(msg({ Statement: allow }), undefined);
  assert.equal(msg({ Version: '2008-10-17', Statement: allow }), undefined);
  assert.equal(msg({ Version: '2008-10-17', Statement: allow }, 'identity', true), policyMessages.version);
  assert.equal(msg({ Statement: allow }, 'identity', true), policyMessages.version);
  assert.equal(msg({ Version: '2012-10-18', Statement: allow }), policyMessages.syntax);
  assert.equal(msg({ Version: 20121017, Statement: allow }), policyMessages.syntax);
});

test('normalises single values to lists and keeps Sid, Id, Condition', () => {
  const doc = ok({
    Version: V,
    Id: 'x',
    Statement: { Sid: 'S1', Effect: 'Deny', Action: 'sqs:*', NotResource: 'arn:aws:sqs:*:*:q', Condition: { Bool: { 'aws:SecureTransport': false }, NumericLessThan: { 'sqs:n': 5 } } },
  });
  assert.deepEqual(doc, {
    Version: V,
    Id: 'x',
    Statement: [
      { Sid: 'S1', Effect: 'Deny', Action: ['sqs:*'], NotResource: ['arn:aws:sqs:*:*:q'], Condition: { Bool: { 'aws:SecureTransport': ['false'] }, NumericLessThan: { 'sqs:n': ['5'] } } },
    ],
  });
});

test('JSON that does not parse: syntax errors, or (trust policies) invalid Json', () => {
  assert.equal(msg('{nope'), policyMessages.syntax);
  assert.equal(msg('{nope', 'resource'), policyMessages.syntax);
  assert.equal(msg('not valid json', 'trust'), 'This policy contains invalid Json');
  assert.equal(msg('[]'), policyMessages.syntax);
  assert.equal(msg('null'), policyMessages.syntax);
  assert.equal(msg('"x"'), policyMessages.syntax);
});

test('identity policies: no principal, resources required', () => {
  assert.equal(msg({ Version: V, Statement: { ...allow, Principal: '*' } }), 'Policy document should not specify a principal.');
  assert.equal(msg({ Version: V, Statement: { ...allow, NotPrincipal: { AWS: '123456789012' } } }), 'Policy document should not specify a principal.');
  assert.equal(msg({ Version: V, Statement: { Effect: 'Allow', Action: 's3:*' } }), 'Policy statement must contain resources.');
  assert.equal(msg({ Version: V, Statement: { Effect: 'Allow', Resource: '*' } }), 'Policy statement must contain actions.');
});

test('resource policies: Principal required, Resource optional, Sids of Lambda form accepted', () => {
  assert.equal(msg({ Version: V, Statement: { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' } }, 'resource'), 'Missing required field Principal');
  const doc = ok(
    { Version: V, Statement: { Sid: 'my-sid_1.x', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' } },
    'resource',
  );
  assert.deepEqual(doc.Statement[0].Principal, { Service: ['s3.amazonaws.com'] });
  assert.equal(msg({ Version: V, Statement: { Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage' } }, 'resource'), undefined);
});

test('trust policies: Principal required, no Resource, only sts:AssumeRole* actions', () => {
  const trust = { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' };
  assert.equal(msg({ Version: V, Statement: trust }, 'trust'), undefined);
  assert.equal(msg({ Version: V, Statement: { ...trust, Action: ['sts:AssumeRole', 'sts:TagSession'] } }, 'trust'), undefined);
  assert.equal(msg({ Version: V, Statement: { ...trust, Action: 'sts:AssumeRoleWith*' } }, 'trust'), undefined);
  assert.equal(msg({ Version: V, Statement: { ...trust, Action: 'sts:InvalidAction' } }, 'trust'), 'AssumeRole policy may only specify STS AssumeRole actions.');
  assert.equal(msg({ Version: V, Statement: { ...trust, Action: 's3:GetObject' } }, 'trust'), 'AssumeRole policy may only specify STS AssumeRole actions.');
  assert.equal(msg({ Version: V, Statement: { ...trust, Resource: 'arn:aws:s3:::example_bucket' } }, 'trust'), 'Has prohibited field Resource');
  assert.equal(msg({ Version: V, Statement: { Effect: 'Allow', Action: 'sts:AssumeRole' } }, 'trust'), 'Missing required field Principal');
  assert.equal(msg({ Version: V, Statement: { ...trust, Sid: 'not-alnum' } }, 'trust'), policyMessages.sidChars);
});

test('principals: *, {"AWS":"*"}, ARNs, account ids (stored as the root ARN), services; others refused by name', () => {
  const p = (principal: unknown) => parsePolicy(JSON.stringify({ Version: V, Statement: { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' } }), 'trust');
  const principalOf = (principal: unknown) => {
    const r = p(principal);
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.doc.Statement[0].Principal;
  };
  assert.equal(principalOf('*'), '*');
  assert.deepEqual(principalOf({ AWS: '*' }), { AWS: ['*'] });
  assert.deepEqual(principalOf({ AWS: '123456789012' }), { AWS: ['arn:aws:iam::123456789012:root'] });
  assert.deepEqual(principalOf({ AWS: ['arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:user/path/u'] }), {
    AWS: ['arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:user/path/u'],
  });
  assert.deepEqual(principalOf({ AWS: 'arn:aws:sts::123456789012:assumed-role/r/s' }), { AWS: ['arn:aws:sts::123456789012:assumed-role/r/s'] });
  assert.deepEqual(principalOf({ Federated: 'cognito-identity.amazonaws.com' }), { Federated: ['cognito-identity.amazonaws.com'] });
  const bad = (principal: unknown) => {
    const r = p(principal);
    return r.ok ? undefined : r.message;
  };
  assert.equal(bad({ AWS: 'foo' }), 'Invalid principal in policy: "AWS":"foo"');
  assert.equal(bad({ AWS: ['arn:aws:iam::123456789012:root', '12345'] }), 'Invalid principal in policy: "AWS":"12345"');
  assert.equal(bad({ AWS: 'arn:aws:s3:::bucket' }), 'Invalid principal in policy: "AWS":"arn:aws:s3:::bucket"');
  assert.equal(bad({ Service: 'not a service' }), 'Invalid principal in policy: "SERVICE":"not a service"');
  assert.equal(bad('arn:aws:iam::123456789012:root'), policyMessages.syntax);
  assert.equal(bad({ Nobody: 'x' }), policyMessages.syntax);
  assert.equal(bad({}), policyMessages.syntax);
  assert.equal(bad({ AWS: [] }), policyMessages.syntax);
});

test('statement ids: alphanumeric in IAM documents, unique, empty ones ignored', () => {
  assert.equal(msg({ Version: V, Statement: { ...allow, Sid: 'has space' } }), policyMessages.sidChars);
  assert.equal(msg({ Version: V, Statement: { ...allow, Sid: 'has-dash' } }), policyMessages.sidChars);
  assert.equal(msg({ Version: V, Statement: [{ ...allow, Sid: 'A1' }, { ...allow, Sid: 'A1' }] }), policyMessages.duplicateSid);
  assert.equal(msg({ Version: V, Statement: [{ ...allow, Sid: '' }, { ...allow, Sid: '' }] }), undefined);
});

test('condition operators: every documented one with IfExists and set qualifiers accepted, others refused', () => {
  const ops = [
    'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
    'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
    'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
    'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike',
  ];
  const withCond = (op: string, value = '2020-01-01T00:00:00Z') => msg({ Version: V, Statement: { ...allow, Condition: { [op]: { 'aws:k': value } } } });
  for (const op of ops) {
    for (const name of [op, `${op}IfExists`, `ForAllValues:${op}`, `ForAnyValue:${op}IfExists`]) assert.equal(withCond(name), undefined, name);
  }
  assert.equal(withCond('Null', 'true'), undefined);
  assert.equal(withCond('NullIfExists', 'true'), policyMessages.syntax);
  assert.equal(withCond('StringEqualz'), policyMessages.syntax);
  assert.equal(withCond('ForSomeValues:StringEquals'), policyMessages.syntax);
  assert.equal(withCond('ForAnyValue::StringEquals'), policyMessages.syntax);
  assert.equal(withCond('DateGreaterThan', 'yesterday'), policyMessages.legacy);
  assert.equal(withCond('DateGreaterThan', '${aws:CurrentTime}'), undefined);
  assert.equal(withCond('DateGreaterThan', '1700000000'), undefined);
});

test('actions and resources: AWS words for each fault', () => {
  const a = (Action: unknown) => msg({ Version: V, Statement: { Effect: 'Allow', Action, Resource: '*' } });
  assert.equal(a('lambda:Invoke*'), undefined);
  assert.equal(a('*'), undefined);
  assert.equal(a('lambda'), policyMessages.noVendor);
  assert.equal(a('lambda:a:b'), policyMessages.oneColon);
  assert.equal(a('la mbda:x'), 'Vendor la mbda is not valid');
  assert.equal(a([]), policyMessages.noActions);
  const r = (Resource: unknown) => msg({ Version: V, Statement: { Effect: 'Allow', Action: 's3:*', Resource } });
  assert.equal(r('arn:aws:lambda:us-east-1:123456789012:function:f'), undefined);
  assert.equal(r('arn:aws:iam::123456789012:role/x'), undefined);
  assert.equal(r('arn:aws:iam::123456789012:root'), undefined);
  assert.equal(r('arn:aws:iam::123456789012:thing/x'), policyMessages.iamPath);
  assert.equal(r('arn:aws:*:us-east-1:1:x'), policyMessages.resourceVendor);
  assert.equal(r('bucket'), 'Resource bucket must be in ARN format or "*".');
  assert.equal(r('arn:aws-cn:s3:::b'), undefined);
  assert.equal(r('arn:awz:s3:::b'), 'Partition "awz" is not valid for resource "arn:awz:s3:::b".');
});

test('shape: unknown keys, wrong types, both of a pair', () => {
  assert.equal(msg({ Version: V, Statement: { ...allow, Actions: 's3:*' } }), policyMessages.syntax);
  assert.equal(msg({ Version: V, Statement: { ...allow, Principal: '*', NotPrincipal: '*' } }, 'resource'), policyMessages.syntax);
  assert.equal(msg({ Version: V, Statement: { ...allow, Condition: { StringEquals: { k: [['x']] } } } }), policyMessages.syntax);
  assert.equal(msg({ Version: V, Statement: { ...allow, Condition: { StringEquals: { k: null } } } }), policyMessages.syntax);
  assert.equal(msg({ Version: V, Statement: { ...allow, Effect: 'allow' } }), policyMessages.legacy);
});
