import * as tf from '@tensorflow/tfjs';
import type { AugmentSpec } from '../../shared/experiment/schema';
import type { Random } from '../../shared/random';
import { drawAugmentParams, inverseTransformRow, type AugmentParams } from './augmentParams';

/**
 * Augments a training batch [batch, h, w, c] with batched tensor ops on the current backend. Random
 * parameters are drawn per sample from `random`. Returns a new tensor the caller owns.
 */
export function augmentBatch(images: tf.Tensor4D, spec: AugmentSpec, random: Random): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  return applyAugmentParams(images, drawAugmentParams(batch, height, width, spec, random), { mode: spec.fill_mode, value: spec.fill_value });
}

/** What a geometric transform puts where it uncovers the image's edge. */
export interface Fill {
  mode: AugmentSpec['fill_mode'];
  /** For `constant`, in scaled pixel units. */
  value: number;
}

const NEAREST: Fill = { mode: 'nearest', value: 0 };

/**
 * Rotation, shift, shear, zoom and flips are one projective transform per sample (bilinear;
 * points outside the image are filled by `fill`: by default the nearest edge pixel, as Keras'
 * ImageDataGenerator does, which avoids black corners whatever the pixel scale). Then brightness,
 * contrast and gaussian noise. Values are not clipped.
 */
export function applyAugmentParams(images: tf.Tensor4D, params: AugmentParams, fill: Fill = NEAREST): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  return tf.tidy(() => {
    let x = images;
    if (params.geometry) {
      const rows = params.geometry.flatMap((geometry) => inverseTransformRow(geometry, height, width));
      x = projectiveTransform(x, tf.tensor2d(rows, [batch, 8]), fill);
    }
    if (params.brightness) x = tf.add(x, perSample(params.brightness));
    if (params.contrast) {
      const mean = tf.mean(x, [1, 2, 3], true);
      x = tf.add(tf.mul(tf.sub(x, mean), perSample(params.contrast)), mean);
    }
    if (params.noise) x = tf.add(x, tf.randomNormal(x.shape, 0, params.noise.std, 'float32', params.noise.seed));
    // A clone, so the caller owns the result separately from the input even when nothing changed.
    return x === images ? images.clone() : x;
  });
}

/**
 * tfjs-backend-cpu 4.22's Transform kernel returns from inside its batch loop, so only the first
 * image is transformed and the rest are left at the fill value. On cpu each sample therefore
 * goes through the op alone; every other backend (wasm, webgl, tfjs-node) takes the whole batch.
 */
function projectiveTransform(images: tf.Tensor4D, transforms: tf.Tensor2D, fill: Fill): tf.Tensor4D {
  const transform = (x: tf.Tensor4D, rows: tf.Tensor2D) => tf.image.transform(x, rows, 'bilinear', fill.mode, fill.value);
  if (tf.getBackend() !== 'cpu' || images.shape[0] === 1) return transform(images, transforms);
  const batch = images.shape[0];
  const samples = tf.split(images, batch) as tf.Tensor4D[];
  const rows = tf.split(transforms, batch);
  return tf.concat(samples.map((sample, i) => transform(sample, rows[i] as tf.Tensor2D)));
}

function perSample(values: readonly number[]): tf.Tensor4D {
  return tf.tensor4d(values as number[], [values.length, 1, 1, 1]);
}
