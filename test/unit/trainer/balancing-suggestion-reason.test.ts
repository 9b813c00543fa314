import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suggestionReason } from '../../../src/trainer/balancing/suggestionReason';

test('a raised weight is explained by a loss falling slower than the fastest-falling one', () => {
  // Falls: scanned 1 − 0.9 = 0.1, clean 1 − 0.7 = 0.3; 0.3/0.1 = 3.0× slower.
  assert.equal(
    suggestionReason(['clean', 'scanned'], [1, 1], [0.7, 1.45], [0.7, 0.9]),
    "scanned's loss is falling 3.0× slower than clean's: raise its loss weight 1.00 → 1.45",
  );
});

test('a lowered weight is explained by a loss falling faster than the slowest-falling one', () => {
  // b is lowered by 0.4 (more than a's +0.1). Falls: b 0.5, slowest other a 0.1; 0.5/0.1 = 5.0× faster.
  assert.equal(suggestionReason(['a', 'b'], [1, 1], [1.1, 0.6], [0.9, 0.5]), "b's loss is falling 5.0× faster than a's: lower its loss weight 1.00 → 0.60");
});

test('a rising loss is named as rising against the fastest-falling other dataset', () => {
  // a moves +0.6, the largest change; against b (fell 50%, faster than c's 5%).
  assert.equal(
    suggestionReason(['a', 'b', 'c'], [1, 1, 1], [1.6, 0.6, 0.8], [1.2, 0.5, 0.95]),
    "a's loss is rising while b's is falling: raise its loss weight 1.00 → 1.60",
  );
});

test('losses falling at the same rate are not called faster or slower', () => {
  assert.equal(suggestionReason(['a', 'b'], [1, 1], [1.2, 1], [0.8, 0.8]), "a's loss is falling as fast as b's: raise its loss weight 1.00 → 1.20");
});

test('two rising losses are compared by how fast they rise', () => {
  // Rises: a 1.5 − 1 = 0.5, b 1.1 − 1 = 0.1; 0.5/0.1 = 5.0× faster.
  assert.equal(suggestionReason(['a', 'b'], [1, 1], [1.3, 1], [1.5, 1.1]), "a's loss is rising 5.0× faster than b's: raise its loss weight 1.00 → 1.30");
});

test('without loss ratios the change alone is named', () => {
  assert.equal(
    suggestionReason(['clean', 'scanned'], [1, 1], [0.9, 1.45], undefined),
    'scanned has the largest proposed change: raise its loss weight 1.00 → 1.45',
  );
});

test('a proposal that changes no weight visibly says so', () => {
  assert.equal(suggestionReason(['a', 'b'], [1, 1], [1.001, 0.999], [0.9, 0.5]), 'the proposed loss weights are the current ones');
});

test('GradNorm’s reason is its own evidence, so it never contradicts the proposal (the case a tester met)', () => {
  // Seen: "mnist's loss is falling 1.2× slower than optdigits's: lower its loss weight 1.00 → 0.64".
  // mnist's loss did fall more slowly (0.9 vs 0.75 of last epoch), but GradNorm lowered it because
  // its weighted gradient norm averaged 1.6× the mean against a target of 1.1×.
  const evidence = { gradNorms: { norm: [1.6, 0.4], target: [1.1, 0.9] } };
  assert.equal(
    suggestionReason(['mnist', 'optdigits'], [1, 1], [0.64, 1.36], [0.9, 0.75], evidence),
    "optdigits's weighted gradient norm on the shared layers averaged 0.40× the mean, below its target of 0.90×: raise its loss weight 1.00 → 1.36",
  );
  assert.equal(
    suggestionReason(['mnist', 'optdigits'], [1, 1], [0.5, 1.3], [0.9, 0.75], evidence),
    "mnist's weighted gradient norm on the shared layers averaged 1.60× the mean, above its target of 1.10×: lower its loss weight 1.00 → 0.50",
  );
});

test('a GradNorm weight that moved against its own evidence (renormalised) says the others moved further, not a false cause', () => {
  // b's norm is below its target, so its own step raised it; restoring the sum of weights lowered it.
  assert.equal(
    suggestionReason(['a', 'b'], [1, 1], [1.3, 0.6], undefined, { gradNorms: { norm: [1.05, 0.95], target: [1.0, 1.0] } }),
    "b's weighted gradient norm on the shared layers averaged 0.95× the mean against a target of 1.00×, and the other weights moved further: lower its loss weight 1.00 → 0.60",
  );
});

test('without GradNorm evidence for the dataset (no GradNorm step saw it), the loss trend explains as before', () => {
  assert.equal(
    suggestionReason(['clean', 'scanned'], [1, 1], [0.7, 1.45], [0.7, 0.9], { gradNorms: { norm: [1, Number.NaN], target: [1, Number.NaN] } }),
    "scanned's loss is falling 3.0× slower than clean's: raise its loss weight 1.00 → 1.45",
  );
});
