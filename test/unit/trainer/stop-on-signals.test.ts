import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { stopOnSignals, type SignalTarget } from '../../../src/trainer/cli/stopOnSignals';

/** Stands in for `process`: signals are emitted by the test, exits are recorded. */
class FakeProcess extends EventEmitter implements SignalTarget {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

test('the first signal asks for a stop and the second exits at once with the signal exit code', () => {
  const target = new FakeProcess();
  const notices: string[] = [];
  const stop = stopOnSignals((signal) => notices.push(signal), target);
  assert.equal(stop.signal.aborted, false);
  target.emit('SIGTERM', 'SIGTERM');
  assert.equal(stop.signal.aborted, true);
  assert.deepEqual(notices, ['SIGTERM']);
  assert.deepEqual(target.exits, []);
  target.emit('SIGINT', 'SIGINT');
  assert.deepEqual(target.exits, [130]);
  assert.deepEqual(notices, ['SIGTERM'], 'no second notice');
});

test('a second SIGTERM exits with 143', () => {
  const target = new FakeProcess();
  stopOnSignals(() => undefined, target);
  target.emit('SIGTERM', 'SIGTERM');
  target.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(target.exits, [143]);
});

test('after dispose the signals are no longer handled', () => {
  const target = new FakeProcess();
  const stop = stopOnSignals(() => undefined, target);
  stop.dispose();
  assert.equal(target.listenerCount('SIGTERM') + target.listenerCount('SIGINT'), 0);
});
