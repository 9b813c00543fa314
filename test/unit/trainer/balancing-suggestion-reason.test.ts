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
