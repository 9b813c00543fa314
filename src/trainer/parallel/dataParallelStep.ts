/**
 * A joint step on several threads (data parallelism, as PyTorch's DistributedDataParallel on one
 * machine): each thread computes the gradient of its rows of every dataset's sub-batch at the same
 * weights; the main thread sums the shards' gradients in a fixed order (its own, then worker 1's,
 * worker 2's, …) and applies the sum once. The sum is the whole batch's gradient up to float
 * rounding, so a run differs from a one-thread run by rounding only, and two runs on the same
 * number of threads are identical. Data moves through shared memory laid out once (`shardChannel`).
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ResolvedBackend } from '../../shared/runs/format';
import type { DatasetBatch } from '../loop/jointLoss';
import { applyAllGradients } from '../loop/optimizer';
import type { StepOutcome, StepTarget } from '../loop/trainStep';
import type { JointModel } from '../model/jointModel';
import type { ModelRecipe } from '../training/modelLifecycle';
import { allocateShardBuffers, CONTROL, ENTRY, readFailure, shardViews, type ShardViews } from './shardChannel';
import { shardGradients, shardRange } from './shardGradients';
import type { ShardWorkerData } from './shardWorker';

export interface DataParallelOptions {
  threads: number;
  backend: ResolvedBackend;
  recipe: ModelRecipe;
  model: JointModel;
  batchSize: number;
  /** Datasets in the run: at most this many sub-batches a step. */
  datasets: number;
}

interface ShardWorker {
  worker: Worker;
  views: ShardViews;
  /** Set by the worker's error or exit: a step waiting on it stops with this. */
  lost?: string;
}

export class DataParallelStep {
  private posted = 0;

  private constructor(
    private readonly workers: ShardWorker[],
    private readonly weights: Float32Array,
    private readonly capacity: { rows: number; inputFloats: number },
  ) {}

  get threads(): number {
    return this.workers.length + 1;
  }

  static async start(options: DataParallelOptions): Promise<DataParallelStep> {
    const { model, threads } = options;
    const variables = model.trainableVariables.map((weight) => weight.read());
    const parameters = variables.reduce((total, variable) => total + variable.size, 0);
    const features = model.paths.map((path) => (path.trainingModel.inputs[0]?.shape.slice(1) as number[]).reduce((product, size) => product * size, 1));
    // A shard takes at most ⌈n_d / threads⌉ rows of each dataset's n_d, and Σ n_d is the batch size.
    const entries = options.datasets;
    const rows = Math.ceil(options.batchSize / threads) + entries;
    const sizes = { maxEntries: entries, variables: variables.length, parameters, rows, inputFloats: rows * Math.max(...features) };
    const weights = new SharedArrayBuffer(parameters * 4);
    const initialWeights = model.model.weights.map((weight) => (weight.read().dataSync() as Float32Array).slice());
    const workers: ShardWorker[] = [];
    try {
      for (let k = 1; k < threads; k++) {
        const buffers = allocateShardBuffers(sizes);
        const data: ShardWorkerData = { backend: options.backend, recipe: options.recipe, buffers, weights, initialWeights };
        const [entry, entryOptions] = workerEntry();
        const worker = new Worker(entry, { ...entryOptions, workerData: data });
        const shard: ShardWorker = { worker, views: shardViews(buffers) };
        workers.push(shard);
        worker.on('error', (error) => (shard.lost ??= `a training thread failed: ${error.message}`));
        worker.on('exit', (code) => (shard.lost ??= `a training thread exited (code ${code})`));
        await new Promise<void>((ready, fail) => {
          worker.once('message', (message: { kind: string; sizes?: number[]; message?: string }) => {
            const expected = variables.map((variable) => variable.size);
            if (message.kind !== 'ready') fail(new Error(`a training thread could not start: ${message.message ?? message.kind}`));
            else if (JSON.stringify(message.sizes) !== JSON.stringify(expected))
              fail(new Error('a training thread built a model with other weights than the main thread'));
            else ready();
          });
          worker.once('error', fail);
        });
      }
    } catch (error) {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
      throw error;
    }
    return new DataParallelStep(workers, new Float32Array(weights), { rows, inputFloats: sizes.inputFloats });
  }

  /** `paths`: the model's, whose index names each batch's path to a worker; `globalStep`: the step its dropout masks are drawn for. */
  async step(
    batches: readonly DatasetBatch[],
    batchSize: number,
    { optimizer, variables, kernels, l2, rules }: StepTarget,
    paths: JointModel['paths'],
    globalStep: number,
  ): Promise<StepOutcome> {
    const shards = this.threads;
    const step = ++this.posted;
    let at = 0;
    for (const variable of variables) {
      this.weights.set(variable.dataSync() as Float32Array, at);
      at += variable.size;
    }
    const host = batches.map((batch) => ({
      x: batch.x.dataSync() as Float32Array,
      labels: batch.labels.dataSync(),
      weights: batch.sampleWeights?.dataSync() as Float32Array | undefined,
      features: batch.x.size / Math.max(1, batch.labels.shape[0]),
    }));
    // Which batch each worker's entries are, to add their numbers back to the right dataset.
    const workerEntries = this.workers.map((shard, k) => this.post(shard, k + 1, step, globalStep, batches, host, batchSize, paths));

    const mine = batches.flatMap((batch, j) => {
      const [start, end] = shardRange(batch.labels.shape[0], 0, shards);
      return end > start ? [{ j, batch: sliceBatch(batch, start, end - start) }] : [];
    });
    const own = shardGradients(
      mine.map(({ batch }) => batch),
      batchSize,
      variables,
      { kernels, l2 },
    );
    mine.forEach(({ batch }) => tf.dispose([batch.x, batch.labels, ...(batch.sampleWeights ? [batch.sampleWeights] : [])]));
    for (const shard of this.workers) await finished(shard, step);

    const combined: tf.NamedTensorMap = {};
    const created: tf.Tensor[] = [];
    at = 0;
    variables.forEach((variable, i) => {
      let sum = own.grads[variable.name];
      for (const shard of this.workers) {
        if (shard.views.present[i] !== 1) continue;
        const part = tf.tensor(shard.views.grads.slice(at, at + variable.size), variable.shape);
        created.push(part);
        if (sum !== undefined) created.push((sum = tf.add(sum, part)));
        else sum = part;
      }
      if (sum !== undefined) combined[variable.name] = sum;
      at += variable.size;
    });
    applyAllGradients(optimizer, variables, combined, rules);
    tf.dispose([...Object.values(own.grads), ...created]);

    const numbers = batches.map(() => [0, 0, 0]);
    mine.forEach(({ j }, e) => add(numbers[j] as number[], own.numbers, e));
    this.workers.forEach((shard, k) => (workerEntries[k] as number[]).forEach((j, e) => add(numbers[j] as number[], shard.views.results, e)));
    const penalty = own.numbers[3 * mine.length] as number;
    return {
      totalLoss: numbers.reduce((total, [, contribution]) => total + (contribution as number), penalty),
      backwardPasses: 1,
      l2Penalty: penalty,
      datasets: batches.map((batch, j) => {
        const [lossSum, contribution, outcomeSum] = numbers[j] as [number, number, number];
        return { samples: batch.labels.shape[0], lossSum, contribution, outcomeSum };
      }),
    };
  }

  /** Writes shard `shard`'s rows of every batch and wakes its worker; returns the batch index of each entry. */
  private post(
    worker: ShardWorker,
    shard: number,
    step: number,
    globalStep: number,
    batches: readonly DatasetBatch[],
    host: Array<{ x: Float32Array; labels: ArrayLike<number>; weights: Float32Array | undefined; features: number }>,
    batchSize: number,
    paths: JointModel['paths'],
  ): number[] {
    const { control, scalars, inputs, labels, sampleWeights } = worker.views;
    const entries: number[] = [];
    let rowOffset = 0;
    let floatOffset = 0;
    scalars[0] = batchSize;
    batches.forEach((batch, j) => {
      const [start, end] = shardRange(batch.labels.shape[0], shard, this.threads);
      const rows = end - start;
      if (rows === 0) return;
      const data = host[j] as (typeof host)[number];
      const floats = rows * data.features;
      if (rowOffset + rows > this.capacity.rows || floatOffset + floats > this.capacity.inputFloats) {
        throw new Error(`a step's shard needs ${rowOffset + rows} rows, more than the ${this.capacity.rows} its thread was given`);
      }
      const e = entries.length;
      const base = CONTROL.header + ENTRY.size * e;
      control[base + ENTRY.path] = paths.indexOf(batch.path);
      control[base + ENTRY.classification] = batch.task === 'classification' ? 1 : 0;
      control[base + ENTRY.units] = batch.units;
      control[base + ENTRY.mae] = batch.regressionLoss === 'mae' ? 1 : 0;
      control[base + ENTRY.rows] = rows;
      control[base + ENTRY.rowOffset] = rowOffset;
      control[base + ENTRY.floatOffset] = floatOffset;
      control[base + ENTRY.hasWeights] = data.weights === undefined ? 0 : 1;
      scalars[1 + e] = batch.lossWeight;
      inputs.set(data.x.subarray(start * data.features, end * data.features), floatOffset);
      for (let r = 0; r < rows; r++) labels[rowOffset + r] = data.labels[start + r] as number;
      if (data.weights !== undefined) sampleWeights.set(data.weights.subarray(start, end), rowOffset);
      entries.push(j);
      rowOffset += rows;
      floatOffset += floats;
    });
    control[CONTROL.entries] = entries.length;
    control[CONTROL.dropoutStep] = globalStep;
    control[CONTROL.shard] = shard;
    Atomics.store(control, CONTROL.posted, step);
    Atomics.notify(control, CONTROL.posted);
    return entries;
  }

  async close(): Promise<void> {
    for (const { views } of this.workers) {
      Atomics.store(views.control, CONTROL.posted, -1);
      Atomics.notify(views.control, CONTROL.posted);
    }
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}

/** Layers whose output depends on the whole batch (batch normalization's statistics), by name: a split batch would change them. */
export function batchWideLayerNames(model: tf.LayersModel): string[] {
  return model.layers.flatMap((layer): string[] => {
    if (layer instanceof tf.LayersModel) return batchWideLayerNames(layer);
    return layer.getClassName() === 'BatchNormalization' ? [`batch normalization (${layer.name})`] : [];
  });
}

/**
 * Multiply-adds of one sample's forward pass, estimated: each kernel's size times the positions
 * it is applied at (its layer's output, less batch and channels). A shared layer counts once.
 */
export function multiplyAddsPerSample(model: tf.LayersModel): number {
  return model.layers.reduce((total, layer) => {
    if (layer instanceof tf.LayersModel) return total + multiplyAddsPerSample(layer);
    const kernels = layer.weights.filter((weight) => /kernel/.test(weight.originalName ?? weight.name));
    if (kernels.length === 0) return total;
    const output = (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as Array<number | null>;
    const positions = output.slice(1, -1).reduce<number>((product, size) => product * (size ?? 1), 1);
    return total + kernels.reduce((sum, kernel) => sum + kernel.shape.reduce<number>((product, size) => product * (size ?? 1), 1), 0) * positions;
  }, 0);
}

/** Waits for a worker's step: blocking (a step is milliseconds), but yielding now and then so a lost worker is noticed. */
async function finished(shard: ShardWorker, step: number): Promise<void> {
  const { control } = shard.views;
  while (Atomics.load(control, CONTROL.done) !== step) {
    if (shard.lost !== undefined) throw new Error(shard.lost);
    if (Atomics.wait(control, CONTROL.done, step - 1, 1000) === 'timed-out') await new Promise((resolve) => setImmediate(resolve));
  }
  if (control[CONTROL.status] !== 0) throw new Error(`a training thread failed: ${readFailure(shard.views.failure)}`);
}

function add(into: number[], from: ArrayLike<number>, entry: number): void {
  for (let k = 0; k < 3; k++) (into[k] as number) += from[3 * entry + k] as number;
}

function sliceBatch(batch: DatasetBatch, start: number, rows: number): DatasetBatch {
  const { sampleWeights, ...rest } = batch;
  return {
    ...rest,
    x: tf.slice(batch.x, start, rows),
    labels: tf.slice(batch.labels, start, rows),
    ...(sampleWeights ? { sampleWeights: tf.slice(sampleWeights, start, rows) } : {}),
  };
}

/** The worker's script: the bundle's own file, or, run from source (tests, benchmarks), the TypeScript through tsx. */
function workerEntry(): [string, { eval?: boolean }] {
  if (__filename.endsWith('.ts')) {
    const source = join(__dirname, 'shardWorker.ts');
    return [`require('tsx/cjs/api').register(); require(${JSON.stringify(source)});`, { eval: true }];
  }
  return [join(__dirname, 'shardWorker.js'), {}];
}
