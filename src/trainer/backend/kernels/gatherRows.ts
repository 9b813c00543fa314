/**
 * wasm's GatherV2 computes every output element's coordinates one by one: an embedding lookup of
 * 6,400 ids into a 5,000 × 64 table took 18 ms. Gathering whole rows (axis 0, no batch dimensions —
 * what an embedding layer does) is one copy per row in jointrain's SIMD module (kernels.c). Indices
 * are checked first with cpu's message; any other gather goes to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';

export function rowGather(wasmGather: tf.KernelConfig): tf.KernelConfig {
  const original = wasmGather.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x, indices } = args.inputs as tf.GatherV2Inputs;
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    const simd = simdKernelsFor(backend);
    const rows = x?.shape[0];
    const fourBytes = x?.dtype === 'float32' || x?.dtype === 'int32';
    if (simd === undefined || x === undefined || indices === undefined || rows === undefined || !fourBytes || indices.dtype !== 'int32') return original(args);
    if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0 || (batchDims ?? 0) !== 0) return original(args);
    const ids = backend.typedArrayFromHeap(indices) as Int32Array;
    for (const id of ids) {
      if (id < 0 || id > rows - 1) throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`);
    }
    const rowShape = x.shape.slice(1);
    const out = backend.makeOutput([...indices.shape, ...rowShape], x.dtype);
    simd.gather_rows(addressOf(backend, x), addressOf(backend, indices), addressOf(backend, out), ids.length, tf.util.sizeFromShape(rowShape));
    return out;
  };
  return { kernelName: tf.GatherV2, backendName: 'wasm', kernelFunc, ...(wasmGather.setupFunc ? { setupFunc: wasmGather.setupFunc } : {}) };
}
