import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPermission, withoutPermission, withPermission } from './permissions';
import { QueueError } from './errors';

const arn = 'arn:aws:sqs:us-east-1:000000000000:q';
const refused = (f: () => unknown, kind: string, message: string) =>
  assert.throws(f, (e: unknown) => e instanceof QueueError && e.kind === kind && e.message === message);

test('AddPermission on a queue without a policy makes AWS’s policy; each label one statement; the last removal removes the Policy', () => {
  const p1 = withPermission(undefined, arn, checkPermission({ label: 'crossaccountpermission', accounts: ['668614515564', '111111111111'], actions: ['ReceiveMessage'] }));
  // As AWS answered it (LocalStack test_sqs_permission_lifecycle, recorded against AWS).
  assert.deepEqual(JSON.parse(p1), {
    Version: '2008-10-17', Id: `${arn}/SQSDefaultPolicy`,
    Statement: [{
      Sid: 'crossaccountpermission', Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::668614515564:root', 'arn:aws:iam::111111111111:root'] },
      Action: 'SQS:ReceiveMessage', Resource: arn,
    }],
  });
  const p2 = withPermission(p1, arn, checkPermission({ label: 'two', accounts: ['111111111111'], actions: ['SendMessage', 'DeleteMessage'] }));
  assert.deepEqual(JSON.parse(p2).Statement[1], { Sid: 'two', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: ['SQS:SendMessage', 'SQS:DeleteMessage'], Resource: arn });
  refused(() => withPermission(p2, arn, checkPermission({ label: 'two', accounts: ['111111111111'], actions: ['SendMessage'] })),
    'InvalidParameter', 'Value two for parameter Label is invalid. Reason: Already exists.');
  const p3 = withoutPermission(p2, 'crossaccountpermission');
  assert.deepEqual(JSON.parse(p3).Statement.map((s: { Sid: string }) => s.Sid), ['two']);
  assert.equal(withoutPermission(p3, 'two'), '');
  refused(() => withoutPermission(p3, 'nope'), 'InvalidParameter', "Value nope for parameter Label is invalid. Reason: can't find label.");
  refused(() => withoutPermission(undefined, 'nope'), 'InvalidParameter', "Value nope for parameter Label is invalid. Reason: can't find label.");
});

test('a policy set by SetQueueAttributes keeps its Version and Id when AddPermission appends to it', () => {
  const own = JSON.stringify({ Version: '2012-10-17', Id: 'mine', Statement: [{ Sid: 'x', Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: arn }] });
  const p = JSON.parse(withPermission(own, arn, checkPermission({ label: 'y', accounts: ['111111111111'], actions: ['*'] })));
  assert.deepEqual([p.Version, p.Id, p.Statement.length, p.Statement[1].Action], ['2012-10-17', 'mine', 2, 'SQS:*']);
});

test('AddPermission’s member checks, in AWS’s words', () => {
  const ok = { label: 'l', accounts: ['111111111111'], actions: ['SendMessage'] };
  refused(() => checkPermission({ ...ok, actions: [] }), 'MissingParameter', 'The request must contain the parameter Actions.');
  refused(() => checkPermission({ ...ok, actions: undefined }), 'MissingParameter', 'The request must contain the parameter Actions.');
  refused(() => checkPermission({ ...ok, accounts: [] }), 'InvalidParameter', 'Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.');
  refused(() => checkPermission({ ...ok, actions: Array(8).fill('SendMessage') }), 'OverLimit', '8 Actions were found, maximum allowed is 7.');
  refused(() => checkPermission({ ...ok, actions: ['SetQueueAttributes'] }), 'InvalidParameter',
    'Value SQS:SetQueueAttributes for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.');
  refused(() => checkPermission({ ...ok, actions: ['SendMessageBatch'] }), 'InvalidParameter',
    'Value SQS:SendMessageBatch for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.');
  refused(() => checkPermission({ ...ok, label: 'a.b' }), 'InvalidParameter',
    'Value a.b for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.');
  assert.deepEqual(checkPermission({ ...ok, label: 'x'.repeat(80) }).label.length, 80);
});

test('the policy stays within SQS’s quotas: 20 statements, 50 principals', () => {
  let p: string | undefined;
  for (let i = 0; i < 20; i++) p = withPermission(p, arn, checkPermission({ label: `l${i}`, accounts: ['111111111111'], actions: ['SendMessage'] }));
  refused(() => withPermission(p, arn, checkPermission({ label: 'l20', accounts: ['111111111111'], actions: ['SendMessage'] })), 'OverLimit', '21 Statements were found, maximum allowed is 20.');
  const many = Array.from({ length: 51 }, (_, i) => String(100000000000 + i));
  refused(() => withPermission(undefined, arn, checkPermission({ label: 'wide', accounts: many, actions: ['SendMessage'] })), 'OverLimit',
    "The queue policy would be over SQS's quotas: the policy names 51 principals, more than the 50 allowed.");
});
