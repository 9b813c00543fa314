/**
 * wasm's own MaxPoolGrad (tfjs 4.22) sends the gradient of a window whose values are all negative
 * to the wrong position (its running maximum evidently starts at 0, not −∞), so max pooling after
 * a linear conv trains differently from cpu. This replaces it. For each window offset (i, j) the
 * view of x at that offset is compared with the pooled output; the first offset that matches in
 * row-major order takes dy, as on cpu, and the shares are placed back on the input grid.
 */
import * as tf from '@tensorflow/tfjs';
import { composedKernel, pair } from './composedKernel';

export const maxPoolGrad = composedKernel(tf.MaxPoolGrad, (inputs, attrs) => {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const x = inputs.input as tf.Tensor4D;
  const pooled = inputs.output as tf.Tensor4D;
  const dy = inputs.dy as tf.Tensor4D;
  const info = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, dimRoundingMode);
  const [fh, fw] = pair(filterSize);
  const [sh, sw] = pair(strides);
  const [batch, height, width, channels] = x.shape;
  const { top, left } = info.padInfo;
  const { outHeight, outWidth } = info;
  if (sh === fh && sw === fw && outHeight * fh === height && outWidth * fw === width) {
    return tiledWindowsGrad(x, pooled, dy, fh, fw);
  }
  const canvasH = Math.max(top + height, fh - 1 + outHeight * sh);
  const canvasW = Math.max(left + width, fw - 1 + outWidth * sw);
  const padded = tf.pad(x, [[0, 0], [top, canvasH - top - height], [left, canvasW - left - width], [0, 0]], -Infinity);
  let claimed = tf.zerosLike(pooled).cast('bool');
  let dx = tf.zeros([batch, canvasH, canvasW, channels]);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const view = tf.stridedSlice(padded, [0, i, j, 0], [batch, i + (outHeight - 1) * sh + 1, j + (outWidth - 1) * sw + 1, channels], [1, sh, sw, 1]);
      const takes = tf.logicalAnd(tf.equal(view, pooled), tf.logicalNot(claimed));
      claimed = tf.logicalOr(claimed, takes);
      const share = tf.where(takes, dy, tf.zerosLike(dy));
      const spread = tf.reshape(
        tf.pad(tf.reshape(share, [batch, outHeight, 1, outWidth, 1, channels]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]),
        [batch, outHeight * sh, outWidth * sw, channels],
      );
      dx = tf.add(dx, tf.pad(spread, [[0, 0], [i, canvasH - i - outHeight * sh], [j, canvasW - j - outWidth * sw], [0, 0]]));
    }
  }
  return tf.slice(dx, [0, top, left, 0], [batch, height, width, channels]);
});

/**
 * The common case — windows that tile x exactly (stride = pool size, no padding) — needs no
 * strided views: with x reshaped to [b·oh, fh, ow, fw·c], the view at offset (i, j) is a rank-4
 * slice whose rows are whole channel vectors, and dx is the shares concatenated back in place.
 * Rank 4 matters: wasm slices higher ranks element by element, and its strided slices, pads and
 * 6-D transposes cost far more than the rest of a training step.
 */
function tiledWindowsGrad(x: tf.Tensor4D, pooled: tf.Tensor4D, dy: tf.Tensor4D, fh: number, fw: number): tf.Tensor {
  const [batch, height, width, channels] = x.shape;
  const [, outHeight, outWidth] = pooled.shape;
  const rows = batch * outHeight;
  const windows = tf.reshape(x, [rows, fh, outWidth, fw * channels]);
  const target = tf.reshape(pooled, [rows, 1, outWidth, channels]);
  const gradient = tf.reshape(dy, [rows, 1, outWidth, channels]);
  const zero = tf.zerosLike(gradient);
  let claimed = tf.zerosLike(target).cast('bool');
  const windowRows: tf.Tensor[] = [];
  for (let i = 0; i < fh; i++) {
    const shares: tf.Tensor[] = [];
    for (let j = 0; j < fw; j++) {
      const view = tf.slice(windows, [0, i, 0, j * channels], [rows, 1, outWidth, channels]);
      const takes = tf.logicalAnd(tf.equal(view, target), tf.logicalNot(claimed));
      claimed = tf.logicalOr(claimed, takes);
      shares.push(tf.where(takes, gradient, zero));
    }
    windowRows.push(tf.concat(shares, 3));
  }
  return tf.reshape(tf.concat(windowRows, 1), [batch, height, width, channels]);
}
