/**
 * With wasm SIMD and a channel multiplier of 1 (separable convolutions), jointrain's own kernel
 * (kernels.c) adds dy·filter channel-wise into dx for every (position, tap) pair. Otherwise: the
 * input gradient of a depthwise conv is that of a full conv whose filter is block-diagonal
 * (channel c feeds only outputs c·M…c·M+M−1), which Conv2DBackpropInput computes — C times the
 * multiplications needed. A dilated filter is spread out with zeros first, since that kernel takes
 * no dilation.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, depthwiseShape, simdKernelsFor } from '../simd/simdKernels';
import { composedKernel, pair } from './composedKernel';

export const depthwiseConv2dBackpropInput: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const backend = args.backend as BackendWasm;
    const simd = simdKernelsFor(backend);
    const { dy, filter } = args.inputs as tf.DepthwiseConv2dNativeBackpropInputInputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    if (simd === undefined || dy === undefined || filter === undefined || filter.shape[3] !== 1 || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
      return composed.kernelFunc(args);
    }
    const filterShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, dilations, pad, dimRoundingMode, true);
    const dx = backend.makeOutput(inputShape, 'float32');
    simd.depthwise_backprop_input(addressOf(backend, dy), addressOf(backend, filter), addressOf(backend, dx), ...depthwiseShape(info));
    return dx;
  },
};

const composed = composedKernel(tf.DepthwiseConv2dNativeBackpropInput, (inputs, attrs) => {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const dy = inputs.dy as tf.Tensor4D;
  const filter = dilate(inputs.filter as tf.Tensor4D, pair(dilations));
  const [fh, fw, channels, multiplier] = filter.shape;
  const blockDiagonal = tf.mul(tf.reshape(filter, [fh, fw, channels, 1, multiplier]), tf.reshape(tf.eye(channels), [1, 1, channels, channels, 1]));
  const full = tf.reshape(blockDiagonal, [fh, fw, channels, channels * multiplier]) as tf.Tensor4D;
  return tf.conv2dTranspose(dy, full, inputShape, strides, pad as 'same' | 'valid' | number, dimRoundingMode);
});

function dilate(filter: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return filter;
  const [fh, fw, channels, multiplier] = filter.shape;
  const spread = tf.pad(tf.reshape(filter, [fh, 1, fw, 1, channels, multiplier]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  const grid = tf.reshape(spread, [fh * dh, fw * dw, channels, multiplier]);
  return tf.slice(grid as tf.Tensor4D, [0, 0, 0, 0], [(fh - 1) * dh + 1, (fw - 1) * dw + 1, channels, multiplier]);
}
