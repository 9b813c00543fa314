import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LayerSchema, type LayerSpec } from '../../../src/shared/experiment/schema';
import { createLayer } from '../../../src/trainer/model/createLayer';

/** The kernel and bias a declared layer starts with, built on an input of `inputShape`. */
function startingWeights(fields: Record<string, unknown>, inputShape: number[], seed = 11): { kernel: tf.Tensor; bias: tf.Tensor } {
  const spec = LayerSchema.parse(fields) as LayerSpec;
  const layer = createLayer(spec, 'layer', seed);
  layer.build(inputShape);
  const [kernel, bias] = layer.getWeights();
  assert.ok(kernel && bias);
  return { kernel, bias };
}

const values = (tensor: tf.Tensor) => Array.from(tensor.dataSync());

test('a layer starts as Keras does unless told otherwise: glorot-uniform kernel (seeded), zero bias', () => {
  const { kernel, bias } = startingWeights({ type: 'dense', units: 16 }, [null as unknown as number, 32]);
  const expected = tf.initializers.glorotUniform({ seed: 11 }).apply([32, 16]);
  assert.deepEqual(values(kernel), values(expected));
  assert.ok(values(bias).every((value) => value === 0));
});

test('kernel_initializer and bias_initializer choose the start of a dense or conv layer, seeded', () => {
  const dense = startingWeights({ type: 'dense', units: 64, kernel_initializer: 'he_normal', bias_initializer: 'ones' }, [null as unknown as number, 200]);
  assert.deepEqual(values(dense.kernel), values(tf.initializers.heNormal({ seed: 11 }).apply([200, 64])));
  assert.ok(values(dense.bias).every((value) => value === 1));
  // He-normal: a truncated normal of variance 2 / fan_in, so the sample standard deviation is near √(2/200) × 0.88.
  const std = Math.sqrt(tf.moments(dense.kernel).variance.dataSync()[0] as number);
  assert.ok(Math.abs(std - Math.sqrt(2 / 200) * 0.88) < 0.01, `std ${std}`);

  const conv = startingWeights({ type: 'conv2d', filters: 4, kernel_size: 3, kernel_initializer: 'zeros', use_bias: true }, [
    null as unknown as number,
    8,
    8,
    2,
  ]);
  assert.ok(values(conv.kernel).every((value) => value === 0));
  assert.equal(conv.kernel.shape.join('x'), '3x3x2x4');
});

test('a random bias does not repeat the kernel’s values (its own seed)', () => {
  const { kernel, bias } = startingWeights({ type: 'dense', units: 8, kernel_initializer: 'lecun_uniform', bias_initializer: 'lecun_uniform' }, [
    null as unknown as number,
    1,
  ]);
  assert.notDeepEqual(values(kernel), values(bias));
});

test('an unknown initializer is refused with the ones there are', () => {
  const parsed = LayerSchema.safeParse({ type: 'dense', units: 4, kernel_initializer: 'orthogonal' });
  assert.equal(parsed.success, false);
  assert.match(JSON.stringify(parsed.error?.issues), /glorot_uniform/);
});
