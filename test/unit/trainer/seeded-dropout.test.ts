import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLayer } from '../../../src/trainer/model/createLayer';
import { DropoutSeeds } from '../../../src/trainer/model/dropoutSeeds';

const masksOf = (layer: tf.layers.Layer, calls: number): number[][] =>
  Array.from({ length: calls }, () => Array.from((layer.apply(tf.ones([4, 8]), { training: true }) as tf.Tensor).dataSync()));

test('dropout draws its masks from the run’s seed and the step: the same in every run, new at every call and step', () => {
  const run = (seed: number, steps: number[]) => {
    const seeds = new DropoutSeeds(seed);
    const layer = createLayer({ type: 'dropout', rate: 0.5 }, 'drop', 1, seeds);
    return steps.map((step) => {
      seeds.beginStep(step);
      return masksOf(layer, 2);
    });
  };
  const first = run(5, [1, 2]);
  assert.deepEqual(run(5, [1, 2]), first, 'another run with the seed draws the same masks');
  assert.deepEqual(run(5, [2]), [first[1]], 'a run resumed at step 2 draws what the uninterrupted run drew there');
  const [stepOne, stepTwo] = first as [number[][], number[][]];
  assert.notDeepEqual(stepOne[0], stepOne[1], 'the second call of a step draws another mask');
  assert.notDeepEqual(stepOne[0], stepTwo[0], 'the next step draws other masks');
  assert.notDeepEqual(run(6, [1])[0], stepOne, 'another seed draws other masks');
  for (const value of stepOne.flat()) assert.ok(value === 0 || value === 2, `kept values are scaled by 1 / (1 − rate): ${value}`);
  const layer = createLayer({ type: 'dropout', rate: 0.5 }, 'inference', 1, new DropoutSeeds(5));
  assert.deepEqual(Array.from((layer.apply(tf.ones([2, 3]), { training: false }) as tf.Tensor).dataSync()), [1, 1, 1, 1, 1, 1], 'inference drops nothing');
});

test('a seeded dropout saves as tfjs’s own Dropout, without a seed, so a saved model loads with tfjs alone', async () => {
  const seeds = new DropoutSeeds(5);
  seeds.beginStep(1);
  const input = tf.input({ shape: [3] });
  const layer = createLayer({ type: 'dropout', rate: 0.25 }, 'drop', 1, seeds);
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(layer.apply(input)) as tf.SymbolicTensor });
  layer.apply(tf.ones([1, 3]), { training: true });
  const topology = model.toJSON(undefined, false) as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
  const saved = topology.config.layers.find((entry) => entry.config.name === 'drop');
  assert.equal(saved?.class_name, 'Dropout');
  assert.equal(saved?.config.rate, 0.25);
  assert.ok(!('seed' in (saved?.config ?? {})), 'no seed is saved');
  const reloaded = await tf.models.modelFromJSON(topology as unknown as tf.io.ModelJSON['modelTopology'] as never);
  assert.equal(reloaded.getLayer('drop').getClassName(), 'Dropout');
});
