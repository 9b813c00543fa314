import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignSeries } from '../../../src/shared/panel/chartSeries';
import { downsampleMinMax } from '../../../src/shared/panel/downsample';
import { smoothDebiased } from '../../../src/shared/panel/smoothing';

test('debiased smoothing starts on the first value instead of climbing from zero', () => {
  const smoothed = smoothDebiased([10, 10, 10], 0.9);
  for (const value of smoothed) assert.ok(Math.abs(value - 10) < 1e-9);
});

test('debiased smoothing matches TensorBoard’s formula on a step', () => {
  const [a, b] = smoothDebiased([0, 1], 0.5);
  assert.equal(a, 0);
  // last = 0.5*0 + 0.5*1 = 0.5; debias 1 - 0.5^2 = 0.75
  assert.ok(Math.abs((b ?? 0) - 0.5 / 0.75) < 1e-12);
});

test('smoothing weight 0 leaves values unchanged and non-finite values pass through', () => {
  assert.deepEqual(smoothDebiased([3, 1, 2], 0), [3, 1, 2]);
  const out = smoothDebiased([1, Number.NaN, 1], 0.8);
  assert.ok(Number.isNaN(out[1]));
  assert.ok(Math.abs((out[2] ?? 0) - 1) < 1e-9);
});

test('min/max downsampling bounds the points and keeps the ends and every spike', () => {
  const points = Array.from({ length: 100_000 }, (_, i) => ({ x: i, y: Math.sin(i / 100) }));
  points[54_321] = { x: 54_321, y: 1000 };
  const cut = downsampleMinMax(points, 2000);
  assert.ok(cut.length <= 2000, `${cut.length} points`);
  assert.deepEqual(cut[0], points[0]);
  assert.deepEqual(cut[cut.length - 1], points[points.length - 1]);
  assert.ok(cut.some((p) => p.y === 1000));
  for (let i = 1; i < cut.length; i++) assert.ok((cut[i]?.x ?? 0) > (cut[i - 1]?.x ?? 0), 'x stays ascending');
});

test('short histories are not downsampled', () => {
  const points = [
    { x: 0, y: 1 },
    { x: 1, y: 2 },
  ];
  assert.deepEqual(downsampleMinMax(points, 2000), points);
});

test('series are aligned on the union of their x values with gaps as null', () => {
  const data = alignSeries([
    { dataset: 'a', metric: 'trainLoss', xs: [1, 2, 3], ys: [1, 2, 3] },
    { dataset: 'a', metric: 'valLoss', xs: [3], ys: [9] },
  ]);
  assert.deepEqual(data, [
    [1, 2, 3],
    [1, 2, 3],
    [null, null, 9],
  ]);
});
