/**
 * Matrix products on wasm: jointrain's SIMD product (kernels.c `gemm`) for one pair of float32
 * matrices — a dense layer's forward pass with its bias and ReLU, and both its gradients — and
 * otherwise wasm's own BatchMatMul, with a transposed operand transposed first.
 *
 * wasm's BatchMatMul runs XNNPACK only when neither operand is transposed, and otherwise a scalar
 * loop ~10× slower (issue 13: 37 ms against 3 ms for an MLP's 128×256 by 256×784 input gradient).
 * And XNNPACK, as tfjs calls it, packs the right operand into an operator cached by that tensor:
 * in training the operand is new at every call (weights after each update, gradients, transposed
 * copies), so every call packs, which costs about as much as the product. The SIMD product packs
 * nothing and reads a transposed left operand in place; a transposed right operand is transposed
 * first. Results equal cpu's within float rounding (tested): sums run over k in order.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

/** The innermost two axes swapped: what `transposeA`/`transposeB` mean for a batch of matrices. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return perm;
}

const batchOf = (shape: readonly number[]): number => shape.slice(0, -2).reduce((product, size) => product * size, 1);

interface Product {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  bias?: tf.TensorInfo;
  relu: boolean;
}

/**
 * The product by the SIMD kernel, or undefined when it does not apply: no wasm SIMD, another dtype,
 * a batch of more than one matrix, or a bias that is not one value per output column.
 */
function simdProduct(backend: BackendWasm, transpose: tf.KernelFunc, { a, b, transposeA, transposeB, bias, relu }: Product): tf.TensorInfo | undefined {
  const simd = simdKernelsFor(backend);
  if (simd === undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  if (batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1) return undefined;
  const [aRows, aColumns] = a.shape.slice(-2) as [number, number];
  const [bRows, bColumns] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aColumns, aRows] : [aRows, aColumns];
  const n = transposeB ? bRows : bColumns;
  if ((transposeB ? bColumns : bRows) !== k) return undefined; // let wasm's kernel report the mismatch
  if (bias !== undefined && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== n || bias.shape.length !== 1)) return undefined;
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = backend.makeOutput([...outer, m, n], 'float32');
  if (m === 0 || n === 0) return out;
  const right = transposeB ? (transpose({ inputs: { x: b }, attrs: { perm: swapLastTwo(b.shape.length) }, backend }) as tf.TensorInfo) : b;
  try {
    simd.gemm(
      addressOf(backend, a),
      addressOf(backend, right),
      bias === undefined ? 0 : addressOf(backend, bias),
      addressOf(backend, out),
      m,
      n,
      k,
      transposeA ? 1 : 0,
      relu ? 1 : 0,
    );
  } finally {
    if (right !== b) backend.disposeData(right.dataId);
  }
  return out;
}

/** wasm's own product with each transposed operand transposed first, so that it runs on XNNPACK. */
function transposedFirst(original: tf.KernelFunc, transpose: tf.KernelFunc, { inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]) {
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
      inputs: { ...inputs, a: untransposed(a, transposeA), b: untransposed(b, transposeB) },
      attrs: { ...attrs, transposeA: false, transposeB: false },
      backend,
    });
  } finally {
    // The transposed copies are this kernel's own: nothing else holds them.
    for (const info of owned) (backend as tf.KernelBackend).disposeData(info.dataId);
  }
}

/**
 * BatchMatMul for wasm, built on the backend's own `BatchMatMul` and `Transpose` kernels, captured
 * before this one replaces the first (it keeps the original's setup, which binds the wasm function).
 */
export function fastBatchMatMul(wasmBatchMatMul: tf.KernelConfig, transpose: tf.KernelFunc): tf.KernelConfig {
  const original = wasmBatchMatMul.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA = false, transposeB = false } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    return simdProduct(args.backend as BackendWasm, transpose, { a, b, transposeA, transposeB, relu: false }) ?? transposedFirst(original, transpose, args);
  };
  return { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc, ...(wasmBatchMatMul.setupFunc ? { setupFunc: wasmBatchMatMul.setupFunc } : {}) };
}

/**
 * _FusedMatMul (a dense layer's forward pass: product, bias, activation) for wasm: the SIMD product
 * for no activation or ReLU, and wasm's own kernel for the others (with transposed operands
 * transposed first).
 */
export function fastFusedMatMul(wasmFusedMatMul: tf.KernelConfig, transpose: tf.KernelFunc): tf.KernelConfig {
  const original = wasmFusedMatMul.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<'a' | 'b' | 'bias' | 'preluActivationWeights', tf.TensorInfo | undefined>;
    const {
      transposeA = false,
      transposeB = false,
      activation = 'linear',
    } = (args.attrs ?? {}) as {
      transposeA?: boolean;
      transposeB?: boolean;
      activation?: string;
    };
    const plain = (activation === 'linear' || activation === 'relu') && preluActivationWeights === undefined && a !== undefined && b !== undefined;
    const product = plain
      ? simdProduct(args.backend as BackendWasm, transpose, { a, b, transposeA, transposeB, ...(bias ? { bias } : {}), relu: activation === 'relu' })
      : undefined;
    return product ?? transposedFirst(original, transpose, args);
  };
  return { kernelName: '_FusedMatMul', backendName: 'wasm', kernelFunc, ...(wasmFusedMatMul.setupFunc ? { setupFunc: wasmFusedMatMul.setupFunc } : {}) };
}
