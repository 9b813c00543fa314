/**
 * The shapes the file checks compute for each layer (src/shared/experiment/modelSize.ts, which
 * `validate` and the editor use to refuse stems that end in different shapes) are tfjs's own.
 */
import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outputShape } from '../../../src/shared/experiment/modelSize';
import type { LayerSpec } from '../../../src/shared/experiment/schema';
import { createLayer } from '../../../src/trainer/model/createLayer';

const init = { use_bias: true, kernel_initializer: 'glorot_uniform', bias_initializer: 'zeros' } as const;

function layers(): LayerSpec[] {
  const specs: LayerSpec[] = [];
  for (const padding of ['valid', 'same'] as const) {
    for (const kernel_size of [1, 3, 5, [3, 2]] as Array<number | [number, number]>) {
      for (const strides of [1, 2, 3, [2, 1]] as Array<number | [number, number]>)
        specs.push({ type: 'conv2d', filters: 4, kernel_size, strides, padding, activation: 'relu', ...init });
    }
    for (const type of ['max_pooling2d', 'average_pooling2d'] as const) {
      for (const pool_size of [2, 3, [2, 3]] as Array<number | [number, number]>) {
        for (const strides of [undefined, 1, 2, [1, 2]] as Array<number | [number, number] | undefined>) {
          specs.push({ type, pool_size, padding, ...(strides === undefined ? {} : { strides }) } as LayerSpec);
        }
      }
    }
  }
  specs.push(
    { type: 'flatten' },
    { type: 'global_average_pooling2d' },
    { type: 'global_max_pooling2d' },
    { type: 'dense', units: 6, activation: 'linear', ...init },
  );
  specs.push(
    { type: 'batch_normalization' } as LayerSpec,
    { type: 'layer_normalization' } as LayerSpec,
    { type: 'dropout', rate: 0.5 },
    { type: 'activation', activation: 'tanh' },
  );
  return specs;
}

test('every layer type turns every input into the shape tfjs gives it', () => {
  let compared = 0;
  for (const input of [
    [7, 9, 1],
    [8, 8, 3],
    [13, 5, 2],
    [28, 28, 1],
  ]) {
    for (const [index, spec] of layers().entries()) {
      const expected = outputShape([spec], input);
      if (expected.some((size) => size <= 0)) continue;
      const layer = createLayer(spec, `shape_${compared}_${index}`, 1);
      const actual = (layer.apply(tf.input({ shape: input })) as tf.SymbolicTensor).shape.slice(1);
      assert.deepEqual(expected, actual, `${JSON.stringify(spec)} on [${input.join(',')}]`);
      compared++;
    }
  }
  assert.ok(compared > 300, `${compared} layers compared`);
});
