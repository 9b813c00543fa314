/**
 * Gradient kernels the tfjs wasm backend lacks (tfjs#8474), one it computes wrongly (MaxPoolGrad)
 * and several it computes slowly (Conv2DBackpropInput; BatchMatMul and _FusedMatMul, which repack or run a scalar loop; Sum
 * over leading axes; GatherV2 of rows; PadV2 of NHWC tensors; Conv2D, which repacks its filter; Identity, which copies; Add of a bias; Mean over middle axes), plus a fused Adam update
 * and one-pass gradients of ReLU, mean, softmax and clipByValue, so that every layer type trains on wasm as on cpu,
 * and fast. Some are composed from ops wasm runs natively, some are jointrain's SIMD kernels
 * (simd/kernels.c), which need wasm SIMD and fall back to the composed ones without it.
 * Registered when selectBackend picks wasm, before the first step.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './kernels/conv2dBackpropFilter';
import { conv2dBackpropInput } from './kernels/conv2dBackpropInput';
import { depthwiseConv2dBackpropFilter } from './kernels/depthwiseConv2dBackpropFilter';
import { depthwiseConv2dBackpropInput } from './kernels/depthwiseConv2dBackpropInput';
import { fastBatchMatMul, fastFusedMatMul } from './kernels/matMul';
import { leadingAxesSum } from './kernels/sumLeadingAxes';
import { simdBiasAdd } from './kernels/biasAdd';
import { sharingIdentity } from './kernels/identity';
import { rowGather } from './kernels/gatherRows';
import { spatialPad } from './kernels/padSpatial';
import { directConv2d } from './kernels/conv2d';
import { maxPoolGrad } from './kernels/maxPoolGrad';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';
import { adamUpdate } from './kernels/adamUpdate';
import { registerReluGradient, reluGrad } from './kernels/reluGrad';
import { meanGrad, middleAxesMean, registerMeanGradient } from './kernels/mean';
import { clipGrad, registerLossGradients, softmaxGrad } from './kernels/lossGradients';
import { simdSupported } from './simd/simdKernels';

export const WASM_GRADIENT_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilter,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  unsortedSegmentSum,
];

/** Kernels wasm has that ours replace: MaxPoolGrad computes wrongly, Conv2DBackpropInput slowly. */
export const WASM_KERNEL_FIXES: readonly tf.KernelConfig[] = [maxPoolGrad, conv2dBackpropInput];

/** jointrain's own SIMD kernels, which only its optimizer and gradients call (none without wasm SIMD). */
const SIMD_ONLY: readonly tf.KernelConfig[] = [adamUpdate, reluGrad, meanGrad, softmaxGrad, clipGrad];

/** The kernel functions jointrain registers, to recognise them in tfjs's registry. */
const ourKernels = new WeakSet<tf.KernelFunc>([...WASM_GRADIENT_KERNELS, ...WASM_KERNEL_FIXES, ...SIMD_ONLY].map((kernel) => kernel.kernelFunc));

/**
 * wasm kernels jointrain wraps rather than replaces: the wrapper sends some cases to a faster path
 * and the rest to wasm's own kernel, captured the first time (so registering again wraps nothing
 * twice).
 */
const WRAPPERS: Record<string, (original: tf.KernelConfig) => tf.KernelConfig | undefined> = {
  BatchMatMul: (original) => {
    const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
    return transpose === undefined ? undefined : fastBatchMatMul(original, transpose);
  },
  _FusedMatMul: (original) => {
    const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
    return transpose === undefined ? undefined : fastFusedMatMul(original, transpose);
  },
  // Without wasm SIMD the wrapper would only ever call the original.
  Sum: (original) => (simdSupported() ? leadingAxesSum(original) : undefined),
  Identity: sharingIdentity,
  GatherV2: (original) => (simdSupported() ? rowGather(original) : undefined),
  PadV2: (original) => (simdSupported() ? spatialPad(original) : undefined),
  Conv2D: (original) => (simdSupported() ? directConv2d(original) : undefined),
  Add: (original) => (simdSupported() ? simdBiasAdd(original) : undefined),
  Mean: (original) => (simdSupported() ? middleAxesMean(original) : undefined),
};
const wrapped = new Map<string, tf.KernelConfig>();

function wrapKernels(): void {
  for (const [name, wrap] of Object.entries(WRAPPERS)) {
    let wrapper = wrapped.get(name);
    if (wrapper === undefined) {
      const original = tf.getKernel(name, 'wasm');
      wrapper = original === undefined ? undefined : wrap(original);
      if (wrapper === undefined) continue;
      wrapped.set(name, wrapper);
      ourKernels.add(wrapper.kernelFunc);
    }
    replaceKernel(wrapper);
  }
}

/**
 * Registers each missing kernel (a newer tfjs that ships one keeps its own), each fix and each
 * wrapper once; calling it again changes nothing.
 */
export function registerWasmGradients(): void {
  for (const kernel of WASM_GRADIENT_KERNELS) {
    if (tf.getKernel(kernel.kernelName, 'wasm') === undefined) tf.registerKernel(kernel);
  }
  for (const fix of WASM_KERNEL_FIXES) replaceKernel(fix);
  wrapKernels();
  // Without wasm SIMD the fused optimizer and Relu's gradient find no kernel and run tfjs's own ops.
  for (const kernel of SIMD_ONLY) {
    if (simdSupported() && tf.getKernel(kernel.kernelName, 'wasm') === undefined) tf.registerKernel(kernel);
  }
  registerReluGradient();
  registerMeanGradient();
  registerLossGradients();
}

function replaceKernel(fix: tf.KernelConfig): void {
  const current = tf.getKernel(fix.kernelName, 'wasm');
  if (current?.kernelFunc === fix.kernelFunc) return;
  if (current !== undefined) tf.unregisterKernel(fix.kernelName, 'wasm');
  tf.registerKernel(fix);
}

/** The names of the wasm kernels that are jointrain's now, for the run's backend report (the fused Adam update and ReLU gradient only with wasm SIMD). */
export function wasmKernelsInUse(): string[] {
  const names = [...WASM_GRADIENT_KERNELS, ...WASM_KERNEL_FIXES]
    .map((kernel) => kernel.kernelName)
    .concat(
      Object.keys(WRAPPERS),
      SIMD_ONLY.map((kernel) => kernel.kernelName),
    );
  return names.filter((name) => {
    const kernelFunc = tf.getKernel(name, 'wasm')?.kernelFunc;
    return kernelFunc !== undefined && ourKernels.has(kernelFunc);
  });
}
