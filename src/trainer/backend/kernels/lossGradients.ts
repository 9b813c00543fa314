/**
 * The gradients of softmax and of clipByValue as one SIMD pass each on wasm (kernels.c
 * `softmax_grad`, `clip_grad`): the ops of a Keras-style categorical cross-entropy on a softmax
 * output (tfjs-layers' loss, and models loaded with one). tfjs composes softmax's gradient from
 * Multiply, Sum, Multiply and Sub, and clipByValue's from GreaterEqual, LessEqual, LogicalAnd,
 * ZerosLike and Select: nine kernel calls, each a few µs of dispatch on a small output layer. The
 * kernels do the same float32 operations in the same order, so the results are tfjs's bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';
import { hasKernel, overrideGradient } from './gradientOverride';

export const SOFTMAX_GRAD = 'JointrainSoftmaxGrad';
export const CLIP_GRAD = 'JointrainClipByValueGrad';

const simdOf = (backend: unknown, name: string) => {
  const simd = simdKernelsFor(backend as BackendWasm);
  if (simd === undefined) throw new Error(`${name} needs wasm SIMD`);
  return simd;
};

export const softmaxGrad: tf.KernelConfig = {
  kernelName: SOFTMAX_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const simd = simdOf(backend, SOFTMAX_GRAD);
    const wasm = backend as BackendWasm;
    const { dy, y } = inputs as Record<'dy' | 'y', tf.TensorInfo>;
    const classes = y.shape[y.shape.length - 1] as number;
    const dx = wasm.makeOutput(y.shape, 'float32');
    simd.softmax_grad(addressOf(wasm, dy), addressOf(wasm, y), addressOf(wasm, dx), tf.util.sizeFromShape(y.shape) / classes, classes);
    return dx;
  },
};

export const clipGrad: tf.KernelConfig = {
  kernelName: CLIP_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const simd = simdOf(backend, CLIP_GRAD);
    const wasm = backend as BackendWasm;
    const { dy, x } = inputs as Record<'dy' | 'x', tf.TensorInfo>;
    const { clipValueMin, clipValueMax } = attrs as unknown as tf.ClipByValueAttrs;
    const dx = wasm.makeOutput(x.shape, 'float32');
    simd.clip_grad(addressOf(wasm, dy), addressOf(wasm, x), addressOf(wasm, dx), tf.util.sizeFromShape(x.shape), clipValueMin, clipValueMax);
    return dx;
  },
};

/** Replaces softmax's and clipByValue's gradients, keeping tfjs's own where the kernels do not apply. */
export function registerLossGradients(): void {
  overrideGradient(tf.Softmax, (dy, [y], attrs) => {
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    const lastAxis = y !== undefined && (dim === -1 || dim === y.rank - 1);
    if (y === undefined || !lastAxis || y.rank < 1 || y.dtype !== 'float32' || dy.dtype !== 'float32' || !hasKernel(SOFTMAX_GRAD)) return undefined;
    return { logits: () => tf.engine().runKernel(SOFTMAX_GRAD, { dy, y }) as tf.Tensor };
  });
  overrideGradient(tf.ClipByValue, (dy, [x], attrs) => {
    if (x === undefined || x.dtype !== 'float32' || dy.dtype !== 'float32' || !hasKernel(CLIP_GRAD)) return undefined;
    return { x: () => tf.engine().runKernel(CLIP_GRAD, { dy, x }, attrs) as tf.Tensor };
  });
}
