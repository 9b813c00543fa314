import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uncertaintyOptimum, uncertaintyWeight } from '../../../src/trainer/balancing/uncertainty';

/** The per-dataset term the trainer minimises over s. */
const objective = (s: number, loss: number): number => Math.exp(-s) * loss + s;

test('the weight of a log-variance is exp(−s)', () => {
  assert.equal(uncertaintyWeight(0), 1);
  // exp(−ln 2) = 1/2
  assert.ok(Math.abs(uncertaintyWeight(Math.log(2)) - 0.5) < 1e-15);
});

test('the optimum log-variance is log L, where the objective is flat and lowest', () => {
  for (const loss of [0.05, 1, 4, 250]) {
    const s = uncertaintyOptimum(loss);
    assert.ok(Math.abs(s - Math.log(loss)) < 1e-15);
    // Central difference of exp(−s)L + s: at s = log L it is −L/L + 1 = 0 up to O(h²).
    const h = 1e-5;
    const slope = (objective(s + h, loss) - objective(s - h, loss)) / (2 * h);
    assert.ok(Math.abs(slope) < 1e-6, `slope ${slope} at L = ${loss}`);
    assert.ok(objective(s, loss) < objective(s - 0.1, loss) && objective(s, loss) < objective(s + 0.1, loss));
  }
});

test('a loss that is not positive gets the neutral log-variance 0', () => {
  assert.equal(uncertaintyOptimum(0), 0);
  assert.equal(uncertaintyOptimum(-3), 0);
  assert.equal(uncertaintyOptimum(NaN), 0);
});
