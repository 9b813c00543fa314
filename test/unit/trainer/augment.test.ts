import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Random } from '../../../src/shared/random';
import { applyAugmentParams, augmentBatch } from '../../../src/trainer/data/augment';
import { drawAugmentParams, type SampleGeometry } from '../../../src/trainer/data/augmentParams';
import type { AugmentSpec } from '../../../src/shared/experiment/schema';
import { imageSpec } from './data-fixtures';

const still: SampleGeometry = { rotation: 0, shiftX: 0, shiftY: 0, shear: 0, zoom: 1, flipHorizontal: false, flipVertical: false };
/** An augment section with the schema's defaults filled in. */
function augmentSpec(fields: Record<string, unknown>): AugmentSpec {
  const spec = imageSpec({ augment: fields }).augment;
  assert.ok(spec && spec !== 'auto');
  return spec;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= tolerance, `at ${i}: ${actual[i]} ≠ ${expected[i]}`);
  }
}

/** A batch whose every value differs: [batch, h, w, c] filled with 0, 1, 2, ... */
function ramp(shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(
    () =>
      tf
        .range(
          0,
          shape.reduce((a, b) => a * b, 1),
        )
        .reshape(shape) as tf.Tensor4D,
  );
}

for (const backend of ['cpu', 'wasm']) {
  describe(`augmentation on the ${backend} backend`, () => {
    before(async () => {
      assert.ok(await tf.setBackend(backend));
      await tf.ready();
    });

    test('a configuration without augmentation returns the values unchanged in a tensor the caller owns', () => {
      const images = ramp([2, 4, 5, 3]);
      const out = augmentBatch(images, augmentSpec({}), new Random(1));
      assert.notEqual(out, images);
      assert.deepEqual(out.shape, images.shape);
      assert.deepEqual(Array.from(out.dataSync()), Array.from(images.dataSync()));
      tf.dispose([images, out]);
    });

    test('a horizontal flip mirrors each row exactly and a vertical flip each column', () => {
      const images = ramp([2, 4, 5, 3]);
      const horizontal = applyAugmentParams(images, { geometry: [0, 1].map(() => ({ ...still, flipHorizontal: true })) });
      const vertical = applyAugmentParams(images, { geometry: [0, 1].map(() => ({ ...still, flipVertical: true })) });
      const mirrored = tf.reverse(images, 2);
      const upsideDown = tf.reverse(images, 1);
      assertClose(horizontal.dataSync(), mirrored.dataSync());
      assertClose(vertical.dataSync(), upsideDown.dataSync());
      tf.dispose([images, horizontal, vertical, mirrored, upsideDown]);
    });

    test('a 90° rotation turns the image counter-clockwise about its centre', () => {
      const images = ramp([1, 4, 4, 1]);
      const rotated = applyAugmentParams(images, { geometry: [{ ...still, rotation: 90 }] });
      // numpy.rot90 of [[0..3], [4..7], [8..11], [12..15]]: the right column becomes the top row.
      assertClose(rotated.dataSync(), [3, 7, 11, 15, 2, 6, 10, 14, 1, 5, 9, 13, 0, 4, 8, 12], 1e-4);
      tf.dispose([images, rotated]);
    });

    test('a shift moves content right and down, filling from the nearest edge', () => {
      const images = ramp([1, 1, 4, 1]);
      const shifted = applyAugmentParams(images, { geometry: [{ ...still, shiftX: 1 }] });
      assertClose(shifted.dataSync(), [0, 0, 1, 2]);
      tf.dispose([images, shifted]);
    });

    test('the fill mode decides what a shift uncovers: the edge pixel, a constant or the wrapped-around row', () => {
      const images = ramp([1, 1, 4, 1]);
      const shift = { geometry: [{ ...still, shiftX: 2 }] };
      const filled = (mode: 'nearest' | 'constant' | 'wrap', value = 0) => {
        const out = applyAugmentParams(images, shift, { mode, value });
        const values = Array.from(out.dataSync());
        out.dispose();
        return values;
      };
      assertClose(filled('nearest'), [0, 0, 0, 1]);
      assertClose(filled('constant', 0.5), [0.5, 0.5, 0, 1]);
      assertClose(filled('wrap'), [2, 3, 0, 1]);
      images.dispose();
    });

    test('an experiment’s fill_mode and fill_value reach the transform', () => {
      const images = tf.ones([8, 6, 6, 1]) as tf.Tensor4D;
      // A large shift always uncovers part of each image: with a constant fill of -1 those pixels show it.
      const out = augmentBatch(images, augmentSpec({ width_shift: 0.5, fill_mode: 'constant', fill_value: -1 }), new Random(3));
      const values = Array.from(out.dataSync());
      assert.ok(
        values.some((value) => value < 0),
        'uncovered pixels take fill_value',
      );
      assert.ok(values.every((value) => value >= -1 - 1e-6 && value <= 1 + 1e-6));
      tf.dispose([images, out]);
    });

    test('brightness adds and contrast scales around each sample mean', () => {
      const images = tf.tensor4d([0, 1, 2, 3, 10, 10, 10, 10], [2, 2, 2, 1]);
      const brighter = applyAugmentParams(images, { brightness: [0.5, -1] });
      assertClose(brighter.dataSync(), [0.5, 1.5, 2.5, 3.5, 9, 9, 9, 9]);
      const contrasted = applyAugmentParams(images, { contrast: [2, 0.5] });
      assertClose(contrasted.dataSync(), [-1.5, 0.5, 2.5, 4.5, 10, 10, 10, 10]);
      tf.dispose([images, brighter, contrasted]);
    });

    test('noise has the configured standard deviation and is reproducible from the seed', () => {
      const images = tf.zeros([16, 16, 16, 1]) as tf.Tensor4D;
      const spec = augmentSpec({ noise: 0.2 });
      const noisy = augmentBatch(images, spec, new Random(4));
      const again = augmentBatch(images, spec, new Random(4));
      const moments = tf.moments(noisy);
      const std = Math.sqrt(moments.variance.dataSync()[0] as number);
      assert.ok(Math.abs(std - 0.2) < 0.01, `std ${std}`);
      assert.ok(Math.abs(moments.mean.dataSync()[0] as number) < 0.01);
      assert.deepEqual(Array.from(again.dataSync()), Array.from(noisy.dataSync()));
      tf.dispose([images, noisy, again, moments.mean, moments.variance]);
    });

    test('the transform op runs only when a geometric augmentation is configured', async () => {
      const images = ramp([2, 4, 4, 1]);
      const kernels = async (fields: Record<string, unknown>) => (await tf.profile(() => augmentBatch(images, augmentSpec(fields), new Random(2)))).kernelNames;
      assert.ok(!(await kernels({ brightness: 0.1, contrast: 0.1 })).includes('Transform'));
      assert.ok((await kernels({ rotation: 10 })).includes('Transform'));
      images.dispose();
    });

    test('augmenting every option keeps the shape and leaves no tensor behind', () => {
      const images = ramp([8, 6, 6, 3]);
      const spec = augmentSpec({
        rotation: 20,
        width_shift: 0.1,
        height_shift: 0.1,
        shear: 10,
        zoom: 0.2,
        horizontal_flip: true,
        vertical_flip: true,
        brightness: 0.1,
        contrast: 0.2,
        noise: 0.05,
      });
      const random = new Random(6);
      const before = tf.memory().numTensors;
      for (let step = 0; step < 3; step++) {
        const out = augmentBatch(images, spec, random);
        assert.deepEqual(out.shape, [8, 6, 6, 3]);
        assert.ok(Array.from(out.dataSync()).every(Number.isFinite));
        out.dispose();
      }
      assert.equal(tf.memory().numTensors, before);
      images.dispose();
    });
  });
}

test('parameters are drawn within the configured ranges, per sample, reproducibly by seed', () => {
  const spec = augmentSpec({ rotation: 15, width_shift: 0.25, height_shift: 0.5, zoom: 0.1, horizontal_flip: true, brightness: 0.2 });
  const params = drawAugmentParams(400, 10, 20, spec, new Random(8));
  assert.deepEqual(drawAugmentParams(400, 10, 20, spec, new Random(8)), params);
  const geometry = params.geometry ?? [];
  assert.equal(geometry.length, 400);
  assert.ok(geometry.every((g) => Math.abs(g.rotation) <= 15 && Math.abs(g.shiftX) <= 5 && Math.abs(g.shiftY) <= 5 && g.zoom >= 0.9 && g.zoom <= 1.1));
  assert.ok(geometry.every((g) => g.shear === 0 && !g.flipVertical));
  const flipped = geometry.filter((g) => g.flipHorizontal).length;
  assert.ok(flipped > 150 && flipped < 250, `flipped ${flipped}`);
  assert.ok(new Set(geometry.map((g) => g.rotation)).size > 390);
  assert.ok((params.brightness ?? []).every((b) => Math.abs(b) <= 0.2));
  assert.equal(params.contrast, undefined);
  assert.equal(params.noise, undefined);
});
