import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyTimeline, foldTimeline, newestFirst, requestSource, type Timeline } from '../../../src/shared/panel/timeline';
import type { RunEvent } from '../../../src/shared/runs/format';

const ones = () => ({ sampling: { mnist: 1, rot: 1 }, loss: { mnist: 1, rot: 1 } });
const fold = (events: RunEvent[]): Timeline => events.reduce(foldTimeline, emptyTimeline(ones()));
const at = (minute: number) => `2026-12-05T14:${String(minute).padStart(2, '0')}:00.000Z`;

test('a weight change lists each changed value old → new and who asked, newest first', () => {
  const timeline = fold([
    { kind: 'weights-requested', time: at(1), epoch: 3, step: 5, change: { loss: { mnist: 0.5 } }, requestId: 'panel-abc-1' },
    { kind: 'weights-applied', time: at(2), epoch: 4, sampling: { mnist: 1, rot: 1 }, loss: { mnist: 0.5, rot: 1 }, requestId: 'panel-abc-1' },
    { kind: 'weights-scheduled', time: at(3), epoch: 6, sampling: { rot: 2 } },
  ]);
  const [scheduled, applied, requested] = newestFirst(timeline);
  assert.equal(scheduled?.summary, 'Weights set by the experiment’s schedule for epoch 6.');
  assert.deepEqual(scheduled?.changes, ['rot sampling 1 → 2']);
  assert.equal(applied?.summary, 'Weights changed from epoch 4, asked from the panel.');
  assert.deepEqual(applied?.changes, ['mnist loss 1 → 0.5']);
  assert.equal(requested?.summary, 'Weight change asked from the panel during epoch 3: applies when epoch 4 starts.');
  assert.equal(applied?.tone, 'change');
});

test('who asked is read from the request id: panel, command palette, balancer, or the CLI without one', () => {
  assert.equal(requestSource('panel-m1-2'), 'panel');
  assert.equal(requestSource('host-1733400000000'), 'command palette');
  assert.equal(requestSource('suggestion-8'), 'balancer');
  assert.equal(requestSource(undefined), 'CLI');
  const [applied] = newestFirst(fold([{ kind: 'weights-applied', time: at(1), epoch: 2, sampling: { mnist: 1, rot: 3 }, loss: { mnist: 1, rot: 1 } }]));
  assert.equal(applied?.summary, 'Weights changed from epoch 2, asked from the command line.');
  assert.deepEqual(applied?.changes, ['rot sampling 1 → 3']);
});

test('two requests applied at one epoch boundary make one entry that names both askers', () => {
  const weights = { sampling: { mnist: 2, rot: 1 }, loss: { mnist: 1, rot: 1 } };
  const timeline = fold([
    { kind: 'weights-applied', time: at(1), epoch: 5, ...weights, requestId: 'panel-a' },
    { kind: 'weights-applied', time: at(1), epoch: 5, ...weights, requestId: 'suggestion-4' },
  ]);
  assert.equal(timeline.entries.length, 1);
  assert.equal(timeline.entries[0]?.summary, 'Weights changed from epoch 5, asked from the panel; also asked by accepting the balancer’s suggestion.');
});

test('pauses, suggestions, divergence and the end of the run read as sentences; checkpoints are left out', () => {
  const summaries = newestFirst(
    fold([
      { kind: 'started', time: at(0), backend: 'cpu' },
      {
        kind: 'weights-suggested',
        time: at(1),
        epoch: 3,
        suggestionId: 'suggestion-3',
        balancer: 'gradnorm',
        loss: { rot: 1.5 },
        reason: 'rot trails in gradient norm.',
      },
      { kind: 'suggestion-decided', time: at(2), epoch: 3, suggestionId: 'suggestion-3', decision: 'edited', loss: { rot: 1.2 } },
      { kind: 'paused', time: at(3), epoch: 4, step: 7 },
      { kind: 'resumed', time: at(4), epoch: 4, step: 7 },
      { kind: 'checkpoint', time: at(5), epoch: 4, name: 'epoch-4', best: true },
      { kind: 'paused', time: at(6), epoch: 5, step: 1, reason: 'the run folder could not be written' },
      { kind: 'resumed-from-checkpoint', time: at(7), epoch: 4, checkpoint: 'epoch-4', skipped: [] },
      { kind: 'diverged', time: at(8), epoch: 6, step: 3, dataset: 'rot', message: 'loss became NaN' },
      { kind: 'failed', time: at(9), message: 'the run diverged' },
      { kind: 'stopped', time: at(10), epoch: 6 },
      { kind: 'completed', time: at(11) },
    ]),
  ).map((entry) => `${entry.tone}: ${entry.summary}`);
  assert.deepEqual(summaries, [
    'info: Training completed.',
    'info: Stopped after epoch 6.',
    'problem: Failed: the run diverged',
    'problem: Diverged in epoch 6 (rot): loss became NaN',
    'info: Resumed from checkpoint epoch-4 (after epoch 4).',
    'problem: Paused by the trainer in epoch 5: the run folder could not be written',
    'info: Resumed in epoch 4.',
    'info: Paused in epoch 4.',
    'info: The balancer’s suggestion of epoch 3 was accepted with changes.',
    'info: The gradnorm balancer suggested loss weights after epoch 3: rot trails in gradient norm.',
    'info: Training started on the cpu backend.',
  ]);
});

test('a refused change is a problem that names who asked and why', () => {
  const [refused] = newestFirst(fold([{ kind: 'weights-rejected', time: at(1), reason: 'all sampling weights are zero', requestId: 'host-1' }]));
  assert.equal(refused?.tone, 'problem');
  assert.equal(refused?.summary, 'Weight change asked from the command palette was refused: all sampling weights are zero.');
});

test('a request read at an epoch boundary (step 0) is said to apply as that epoch starts, not one later', () => {
  const timeline = emptyTimeline({ sampling: { a: 1 }, loss: { a: 1 } });
  foldTimeline(timeline, { kind: 'weights-requested', time: 't', epoch: 3, step: 0, change: { sampling: { a: 2 } } });
  foldTimeline(timeline, { kind: 'weights-requested', time: 't', epoch: 3, step: 5, change: { sampling: { a: 4 } } });
  assert.deepEqual(
    timeline.entries.map((entry) => entry.summary),
    [
      'Weight change asked from the command line before epoch 3: applies as it starts.',
      'Weight change asked from the command line during epoch 3: applies when epoch 4 starts.',
    ],
  );
});

test('a suggestion says who made it and what kind of change it is, lists each change and what it should do', () => {
  const [diagnostics, sampling] = newestFirst(
    fold([
      {
        kind: 'weights-suggested',
        time: at(1),
        epoch: 3,
        suggestionId: 'suggestion-3',
        balancer: 'sampling',
        sampling: { mnist: 0.8, rot: 1 },
        augment: ['rot'],
        dataset: 'rot',
        reason: 'rot is memorised (training accuracy 99.0% against 61.0% on validation) and has no augmentation: switch on its augmentation',
        expected: 'the gap between training and validation accuracy should narrow; its share of each batch 6.1% → 7.5%',
      },
      {
        kind: 'weights-suggested',
        time: at(2),
        epoch: 4,
        suggestionId: 'suggestion-4',
        balancer: 'diagnostics',
        loss: { mnist: 0.4, rot: 1 },
        dataset: 'mnist',
        reason: 'mnist takes 86% of the weighted loss — lower its loss weight 1.00 → 0.40',
        expected: 'its share of the weighted loss 86% → about 50%.',
      },
    ]),
  );
  assert.equal(
    sampling?.summary,
    'The sampling balancer suggested sampling weights and augmentation for rot after epoch 3: rot is memorised (training accuracy 99.0% against 61.0% on validation) and has no augmentation: switch on its augmentation. Expected: the gap between training and validation accuracy should narrow; its share of each batch 6.1% → 7.5%.',
  );
  assert.deepEqual(sampling?.changes, ['mnist sampling 1 → 0.8', 'rot augmentation off → on (auto preset)']);
  assert.equal(
    diagnostics?.summary,
    'The balance diagnostics suggested loss weights after epoch 4: mnist takes 86% of the weighted loss — lower its loss weight 1.00 → 0.40. Expected: its share of the weighted loss 86% → about 50%.',
  );
  assert.deepEqual(diagnostics?.changes, ['mnist loss 1 → 0.4']);
});

test('the answer to a suggestion of the diagnostics says “suggestion”, not “balancer’s”, and so do the weights it brings', () => {
  const summaries = fold([
    { kind: 'weights-suggested', time: at(1), epoch: 2, suggestionId: 'suggestion-2', balancer: 'dwa', loss: { rot: 2 }, reason: 'r' },
    { kind: 'suggestion-decided', time: at(2), epoch: 3, suggestionId: 'suggestion-2', decision: 'rejected' },
    { kind: 'weights-suggested', time: at(3), epoch: 3, suggestionId: 'suggestion-3', balancer: 'diagnostics', augment: ['rot'], reason: 'r' },
    { kind: 'suggestion-decided', time: at(4), epoch: 4, suggestionId: 'suggestion-3', decision: 'accepted', augment: ['rot'] },
    { kind: 'weights-suggested', time: at(5), epoch: 5, suggestionId: 'suggestion-5', balancer: 'diagnostics', loss: { mnist: 0.5, rot: 1 }, reason: 'r' },
    { kind: 'suggestion-decided', time: at(6), epoch: 6, suggestionId: 'suggestion-5', decision: 'edited', loss: { mnist: 0.6, rot: 1 } },
    { kind: 'weights-applied', time: at(7), epoch: 7, sampling: { mnist: 1, rot: 1 }, loss: { mnist: 0.6, rot: 1 }, requestId: 'suggestion-5' },
  ]).entries.filter((entry) => entry.kind !== 'weights-suggested');
  assert.deepEqual(
    summaries.map((entry) => entry.summary),
    [
      'The balancer’s suggestion of epoch 2 was rejected.',
      'The suggestion of epoch 3 was accepted.',
      'The suggestion of epoch 5 was accepted with changes.',
      'Weights changed from epoch 7, asked by accepting a suggestion of the balance diagnostics.',
    ],
  );
  assert.equal(requestSource('suggestion-5', { 'suggestion-5': 'diagnostics' }), 'suggestion');
  assert.equal(requestSource('suggestion-2', { 'suggestion-2': 'dwa' }), 'balancer');
});

test('the sampling balancer’s moves list each dataset’s share, old → new once a move is known, and the multipliers that changed', () => {
  const [second, first] = newestFirst(
    fold([
      {
        kind: 'sampling-balanced',
        time: at(1),
        epoch: 2,
        multipliers: { mnist: 1, rot: 1.25 },
        shares: { mnist: 0.925, rot: 0.075 },
        reason: "rot's validation loss 1.420 is 2.10× the datasets' mean: raise its sampling weight 1.00 → 1.25 (its share of each batch 6.1% → 7.5%)",
      },
      {
        kind: 'sampling-balanced',
        time: at(2),
        epoch: 3,
        multipliers: { mnist: 0.8, rot: 1.25 },
        shares: { mnist: 0.9075, rot: 0.0925 },
        reason: 'mnist is ahead.',
      },
    ]),
  );
  assert.equal(
    first?.summary,
    "The sampling balancer moved shares after epoch 2: rot's validation loss 1.420 is 2.10× the datasets' mean: raise its sampling weight 1.00 → 1.25 (its share of each batch 6.1% → 7.5%).",
  );
  assert.equal(first?.tone, 'change');
  assert.deepEqual(first?.changes, ['mnist share 92.5%', 'rot share 7.5% (sampling weight ×1 → ×1.25)']);
  assert.equal(second?.summary, 'The sampling balancer moved shares after epoch 3: mnist is ahead.');
  assert.deepEqual(second?.changes, ['mnist share 92.5% → 90.8% (sampling weight ×1 → ×0.8)', 'rot share 7.5% → 9.3%']);
});

test('augmentation switched on says for which dataset, from which epoch, why, and the preset', () => {
  const [on] = newestFirst(
    fold([
      {
        kind: 'augmentation-on',
        time: at(1),
        epoch: 5,
        dataset: 'rot',
        augment: { rotation: 10, width_shift: 0.1, height_shift: 0.1, zoom: 0.1 },
        reason: 'rot is memorised (training accuracy 99.0% against 61.0% on validation, a gap of 38 points) and has no augmentation',
      },
    ]),
  );
  assert.equal(
    on?.summary,
    'Augmentation switched on for rot from epoch 5: rot is memorised (training accuracy 99.0% against 61.0% on validation, a gap of 38 points) and has no augmentation.',
  );
  assert.equal(on?.epoch, 5, 'placed at the first epoch trained with it');
  assert.deepEqual(on?.changes, ['rot augmentation off → on (auto preset: rotation 10, width_shift 0.1, height_shift 0.1, zoom 0.1)']);
});

test('a start or resume names the GPU it trains on: the webgpu adapter, or (GPU) where tfjs reports one', () => {
  const gpu = { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070', software: false };
  const llvmpipe = { vendor: 'mesa', architecture: 'software', description: 'llvmpipe (LLVM 19.1.7, 256 bits)', software: true };
  const summaries = newestFirst(
    fold([
      { kind: 'started', time: at(0), backend: 'webgpu', adapter: gpu },
      { kind: 'resumed-from-checkpoint', time: at(1), epoch: 2, checkpoint: 'epoch-2', skipped: [], backend: 'tensorflow-gpu', usingGpu: true },
      { kind: 'resumed-from-checkpoint', time: at(2), epoch: 3, checkpoint: 'epoch-3', skipped: [], backend: 'webgpu', adapter: llvmpipe },
    ]),
  ).map((entry) => entry.summary);
  assert.deepEqual(summaries, [
    'Resumed from checkpoint epoch-3 (after epoch 3) on the webgpu backend on mesa llvmpipe (LLVM 19.1.7, 256 bits) (software).',
    'Resumed from checkpoint epoch-2 (after epoch 2) on the tensorflow-gpu backend (GPU).',
    'Training started on the webgpu backend on nvidia NVIDIA GeForce RTX 4070 (ada).',
  ]);
});
