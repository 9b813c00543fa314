/**
 * Add for wasm, where one operand is a bias: one value per channel of the other's last axis (shape
 * [C], or [1, …, 1, C]). While a gradient is recorded tfjs does not fuse a layer's bias into its
 * product or convolution, so every dense and conv layer adds it apart, and wasm's Add broadcasts
 * by computing each element's source indices one at a time (0.74 ms of a LeNet step, for
 * 64×28×28×6 values). jointrain's SIMD kernel (kernels.c `bias_add`) adds row by row: the same
 * float32 additions, so the same bits. Any other Add goes to wasm's own, captured before this one
 * replaces it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

/** True when `bias` holds one value per channel of `x`'s last axis, and x has rows of them. */
function isBiasOf(bias: Pick<tf.TensorInfo, 'shape'>, x: Pick<tf.TensorInfo, 'shape'>): boolean {
  const channels = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || channels === undefined || bias.shape.length > x.shape.length) return false;
  const last = bias.shape.length - 1;
  return bias.shape[last] === channels && bias.shape.every((size, axis) => axis === last || size === 1);
}

/** [x, bias] when one of a and b is a bias of the other (a + b and b + a are the same float32 sum), else undefined. */
export function biasAddOperands<T extends Pick<tf.TensorInfo, 'shape'>>(a: T, b: T): [T, T] | undefined {
  if (isBiasOf(b, a)) return [a, b];
  return isBiasOf(a, b) ? [b, a] : undefined;
}

export function simdBiasAdd(wasmAdd: tf.KernelConfig): tf.KernelConfig {
  const original = wasmAdd.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as tf.BinaryInputs;
    const simd = simdKernelsFor(backend);
    if (simd === undefined || a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    const operands = biasAddOperands(a, b);
    if (operands === undefined) return original(args);
    const [x, bias] = operands;
    const channels = x.shape[x.shape.length - 1] as number;
    const out = backend.makeOutput(x.shape, 'float32');
    simd.bias_add(addressOf(backend, x), addressOf(backend, bias), addressOf(backend, out), tf.util.sizeFromShape(x.shape) / channels, channels);
    return out;
  };
  return { kernelName: tf.Add, backendName: 'wasm', kernelFunc, ...(wasmAdd.setupFunc ? { setupFunc: wasmAdd.setupFunc } : {}) };
}
