/**
 * Suggestions from balancers and from the balance warnings: what each would change, the dataset it
 * names, the numbers it is based on and its expected effect, worked out by hand.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { RunEvent } from '../../../src/shared/runs/format';
import { epochMetrics } from '../support/epochMetrics';
import { samplingMove, type DatasetEvidence } from '../../../src/trainer/balancing/samplingBalance';
import { diagnosticsSuggestion, lossSharesAfter, lossSuggestion, samplingSuggestion, starvedSuggestion } from '../../../src/trainer/training/proposedChanges';
import { Suggestions } from '../../../src/trainer/training/suggestions';

const metrics = epochMetrics;
const weights = { sampling: { large: 1, tiny: 1 }, loss: { large: 1, tiny: 1 } };
const sizes = { large: 4000, tiny: 150 };

test('a memorised image dataset without augmentation is suggested augmentation, with its numbers', () => {
  const latest = {
    large: metrics({ epochsSeen: 2.9, realizedShare: 0.6 }),
    tiny: metrics({ epochsSeen: 78.5, realizedShare: 0.4, trainAccuracy: 1, valAccuracy: 0.842 }),
  };
  const suggestion = diagnosticsSuggestion(['large', 'tiny'], latest, sizes, (d) => d === 1, weights);
  assert.deepEqual(suggestion?.change, { augment: ['tiny'] });
  assert.equal(suggestion?.dataset, 'tiny');
  assert.equal(suggestion?.source, 'diagnostics');
  assert.equal(
    suggestion?.reason,
    'tiny has been seen 78.5 times (150 training samples), training accuracy 100% against 84% on validation: it is likely memorised and has no augmentation — switch on its augmentation (rotation ±10°, shifts ±0.1, zoom ±0.1)',
  );
  assert.match(suggestion?.expected ?? '', /gap between training and validation accuracy should narrow/);
});

test('where augmentation cannot be added, a memorised dataset is suggested a lower sampling weight, its share worked out', () => {
  const latest = { large: metrics({ epochsSeen: 2.9, realizedShare: 0.6 }), tiny: metrics({ epochsSeen: 78.5, realizedShare: 0.4 }) };
  const suggestion = diagnosticsSuggestion(['large', 'tiny'], latest, sizes, () => false, weights);
  assert.deepEqual(suggestion?.change, { sampling: { large: 1, tiny: 0.8 } });
  // 0.4 / 1.25 = 0.32 of the old total; 0.32 / (0.32 + 0.6) = 34.8%.
  assert.match(suggestion?.expected ?? '', /^its share of each batch 40% → about 35%/);
  assert.match(suggestion?.reason ?? '', /lower its sampling weight 1\.00 → 0\.80$/);
});

test('a dataset that takes most of the weighted loss is suggested the loss weight that brings it to half', () => {
  const latest = { large: metrics({ lossShare: 0.8 }), tiny: metrics({ lossShare: 0.2 }) };
  const suggestion = diagnosticsSuggestion(['large', 'tiny'], latest, sizes, () => false, { ...weights, loss: { large: 2, tiny: 1 } });
  // w' = w · 0.5·(1 − 0.8) / (0.8·0.5) = 2 · 0.25; then 0.8·0.25 / (0.8·0.25 + 0.2) = 0.5.
  assert.deepEqual(suggestion?.change, { loss: { large: 0.5, tiny: 1 } });
  assert.equal(suggestion?.reason, 'large takes 80% of the weighted loss — lower its loss weight 2.00 → 0.50');
  assert.match(suggestion?.expected ?? '', /80% → about 50%/);
  assert.equal(
    diagnosticsSuggestion(['large', 'tiny'], { large: metrics({}), tiny: metrics({}) }, sizes, () => false, weights),
    undefined,
    'no warning, no suggestion',
  );
});

test('a loss-weight proposal states the loss share it should give the dataset it changes most', () => {
  assert.deepEqual(
    lossSharesAfter([0.3, 0.7], [1.2, 0.8]).map((share) => Number(share.toFixed(4))),
    [0.3913, 0.6087],
  );
  const suggestion = lossSuggestion(['a', 'b'], 'dwa', { multipliers: [1.2, 0.8], lossRatios: [0.9, 0.5] }, { a: 1, b: 1 }, [0.3, 0.7]);
  assert.deepEqual(suggestion?.change, { loss: { a: 1.2, b: 0.8 } });
  assert.equal(suggestion?.dataset, 'a');
  assert.equal(suggestion?.reason, "a's loss is falling 5.0× slower than b's: raise its loss weight 1.00 → 1.20");
  assert.equal(suggestion?.expected, "a's share of the weighted loss 30% → 39%, so the shared layers follow its gradient more");
  assert.equal(lossSuggestion(['a', 'b'], 'dwa', { multipliers: [1, 1] }, { a: 1, b: 1 }, [0.5, 0.5]), undefined, 'the weights in force are not proposed');
});

test('the sampling balancer in suggest mode proposes sampling weights and augmentation, naming the dataset that moves most', () => {
  const evidence: DatasetEvidence[] = [
    {
      name: 'large',
      size: 1000,
      trainLoss: 0.2,
      valLoss: 0.25,
      lossKind: 'cross-entropy',
      trainAccuracy: 0.95,
      valAccuracy: 0.93,
      baseShare: 0.8,
      canAugment: false,
      previousValLoss: 0.25,
    },
    {
      name: 'tiny',
      size: 50,
      trainLoss: 0.1,
      valLoss: 1.0,
      lossKind: 'cross-entropy',
      trainAccuracy: 1,
      valAccuracy: 0.7,
      baseShare: 0.2,
      canAugment: true,
      previousValLoss: 1.2,
    },
  ];
  const move = samplingMove(evidence, [1, 1], { maxStep: 1.25, range: [0.5, 4], maxRepeatRatio: 25 });
  const suggestion = samplingSuggestion(['large', 'tiny'], { multipliers: [1, 1], sampling: move }, evidence, { large: 2, tiny: 1 });
  // large (ahead, its validation loss flat): ratio 0.25 / 0.625 = 0.4, 0.4^0.5 = 0.63 → ×0.8 of 2; tiny memorised with augment: auto → augmentation, weight held.
  assert.deepEqual(suggestion?.change, { sampling: { large: 1.6, tiny: 1 }, augment: ['tiny'] });
  assert.equal(suggestion?.dataset, 'tiny');
  assert.equal(
    suggestion?.reason,
    'tiny is memorised (training accuracy 100.0% against 70.0% on validation, a gap of 30 points) and has no augmentation: switch on its augmentation (rotation ±10°, shifts ±0.1, zoom ±0.1)',
  );
  // Shares: 0.8·0.8 = 0.64 and 0.2 → tiny 0.2 / 0.84 = 23.8%.
  assert.match(suggestion?.expected ?? '', /its share of each batch 20\.0% → 23\.8%$/);
});

/** The shape: a large clean set, a small one and a tiny shifted one drawn in proportion to size. */
function starvedRun(tiny: Partial<DatasetEvidence> = {}) {
  const names = ['large', 'small', 'tiny'];
  const dataset = (name: string, size: number, valLoss: number, previousValLoss: number, baseShare: number): DatasetEvidence => ({
    name,
    size,
    trainLoss: valLoss,
    valLoss,
    lossKind: 'cross-entropy',
    previousValLoss,
    baseShare,
    canAugment: false,
  });
  const evidence = [dataset('large', 4000, 0.3, 0.35, 0.899), dataset('small', 300, 0.6, 0.7, 0.067), { ...dataset('tiny', 150, 1.5, 1.8, 0.034), ...tiny }];
  const latest = {
    large: metrics({ realizedShare: 0.899, epochsSeen: 2.9 }),
    small: metrics({ realizedShare: 0.067, epochsSeen: 2.9 }),
    tiny: metrics({ realizedShare: 0.034, epochsSeen: 2.9 }),
  };
  return { names, evidence, latest, sizes: { large: 4000, small: 300, tiny: 150 } };
}
const BOUNDS = { maxStep: 1.25, range: [0.5, 4] as const, maxRepeatRatio: 25 };
const ONES = { large: 1, small: 1, tiny: 1 };

test('a lagging dataset drawn at under half an equal share is suggested the sampling weight that brings it there, not a loss weight', () => {
  const { names, evidence, latest, sizes } = starvedRun();
  const suggestion = starvedSuggestion(names, evidence, latest, sizes, ONES, BOUNDS);
  // Mean validation loss (0.3 + 0.6 + 1.5) / 3 = 0.8: tiny is 1.875× it and fell 1.8 → 1.5, so it lags.
  // Half an equal share is 1/6; w such that 0.034·w / (0.034·w + 0.966) = 1/6: w = 0.966 / (0.034·5) = 5.682.
  assert.deepEqual(suggestion?.change, { sampling: { large: 1, small: 1, tiny: 5.682 } });
  assert.equal(suggestion?.dataset, 'tiny');
  assert.equal(suggestion?.source, 'diagnostics');
  assert.equal(
    suggestion?.reason,
    "tiny's validation loss 1.500 is 1.88× the datasets' mean and still falling (1.800 → 1.500), yet it gets 3.4% of each batch, under half an equal share (16.7%): raise its sampling weight 1.00 → 5.68",
  );
  assert.equal(
    suggestion?.expected,
    'its share of each batch 3.4% → about 16.7%, half an equal share, so it learns from more of its own samples — a loss weight cannot make up for samples it never sees',
  );
  // From a weight already raised, the factor multiplies the weight in force.
  assert.deepEqual(starvedSuggestion(names, evidence, latest, sizes, { ...ONES, tiny: 2 }, BOUNDS)?.change, { sampling: { large: 1, small: 1, tiny: 11.365 } });
});

test('the cap on repeats stops a starved suggestion short of half an equal share, and says so', () => {
  const { names, evidence, latest, sizes } = starvedRun();
  const suggestion = starvedSuggestion(names, evidence, latest, sizes, ONES, { ...BOUNDS, maxRepeatRatio: 3 });
  // Draws per sample: large 0.899/4000, small 0.067/300 = 2.2333e-4 (the least), tiny 0.034/150 = 2.2667e-4:
  // tiny may rise ×3·2.2333/2.2667 = 2.956; its share then 0.1005 / (0.1005 + 0.966) = 9.4%.
  assert.deepEqual(suggestion?.change, { sampling: { large: 1, small: 1, tiny: 2.956 } });
  assert.match(suggestion?.expected ?? '', /^its share of each batch 3\.4% → about 9\.4% \(the cap on repeats, max_repeat_ratio 3, stops it there\)/);
  assert.equal(starvedSuggestion(names, evidence, latest, sizes, ONES, { ...BOUNDS, maxRepeatRatio: 1 }), undefined, 'already at the cap: nothing to raise');
});

test('no starved suggestion for a dataset with its fair share, one that stopped improving, or one the warnings call memorised', () => {
  const fair = starvedRun({ baseShare: 0.2 });
  assert.equal(starvedSuggestion(fair.names, fair.evidence, fair.latest, fair.sizes, ONES, BOUNDS), undefined, '20% is not under half of 33%');

  const stalled = starvedRun({ previousValLoss: 1.49 });
  assert.equal(starvedSuggestion(stalled.names, stalled.evidence, stalled.latest, stalled.sizes, ONES, BOUNDS), undefined, 'its loss did not fall by 1%');

  const memorised = starvedRun();
  memorised.latest.tiny = metrics({ realizedShare: 0.034, epochsSeen: 78.5 });
  assert.equal(
    starvedSuggestion(memorised.names, memorised.evidence, memorised.latest, memorised.sizes, ONES, BOUNDS),
    undefined,
    'seen 78.5 times, 27× the others: the warning says lower it, so nothing says raise it',
  );
});

test('an open suggestion is not proposed again, a new one supersedes it, and a checkpoint of version 0.1 reads as loss weights', () => {
  const events: RunEvent[] = [];
  const suggestions = new Suggestions((event) => events.push(event));
  const first = { change: { sampling: { a: 2 } }, source: 'sampling', dataset: 'a', reason: 'r', expected: 'e' };
  suggestions.propose(1, first);
  suggestions.propose(2, first);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['weights-suggested'],
  );
  suggestions.propose(3, { ...first, change: { augment: ['b'] } });
  assert.deepEqual(
    events.map((e) => (e.kind === 'suggestion-decided' ? `${e.suggestionId} ${e.decision}` : e.kind)),
    ['weights-suggested', 'suggestion-1 superseded', 'weights-suggested'],
  );
  const last = events[2];
  assert.ok(last?.kind === 'weights-suggested');
  assert.deepEqual([last.augment, last.loss, last.dataset, last.expected], [['b'], undefined, 'a', 'e']);
  suggestions.restore([['suggestion-4', { a: 1.5, b: 0.5 }]]);
  assert.deepEqual(suggestions.close('suggestion-4'), { loss: { a: 1.5, b: 0.5 } });
});
