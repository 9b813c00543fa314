/** The `sampling` balancer's rule and its sentences, checked against numbers worked out by hand. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { repeatRatios, samplingMove, type DatasetEvidence, type SamplingBounds } from '../../../src/trainer/balancing/samplingBalance';
import { samplingMoveReason, subjectOf, verdictReason } from '../../../src/trainer/balancing/samplingReason';

const BOUNDS: SamplingBounds = { maxStep: 1.25, range: [0.5, 4], maxRepeatRatio: 25 };

function dataset(name: string, fields: Partial<DatasetEvidence>): DatasetEvidence {
  return {
    name,
    size: 100,
    trainLoss: 0.5,
    valLoss: 0.5,
    lossKind: 'cross-entropy',
    trainAccuracy: 0.9,
    valAccuracy: 0.88,
    baseShare: 1 / 3,
    canAugment: false,
    ...fields,
  };
}

const close = (actual: readonly number[], expected: readonly number[], tolerance = 1e-9) =>
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) < tolerance, `[${i}] ${value} ≠ ${expected[i]}`));

test('a lagging dataset still improving gains share, a saturated one ahead loses it, one ahead and still improving keeps it; each by at most max_step', () => {
  // Mean validation loss 0.6: ratios 1/3, 1, 5/3. large is ahead but stopped falling: ×(1/3)^0.5 = 0.577 → 0.8;
  // small is at the mean and still falling: kept; tiny lags and still falls: ×(5/3)^0.5 = 1.291 → 1.25.
  const evidence = [
    dataset('large', { size: 1000, valLoss: 0.2, previousValLoss: 0.2, baseShare: 0.7 }),
    dataset('small', { size: 100, valLoss: 0.6, previousValLoss: 0.7, baseShare: 0.2 }),
    dataset('tiny', { size: 50, valLoss: 1.0, previousValLoss: 1.2, baseShare: 0.1 }),
  ];
  const move = samplingMove(evidence, [1, 1, 1], BOUNDS);
  close(move.multipliers, [0.8, 1, 1.25]);
  // Shares: 0.7·0.8 = 0.56, 0.2, 0.1·1.25 = 0.125, over 0.885.
  close(move.shares.after, [0.56 / 0.885, 0.2 / 0.885, 0.125 / 0.885]);
  close(move.shares.before, [0.7, 0.2, 0.1]);
  assert.deepEqual(
    move.verdicts.map((v) => v.kind),
    ['saturated', 'ahead-improving', 'lagging'],
  );
  assert.deepEqual(move.augment, [false, false, false]);
  assert.equal(subjectOf(move), 2, 'large’s share moved by ×0.8/0.885 = 0.904, tiny’s by ×1.25/0.885 = 1.412: tiny’s moved most');
  assert.equal(
    verdictReason(evidence[0] as DatasetEvidence, move.verdicts[0] as never),
    "large's validation loss 0.200 is 0.33× the datasets' mean and stopped falling",
  );
  // Still falling, large would keep its share: it is still gaining from it.
  const improving = samplingMove(
    [{ ...(evidence[0] as DatasetEvidence), previousValLoss: 0.3 }, evidence[1] as DatasetEvidence, evidence[2] as DatasetEvidence],
    [1, 1, 1],
    BOUNDS,
  );
  close(improving.multipliers, [1, 1, 1.25]);
});

test('a memorised dataset that declares augment: auto gets augmentation instead of a new weight', () => {
  const evidence = [dataset('large', { valLoss: 0.3 }), dataset('tiny', { valLoss: 0.9, trainAccuracy: 1, valAccuracy: 0.8, canAugment: true })];
  const move = samplingMove(evidence, [1, 1.5], BOUNDS);
  assert.deepEqual(move.augment, [false, true]);
  assert.equal(move.multipliers[1], 1.5, 'its weight holds while augmentation starts');
  assert.deepEqual(move.verdicts[1], { kind: 'memorised-augment', gap: 1 - 0.8 });
  assert.equal(subjectOf(move), 1);
  assert.equal(
    verdictReason(evidence[1] as DatasetEvidence, move.verdicts[1] as never),
    'tiny is memorised (training accuracy 100.0% against 80.0% on validation, a gap of 20 points) and has no augmentation',
  );
});

test('a memorised dataset without augmentation follows the usual rules while its validation loss falls, is held when it stops, lowered when it rises', () => {
  const memorised = { trainAccuracy: 0.99, valAccuracy: 0.7, valLoss: 1.2 };
  const large = dataset('large', { valLoss: 0.4, previousValLoss: 0.4 });
  const rising = samplingMove([large, dataset('tiny', { ...memorised, previousValLoss: 1.1 })], [1, 2], BOUNDS);
  assert.equal(rising.multipliers[1], 2 / 1.25);
  assert.deepEqual(rising.verdicts[1], { kind: 'memorised', gap: 0.99 - 0.7, previous: 1.1, now: 1.2 });
  const flat = samplingMove([large, dataset('tiny', { ...memorised, previousValLoss: 1.205 })], [1, 2], BOUNDS);
  assert.equal(flat.multipliers[1], 2);
  assert.equal(flat.verdicts[1]?.kind, 'memorised-flat');
  assert.equal(
    verdictReason(dataset('tiny', { ...memorised, previousValLoss: 1.205 }), flat.verdicts[1] as never),
    'tiny is memorised (training accuracy 99.0% against 70.0% on validation) and its validation loss stopped falling (1.205 → 1.200)',
  );
  // Still falling: it lags (1.2 / 0.8 = 1.5×), so it gains share like any dataset: ×1.5^0.5 = 1.22.
  const falling = samplingMove([large, dataset('tiny', { ...memorised, previousValLoss: 1.5 })], [1, 2], BOUNDS);
  assert.ok(Math.abs((falling.multipliers[1] as number) - 2 * Math.sqrt(1.5)) < 1e-9);
  assert.deepEqual(falling.verdicts[1], { kind: 'lagging', ratio: 1.2 / 0.8, previous: 1.5, now: 1.2 });
});

test('a lagging dataset whose validation loss no longer falls keeps its weight', () => {
  const move = samplingMove([dataset('a', { valLoss: 0.2, previousValLoss: 0.2 }), dataset('b', { valLoss: 1.0, previousValLoss: 1.0 })], [1, 1], BOUNDS);
  assert.equal(move.multipliers[1], 1);
  assert.deepEqual(move.verdicts[1], { kind: 'stalled', ratio: 1.0 / 0.6 });
  // The other one is ahead and saturated: ratio 1/3, ×0.8.
  assert.equal(move.multipliers[0], 0.8);
});

test('multipliers stay within range, and datasets without validation stay where they are', () => {
  const low = samplingMove([dataset('a', { valLoss: 0.01, previousValLoss: 0.01 }), dataset('b', { valLoss: 1 })], [0.55, 3.9], BOUNDS);
  close(low.multipliers, [0.5, 4]);
  const unvalidated = samplingMove([dataset('a', { valLoss: Number.NaN }), dataset('b', { valLoss: 1 }), dataset('c', { valLoss: 0.5 })], [1.1, 1, 1], BOUNDS);
  assert.equal(unvalidated.multipliers[0], 1.1);
  assert.deepEqual(unvalidated.verdicts[0], { kind: 'no-validation' });
});

test('no dataset repeats more than max_repeat_ratio times as often as the least-drawn one', () => {
  // Equal shares of 1000 and 10 samples: the small one is drawn 100× as often; the cap is 25.
  assert.deepEqual(repeatRatios([0.5, 0.5], [1000, 10]), [1, 100]);
  const move = samplingMove(
    [dataset('large', { size: 1000, baseShare: 0.5, valLoss: 0.5 }), dataset('tiny', { size: 10, baseShare: 0.5, valLoss: 0.5 })],
    [1, 1],
    BOUNDS,
  );
  const ratios = repeatRatios(move.shares.after, [1000, 10]);
  assert.ok(Math.abs((ratios[1] as number) - 25) < 1e-6, `capped at 25, got ${ratios[1]}`);
  assert.ok((move.multipliers[1] as number) < 1);
});

test('the recorded reason names the dataset that moved most, its numbers and the change of share', () => {
  const evidence = [
    dataset('large', { size: 1000, valLoss: 0.5, previousValLoss: 0.5, baseShare: 0.8 }),
    dataset('tiny', { size: 50, valLoss: 1.1, previousValLoss: 1.3, baseShare: 0.2 }),
  ];
  // Mean 0.8: large (saturated) 0.625^0.5 = 0.79 → ×0.8, tiny (lagging, falling) 1.375^0.5 → ×1.1726.
  const move = samplingMove(evidence, [1, 1], BOUNDS);
  close(move.multipliers, [0.8, Math.sqrt(1.1 / 0.8)]);
  const reason = samplingMoveReason(evidence, move, [1, 1]);
  const tinyShare = (0.2 * Math.sqrt(1.375)) / (0.64 + 0.2 * Math.sqrt(1.375));
  assert.equal(
    reason,
    `tiny's validation loss 1.100 is 1.38× the datasets' mean and still falling (1.300 → 1.100): raise its sampling weight 1.00 → 1.17 (its share of each batch 20.0% → ${(100 * tinyShare).toFixed(1)}%, so its validation loss keeps falling faster)`,
  );
});

test('after the first epoch a lagging dataset is not said to be still falling: there is nothing to compare with', () => {
  const evidence = [dataset('a', { valLoss: 0.5 }), dataset('b', { valLoss: 1.5 })];
  const move = samplingMove(evidence, [1, 1], BOUNDS);
  assert.equal(
    verdictReason(evidence[1] as DatasetEvidence, move.verdicts[1] as never),
    "b's validation loss 1.500 is 1.50× the datasets' mean after the first epoch",
  );
});

test('validation losses are compared only with losses of their kind: a regression loss stays out of the cross-entropies’ mean', () => {
  const evidence = [
    dataset('a', { valLoss: 0.4, previousValLoss: 0.4 }),
    dataset('b', { valLoss: 1.2, previousValLoss: 1.5 }),
    dataset('r', { valLoss: 0.05, previousValLoss: 0.06, lossKind: 'mse on head value', trainAccuracy: undefined, valAccuracy: undefined, trainLoss: 0.04 }),
  ];
  // The cross-entropies' mean is 0.8 (with the MSE it would be 0.55): a 0.5 → saturated, 0.5^0.5 = 0.71 → ×0.8;
  // b 1.5 and still falling → ×1.5^0.5 = 1.2247. r has no other MSE on its head: held.
  const move = samplingMove(evidence, [1, 1, 1], BOUNDS);
  close(move.multipliers, [0.8, Math.sqrt(1.5), 1]);
  assert.deepEqual(move.verdicts[0], { kind: 'saturated', ratio: 0.5 });
  assert.deepEqual(move.verdicts[2], { kind: 'no-peer', lossKind: 'mse on head value' });
  assert.equal(
    verdictReason(evidence[2] as DatasetEvidence, move.verdicts[2] as never),
    "r's validation loss (mse on head value) has no other dataset's of its kind to be compared with",
  );
  // Alone with its kind, a memorised dataset is still judged by its own gap: memorisation needs no peer.
  const memorised = samplingMove(
    [
      dataset('a', { valLoss: 0.4 }),
      dataset('t', { lossKind: 'mae on head t', trainAccuracy: undefined, valAccuracy: undefined, trainLoss: 0.1, valLoss: 0.5, previousValLoss: 0.4 }),
    ],
    [1, 1],
    BOUNDS,
  );
  assert.equal(memorised.verdicts[1]?.kind, 'memorised');
});
