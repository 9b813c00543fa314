/**
 * Sums rows of x into numSegments buckets (the gradient of gather, and so of embedding). wasm's
 * ScatterNd adds rows that share an index; ids outside [0, numSegments) are dropped, as on cpu,
 * by zeroing their rows and sending them to bucket 0.
 */
import * as tf from '@tensorflow/tfjs';
import { composedKernel } from './composedKernel';

export const unsortedSegmentSum = composedKernel(tf.UnsortedSegmentSum, (inputs, attrs) => {
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
