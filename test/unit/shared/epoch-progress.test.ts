import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochProgress } from '../../../src/shared/runs/epochProgress';

test('a live run shows the epoch it is training; an ended one the last it finished', () => {
  // Six epochs done, the seventh in progress: the issue saw "epoch 6 of 10" in the panel and "7/10" in the status bar.
  assert.equal(epochProgress({ status: 'running', completed: 6, total: 10 }), 'epoch 7 of 10 (running)');
  assert.equal(epochProgress({ status: 'running', completed: 6, total: 10, current: 7 }), 'epoch 7 of 10 (running)');
  assert.equal(epochProgress({ status: 'paused', completed: 6, total: 10, current: 6 }), 'epoch 7 of 10 (paused)', 'a step of a finished epoch is no newer');
  // Before the first step: "epoch 0/40" in the Runs view against "1/40" in the status bar.
  assert.equal(epochProgress({ status: 'running', completed: 0, total: 40 }), 'epoch 1 of 40 (running)');
  assert.equal(epochProgress({ status: 'running', completed: 10, total: 10 }), 'epoch 10 of 10 (running)', 'never past the last');
  assert.equal(epochProgress({ status: 'completed', completed: 10, total: 10 }), 'epoch 10 of 10 (completed)');
  assert.equal(epochProgress({ status: 'stopped', completed: 4, total: 10, current: 5 }), 'epoch 4 of 10 (stopped)');
  assert.equal(epochProgress({ status: 'failed', completed: 0, total: 3 }), 'epoch 0 of 3 (failed)');
});
