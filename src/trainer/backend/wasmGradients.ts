/**
 * Gradient kernels the tfjs wasm backend lacks (tfjs#8474), composed from ops it runs natively, one
 * it computes wrongly (MaxPoolGrad, a loop over wasm's memory) and two it computes slowly
 * (Conv2DBackpropInput; BatchMatMul with a transposed operand), so that every layer type trains on
 * wasm as on cpu, and fast. Registered when selectBackend picks wasm, before the first step.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './kernels/conv2dBackpropFilter';
import { conv2dBackpropInput } from './kernels/conv2dBackpropInput';
import { depthwiseConv2dBackpropFilter } from './kernels/depthwiseConv2dBackpropFilter';
import { depthwiseConv2dBackpropInput } from './kernels/depthwiseConv2dBackpropInput';
import { transposeFirstBatchMatMul } from './kernels/batchMatMul';
import { maxPoolGrad } from './kernels/maxPoolGrad';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';
import { adamUpdate } from './kernels/adamUpdate';
import { simdSupported } from './simd/simdKernels';

export const WASM_GRADIENT_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilter,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  unsortedSegmentSum,
];

/** Kernels wasm has that ours replace: MaxPoolGrad computes wrongly, Conv2DBackpropInput slowly. */
export const WASM_KERNEL_FIXES: readonly tf.KernelConfig[] = [maxPoolGrad, conv2dBackpropInput];

/** The kernel functions jointrain registers, to recognise them in tfjs's registry. */
const ourKernels = new WeakSet<tf.KernelFunc>([...WASM_GRADIENT_KERNELS, ...WASM_KERNEL_FIXES, adamUpdate].map((kernel) => kernel.kernelFunc));

/** The BatchMatMul jointrain registered, once: it wraps the kernel wasm had before it. */
let batchMatMulFix: tf.KernelConfig | undefined;

/**
 * Registers each missing kernel (a newer tfjs that ships one keeps its own) and each fix once;
 * calling it again changes nothing.
 */
export function registerWasmGradients(): void {
  for (const kernel of WASM_GRADIENT_KERNELS) {
    if (tf.getKernel(kernel.kernelName, 'wasm') === undefined) tf.registerKernel(kernel);
  }
  for (const fix of WASM_KERNEL_FIXES) replaceKernel(fix);
  replaceBatchMatMul();
  // Without wasm SIMD the fused optimizer finds no kernel and runs tfjs's own ops.
  if (simdSupported() && tf.getKernel(adamUpdate.kernelName, 'wasm') === undefined) tf.registerKernel(adamUpdate);
}

function replaceKernel(fix: tf.KernelConfig): void {
  const current = tf.getKernel(fix.kernelName, 'wasm');
  if (current?.kernelFunc === fix.kernelFunc) return;
  if (current !== undefined) tf.unregisterKernel(fix.kernelName, 'wasm');
  tf.registerKernel(fix);
}

/** Wraps wasm's own BatchMatMul (captured the first time) so that transposed products reach XNNPACK. */
function replaceBatchMatMul(): void {
  if (batchMatMulFix === undefined) {
    const original = tf.getKernel('BatchMatMul', 'wasm');
    const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
    if (original === undefined || transpose === undefined) return;
    batchMatMulFix = transposeFirstBatchMatMul(original, transpose);
    ourKernels.add(batchMatMulFix.kernelFunc);
  }
  replaceKernel(batchMatMulFix);
}

/** The names of the wasm kernels that are jointrain's now, for the run's backend report (the fused Adam update only with wasm SIMD). */
export function wasmKernelsInUse(): string[] {
  const names = [...WASM_GRADIENT_KERNELS, ...WASM_KERNEL_FIXES].map((kernel) => kernel.kernelName).concat('BatchMatMul', adamUpdate.kernelName);
  return names.filter((name) => {
    const kernelFunc = tf.getKernel(name, 'wasm')?.kernelFunc;
    return kernelFunc !== undefined && ourKernels.has(kernelFunc);
  });
}
