/**
 * wasm's BatchMatMul sends a product to XNNPACK only when neither operand is transposed; with
 * `transposeA` or `transposeB` — every matmul of a dense layer's backward pass — it runs a scalar
 * loop, ~10× slower (issue 13: 37 ms against 3 ms for an MLP's 128×256 by 256×784 input gradient).
 * This kernel transposes the operand first, with wasm's own Transpose, and hands wasm's own
 * BatchMatMul the untransposed product. The result is the same product, summed in XNNPACK's order
 * (tested against cpu within float rounding).
 */
import type * as tf from '@tensorflow/tfjs';

/** The innermost two axes swapped: what `transposeA`/`transposeB` mean for a batch of matrices. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return perm;
}

/**
 * A BatchMatMul for wasm built on the backend's own kernels, `wasmBatchMatMul` and `transpose`,
 * captured before this one replaces the first. It keeps the original's setup, which binds the wasm
 * function when the backend starts.
 */
export function transposeFirstBatchMatMul(wasmBatchMatMul: tf.KernelConfig, transpose: tf.KernelFunc): tf.KernelConfig {
  const original = wasmBatchMatMul.kernelFunc;
  const kernelFunc: tf.KernelFunc = ({ inputs, attrs, backend }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return original({ inputs, attrs, backend });
    const owned: tf.TensorInfo[] = [];
    const untransposed = (x: tf.TensorInfo, swap: boolean | undefined): tf.TensorInfo => {
      if (!swap) return x;
      const result = transpose({ inputs: { x }, attrs: { perm: swapLastTwo(x.shape.length) }, backend }) as tf.TensorInfo;
      owned.push(result);
      return result;
    };
    try {
      return original({
        inputs: { a: untransposed(a, transposeA), b: untransposed(b, transposeB) },
        attrs: { ...attrs, transposeA: false, transposeB: false },
        backend,
      });
    } finally {
      // The transposed copies are this kernel's own: nothing else holds them.
      for (const info of owned) (backend as tf.KernelBackend).disposeData(info.dataId);
    }
  };
  return { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc, ...(wasmBatchMatMul.setupFunc ? { setupFunc: wasmBatchMatMul.setupFunc } : {}) };
}
