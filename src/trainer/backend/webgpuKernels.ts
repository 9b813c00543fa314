/**
 * Deterministic matrix products on webgpu. For a product with a long inner dimension and a small
 * output, tfjs-backend-webgpu splits the inner dimension across workgroups and sums their parts
 * with atomic float adds, in whatever order the GPU runs them: the same product gives different
 * bits from call to call (7 distinct results in 30 calls of one [16×4608]·[4608×32] product on
 * llvmpipe), so two runs with one seed drift apart and a resumed run cannot match an uninterrupted
 * one. The wrappers below ask for the small-output tiling instead in exactly that case, which sums
 * each output in a fixed order; every other product takes tfjs's own choice.
 */
import * as tf from '@tensorflow/tfjs';

const MATMUL_PROGRAM_FLAG = 'WEBGPU_MATMUL_PROGRAM_TYPE';
/** tfjs-backend-webgpu's MatMulProgramType.MatMulSmallOutputSizeProgram. */
const SMALL_OUTPUT_SIZE_PROGRAM = 2;
const WRAPPED = ['BatchMatMul', '_FusedMatMul'] as const;

interface MatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
}

const ours = new Set<tf.KernelFunc>();

/**
 * True where tfjs-backend-webgpu 4.x would pick its split-K program (`batchMatMulImpl`): one
 * matrix pair, an inner dimension of 2000 or more, more than 128 outputs, and few 32×32 tiles.
 */
export function wouldSplitInner(aShape: readonly number[], bShape: readonly number[], attrs: MatMulAttrs, tileThreshold: number): boolean {
  const rank = (shape: readonly number[]) => shape.length;
  const outerA = attrs.transposeA ? aShape[rank(aShape) - 1] : aShape[rank(aShape) - 2];
  const outerB = attrs.transposeB ? bShape[rank(bShape) - 2] : bShape[rank(bShape) - 1];
  const inner = attrs.transposeB ? bShape[rank(bShape) - 1] : bShape[rank(bShape) - 2];
  const batch = Math.max(tf.util.sizeFromShape(aShape.slice(0, -2)), tf.util.sizeFromShape(bShape.slice(0, -2)));
  if (outerA === undefined || outerB === undefined || inner === undefined) return false;
  const tiles = batch * Math.ceil(outerA / 32) * Math.ceil(outerB / 32);
  const fewTiles = tiles <= tileThreshold || (outerA <= 8 && tiles <= tileThreshold * 2);
  return fewTiles && batch * outerA * outerB > 128 && batch === 1 && inner >= 2000;
}

function deterministic(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    // Only tfjs's WebGPUBackend has the threshold (and registers the flags read here).
    const backendThreshold = (args.backend as { thresholdToIncreaseWorkgroups?: number }).thresholdToIncreaseWorkgroups;
    if (backendThreshold === undefined || tf.env().getNumber(MATMUL_PROGRAM_FLAG) >= 0) return original.kernelFunc(args);
    const threshold = tf.env().getNumber('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL');
    if (!wouldSplitInner(a.shape, b.shape, args.attrs as MatMulAttrs, threshold > 0 ? threshold : backendThreshold)) return original.kernelFunc(args);
    tf.env().set(MATMUL_PROGRAM_FLAG, SMALL_OUTPUT_SIZE_PROGRAM);
    try {
      return original.kernelFunc(args);
    } finally {
      tf.env().set(MATMUL_PROGRAM_FLAG, -1);
    }
  };
  ours.add(kernelFunc);
  return { ...original, kernelFunc };
}

/** Wraps webgpu's matrix products once; calling it again changes nothing. Returns the kernels that are jointrain's now. */
export function registerWebGpuKernels(): string[] {
  for (const name of WRAPPED) {
    const current = tf.getKernel(name, 'webgpu');
    if (current === undefined || ours.has(current.kernelFunc)) continue;
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel(deterministic(current));
  }
  return WRAPPED.filter((name) => {
    const kernelFunc = tf.getKernel(name, 'webgpu')?.kernelFunc;
    return kernelFunc !== undefined && ours.has(kernelFunc);
  });
}
