/**
 * wasm's Sum moves the reduced axes last with a transpose, then adds each output's values in order.
 * A bias gradient sums dy over its leading axes (batch and positions), so that transpose copies all
 * of dy first. For a reduction over leading axes, jointrain's SIMD kernel (kernels.c) adds whole
 * rows instead, in the same order and float32, so the result is the same bit for bit; any other
 * reduction goes to wasm's own Sum, captured before this one replaces it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

export function leadingAxesSum(wasmSum: tf.KernelConfig): tf.KernelConfig {
  const original = wasmSum.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as tf.SumInputs;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const simd = simdKernelsFor(backend);
    if (simd === undefined || x === undefined || x.dtype !== 'float32') return original(args);
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const leading = axes.length > 0 && axes.length < rank && [...axes].sort((p, q) => p - q).every((a, i) => a === i);
    if (!leading) return original(args);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const trailing = x.shape.slice(axes.length);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...trailing] : trailing, 'float32');
    simd.sum_leading_axes(addressOf(backend, x), addressOf(backend, out), rows, tf.util.sizeFromShape(trailing));
    return out;
  };
  return { kernelName: tf.Sum, backendName: 'wasm', kernelFunc, ...(wasmSum.setupFunc ? { setupFunc: wasmSum.setupFunc } : {}) };
}
