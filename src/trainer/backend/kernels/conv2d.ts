/**
 * Conv2D for wasm: a float32 NHWC convolution without dilation by jointrain's SIMD kernel
 * (kernels.c `conv2d_forward`), over the input padded by the SIMD PadV2; anything else by wasm's
 * own Conv2D, captured before this one replaces it. wasm's own runs XNNPACK, which, as tfjs calls
 * it, packs the filter into an operator cached by that tensor: in training the filter is a new
 * tensor at every step, so every call packs again, at a cost that does not shrink with the batch
 * (the forward convolutions of a digits CNN took 6.2 ms at batch 32 and 9.2 ms at batch 64).
 * It also serves the convolution gradients built from convolutions (Conv2DBackpropInput). Into
 * fewer than 8 output channels from input channels in fours (the input gradient of a conv from 6
 * channels), the vectors run along the input channels, over the filter transposed to [co, fh, fw, ci].
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, convShape, simdKernelsFor } from '../simd/simdKernels';
import { asTensor, spatialPadding } from './composedKernel';

export function directConv2d(wasmConv2d: tf.KernelConfig): tf.KernelConfig {
  const original = wasmConv2d.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x, filter } = args.inputs as tf.Conv2DInputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
    const simd = simdKernelsFor(backend);
    const undilated = dilations === undefined || (typeof dilations === 'number' ? dilations === 1 : dilations.every((d) => d === 1));
    if (
      simd === undefined ||
      x === undefined ||
      filter === undefined ||
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      x.shape.length !== 4 ||
      dataFormat === 'NCHW' ||
      !undilated
    ) {
      return original(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
    if (tf.util.sizeFromShape(out.shape) === 0) return out;
    const padding = spatialPadding(info.padInfo);
    const padded = padding.some(([before, after]) => before > 0 || after > 0) ? tf.tidy(() => tf.pad(asTensor(x, backend), padding)) : undefined;
    const input = padded ?? x;
    // Few output channels over input channels in fours: vectors along the input channels instead.
    const narrow = info.outChannels < 8 && info.inChannels % 4 === 0;
    const transposed = narrow ? tf.tidy(() => tf.transpose(asTensor(filter, backend), [3, 0, 1, 2])) : undefined;
    const operands = [addressOf(backend, input), addressOf(backend, transposed ?? filter), addressOf(backend, out)] as const;
    const geometry = convShape(info, input);
    if (narrow) simd.conv2d_forward_narrow(...operands, ...geometry);
    else simd.conv2d_forward(...operands, ...geometry);
    padded?.dispose();
    transposed?.dispose();
    return out;
  };
  return { kernelName: tf.Conv2D, backendName: 'wasm', kernelFunc, ...(wasmConv2d.setupFunc ? { setupFunc: wasmConv2d.setupFunc } : {}) };
}
