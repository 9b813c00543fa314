import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeightSchedule } from '../../../src/trainer/loop/weightSchedule';

const schedule = () => new WeightSchedule({ big: 1, small: 1 }, { big: 1, small: 1 });

test('a weight request is held until applied at the epoch boundary', () => {
  const weights = schedule();
  assert.equal(weights.request({ sampling: { small: 4 } }, 'r1'), undefined);
  assert.deepEqual(weights.current.sampling, { big: 1, small: 1 });
  assert.deepEqual(weights.applyPending(), { requestIds: ['r1'], change: { sampling: { small: 4 }, loss: {} } });
  assert.deepEqual(weights.current.sampling, { big: 1, small: 4 });
  assert.equal(weights.applyPending(), undefined);
});

test('several requests before a boundary merge, later values winning', () => {
  const weights = schedule();
  weights.request({ sampling: { small: 4 }, loss: { big: 0.5 } }, 'a');
  weights.request({ sampling: { small: 2 } }, 'b');
  assert.deepEqual(weights.applyPending(), { requestIds: ['a', 'b'], change: { sampling: { small: 2 }, loss: { big: 0.5 } } });
  assert.deepEqual(weights.current, { sampling: { big: 1, small: 2 }, loss: { big: 0.5, small: 1 } });
});

test('negative, non-finite, unknown and all-zero weights are refused with a reason', () => {
  const weights = schedule();
  assert.match(weights.request({ loss: { small: -1 } }) ?? '', /loss weight of 'small' must be a finite number from 0 to 1000000, got -1/);
  assert.match(weights.request({ sampling: { small: Number.NaN } }) ?? '', /finite number from 0 to 1000000, got NaN/);
  assert.match(weights.request({ sampling: { tiny: 1 } }) ?? '', /unknown dataset 'tiny' \(datasets: big, small\)/);
  assert.match(weights.request({ sampling: { big: 0, small: 0 } }) ?? '', /sampling weights would all be zero/);
  assert.equal(weights.hasPending, false);
});

test('a request that zeroes the last positive weight after an earlier pending one is refused', () => {
  const weights = schedule();
  assert.equal(weights.request({ loss: { big: 0 } }), undefined);
  assert.match(weights.request({ loss: { small: 0 } }) ?? '', /loss weights would all be zero/);
});
