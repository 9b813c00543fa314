import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balanceWarnings } from '../../../src/shared/panel/balanceWarnings';
import { previewShares, proposalProblem } from '../../../src/shared/panel/weightPreview';
import { configuredShares } from '../../../src/shared/mixing/shares';
import type { EpochDatasetMetrics } from '../../../src/shared/runs/format';
import { epochMetrics } from '../support/epochMetrics';

const datasets = [
  { name: 'big', trainSize: 900, meanLoss: 1 },
  { name: 'small', trainSize: 100, meanLoss: 2 },
];
const mixing = { strategy: 'proportional' as const, temperature: 2 };

test('the sample-share preview is the trainer’s configuredShares of the proposed weights', () => {
  const result = previewShares({ strategy: 'temperature', temperature: 2 }, datasets, { sampling: { big: 1, small: 3 }, loss: { big: 1, small: 1 } });
  assert.ok(result.ok);
  const expected = configuredShares({ strategy: 'temperature', temperature: 2, sizes: [900, 100], samplingWeights: [1, 3] });
  assert.deepEqual(
    result.shares.map((s) => s.sampleShare),
    expected,
  );
});

test('the loss-share preview moves with sample share and loss weight', () => {
  const result = previewShares(mixing, datasets, { sampling: { big: 1, small: 1 }, loss: { big: 1, small: 4.5 } });
  assert.ok(result.ok);
  // big: 0.9 * 1 * 1 = 0.9; small: 0.1 * 2 * 4.5 = 0.9 → half each.
  for (const share of result.shares) assert.ok(Math.abs((share.lossShare ?? 0) - 0.5) < 1e-12);
  const shares = result.shares.map((s) => s.sampleShare);
  assert.ok(Math.abs((shares[0] ?? 0) - 0.9) < 1e-12);
});

test('without reported losses the preview gives sample shares only', () => {
  const result = previewShares(
    mixing,
    [
      { name: 'a', trainSize: 10 },
      { name: 'b', trainSize: 30 },
    ],
    { sampling: { a: 1, b: 1 }, loss: { a: 1, b: 1 } },
  );
  assert.ok(result.ok);
  assert.equal(result.shares[0]?.lossShare, undefined);
});

test('negative, non-finite, missing and all-zero weights cannot be sent', () => {
  const ok = { sampling: { big: 1, small: 1 }, loss: { big: 1, small: 1 } };
  assert.equal(proposalProblem(datasets, ok), undefined);
  assert.match(
    proposalProblem(datasets, { ...ok, sampling: { big: -1, small: 1 } }) ?? '',
    /sampling weight of 'big' must be a finite number from 0 to 1000000, got -1/,
  );
  assert.match(proposalProblem(datasets, { ...ok, loss: { big: Number.NaN, small: 1 } }) ?? '', /number/);
  assert.match(proposalProblem(datasets, { ...ok, loss: { big: Number.POSITIVE_INFINITY, small: 1 } }) ?? '', /number/);
  assert.match(proposalProblem(datasets, { ...ok, loss: { big: 1 } }) ?? '', /small/);
  assert.match(proposalProblem(datasets, { ...ok, sampling: { big: 0, small: 0 } }) ?? '', /all be zero/);
  assert.equal(previewShares(mixing, datasets, { ...ok, loss: { big: 0, small: 0 } }).ok, false);
});

const m = (over: Partial<EpochDatasetMetrics> = {}): EpochDatasetMetrics => epochMetrics({ samples: 1, ...over });

test('a small dataset repeated far more often than the others is flagged as likely memorised', () => {
  const warnings = balanceWarnings({ big: m({ epochsSeen: 2 }), small: m({ epochsSeen: 40 }) }, { small: 50 });
  assert.deepEqual(
    warnings.map((w) => [w.dataset, w.kind]),
    [['small', 'likely-memorised']],
  );
  assert.match(warnings[0]?.message ?? '', /50 training samples/);
});

test('long runs that see every dataset equally often are not flagged', () => {
  assert.deepEqual(balanceWarnings({ a: m({ epochsSeen: 50 }), b: m({ epochsSeen: 45 }) }), []);
});

test('a dataset taking most of the weighted loss is flagged', () => {
  const warnings = balanceWarnings({ a: m({ lossShare: 0.85 }), b: m({ lossShare: 0.15 }) });
  assert.deepEqual(
    warnings.map((w) => [w.dataset, w.kind]),
    [['a', 'dominates-loss']],
  );
});
