import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../../../src/shared/random';
import { LossExplosionWatch, type LossExplosion } from '../../../src/trainer/loop/lossExplosion';

/** Feeds one dataset's losses, one per step; returns the first explosion and its step. */
function watch(losses: readonly number[]): { explosion: LossExplosion | undefined; step: number } {
  const watcher = new LossExplosionWatch(1);
  for (const [i, loss] of losses.entries()) {
    const explosion = watcher.observe(0, loss, { epoch: 1, step: i + 1 });
    if (explosion) return { explosion, step: i + 1 };
  }
  return { explosion: undefined, step: losses.length };
}

test('a loss that runs a hundredfold above its start for five steps is an explosion, dated from where it began', () => {
  const { explosion, step } = watch([0.7, 0.5, 0.65, 0.6, 300, 2e3, 1e4, 5e4, 1e5, 2e5, 3e5]);
  // Smoothed, the 300 at step 5 is still under the bound (100 × max(0.5, 1)); 2,000 at step 6 is not.
  assert.equal(step, 10);
  assert.equal(explosion?.baseline, 0.5);
  assert.equal(explosion?.bound, 100);
  assert.deepEqual(explosion?.since, { epoch: 1, step: 6 });
});

test('a loss that blows up, then alternates between huge and tiny batches (a dead network), is still caught', () => {
  const { explosion } = watch([0.8, 3.7e5, 1.4e6, 4.5e5, 0, 1.6e4, 0, 85, 0, 26]);
  assert.ok(explosion !== undefined);
  assert.deepEqual(explosion.since, { epoch: 1, step: 2 });
});

test('noisy training never raises the alarm: 10,000 steps of a falling loss with spikes up to 50 times its level', () => {
  const random = new Random(7);
  const losses = Array.from({ length: 10_000 }, (_, i) => (0.7 / (1 + i / 500)) * (random.nextFloat() < 0.01 ? 50 : 0.2 + 1.6 * random.nextFloat()));
  assert.equal(watch(losses).explosion, undefined);
});

test('one spike a thousand times the starting level is no explosion', () => {
  assert.equal(watch([0.7, 0.6, 0.5, 700, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]).explosion, undefined);
});

test('a loss that starts near zero may grow a hundredfold without an alarm while it stays small', () => {
  assert.equal(watch([0.001, 0.001, 0.001, ...Array.from({ length: 20 }, () => 0.5)]).explosion, undefined);
});

test('a non-finite loss is left to the non-finite check', () => {
  assert.equal(watch([0.7, Number.NaN, Number.POSITIVE_INFINITY, 0.6]).explosion, undefined);
});
