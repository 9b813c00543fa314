/**
 * ReLU's gradient as one SIMD pass (kernels.c `relu_grad`) on wasm. tfjs's own gradient is
 * dy · cast(step(x)): three kernel calls, each a full pass over the layer's activations. The
 * gradient registered for Relu is global to tfjs, so it keeps tfjs's own wherever the kernel is not
 * registered (cpu, TensorFlow's backends, wasm without SIMD); the results are the same bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

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

let stock: tf.GradConfig | undefined;

/** Replaces Relu's gradient once, keeping tfjs's for backends without the kernel (and float32 only). */
export function registerReluGradient(): void {
  if (stock !== undefined) return;
  stock = tf.getGradient(tf.Relu);
  if (stock === undefined) return;
  const stockGradient = stock.gradFunc;
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const upstream = dy as tf.Tensor;
      if (x.dtype !== 'float32' || upstream.dtype !== 'float32' || tf.getKernel(RELU_GRAD, tf.getBackend()) === undefined)
        return stockGradient(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: upstream, x }) as tf.Tensor };
    },
  });
}
