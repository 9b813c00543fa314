/**
 * wasm's Identity (tfjs 4.22) copies its input into a new buffer; cpu's shares the data and takes a
 * reference, as wasm's own Reshape does. Tensor data in tfjs is never written in place, so sharing
 * is safe, and tfjs calls Identity often while training (clones, the gradients of adds and of
 * casts to the same type): a full copy each time, 5 ms of a separable CNN's step.
 */
import * as tf from '@tensorflow/tfjs';

export function sharingIdentity(wasmIdentity: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as tf.IdentityInputs;
    if (x === undefined || x.dtype === 'string') return wasmIdentity.kernelFunc(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', kernelFunc };
}
