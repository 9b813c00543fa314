/**
 * Builds a backend kernel out of tfjs ops. A kernel receives bare TensorInfos owned by the caller;
 * each is wrapped as a Tensor after taking a backend reference to its data (the wrapper's disposal
 * drops exactly that one), and all of it runs in `tf.tidy`, so every intermediate is freed and only
 * the returned Tensor survives. The engine accepts a Tensor as a
 * kernel's output as it is (it checks for `rank`), so no second wrapper is created.
 */
import * as tf from '@tensorflow/tfjs';

export type ComposedKernelBody = (inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap) => tf.Tensor;

export function composedKernel(kernelName: string, body: ComposedKernelBody): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, attrs, backend: untyped }) =>
    tf.tidy(() => {
      const backend = untyped as tf.KernelBackend;
      const tensors: Record<string, tf.Tensor> = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (info !== undefined) tensors[name] = asTensor(info, backend);
      }
      return body(tensors, attrs ?? {});
    });
  return { kernelName, backendName: 'wasm', kernelFunc };
}

/** A kernel input as a Tensor of its own: disposing it drops only the reference taken here. */
export function asTensor(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/** The pads computeConv2DInfo chose, as `tf.pad` wants them for an NHWC tensor. */
export function spatialPadding(padInfo: tf.backend_util.PadInfo): Array<[number, number]> {
  return [
    [0, 0],
    [padInfo.top, padInfo.bottom],
    [padInfo.left, padInfo.right],
    [0, 0],
  ];
}

export function pair(value: number | [number, number] | undefined): [number, number] {
  if (value === undefined) return [1, 1];
  return typeof value === 'number' ? [value, value] : value;
}
