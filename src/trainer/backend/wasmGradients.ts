/**
 * Gradient kernels the tfjs wasm backend lacks (tfjs#8474), and one it computes wrongly, composed
 * from ops it runs natively, so that every layer type trains on wasm as on cpu. Registered when
 * selectBackend picks wasm, before the first step.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './kernels/conv2dBackpropFilter';
import { depthwiseConv2dBackpropFilter } from './kernels/depthwiseConv2dBackpropFilter';
import { depthwiseConv2dBackpropInput } from './kernels/depthwiseConv2dBackpropInput';
import { maxPoolGrad } from './kernels/maxPoolGrad';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';

export const WASM_GRADIENT_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilter,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  unsortedSegmentSum,
];

/** Kernels wasm has but computes wrongly; ours replace them. */
export const WASM_KERNEL_FIXES: readonly tf.KernelConfig[] = [maxPoolGrad];

/**
 * Registers each missing kernel (a newer tfjs that ships one keeps its own) and each fix once;
 * calling it again changes nothing.
 */
export function registerWasmGradients(): void {
  for (const kernel of WASM_GRADIENT_KERNELS) {
    if (tf.getKernel(kernel.kernelName, 'wasm') === undefined) tf.registerKernel(kernel);
  }
  for (const fix of WASM_KERNEL_FIXES) {
    if (tf.getKernel(fix.kernelName, 'wasm')?.kernelFunc === fix.kernelFunc) continue;
    if (tf.getKernel(fix.kernelName, 'wasm') !== undefined) tf.unregisterKernel(fix.kernelName, 'wasm');
    tf.registerKernel(fix);
  }
}
