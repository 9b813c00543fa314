/**
 * wasm's own Conv2DBackpropInput (tfjs 4.22) is a plain loop, several times slower than an XNNPACK
 * conv2d with the same multiplications. Along each axis, dx[h] = Σ dy[y] · W[i] over y·s + i = h + top;
 * writing h + top = q·s + r, the taps that reach phase r are i = r, r + s, r + 2s, …, so
 * dx[q·s + r − top] is a stride-1 correlation of dy with those taps in reverse order. All s_h·s_w
 * phases are one conv2d: its filter holds each phase's taps as a block of output channels (the
 * filter padded to a multiple of the stride and reversed in steps of it, channel axes swapped), and
 * a reshape-transpose-reshape interleaves the blocks into dx. The only ops are pads, one conv2d and
 * transposes that wasm runs natively; its Slice and Concat copy through JavaScript.
 */
import * as tf from '@tensorflow/tfjs';
import { composedKernel } from './composedKernel';

export const conv2dBackpropInput = composedKernel(tf.Conv2DBackpropInput, (inputs, attrs) => {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const channelsFirst = dataFormat === 'NCHW';
  const dy = channelsFirst ? tf.transpose(inputs.dy as tf.Tensor4D, [0, 2, 3, 1]) : (inputs.dy as tf.Tensor4D);
  const filter = inputs.filter as tf.Tensor4D;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, format);
  const { batchSize, inHeight, inWidth, inChannels, strideHeight: sh, strideWidth: sw, padInfo } = info;
  if (sh === 1 && sw === 1) {
    const direct = strideOneInputGradient(dy, filter, info);
    if (direct !== undefined) return channelsFirst ? tf.transpose(direct, [0, 3, 1, 2]) : direct;
  }
  // Phase outputs per axis: enough that q·s + r covers every h + top < top + size.
  const rows = Math.ceil((padInfo.top + inHeight) / sh);
  const columns = Math.ceil((padInfo.left + inWidth) / sw);
  const phaseFilter = phaseBlocks(filter, sh, sw);
  const [tapsH, tapsW] = phaseFilter.shape;
  const used = dy.shape[1] > rows || dy.shape[2] > columns ? tf.slice(dy, 0, [batchSize, Math.min(rows, dy.shape[1]), Math.min(columns, dy.shape[2])]) : dy;
  const dyPadded = tf.pad(used, [
    [0, 0],
    [tapsH - 1, rows - used.shape[1]],
    [tapsW - 1, columns - used.shape[2]],
    [0, 0],
  ]);
  const phases = tf.conv2d(dyPadded, phaseFilter, 1, 'valid');
  const interleaved = tf.reshape(tf.transpose(tf.reshape(phases, [batchSize * rows, columns, sh, sw * inChannels]), [0, 2, 1, 3]), [
    batchSize,
    rows * sh,
    columns * sw,
    inChannels,
  ]) as tf.Tensor4D;
  const dx = tf.stridedSlice(interleaved, [0, padInfo.top, padInfo.left, 0], [batchSize, padInfo.top + inHeight, padInfo.left + inWidth, inChannels]);
  return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
});

/**
 * With stride 1 there is one phase, and padding dy by fh − 1 − top above (fw − 1 − left before)
 * and by whatever makes the output inHeight rows below makes the conv's output dx itself, with
 * nothing to crop: the copy a stridedSlice of dx would cost. Undefined where a pad would be
 * negative (explicit padding larger than the filter), which the general path handles.
 */
function strideOneInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D | undefined {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight: fh, filterWidth: fw, padInfo } = info;
  const pads: Array<[number, number]> = [
    [0, 0],
    [fh - 1 - padInfo.top, inHeight + fh - 1 - outHeight - (fh - 1 - padInfo.top)],
    [fw - 1 - padInfo.left, inWidth + fw - 1 - outWidth - (fw - 1 - padInfo.left)],
    [0, 0],
  ];
  if (pads.some(([before, after]) => before < 0 || after < 0)) return undefined;
  return tf.conv2d(tf.pad(dy, pads), phaseBlocks(filter, 1, 1), 1, 'valid');
}

/**
 * [⌈fh/sh⌉, ⌈fw/sw⌉, co, sh·sw·ci]: block (r, c) of the output channels holds taps r + m·sh,
 * c + n·sw, last tap first, zeros in front where the phase has fewer taps.
 */
function phaseBlocks(filter: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [fh, fw, ci, co] = filter.shape;
  const tapsH = Math.ceil(fh / sh);
  const tapsW = Math.ceil(fw / sw);
  const padded = tf.pad(filter, [
    [0, tapsH * sh - fh],
    [0, tapsW * sw - fw],
    [0, 0],
    [0, 0],
  ]);
  const byPhase = tf.reverse(tf.reshape(padded, [tapsH, sh, tapsW, sw, ci, co]), [0, 2]);
  return tf.reshape(tf.transpose(byPhase, [0, 2, 5, 1, 3, 4]), [tapsH, tapsW, co, sh * sw * ci]) as tf.Tensor4D;
}
