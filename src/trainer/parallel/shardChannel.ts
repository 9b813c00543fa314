/**
 * The shared memory between the main thread and one shard worker, laid out once for the run: no
 * message is posted per step. The main thread writes the step's rows and the current weights,
 * bumps `posted` and wakes the worker; the worker writes its gradients and numbers, then `done`.
 */

/** Indices into `control` (Int32). */
export const CONTROL = {
  /** The step the main thread asks for; -1 asks the worker to end. */
  posted: 0,
  /** The last step the worker finished (or failed). */
  done: 1,
  /** 0: the step's results are in; 1: it failed, with its message in `failure`. */
  status: 2,
  entries: 3,
  /** The global step and this worker's shard number, which its dropout masks are drawn from. */
  dropoutStep: 4,
  shard: 5,
  header: 8,
} as const;

/** Ints per entry (one dataset's rows in this shard), from CONTROL.header. */
export const ENTRY = { path: 0, classification: 1, units: 2, mae: 3, rows: 4, rowOffset: 5, floatOffset: 6, hasWeights: 7, size: 8 } as const;

export interface ShardBuffers {
  control: SharedArrayBuffer;
  /** Float64: the step's batch size, then each entry's loss weight. */
  scalars: SharedArrayBuffer;
  /** Float64: per entry Σℓ, contribution, outcome sum. */
  results: SharedArrayBuffer;
  /** Int32 per variable: 1 when the shard's gradient reaches it. */
  present: SharedArrayBuffer;
  inputs: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  sampleWeights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  /** A failed step's message, UTF-8, NUL-padded. */
  failure: SharedArrayBuffer;
}

export interface ShardSizes {
  maxEntries: number;
  variables: number;
  parameters: number;
  /** Rows a shard can hold in one step, over all its entries. */
  rows: number;
  /** Floats of input a shard can hold in one step. */
  inputFloats: number;
}

export const FAILURE_BYTES = 4096;

export function allocateShardBuffers(sizes: ShardSizes): ShardBuffers {
  const floats = (count: number) => new SharedArrayBuffer(Math.max(1, count) * 4);
  return {
    control: new SharedArrayBuffer((CONTROL.header + ENTRY.size * sizes.maxEntries) * 4),
    scalars: new SharedArrayBuffer((1 + sizes.maxEntries) * 8),
    results: new SharedArrayBuffer(3 * Math.max(1, sizes.maxEntries) * 8),
    present: floats(sizes.variables),
    inputs: floats(sizes.inputFloats),
    labels: floats(sizes.rows),
    sampleWeights: floats(sizes.rows),
    grads: floats(sizes.parameters),
    failure: new SharedArrayBuffer(FAILURE_BYTES),
  };
}

export interface ShardViews {
  control: Int32Array;
  scalars: Float64Array;
  results: Float64Array;
  present: Int32Array;
  inputs: Float32Array;
  labels: Float32Array;
  sampleWeights: Float32Array;
  grads: Float32Array;
  failure: Uint8Array;
}

export function shardViews(buffers: ShardBuffers): ShardViews {
  return {
    control: new Int32Array(buffers.control),
    scalars: new Float64Array(buffers.scalars),
    results: new Float64Array(buffers.results),
    present: new Int32Array(buffers.present),
    inputs: new Float32Array(buffers.inputs),
    labels: new Float32Array(buffers.labels),
    sampleWeights: new Float32Array(buffers.sampleWeights),
    grads: new Float32Array(buffers.grads),
    failure: new Uint8Array(buffers.failure),
  };
}

export function writeFailure(view: Uint8Array, message: string): void {
  view.fill(0);
  view.set(new TextEncoder().encode(message).subarray(0, view.length - 4));
}

export function readFailure(view: Uint8Array): string {
  const end = view.indexOf(0);
  return new TextDecoder().decode(view.slice(0, end < 0 ? view.length : end));
}
