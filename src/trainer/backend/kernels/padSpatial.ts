/**
 * PadV2 for wasm: a 4-D float32 tensor padded on its two middle axes only (the padding of an NHWC
 * input or dy around a convolution, which jointrain's convolution gradients do at every step) by
 * jointrain's SIMD kernel, row by row; any other padding by wasm's own PadV2, captured before this
 * one replaces it. wasm's own computes each output element's source index one at a time.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

export function spatialPad(wasmPad: tf.KernelConfig): tf.KernelConfig {
  const original = wasmPad.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as tf.PadV2Inputs;
    const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
    const simd = simdKernelsFor(backend);
    const spatialOnly =
      x !== undefined &&
      x.dtype === 'float32' &&
      x.shape.length === 4 &&
      paddings.length === 4 &&
      [0, 3].every((axis) => paddings[axis]?.every((p) => p === 0));
    if (simd === undefined || !spatialOnly) return original(args);
    const [batch, height, width, channels] = x.shape as [number, number, number, number];
    const [[top, bottom], [left, right]] = [paddings[1] as [number, number], paddings[2] as [number, number]];
    const out = backend.makeOutput([batch, height + top + bottom, width + left + right, channels], 'float32');
    if (tf.util.sizeFromShape(out.shape) > 0) {
      simd.pad_hw(addressOf(backend, x), addressOf(backend, out), batch, height, width, channels, top, bottom, left, right, constantValue);
    }
    return out;
  };
  return { kernelName: tf.PadV2, backendName: 'wasm', kernelFunc, ...(wasmPad.setupFunc ? { setupFunc: wasmPad.setupFunc } : {}) };
}
