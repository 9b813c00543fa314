import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wouldSplitInner } from '../../../src/trainer/backend/webgpuKernels';

test('the products tfjs-backend-webgpu would split along their inner dimension are the long, few-tile ones', () => {
  const eight = 8;
  // A dense layer's forward product: batch 64 × 6272 inputs × 128 units is 2·4 = 8 tiles of 32×32.
  assert.equal(wouldSplitInner([64, 6272], [6272, 128], {}, eight), true);
  assert.equal(wouldSplitInner([256, 6272], [6272, 128], {}, eight), false, '32 tiles: enough workgroups without splitting');
  assert.equal(wouldSplitInner([64, 1999], [1999, 128], {}, eight), false, 'an inner dimension under 2000');
  assert.equal(wouldSplitInner([2, 6272], [6272, 64], {}, eight), false, '128 outputs: reduced in one workgroup instead');
  assert.equal(wouldSplitInner([3, 6272], [6272, 64], {}, eight), true, 'a few rows: up to twice the tiles');
  assert.equal(wouldSplitInner([2, 64, 6272], [2, 6272, 128], {}, eight), false, 'a batch of matrices is never split');
  // The weight gradient of that layer, xᵀ·dy: its inner dimension is the batch.
  assert.equal(wouldSplitInner([64, 6272], [64, 128], { transposeA: true }, eight), false);
  assert.equal(wouldSplitInner([64, 6272], [128, 6272], { transposeB: true }, eight), true, 'the inner dimension read through transposeB');
  assert.equal(wouldSplitInner([64, 6272], [6272, 256], {}, eight), false, '16 tiles');
  assert.equal(wouldSplitInner([64, 6272], [6272, 256], {}, 16), true, 'a newer Intel GPU counts 16 tiles as few');
});
