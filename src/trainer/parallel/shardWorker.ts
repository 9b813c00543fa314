/**
 * A shard worker (a worker thread of the trainer): builds its own copy of the joint model, then,
 * for every step the main thread posts, takes the main thread's weights, computes the gradient of
 * its rows and writes it back. It applies nothing: the main thread sums the shards and steps once.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend/selectBackend';
import type { DatasetBatch } from '../loop/jointLoss';
import { buildModelFrom, type ModelRecipe } from '../training/modelLifecycle';
import type { ResolvedBackend } from '../../shared/runs/format';
import { CONTROL, ENTRY, shardViews, writeFailure, type ShardBuffers, type ShardViews } from './shardChannel';
import { shardGradients } from './shardGradients';

export interface ShardWorkerData {
  backend: ResolvedBackend;
  recipe: ModelRecipe;
  buffers: ShardBuffers;
  /** The main thread's trainable weights, in `JointModel.trainableVariables` order (shared, rewritten each step). */
  weights: SharedArrayBuffer;
  /** Every weight of the model (trainable or not) as the run starts, in `model.weights` order. */
  initialWeights: Float32Array[];
}

async function start(data: ShardWorkerData): Promise<void> {
  await selectBackend(data.backend);
  const model = await buildModelFrom(data.recipe);
  tf.tidy(() => model.model.setWeights(model.model.weights.map((weight, i) => tf.tensor(data.initialWeights[i] as Float32Array, weight.read().shape))));
  const variables = model.trainableVariables.map((weight) => weight.read() as tf.Variable);
  parentPort?.postMessage({ kind: 'ready', sizes: variables.map((variable) => variable.size) });
  const views = shardViews(data.buffers);
  const weights = new Float32Array(data.weights);
  const { control } = views;
  let seen = 0;
  for (;;) {
    Atomics.wait(control, CONTROL.posted, seen);
    const posted = Atomics.load(control, CONTROL.posted);
    if (posted < 0) return;
    if (posted === seen) continue;
    seen = posted;
    try {
      model.dropoutSeeds?.beginStep(control[CONTROL.dropoutStep] as number, control[CONTROL.shard] as number);
      runShard(model.paths, variables, weights, views);
      Atomics.store(control, CONTROL.status, 0);
    } catch (error) {
      writeFailure(views.failure, error instanceof Error ? (error.stack ?? error.message) : String(error));
      Atomics.store(control, CONTROL.status, 1);
    }
    Atomics.store(control, CONTROL.done, seen);
    Atomics.notify(control, CONTROL.done);
  }
}

function runShard(paths: Awaited<ReturnType<typeof buildModelFrom>>['paths'], variables: tf.Variable[], weights: Float32Array, views: ShardViews): void {
  let at = 0;
  for (const variable of variables) {
    // slice(): the cpu backend keeps a tensor's array as given, and the main thread rewrites this one.
    const value = tf.tensor(weights.slice(at, at + variable.size), variable.shape);
    variable.assign(value);
    value.dispose();
    at += variable.size;
  }
  const { control, scalars, results, present, inputs, labels, sampleWeights, grads } = views;
  const batches: DatasetBatch[] = [];
  const count = control[CONTROL.entries] as number;
  for (let e = 0; e < count; e++) {
    const entry = (field: number) => control[CONTROL.header + ENTRY.size * e + field] as number;
    const path = paths[entry(ENTRY.path)];
    if (path === undefined) throw new Error(`shard entry ${e} names model path ${entry(ENTRY.path)}, which this worker's model does not have`);
    const rows = entry(ENTRY.rows);
    const rowOffset = entry(ENTRY.rowOffset);
    const sampleShape = path.trainingModel.inputs[0]?.shape.slice(1) as number[];
    const features = sampleShape.reduce((product, size) => product * size, 1);
    const floatOffset = entry(ENTRY.floatOffset);
    const classification = entry(ENTRY.classification) === 1;
    const labelValues = labels.slice(rowOffset, rowOffset + rows);
    batches.push({
      path,
      task: classification ? 'classification' : 'regression',
      x: tf.tensor(inputs.slice(floatOffset, floatOffset + rows * features), [rows, ...sampleShape]),
      labels: classification ? tf.tensor1d(Int32Array.from(labelValues), 'int32') : tf.tensor1d(labelValues, 'float32'),
      ...(entry(ENTRY.hasWeights) === 1 ? { sampleWeights: tf.tensor1d(sampleWeights.slice(rowOffset, rowOffset + rows)) } : {}),
      lossWeight: scalars[1 + e] as number,
      regressionLoss: entry(ENTRY.mae) === 1 ? 'mae' : 'mse',
      units: entry(ENTRY.units),
    });
  }
  const shard = shardGradients(batches, scalars[0] as number, variables);
  at = 0;
  variables.forEach((variable, i) => {
    const grad = shard.grads[variable.name];
    present[i] = grad === undefined ? 0 : 1;
    if (grad !== undefined) grads.set(grad.dataSync() as Float32Array, at);
    at += variable.size;
  });
  for (let e = 0; e < count; e++) for (let k = 0; k < 3; k++) results[3 * e + k] = shard.numbers[3 * e + k] as number;
  tf.dispose([...Object.values(shard.grads), ...batches.flatMap((batch) => [batch.x, batch.labels, ...(batch.sampleWeights ? [batch.sampleWeights] : [])])]);
}

start(workerData as ShardWorkerData).catch((error: unknown) => {
  parentPort?.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
});
