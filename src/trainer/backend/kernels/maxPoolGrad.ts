/**
 * wasm's own MaxPoolGrad (tfjs 4.22, MaxPoolGrad.cc) starts each window's running maximum at
 * FLT_MIN — the smallest positive float, not −∞ — and lets a later value win a tie (`>=`). So the
 * gradient of a window whose values all lie below FLT_MIN (all negative: max pooling after a linear
 * conv) goes to the wrong position, and a tie goes to the last maximum where cpu picks the first in
 * row-major order.
 *
 * This replacement is cpu's algorithm (tfjs-backend-cpu maxPoolPositions and maxPoolGrad) run as
 * one loop over the wasm heap: each window's maximum starts at −∞ and only a strictly larger value
 * takes it, in row-major order over the part of the window inside x, so a window of NaNs or −∞ sends
 * its gradient nowhere, as on cpu. A value that is the maximum of several overlapping windows gets
 * their dy summed in double precision in cpu's order (window rows, then columns) and rounded once,
 * so the result equals cpu's bit for bit. This one pass over x takes a few milliseconds for the
 * bench's CNN, where composing wasm ops (comparisons with the pooled output, which wasm broadcasts
 * element by element) took ~150 ms. Windows that do not overlap (the usual 2×2 pool with stride 2)
 * take a SIMD kernel with the same rule (kernels.c), four channels at a time, about five times
 * faster again; there each value gets one dy at most, so no sums are needed.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

type Values = Float32Array | Int32Array | Uint8Array;

export const maxPoolGrad: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend: untyped }) => {
    const backend = untyped as BackendWasm;
    const { dy, input: x } = inputs as tf.MaxPoolGradInputs;
    if (dy === undefined || x === undefined) throw new Error('MaxPoolGrad needs the inputs dy and input');
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const dx = backend.makeOutput(x.shape, 'float32');
    const simd = simdKernelsFor(backend);
    if (simd !== undefined && x.dtype === 'float32' && dy.dtype === 'float32' && !overlapping(info)) {
      const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
      simd.max_pool_grad_disjoint(
        addressOf(backend, x),
        addressOf(backend, dy),
        addressOf(backend, dx),
        batchSize,
        inHeight,
        inWidth,
        inChannels,
        outHeight,
        outWidth,
        filterHeight,
        filterWidth,
        strideHeight,
        strideWidth,
        padInfo.top,
        padInfo.left,
      );
      return dx;
    }
    // Allocating may grow the wasm heap, which detaches earlier views of it: take the views after.
    const dxValues = backend.typedArrayFromHeap(dx) as Float32Array;
    scatterToFirstMaxima(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(dy), dxValues, info);
    return dx;
  },
};

/** x, dy and dx are flat NHWC arrays; dx is overwritten. */
function scatterToFirstMaxima(x: Values, dy: Values, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  // Without overlap each value gets one dy at most, which dx holds exactly.
  const sums = overlapping(info) ? new Float64Array(dx.length) : dx;
  sums.fill(0);
  let dyIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowStart = Math.max(0, outRow * strideHeight - top);
      const rowEnd = Math.min(inHeight, outRow * strideHeight - top + filterHeight);
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnStart = Math.max(0, outColumn * strideWidth - left);
        const columnEnd = Math.min(inWidth, outColumn * strideWidth - left + filterWidth);
        for (let c = 0; c < channels; c++, dyIndex++) {
          let maximum = -Infinity;
          let position = -1;
          for (let row = rowStart; row < rowEnd; row++) {
            let index = ((b * inHeight + row) * inWidth + columnStart) * channels + c;
            for (let column = columnStart; column < columnEnd; column++, index += channels) {
              const value = x[index] as number;
              if (value > maximum) {
                maximum = value;
                position = index;
              }
            }
          }
          if (position >= 0) sums[position] = (sums[position] as number) + (dy[dyIndex] as number);
        }
      }
    }
  }
  if (sums !== dx) dx.set(sums);
}

function overlapping(info: tf.backend_util.Conv2DInfo): boolean {
  return info.strideHeight < info.filterHeight || info.strideWidth < info.filterWidth;
}
