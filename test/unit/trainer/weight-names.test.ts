/**
 * Dataset names in weight changes are checked as own names (`constructor` is "in" every object but
 * names no dataset), and sampling shares stay finite for any finite weights.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configuredShares } from '../../../src/shared/mixing/shares';
import { WeightSchedule } from '../../../src/trainer/loop/weightSchedule';

test('a weight change naming constructor, toString, hasOwnProperty or __proto__ is refused as an unknown dataset', () => {
  const weights = new WeightSchedule({ big: 1, small: 1 }, { big: 1, small: 1 });
  for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    const change = JSON.parse(`{"sampling":{"${name}":2},"loss":{"${name}":2}}`) as { sampling: Record<string, number> };
    assert.match(weights.request(change) ?? '', new RegExp(`sampling weight for unknown dataset '${name}' \\(datasets: big, small\\)`));
  }
  assert.equal(weights.hasPending, false);
});

test('a waiting change of an older checkpoint that names no dataset is dropped on restore, keeping the rest', () => {
  const weights = new WeightSchedule({ big: 1, small: 1 }, { big: 1, small: 1 });
  weights.restore(
    { sampling: { big: 1, small: 1 }, loss: { big: 1, small: 1 } },
    { change: { sampling: { constructor: 3, small: 2 }, loss: { toString: 1 } }, requestIds: ['r'] },
  );
  assert.deepEqual(weights.applyPending(), { requestIds: ['r'], change: { sampling: { small: 2 }, loss: {} } });
  assert.deepEqual(weights.current, { sampling: { big: 1, small: 2 }, loss: { big: 1, small: 1 } });
});

test('sampling weights of 1e308 give finite shares for every strategy (their sum would overflow)', () => {
  for (const strategy of ['weights', 'uniform', 'proportional', 'temperature'] as const) {
    const shares = configuredShares({ strategy, temperature: 2, sizes: [100, 100], samplingWeights: [1e308, 1e308] });
    assert.deepEqual(shares, [0.5, 0.5], strategy);
  }
  assert.deepEqual(
    configuredShares({ strategy: 'weights', temperature: 1, sizes: [10, 10, 10], samplingWeights: [Number.MAX_VALUE, Number.MAX_VALUE, 0] }),
    [0.5, 0.5, 0],
  );
  assert.throws(
    () => configuredShares({ strategy: 'weights', temperature: 1, sizes: [10, 10], samplingWeights: [0, 0] }),
    /every dataset has a sampling share of zero/,
  );
});

test('a temperature far below 1 on large sources gives finite shares (the size raised to 1/T overflows)', () => {
  const shares = configuredShares({ strategy: 'temperature', temperature: 0.01, sizes: [20_000, 10_000], samplingWeights: [1, 1] });
  assert.ok(shares.every(Number.isFinite));
  assert.equal(shares[0], 1);
});
