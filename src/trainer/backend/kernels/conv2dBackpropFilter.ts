/**
 * dW[i,j,ci,co] = Σ_{b,y,x} xPadded[b, y·s + i, x·s + j, ci] · dy[b,y,x,co]: a correlation of x
 * with dy over batch and output positions.
 *
 * With wasm SIMD (NHWC), jointrain's own kernel (kernels.c) computes it as a matrix product over
 * output positions, reading each tap at its offset in the padded input, with no patch matrix and no
 * transposes. Otherwise, transposing x to [ci,H,W,b] and dy to [oh,ow,b,co] makes it a plain conv2d
 * with stride 1 whose dilation is the forward stride, which wasm runs in XNNPACK — but XNNPACK then
 * packs all of dy as a filter at every call, which made this the slowest gradient of a CNN.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, convShape, simdKernelsFor } from '../simd/simdKernels';
import { asTensor, composedKernel, pair, spatialPadding } from './composedKernel';

const composed = composedKernel(tf.Conv2DBackpropFilter, (inputs, attrs) => {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const channelsFirst = dataFormat === 'NCHW';
  const x = channelsFirst ? tf.transpose(inputs.x as tf.Tensor4D, [0, 2, 3, 1]) : (inputs.x as tf.Tensor4D);
  const dy = channelsFirst ? tf.transpose(inputs.dy as tf.Tensor4D, [0, 2, 3, 1]) : (inputs.dy as tf.Tensor4D);
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  const [fh, fw, ci, co] = filterShape;
  const xPadded = tf.pad(x, spatialPadding(info.padInfo));
  const correlation = tf.conv2d(tf.transpose(xPadded, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid', 'NHWC', pair(strides));
  return tf.transpose(tf.slice(correlation, [0, 0, 0, 0], [ci, fh, fw, co]), [1, 2, 0, 3]);
});

export const conv2dBackpropFilter: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const backend = args.backend as BackendWasm;
    const simd = simdKernelsFor(backend);
    const { x, dy } = args.inputs as tf.Conv2DBackpropFilterInputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (simd === undefined || x === undefined || dy === undefined || dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
      return composed.kernelFunc(args);
    }
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
    const padding = spatialPadding(info.padInfo);
    const padded = padding.some(([before, after]) => before > 0 || after > 0) ? tf.tidy(() => tf.pad(asTensor(x, backend), padding)) : undefined;
    const input = padded ?? x;
    const dw = backend.makeOutput(filterShape, 'float32');
    simd.conv2d_backprop_filter(addressOf(backend, input), addressOf(backend, dy), addressOf(backend, dw), ...convShape(info, input));
    padded?.dispose();
    return dw;
  },
};
