/**
 * The mean over a block of adjacent axes on wasm (a global average pooling, a mean over tokens),
 * and its gradient, by jointrain's SIMD kernels (kernels.c `mean_middle`, `mean_grad`).
 * wasm's Mean moves the reduced axes last with a transpose (a copy of all of x) before summing;
 * the SIMD kernel sums the same values in the same order in place, so the result is the same bit for
 * bit. tfjs's gradient of a mean builds ones the size of x, multiplies dy into them and divides by
 * n: three passes over the input's size; the SIMD kernel writes dy / n once, the same bits.
 * Reductions over axes that are not adjacent go to wasm's own Mean and tfjs's own gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';
import { hasKernel, overrideGradient } from './gradientOverride';

export const MEAN_GRAD = 'JointrainMeanGrad';

/** x's shape seen as [outer, reduce, inner] around the reduced axes, when they are adjacent. */
export function meanBlock(shape: readonly number[], axes: readonly number[]): { outer: number; reduce: number; inner: number } | undefined {
  const sorted = [...axes].sort((a, b) => a - b);
  const first = sorted[0];
  if (first === undefined || sorted.some((axis, i) => axis !== first + i)) return undefined;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((product, extent) => product * extent, 1);
  const last = first + sorted.length;
  return { outer: size(0, first), reduce: size(first, last), inner: size(last, shape.length) };
}

export function middleAxesMean(wasmMean: tf.KernelConfig): tf.KernelConfig {
  const original = wasmMean.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as tf.MeanInputs;
    const { axis, keepDims } = args.attrs as unknown as tf.MeanAttrs;
    const simd = simdKernelsFor(backend);
    if (simd === undefined || x === undefined || x.dtype !== 'float32') return original(args);
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const block = meanBlock(x.shape, axes);
    // Innermost axes need no transpose: wasm's own Mean sums them in place already.
    if (block === undefined || block.inner === 1 || block.reduce === 0) return original(args);
    const kept = x.shape.map((extent, i) => (axes.includes(i) ? 1 : extent));
    const out = backend.makeOutput(keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i)), 'float32');
    simd.mean_middle(addressOf(backend, x), addressOf(backend, out), block.outer, block.reduce, block.inner, block.reduce);
    return out;
  };
  return { kernelName: tf.Mean, backendName: 'wasm', kernelFunc, ...(wasmMean.setupFunc ? { setupFunc: wasmMean.setupFunc } : {}) };
}

export const meanGrad: tf.KernelConfig = {
  kernelName: MEAN_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend: untyped }) => {
    const backend = untyped as BackendWasm;
    const simd = simdKernelsFor(backend);
    if (simd === undefined) throw new Error(`${MEAN_GRAD} needs wasm SIMD`);
    const { dy } = inputs as { dy: tf.TensorInfo };
    const { shape, axes } = attrs as unknown as { shape: number[]; axes: number[] };
    const block = meanBlock(shape, axes);
    if (block === undefined) throw new Error(`${MEAN_GRAD} needs adjacent axes, not ${axes.join(', ')}`);
    const dx = backend.makeOutput(shape, 'float32');
    simd.mean_grad(addressOf(backend, dy), addressOf(backend, dx), block.outer, block.reduce, block.inner, block.reduce);
    return dx;
  },
};

/** Replaces Mean's gradient, keeping tfjs's own where the kernel is not registered or the axes are not adjacent. */
export function registerMeanGradient(): void {
  overrideGradient(tf.Mean, (dy, [x], attrs) => {
    if (x === undefined || dy.dtype !== 'float32' || !hasKernel(MEAN_GRAD)) return undefined;
    const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
    if (meanBlock(x.shape, axes) === undefined) return undefined;
    return { x: () => tf.engine().runKernel(MEAN_GRAD, { dy }, { shape: x.shape, axes } as unknown as tf.NamedAttrMap) as tf.Tensor };
  });
}
