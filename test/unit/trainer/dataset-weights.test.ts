import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExperiment } from '../../../src/shared/experiment/parse';
import type { Experiment } from '../../../src/shared/experiment/schema';
import type { RunEvent } from '../../../src/shared/runs/format';
import { DatasetWeights } from '../../../src/trainer/training/datasetWeights';

/** Two datasets: `big` (loss weight 1 from a linear schedule 1 → 0.25 over epochs 1–4) and `small`; the temperature follows a step schedule. */
function experiment(): Experiment {
  const yaml = [
    'version: 1',
    'datasets:',
    '  - { name: big, type: images, path: data/big, image: { size: [8, 8] }, loss_weight_schedule: { type: linear, from: 1, to: 0.25, end_epoch: 4 } }',
    '  - { name: small, type: images, path: data/small, image: { size: [8, 8] }, sampling_weight: 2, loss_weight: 3 }',
    'mixing: { strategy: temperature, temperature: 2, temperature_schedule: { type: step, from: 2, to: 4, end_epoch: 3 } }',
    'model: { stems: { image: {} }, heads: { digit: { task: classification } } }',
    '',
  ].join('\n');
  const parsed = parseExperiment(yaml, 'weights.jointrain.yaml');
  assert.deepEqual(parsed.issues, []);
  return parsed.experiment as Experiment;
}

function weightsWith(multipliers: number[] = [1, 1]) {
  const events: RunEvent[] = [];
  const weights = new DatasetWeights(
    experiment(),
    ['big', 'small'],
    (d) => multipliers[d] ?? 1,
    (event) => events.push(event),
  );
  const kinds = () => events.splice(0).map((event) => (event.kind === 'weights-applied' ? `${event.kind} ${event.requestId ?? ''}`.trim() : event.kind));
  return { weights, events, kinds };
}

test('each epoch starts with the schedules’ weights and temperature; a change is announced once', () => {
  const { weights, events } = weightsWith();
  assert.deepEqual(weights.startEpoch(1), { sampling: { big: 1, small: 2 }, loss: { big: 1, small: 3 }, temperature: 2 });
  assert.equal(events.length, 0, 'epoch 1 is as written: nothing to announce');
  assert.deepEqual(weights.startEpoch(2).loss, { big: 0.75, small: 3 });
  assert.deepEqual(
    events.map((event) => (event.kind === 'weights-scheduled' ? { kind: event.kind, loss: event.loss } : { kind: event.kind })),
    [{ kind: 'weights-scheduled', loss: { big: 0.75 } }],
  );
  assert.equal(weights.startEpoch(3).temperature, 4);
});

test('a request waits for the boundary, then wins over the schedule and ends it', () => {
  const { weights, kinds } = weightsWith();
  weights.startEpoch(1);
  assert.equal(weights.request({ loss: { big: 0.5 } }, 'r1'), undefined);
  assert.equal(weights.current.loss.big, 1, 'not before the boundary');
  assert.equal(weights.stepLossWeight(0), 1);
  assert.deepEqual(weights.startEpoch(2).loss, { big: 0.5, small: 3 });
  assert.deepEqual(kinds(), ['weights-scheduled', 'weights-applied r1']);
  assert.deepEqual(weights.startEpoch(3).loss, { big: 0.5, small: 3 }, 'the schedule ended with the change by hand');
  assert.match(weights.request({ loss: { big: 0, small: 0 } }) ?? '', /loss weights would all be zero/);
});

test('a step’s loss weight is the weight in force times the balancer’s multiplier', () => {
  const { weights } = weightsWith([0.5, 4]);
  weights.startEpoch(1);
  assert.deepEqual([weights.stepLossWeight(0), weights.stepLossWeight(1)], [0.5, 12]);
});

test('state and restore carry the weights, the waiting change, the ended schedules and the temperature', () => {
  const { weights } = weightsWith();
  weights.startEpoch(1);
  weights.request({ sampling: { small: 5 } }, 'r1');
  weights.request({ loss: { big: 2 } }, 'r2');
  weights.startEpoch(2);
  weights.startEpoch(3);
  weights.request({ loss: { small: 1 } }, 'r3');
  const saved = weights.state();
  assert.deepEqual(saved, {
    sampling: { big: 1, small: 5 },
    loss: { big: 2, small: 3 },
    pending: { change: { sampling: {}, loss: { small: 1 } }, requestIds: ['r3'] },
    schedulesEnded: ['loss/big'],
    temperature: 4,
  });

  const { weights: resumed, kinds } = weightsWith();
  resumed.restore(structuredClone(saved));
  assert.deepEqual(resumed.state(), saved);
  assert.deepEqual(resumed.startEpoch(4), { sampling: { big: 1, small: 5 }, loss: { big: 2, small: 1 }, temperature: 4 });
  assert.deepEqual(kinds(), ['weights-applied r3'], 'no schedule comes back, the temperature is not announced again');
});
