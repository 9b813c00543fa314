/**
 * dW[i,j,ci,co] = Σ_{b,y,x} xPadded[b, y·s + i, x·s + j, ci] · dy[b,y,x,co]: a correlation of x
 * with dy over batch and output positions. Transposing x to [ci,H,W,b] and dy to [oh,ow,b,co] makes
 * it a plain conv2d with stride 1 whose dilation is the forward stride, which wasm runs in XNNPACK.
 */
import * as tf from '@tensorflow/tfjs';
import { composedKernel, pair, spatialPadding } from './composedKernel';

export const conv2dBackpropFilter = composedKernel(tf.Conv2DBackpropFilter, (inputs, attrs) => {
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
