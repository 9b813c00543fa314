/**
 * dW[i,j,c,m] = Σ_{b,y,x} xPadded[b, y·s + i·d, x·s + j·d, c] · dy[b,y,x,c·M+m].
 *
 * With wasm SIMD and a channel multiplier of 1 (separable convolutions), jointrain's own kernel
 * (kernels.c) adds the channel-wise products of every (position, tap) pair directly. Otherwise,
 * folding batch into channels ([1,H,W,C·B] against a [oh,ow,C·B,M] filter made of dy) turns it into
 * one depthwise conv with stride 1 and dilation s; summing over B and taking every d-th offset gives
 * dW — correct, but XNNPACK then runs a depthwise conv with C·B channels and an oh×ow filter.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, depthwiseShape, simdKernelsFor } from '../simd/simdKernels';
import { composedKernel, pair, spatialPadding } from './composedKernel';

export const depthwiseConv2dBackpropFilter: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const backend = args.backend as BackendWasm;
    const simd = simdKernelsFor(backend);
    const { x, dy } = args.inputs as tf.DepthwiseConv2dNativeBackpropFilterInputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    if (simd === undefined || x === undefined || dy === undefined || filterShape[3] !== 1 || x.dtype !== 'float32' || dy.dtype !== 'float32') {
      return composed.kernelFunc(args);
    }
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
    const dw = backend.makeOutput(filterShape, 'float32');
    simd.depthwise_backprop_filter(addressOf(backend, x), addressOf(backend, dy), addressOf(backend, dw), ...depthwiseShape(info));
    return dw;
  },
};

const composed = composedKernel(tf.DepthwiseConv2dNativeBackpropFilter, (inputs, attrs) => {
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const x = inputs.x as tf.Tensor4D;
  const dy = inputs.dy as tf.Tensor4D;
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
  const [fh, fw, channels, multiplier] = filterShape;
  const [batch, outH, outW] = dy.shape;
  const xPadded = tf.pad(x, spatialPadding(info.padInfo));
  const [, height, width] = xPadded.shape;
  const xFolded = tf.reshape(tf.transpose(xPadded, [1, 2, 3, 0]), [1, height, width, channels * batch]);
  const dyFolded = tf.reshape(tf.transpose(tf.reshape(dy, [batch, outH, outW, channels, multiplier]), [1, 2, 3, 0, 4]), [
    outH,
    outW,
    channels * batch,
    multiplier,
  ]);
  const correlation = tf.depthwiseConv2d(xFolded as tf.Tensor4D, dyFolded as tf.Tensor4D, 1, 'valid', 'NHWC', pair(strides));
  const [, spanH, spanW] = correlation.shape;
  const perBatch = tf.reshape(correlation, [spanH, spanW, channels, batch, multiplier]);
  const offsets = tf.sum(perBatch, 3) as tf.Tensor4D;
  const [dh, dw] = pair(dilations);
  return tf.stridedSlice(offsets, [0, 0, 0, 0], [(fh - 1) * dh + 1, (fw - 1) * dw + 1, channels, multiplier], [dh, dw, 1, 1]);
});
