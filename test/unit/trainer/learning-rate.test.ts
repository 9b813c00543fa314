import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TrainingSchema, type LrScheduleSpec } from '../../../src/shared/experiment/schema';
import type { RunEvent } from '../../../src/shared/runs/format';
import { scheduledLearningRate } from '../../../src/shared/learningRateSchedule';
import { LearningRate, type LearningRateState } from '../../../src/trainer/training/learningRate';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);
const rates = (schedule: LrScheduleSpec | undefined, base: number, epochs: number) =>
  Array.from({ length: epochs }, (_, i) => scheduledLearningRate(schedule, base, i + 1, epochs));

describe('scheduled learning rates, by hand', () => {
  test('step: the rate halves every 2 epochs', () => {
    rates({ type: 'step', every_epochs: 2, factor: 0.5 }, 0.1, 5).forEach((rate, i) => close(rate, [0.1, 0.1, 0.05, 0.05, 0.025][i] as number));
  });

  test('exponential: × 0.9 at every epoch after the first', () => {
    rates({ type: 'exponential', factor: 0.9 }, 0.1, 3).forEach((rate, i) => close(rate, [0.1, 0.09, 0.081][i] as number));
  });

  test('cosine with 2 warm-up epochs over 6: up linearly, then down half a cosine to the minimum at the last epoch', () => {
    // Epochs 4 and 5 are 1/3 and 2/3 of the way: min + (base − min)·(1 + cos(π/3))/2 = 0.001 + 0.009·0.75, and ·0.25.
    const expected = [0.005, 0.01, 0.01, 0.00775, 0.00325, 0.001];
    rates({ type: 'cosine', warmup_epochs: 2, min_learning_rate: 0.001 }, 0.01, 6).forEach((rate, i) => close(rate, expected[i] as number));
  });

  test('cosine without warm-up over one epoch trains at the written rate; constant and plateau give the written rate', () => {
    close(scheduledLearningRate({ type: 'cosine', warmup_epochs: 0, min_learning_rate: 0 }, 0.01, 1, 1), 0.01);
    assert.deepEqual(rates(undefined, 0.3, 2), [0.3, 0.3]);
    assert.deepEqual(rates({ type: 'constant' }, 0.3, 2), [0.3, 0.3]);
  });
});

function owner(training: Record<string, unknown>) {
  const events: RunEvent[] = [];
  const spec = TrainingSchema.parse({ epochs: 10, optimizer: { learning_rate: 0.1 }, ...training });
  return { rate: new LearningRate(spec, (event) => events.push(event)), events };
}

const PLATEAU = { type: 'reduce_on_plateau', monitor: 'val_loss_mean', patience: 2, factor: 0.5, cooldown: 1, min_learning_rate: 0.02 };

describe('the learning rate in force', () => {
  test('reduce_on_plateau: two epochs without improvement halve it for the next epoch, then a cooldown epoch counts nothing, and it stops at the minimum', () => {
    const { rate, events } = owner({ lr_schedule: PLATEAU });
    const losses = [1.0, 1.1, 1.05, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7];
    const inForce: number[] = [];
    losses.forEach((loss, i) => {
      inForce.push(rate.startEpoch(i + 1));
      rate.epochEnd(loss);
    });
    // Epochs 2, 3 stall → 0.05 from epoch 4; epoch 4 is the cooldown; 5, 6 stall → 0.025 from 7; cooldown 7; 8, 9 stall → 0.02 (the minimum) from 10.
    assert.deepEqual(inForce, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025]);
    assert.equal(rate.startEpoch(10), 0.02);
    const changes = events.filter((event) => event.kind === 'learning-rate');
    assert.deepEqual(
      changes.map((event) => [event.epoch, event.previous, event.learningRate, event.cause]),
      [
        [4, 0.1, 0.05, 'plateau'],
        [7, 0.05, 0.025, 'plateau'],
        [10, 0.025, 0.02, 'plateau'],
      ],
    );
    assert.equal(
      changes[0]?.kind === 'learning-rate' && changes[0].reason,
      'val_loss_mean (the mean validation loss over datasets) has not improved for 2 epochs (its best is 1)',
    );
  });

  test('an improvement resets the count, and accuracy monitors improve upwards', () => {
    const { rate } = owner({ lr_schedule: { ...PLATEAU, monitor: 'val_accuracy_worst', cooldown: 0 } });
    [0.5, 0.4, 0.6, 0.55, 0.58].forEach((accuracy, i) => {
      rate.startEpoch(i + 1);
      rate.epochEnd(accuracy);
    });
    assert.equal(rate.startEpoch(6), 0.05, 'epochs 4 and 5 stalled below 0.6');
  });

  test('a request applies at the next boundary, is an event with its request id, and ends a time-based schedule', () => {
    const { rate, events } = owner({ lr_schedule: { type: 'step', every_epochs: 1, factor: 0.5 } });
    assert.equal(rate.startEpoch(1), 0.1);
    assert.equal(rate.startEpoch(2), 0.05);
    assert.equal(rate.request(0.3, 'host-7'), undefined);
    assert.equal(rate.inForce, 0.05, 'not before the boundary');
    assert.equal(rate.startEpoch(3), 0.3);
    assert.equal(rate.startEpoch(4), 0.3, 'the schedule ended');
    const last = events.at(-1);
    assert.deepEqual(last?.kind === 'learning-rate' && [last.epoch, last.previous, last.learningRate, last.cause, last.requestId], [
      3,
      0.025,
      0.3,
      'request',
      'host-7',
    ]);
    assert.match(rate.request(0, 'x') ?? '', /must be a positive number/);
  });

  test('a resumed part continues exactly: the same rates and events as an uninterrupted one', () => {
    const losses = [1, 1.1, 1.2, 0.9, 1.0, 1.1, 1.2, 1.3];
    const run = (resumeAfter?: number) => {
      let { rate, events } = owner({ lr_schedule: PLATEAU });
      const inForce: number[] = [];
      losses.forEach((loss, i) => {
        if (resumeAfter !== undefined && i === resumeAfter) {
          const saved = JSON.parse(JSON.stringify(rate.state())) as LearningRateState;
          const fresh = owner({ lr_schedule: PLATEAU });
          fresh.rate.restore(saved);
          fresh.events.push(...events);
          ({ rate, events } = fresh);
        }
        inForce.push(rate.startEpoch(i + 1));
        rate.epochEnd(loss);
      });
      return { inForce, events: events.map((event) => ({ ...event, time: '' })) };
    };
    const whole = run();
    assert.ok(
      whole.inForce.some((value) => value < 0.1),
      'the plateau reduced it at least once',
    );
    for (const at of [2, 3, 4, 6]) assert.deepEqual(run(at), whole, `resumed after epoch ${at}`);
  });
});
