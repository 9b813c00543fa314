/**
 * What a checkpoint holds besides the model, so that a resumed run continues exactly where the
 * checkpoint was taken (an epoch end): the optimizer's slots, every random stream, the sampler's
 * accounting, the balancer, the schedules, the weights and any change waiting for the next epoch.
 * On the deterministic backends (cpu, wasm) a resumed run then ends with the same weights as one
 * that was never interrupted.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../shared/runs/format';
import { writeAtomically } from '../../node/atomicWrite';
import { checkpointEpoch } from './checkpointNames';
import { MODEL_JSON, WEIGHTS_BIN } from './modelFiles';

/** What `checkpoints/epoch-NNNN/state.json` holds: where the run was, and all a resumed run needs. */
export interface CheckpointState {
  epoch: number;
  globalStep: number;
  samplingWeights: Record<string, number>;
  lossWeights: Record<string, number>;
  monitor: { name: string; value: number };
  /** Everything else a resumed run needs (absent in checkpoints of versions that could not resume). */
  trainer?: SavedTrainerState;
}

export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';
export const STATE_JSON = 'state.json';

/**
 * What the checkpoint keeper and the resume path read of the trainer's state: the best checkpoint
 * and how much of control.jsonl was obeyed. The rest is the training loop's parts
 * (`training/trainerParts.ts`), which write and read it.
 */
export type SavedTrainerState = {
  best?: { name: string; value: number };
  /** Bytes of control.jsonl whose commands this state has obeyed (absent in older checkpoints). */
  controlOffset?: number;
  [part: string]: unknown;
};

interface OptimizerManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  byteOffset: number;
}

/**
 * Adam's β1^t and β2^t, which tfjs keeps as running products but `setWeights` recomputes with
 * `pow`: the two differ in the last bit after some steps, and so would every later update.
 */
interface AdamPowers {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}
const ADAM_POWERS = 'adam-powers.json';

/** Writes the optimizer's slots (Adam's iteration count and moments, …) next to the model. */
export async function saveOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const powers = optimizer as unknown as AdamPowers;
  if (powers.accBeta1 && powers.accBeta2) {
    const [accBeta1, accBeta2] = await Promise.all([powers.accBeta1.data(), powers.accBeta2.data()]);
    writeAtomically(join(dir, ADAM_POWERS), JSON.stringify({ accBeta1: accBeta1[0], accBeta2: accBeta2[0] }));
  }
  const weights = await optimizer.getWeights();
  const manifest: OptimizerManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let byteOffset = 0;
  for (const { name, tensor } of weights) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const data = await tensor.data();
    const values = dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
    manifest.push({ name, shape: tensor.shape, dtype, byteOffset });
    chunks.push(new Uint8Array(values.buffer));
    byteOffset += values.byteLength;
  }
  const bytes = new Uint8Array(byteOffset);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  writeAtomically(join(dir, OPTIMIZER_BIN), bytes);
  writeAtomically(join(dir, OPTIMIZER_JSON), JSON.stringify(manifest));
  // getWeights makes a fresh tensor for the iteration count; the rest are the optimizer's own variables.
  weights.filter(({ tensor }) => !(tensor instanceof tf.Variable)).forEach(({ tensor }) => tensor.dispose());
}

/** Gives the optimizer the slots of a checkpoint, exactly as they were. */
export async function restoreOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  await optimizer.setWeights(loadOptimizerWeights(dir));
  const powers = optimizer as unknown as AdamPowers;
  if (powers.accBeta1 && powers.accBeta2 && existsSync(join(dir, ADAM_POWERS))) {
    const saved = JSON.parse(readFileSync(join(dir, ADAM_POWERS), 'utf8')) as { accBeta1: number; accBeta2: number };
    powers.accBeta1.assign(tf.scalar(saved.accBeta1));
    powers.accBeta2.assign(tf.scalar(saved.accBeta2));
  }
}

export function loadOptimizerWeights(dir: string): Array<{ name: string; tensor: tf.Tensor }> {
  const manifest = JSON.parse(readFileSync(join(dir, OPTIMIZER_JSON), 'utf8')) as OptimizerManifestEntry[];
  const bin = readFileSync(join(dir, OPTIMIZER_BIN));
  return manifest.map(({ name, shape, dtype, byteOffset }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (byteOffset + size * 4 > bin.byteLength) throw new Error(`${OPTIMIZER_BIN} is shorter than its manifest says`);
    const buffer = bin.buffer.slice(bin.byteOffset + byteOffset, bin.byteOffset + byteOffset + size * 4);
    const values = dtype === 'int32' ? new Int32Array(buffer) : new Float32Array(buffer);
    return { name, tensor: tf.tensor(values, shape, dtype) };
  });
}

export interface ResumableCheckpoint {
  name: string;
  dir: string;
  state: CheckpointState & { trainer: SavedTrainerState };
  /** Why newer checkpoints were passed over (torn or incomplete), newest first. */
  skipped: string[];
}

/**
 * The newest complete checkpoint: the one `latest` names if it is whole, else the newest whole
 * one before it. A checkpoint is whole when its state, model and optimizer files are all there
 * and readable, and the weights file is as long as the model says.
 */
export function findResumableCheckpoint(checkpointsDir: string): ResumableCheckpoint | undefined {
  if (!existsSync(checkpointsDir)) return undefined;
  const latestFile = join(checkpointsDir, RUN_FILES.latest);
  const latest = existsSync(latestFile) ? readFileSync(latestFile, 'utf8').trim() : undefined;
  const names = readdirSync(checkpointsDir)
    .filter((name) => checkpointEpoch(name) !== undefined)
    .sort()
    .reverse();
  const ordered = latest && names.includes(latest) ? [latest, ...names.filter((name) => name !== latest)] : names;
  const skipped: string[] = [];
  if (latest && !names.includes(latest)) skipped.push(`${latest} (named by ${RUN_FILES.latest}) is missing`);
  for (const name of ordered) {
    const dir = join(checkpointsDir, name);
    const problem = checkpointProblem(dir);
    if (problem === undefined) {
      return { name, dir, state: JSON.parse(readFileSync(join(dir, STATE_JSON), 'utf8')) as ResumableCheckpoint['state'], skipped };
    }
    skipped.push(`${name} is incomplete (${problem})`);
  }
  return undefined;
}

function checkpointProblem(dir: string): string | undefined {
  for (const file of [STATE_JSON, MODEL_JSON, WEIGHTS_BIN, OPTIMIZER_JSON, OPTIMIZER_BIN]) {
    if (!existsSync(join(dir, file))) return `no ${file}`;
  }
  try {
    const state = JSON.parse(readFileSync(join(dir, STATE_JSON), 'utf8')) as Partial<ResumableCheckpoint['state']>;
    if (typeof state.epoch !== 'number' || state.trainer === undefined) return `${STATE_JSON} was written by a version that cannot resume`;
    const model = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
    const bytes = (model.weightsManifest ?? []).flatMap((group) => group.weights).reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const actual = readFileSync(join(dir, WEIGHTS_BIN)).byteLength;
    if (actual !== bytes) return `${WEIGHTS_BIN} holds ${actual} bytes, the model needs ${bytes}`;
    loadOptimizerWeights(dir).forEach(({ tensor }) => tensor.dispose());
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}
