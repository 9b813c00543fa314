/**
 * ReLU's gradient as one SIMD pass (kernels.c `relu_grad`) on wasm. tfjs's own gradient is
 * dy · cast(step(x)): three kernel calls, each a full pass over the layer's activations. The
 * gradient registered for Relu is global to tfjs, so it keeps tfjs's own wherever the kernel is not
 * registered (cpu, TensorFlow's backends, wasm without SIMD); the results are the same bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';
import { hasKernel, overrideGradient } from './gradientOverride';

export const RELU_GRAD = 'JointrainReluGrad';

export const reluGrad: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: untyped }) => {
    const backend = untyped as BackendWasm;
    const simd = simdKernelsFor(backend);
    if (simd === undefined) throw new Error(`${RELU_GRAD} needs wasm SIMD`);
    const { dy, x } = inputs as Record<'dy' | 'x', tf.TensorInfo>;
    const dx = backend.makeOutput(x.shape, 'float32');
    simd.relu_grad(addressOf(backend, dy), addressOf(backend, x), addressOf(backend, dx), tf.util.sizeFromShape(x.shape));
    return dx;
  },
};

/** Replaces Relu's gradient, keeping tfjs's for backends without the kernel (and float32 only). */
export function registerReluGradient(): void {
  overrideGradient(tf.Relu, (dy, [x]) => {
    if (x === undefined || x.dtype !== 'float32' || dy.dtype !== 'float32' || !hasKernel(RELU_GRAD)) return undefined;
    return { x: () => tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor };
  });
}
