/**
 * wasm's own MaxPoolGrad (tfjs 4.22, MaxPoolGrad.cc) starts each window's running maximum at
 * FLT_MIN — the smallest positive float, not −∞ — and lets a later value win a tie (`>=`). So the
 * gradient of a window whose values all lie below FLT_MIN (all negative: max pooling after a linear
 * conv) goes to the wrong position, and a tie goes to the last maximum where cpu picks the first in
 * row-major order. Its loop is fast, though, so the replacement keeps it where it can be made exact.
 *
 * When the windows tile x (stride = pool size, no padding: the usual pooling) every value belongs to
 * exactly one window, so wasm's kernel is handed, instead of x, one key per value: 1 below its
 * window's maximum, 1 + (window size − position in the window) where it equals the maximum. Keys
 * exceed FLT_MIN and the first maximum holds the largest key of its window, so the kernel gives
 * cpu's gradient bit for bit. (Shifting x by −min(x) + 1 instead would round close values into
 * ties.) Overlapping or padded windows share values, which then have no single key; there, for
 * each window offset the view of x at that offset is compared with the pooled output and the first
 * offset that matches takes dy.
 */
import * as tf from '@tensorflow/tfjs';
import { composedKernel } from './composedKernel';

/** The replacement for `wasmKernel`, the MaxPoolGrad that was registered for wasm (if any). */
export function replaceMaxPoolGrad(wasmKernel: tf.KernelConfig | undefined): tf.KernelConfig {
  const replacement = composedKernel(tf.MaxPoolGrad, (inputs, attrs, backend) => {
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const x = inputs.input as tf.Tensor4D;
    const pooled = inputs.output as tf.Tensor4D;
    const dy = inputs.dy as tf.Tensor4D;
    const info = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, dimRoundingMode);
    if (wasmKernel === undefined || !windowsTile(info)) return offsetComparisonGrad(x, pooled, dy, info);
    const keys = firstMaximumKeys(x, pooled, info.filterHeight, info.filterWidth);
    const dx = wasmKernel.kernelFunc({ inputs: { dy, input: keys, output: pooled }, attrs, backend }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(dx, backend);
  });
  // The kernel function wasm's MaxPoolGrad calls is bound by its setup, which tfjs runs for the
  // registered config on every switch to wasm.
  return wasmKernel?.setupFunc === undefined ? replacement : { ...replacement, setupFunc: wasmKernel.setupFunc };
}

function windowsTile(info: tf.backend_util.Conv2DInfo): boolean {
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth, inHeight, inWidth, padInfo } = info;
  return (
    strideHeight === filterHeight &&
    strideWidth === filterWidth &&
    padInfo.top === 0 &&
    padInfo.left === 0 &&
    outHeight * filterHeight === inHeight &&
    outWidth * filterWidth === inWidth
  );
}

/**
 * With x reshaped to [b·oh, fh, ow, fw·c] a window's values sit at one (row, column) pair, and the
 * pooled output, tiled fw times along the last axis, lines up with them by broadcasting. Rank 4
 * matters: wasm runs higher ranks element by element.
 */
function firstMaximumKeys(x: tf.Tensor4D, pooled: tf.Tensor4D, fh: number, fw: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const [, outHeight, outWidth] = pooled.shape;
  const rows = batch * outHeight;
  const windows = tf.reshape(x, [rows, fh, outWidth, fw * channels]);
  const maxima = tf.tile(tf.reshape(pooled, [rows, 1, outWidth, channels]), [1, 1, 1, fw]);
  const isMaximum = tf.cast(tf.equal(windows, maxima), 'float32');
  return tf.reshape(tf.add(tf.mul(isMaximum, earlierIsLarger(fh, fw, channels)), 1), [batch, height, width, channels]);
}

/** fh·fw for a window's first position down to 1 for its last, laid out as [1, fh, 1, fw·c]. */
function earlierIsLarger(fh: number, fw: number, channels: number): tf.Tensor4D {
  const values = new Float32Array(fh * fw * channels);
  for (let position = 0; position < fh * fw; position++) {
    values.fill(fh * fw - position, position * channels, (position + 1) * channels);
  }
  return tf.tensor4d(values, [1, fh, 1, fw * channels]);
}

function offsetComparisonGrad(x: tf.Tensor4D, pooled: tf.Tensor4D, dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor {
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  const [batch, height, width, channels] = x.shape;
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
}
