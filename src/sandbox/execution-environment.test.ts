import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecutionEnvironment, IllegalTransition, type Invocation, type InvocationOutcome } from './execution-environment';

const noLog = { platform: () => undefined, output: () => undefined };

function inv(id: string, outcomes: InvocationOutcome[]): Invocation {
  return { requestId: id, payload: Buffer.from('{}'), deadlineMs: 0, invokedFunctionArn: 'arn', traceId: 't', settle: (o) => outcomes.push(o) };
}

test('starting → idle on the first /next, then idle ⇄ invoking; the parked poll gets the work', async () => {
  const ee = new ExecutionEnvironment('e1', 'stream', performance.now(), noLog);
  const ready = ee.whenReady();
  const delivered: string[] = [];
  ee.onNext({ deliver: (i) => void delivered.push(i.requestId) });
  await ready;
  assert.equal(ee.state, 'idle');
  assert.ok(ee.initDurationMs! >= 0);
  const outcomes: InvocationOutcome[] = [];
  ee.assign(inv('r1', outcomes));
  assert.equal(ee.state, 'invoking');
  assert.deepEqual(delivered, ['r1']);
  assert.equal(ee.complete('other', { kind: 'response', body: Buffer.from('x') }), false, 'another request id completed the invocation');
  assert.equal(ee.complete('r1', { kind: 'response', body: Buffer.from('1') }), true);
  assert.equal(ee.state, 'idle');
  assert.equal(outcomes.length, 1);
  // Work assigned before the runtime polls again waits for the poll.
  ee.assign(inv('r2', outcomes));
  assert.deepEqual(delivered, ['r1']);
  ee.onNext({ deliver: (i) => void delivered.push(i.requestId) });
  assert.deepEqual(delivered, ['r1', 'r2']);
});

test('illegal transitions throw naming both states', () => {
  const ee = new ExecutionEnvironment('e2', 'stream', performance.now(), noLog);
  assert.throws(() => ee.assign(inv('r', [])), (e: Error) => e instanceof IllegalTransition && /starting -> invoking/.test(e.message));
  ee.markStopped();
  assert.equal(ee.state, 'stopped');
  assert.throws(() => ee.assign(inv('r', [])), /stopped -> invoking/);
  // A poll from a runtime that is being torn down is ignored, not served.
  let served = false;
  ee.onNext({ deliver: () => (served = true) });
  assert.equal(ee.state, 'stopped');
  assert.equal(served, false);
});

test('a failure settles the current invocation once and rejects waiters; a failed EE is never ready again', async () => {
  const ee = new ExecutionEnvironment('e3', 'stream', performance.now(), noLog);
  const ready = ee.whenReady();
  ee.fail('Runtime.ExitError', 'exit status 1');
  await assert.rejects(ready, /exit status 1/);
  await assert.rejects(ee.whenReady(), /exit status 1/);
  const ee2 = new ExecutionEnvironment('e4', 'stream', performance.now(), noLog);
  ee2.onNext({ deliver: () => undefined });
  const outcomes: InvocationOutcome[] = [];
  ee2.assign(inv('r', outcomes));
  ee2.fail('Sandbox.Timedout', 'Task timed out after 1.00 seconds');
  ee2.fail('Runtime.ExitError', 'again');
  assert.equal(outcomes.length, 1);
  assert.deepEqual(outcomes[0], { kind: 'platform-error', errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
  assert.equal(ee2.complete('r', { kind: 'response', body: Buffer.alloc(0) }), false);
});

test('an invocation the runtime never received is settled as undelivered when the EE dies (issue 9.7)', () => {
  const ee = new ExecutionEnvironment('e5', 'stream', performance.now(), noLog);
  const first = { deliver: () => undefined };
  ee.onNext(first);
  const outcomes: InvocationOutcome[] = [];
  const delivered: string[] = [];
  const a = inv('a', outcomes);
  a.onDelivered = () => delivered.push('a');
  ee.assign(a);
  assert.deepEqual(delivered, ['a']);
  assert.equal(ee.runningRequestId, 'a');
  ee.complete('a', { kind: 'response', body: Buffer.from('1') });
  // The runtime does not poll again (it is exiting): the next request waits, undelivered.
  const b = inv('b', outcomes);
  b.onDelivered = () => delivered.push('b');
  ee.assign(b);
  assert.equal(ee.runningRequestId, undefined);
  ee.fail('Runtime.ExitError', 'Error: Runtime exited with error: exit status 0');
  assert.deepEqual(delivered, ['a']);
  assert.deepEqual(outcomes[1], {
    kind: 'platform-error',
    errorType: 'Runtime.ExitError',
    errorMessage: 'Error: Runtime exited with error: exit status 0',
    undelivered: true,
  });
});

test('a delivered invocation is not retried; a poll whose connection closed is never handed work', () => {
  const ee = new ExecutionEnvironment('e6', 'stream', performance.now(), noLog);
  ee.onNext({ deliver: () => undefined });
  const outcomes: InvocationOutcome[] = [];
  ee.assign(inv('a', outcomes));
  ee.fail('Runtime.ExitError', 'exit status 1');
  assert.equal((outcomes[0] as { undelivered?: boolean }).undelivered, undefined);

  const ee2 = new ExecutionEnvironment('e7', 'stream', performance.now(), noLog);
  const gone = { deliver: () => false };
  ee2.onNext(gone); // starting → idle
  ee2.dropWaiter(gone);
  const got: string[] = [];
  ee2.assign(inv('b', outcomes));
  assert.equal(ee2.runningRequestId, undefined, 'handed to a dropped poll');
  // A poll whose socket is already closed refuses the delivery; the work stays for the next poll.
  ee2.onNext({ deliver: () => false });
  assert.equal(ee2.runningRequestId, undefined);
  ee2.onNext({ deliver: (i) => void got.push(i.requestId) });
  assert.deepEqual(got, ['b']);
  assert.equal(ee2.runningRequestId, 'b');
});

test('the EE writes its log lines, and the tail only while one is collected', () => {
  const lines: string[] = [];
  const ee = new ExecutionEnvironment('e8', 'stream', performance.now(), { platform: (l) => lines.push(l), output: (l) => lines.push(`out:${l}`) });
  ee.log('before');
  ee.startTail();
  ee.output('one');
  ee.log('late report', false);
  assert.equal(ee.collectingTail, true);
  assert.deepEqual(ee.takeTail(), ['one']);
  assert.equal(ee.collectingTail, false);
  ee.log('after');
  assert.deepEqual(lines, ['before', 'out:one', 'late report', 'after']);
});

test('an init error reported by the runtime fails the EE with the runtime’s message', async () => {
  const ee = new ExecutionEnvironment('e9', 'stream', performance.now(), noLog);
  const ready = ee.whenReady();
  ee.initFailed('Runtime.ImportModuleError', Buffer.from(JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: "Cannot find module 'x'" })));
  await assert.rejects(ready, /Cannot find module 'x'/);
  assert.equal(ee.state, 'failed');
  assert.equal(ee.initError?.kind, 'error');
});
