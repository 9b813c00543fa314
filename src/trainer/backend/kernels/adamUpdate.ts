/**
 * One Adam update of one variable in a single SIMD pass over the wasm heap (kernels.c). tfjs's
 * AdamOptimizer runs about a dozen element-wise kernels per variable and step, each a full pass with
 * its own dispatch (11–20 µs apiece on wasm): on small models they are much of the step. The SIMD
 * kernel does the same float32 operations in the same order, so its results equal the stock
 * optimizer's bit for bit. Registered only where wasm SIMD runs; FusedAdamOptimizer uses the stock
 * ops where it is not registered.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

export const ADAM_UPDATE = 'JointrainAdamUpdate';

/** Plain numbers, rounded to float32 by the kernel as the stock optimizer's float32 scalars are. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  /** 1 − β1^t, computed in float32 from the optimizer's accBeta1. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  learningRate: number;
}

export const adamUpdate: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend: untyped }) => {
    const backend = untyped as BackendWasm;
    const simd = simdKernelsFor(backend);
    if (simd === undefined) throw new Error(`${ADAM_UPDATE} needs wasm SIMD`);
    const { value, gradient, m, v } = inputs as Record<'value' | 'gradient' | 'm' | 'v', tf.TensorInfo>;
    const outputs = [value, m, v].map((input) => backend.makeOutput(input.shape, 'float32'));
    const a = attrs as unknown as AdamUpdateAttrs;
    const f = Math.fround;
    const size = tf.util.sizeFromShape(value.shape);
    const [xOut, mOut, vOut] = outputs.map((info) => addressOf(backend, info)) as [number, number, number];
    // The stock optimizer's scalars: float32 tensors of β, of 1 − β and of −lr.
    simd.adam_update(
      addressOf(backend, value),
      addressOf(backend, gradient),
      addressOf(backend, m),
      addressOf(backend, v),
      xOut,
      mOut,
      vOut,
      size,
      f(a.beta1),
      f(a.beta2),
      f(1 - a.beta1),
      f(1 - a.beta2),
      f(a.oneMinusAccBeta1),
      f(a.oneMinusAccBeta2),
      f(a.epsilon),
      f(-a.learningRate),
    );
    return outputs;
  },
};
