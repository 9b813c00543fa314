import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatestChecks } from '../../../src/shared/language/latestChecks';

/** A check whose result the test releases when it chooses, and which says when it has started. */
function controlledCheck<T>() {
  let finish: (value: T) => void = () => undefined;
  let started: () => void = () => undefined;
  const result = new Promise<T>((resolve) => (finish = resolve));
  const hasStarted = new Promise<void>((resolve) => (started = resolve));
  return {
    run: () => {
      started();
      return result;
    },
    finish: (value: T) => finish(value),
    hasStarted,
  };
}

function recorder() {
  const published: Array<[string, string]> = [];
  let next: () => void = () => undefined;
  return {
    published,
    publish: (key: string, result: string) => {
      published.push([key, result]);
      next();
    },
    nextPublish: () => new Promise<void>((resolve) => (next = resolve)),
  };
}

test('requests for a document in quick succession run only the last check', async () => {
  const record = recorder();
  const checks = new LatestChecks<string>(record.publish, assert.fail);
  const ran: string[] = [];
  const published = record.nextPublish();
  for (const text of ['a', 'ab', 'abc']) {
    checks.request('doc', 10, async () => {
      ran.push(text);
      return text;
    });
  }
  await published;
  assert.deepEqual(ran, ['abc']);
  assert.deepEqual(record.published, [['doc', 'abc']]);
  checks.dispose();
});

test('a result that arrives after a newer request is dropped, even when it arrives last', async () => {
  const record = recorder();
  const checks = new LatestChecks<string>(record.publish, assert.fail);
  const slow = controlledCheck<string>();
  const fast = controlledCheck<string>();
  checks.request('doc', 0, slow.run);
  await slow.hasStarted;
  checks.request('doc', 0, fast.run);
  await fast.hasStarted;
  const published = record.nextPublish();
  fast.finish('newer edit');
  await published;
  slow.finish('older edit');
  // A check on another document, requested last, is published after the stale result would have been.
  const other = record.nextPublish();
  checks.request('other', 0, async () => 'other');
  await other;
  assert.deepEqual(record.published, [
    ['doc', 'newer edit'],
    ['other', 'other'],
  ]);
  checks.dispose();
});

test('documents are checked independently, and a forgotten document publishes nothing more', async () => {
  const record = recorder();
  const failures: string[] = [];
  const checks = new LatestChecks<string>(record.publish, (key) => failures.push(key));
  const closing = controlledCheck<string>();
  checks.request('closed', 0, closing.run);
  await closing.hasStarted;
  checks.forget('closed');
  checks.request('pending', 1_000, async () => 'never');
  checks.forget('pending');
  closing.finish('too late');
  const published = record.nextPublish();
  checks.request('open', 0, async () => 'open');
  await published;
  assert.deepEqual(record.published, [['open', 'open']]);
  assert.deepEqual(failures, []);
  checks.dispose();
});

test('a failing check is reported as a failure, unless a newer request made it stale', async () => {
  const failures: Array<[string, string]> = [];
  let failed: () => void = () => undefined;
  const checks = new LatestChecks<string>(assert.fail, (key, error) => {
    failures.push([key, (error as Error).message]);
    failed();
  });
  const reported = new Promise<void>((resolve) => (failed = resolve));
  checks.request('doc', 0, () => Promise.reject(new Error('EACCES: permission denied')));
  await reported;
  assert.deepEqual(failures, [['doc', 'EACCES: permission denied']]);
  checks.dispose();
});
