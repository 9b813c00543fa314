/**
 * Sums rows of x into numSegments buckets (the gradient of gather, and so of embedding). With wasm
 * SIMD (float32), jointrain's kernel (kernels.c) adds each row into its bucket in order. Otherwise
 * wasm's ScatterNd adds rows that share an index. Either way ids outside [0, numSegments) are
 * dropped, as on cpu.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernelsFor } from '../simd/simdKernels';
import { composedKernel } from './composedKernel';

export const unsortedSegmentSum: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const backend = args.backend as BackendWasm;
    const simd = simdKernelsFor(backend);
    const { x, segmentIds } = args.inputs as tf.UnsortedSegmentSumInputs;
    const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
    if (simd === undefined || x === undefined || segmentIds === undefined || x.dtype !== 'float32' || segmentIds.dtype !== 'int32') {
      return composed.kernelFunc(args);
    }
    const rowShape = x.shape.slice(segmentIds.shape.length);
    const out = backend.makeOutput([numSegments, ...rowShape], 'float32');
    const count = tf.util.sizeFromShape(segmentIds.shape);
    simd.segment_sum_rows(addressOf(backend, x), addressOf(backend, segmentIds), addressOf(backend, out), count, tf.util.sizeFromShape(rowShape), numSegments);
    return out;
  },
};

/** Without wasm SIMD: ScatterNd of the rows, those out of range zeroed and sent to bucket 0. */
const composed = composedKernel(tf.UnsortedSegmentSum, (inputs, attrs) => {
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const x = inputs.x as tf.Tensor;
  const segmentIds = inputs.segmentIds as tf.Tensor;
  const ids = tf.reshape(segmentIds, [-1]);
  const rows = segmentIds.size;
  const rowShape = x.shape.slice(segmentIds.rank);
  const inRange = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
  const safeIds = tf.where(inRange, ids, tf.zerosLike(ids));
  const flatRows = tf.reshape(x, [rows, ...rowShape]);
  const mask = tf.reshape(tf.cast(inRange, x.dtype), [rows, ...rowShape.map(() => 1)]);
  return tf.scatterND(tf.reshape(safeIds, [rows, 1]), tf.mul(flatRows, mask), [numSegments, ...rowShape]);
});
