import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LayerSpec } from '../../../src/shared/experiment/schema';
import { buildDeclaredModel } from '../../../src/trainer/model/jointModel';
import { UserError } from '../../../src/trainer/errors';

const dense = (units: number): LayerSpec => ({
  type: 'dense',
  units,
  activation: 'relu',
  use_bias: true,
  kernel_initializer: 'glorot_uniform',
  bias_initializer: 'zeros',
});

test('building a model whose stems end in different shapes at the trunk fails in jointrain’s words, at the odd stem’s last layer', () => {
  assert.throws(
    () =>
      buildDeclaredModel(
        {
          stems: { wide: { layers: [dense(16)] }, narrow: { layers: [dense(4), dense(8)] } },
          trunk: [dense(8)],
          heads: { kind: { task: 'classification', layers: [] } },
        },
        { wide: [3], narrow: [5] },
        { kind: { task: 'classification', units: 2 } },
        [
          { stem: 'wide', head: 'kind' },
          { stem: 'narrow', head: 'kind' },
        ],
        1,
        (path) => `exp.jointrain.yaml:9:7 ${path.join('.')}`,
      ),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(
        error.message,
        'exp.jointrain.yaml:9:7 model.stems.narrow.layers.1: the stems feeding the trunk end in different shapes (wide → [16], narrow → [8]), so they cannot share it',
      );
      assert.equal(error.hint, 'end every stem with a layer of the same output shape, e.g. a dense layer with the same number of units');
      return true;
    },
  );
});
