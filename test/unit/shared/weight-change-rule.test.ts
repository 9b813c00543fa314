/** The one weight-change rule shared by the panel, the host and the trainer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_WEIGHT, weightChangeProblem } from '../../../src/shared/mixing/weightChange';

const current = { sampling: { big: 1, small: 1 }, loss: { big: 1, small: 0.5 } };

test('a change merged over the current weights is judged as a whole: one dataset may go to zero, not all', () => {
  assert.equal(weightChangeProblem({ sampling: { big: 0 } }, current), undefined);
  assert.equal(weightChangeProblem({}, current), undefined);
  assert.equal(
    weightChangeProblem({ sampling: { big: 0, small: 0 } }, current),
    'sampling weights would all be zero: at least one dataset needs a positive weight',
  );
  assert.equal(
    weightChangeProblem({ loss: { small: 0 } }, { sampling: current.sampling, loss: { big: 0, small: 0.5 } }),
    'loss weights would all be zero: at least one dataset needs a positive weight',
  );
});

test('names must be the run’s own datasets: inherited object keys are not datasets', () => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'huge']) {
    const change = JSON.parse(`{"sampling":{"${name}":1}}`) as { sampling: Record<string, number> };
    assert.equal(weightChangeProblem(change, current), `sampling weight for unknown dataset '${name}' (datasets: big, small)`, name);
  }
});

test('weights are finite numbers from 0 to the maximum', () => {
  assert.equal(weightChangeProblem({ loss: { big: -0.1 } }, current), "loss weight of 'big' must be a finite number from 0 to 1000000, got -0.1");
  assert.equal(weightChangeProblem({ loss: { big: Number.NaN } }, current), "loss weight of 'big' must be a finite number from 0 to 1000000, got NaN");
  assert.equal(
    weightChangeProblem({ sampling: { small: 1e308 } }, current),
    `sampling weight of 'small' must be a finite number from 0 to ${MAX_WEIGHT}, got 1e+308`,
  );
  assert.equal(weightChangeProblem({ sampling: { small: MAX_WEIGHT } }, current), undefined);
});
