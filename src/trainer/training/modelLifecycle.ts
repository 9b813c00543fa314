/**
 * The joint model's life in a run: built from the experiment (or loaded), restored from a
 * checkpoint, described in run.json, saved as the run's model/ — never with diverged weights — and
 * freed.
 */
import type { FieldPath } from '../../shared/experiment/locate';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isLoadedModel, type Experiment } from '../../shared/experiment/schema';
import { RUN_FILES, type RunRecord } from '../../shared/runs/format';
import type { LoadedExperiment } from '../config/loadExperiment';
import type { TrainingPlan } from '../loop/datasetPlan';
import { buildDeclaredModel, wrapLoadedModel, type HeadPlan, type JointModel, type PathKey } from '../model/jointModel';
import { checkpointEpoch } from '../runs/checkpointNames';
import { fileLoadHandler, folderSaveHandler } from '../runs/modelFiles';
import type { RunFolder } from '../runs/runFolder';

/** The step from which a diverged run's weights are bad; checkpoints of earlier epochs are good. */
export type BadSince = { epoch: number; step: number } | undefined;

/** Everything that builds the joint model, as plain data: a shard worker builds its own copy from it. */
export interface ModelRecipe {
  model: Experiment['model'];
  /** The experiment file's folder, against which a loaded model's `from` resolves. */
  dir: string;
  seed: number;
  heads: Record<string, HeadPlan>;
  stemShapes: Record<string, number[]>;
  paths: PathKey[];
}

export function modelRecipe(loaded: LoadedExperiment, plan: TrainingPlan): ModelRecipe {
  const heads = Object.fromEntries(Object.entries(plan.heads).map(([name, head]) => [name, { task: head.task, units: head.units }]));
  return { model: loaded.experiment.model, dir: loaded.dir, seed: loaded.experiment.training.seed, heads, stemShapes: plan.stemShapes, paths: plan.paths };
}

export async function buildModel(loaded: LoadedExperiment, plan: TrainingPlan): Promise<JointModel> {
  return buildModelFrom(modelRecipe(loaded, plan), loaded.place);
}

/** `place` names a field's position in the experiment file, for errors; shard workers, which only rebuild a model the main thread built, have none. */
export async function buildModelFrom(recipe: ModelRecipe, place?: (path: FieldPath) => string): Promise<JointModel> {
  const { model, heads, paths } = recipe;
  if (isLoadedModel(model)) {
    const layers = await tf.loadLayersModel(fileLoadHandler(join(recipe.dir, model.from)));
    return wrapLoadedModel(layers, model.inputs, model.outputs, heads, paths);
  }
  return buildDeclaredModel(model, recipe.stemShapes, heads, paths, recipe.seed, place);
}

/**
 * Saves the trained model as the run's `model/`: the best epoch's weights by the checkpoint monitor
 * (as Keras' save_best_only and HF's load_best_model_at_end), with the last epoch's in
 * `model-last/` when they differ; the last epoch's when no checkpoint is kept as best. A diverged
 * run's weights are not the model: the newest checkpoint saved before the divergence began is
 * loaded and saved instead, or, when there is none, no model is written; run.json's error says
 * which. run.json's `model` says which epoch model/ holds and why.
 */
export async function saveFinalModel(model: JointModel, run: RunFolder, badSince: BadSince): Promise<void> {
  const saveTo = (folder: string) => model.model.save(folderSaveHandler(run.path(folder), { jointrain: { heads: run.record.heads } }));
  const lastEpoch = run.record.epochs.completed;
  if (badSince === undefined) {
    const best = run.record.best;
    const bestDir = best === undefined ? undefined : join(run.path(RUN_FILES.checkpoints), best.checkpoint);
    const chosen = { monitor: best?.monitor, value: best?.value };
    if (best !== undefined && bestDir !== undefined && best.epoch !== lastEpoch && existsSync(bestDir)) {
      await saveTo(RUN_FILES.modelLast);
      await restoreWeights(model, bestDir);
      await saveTo(RUN_FILES.model);
      run.update({ model: { epoch: best.epoch, chosen: 'best', ...definedOnly(chosen), last: { epoch: lastEpoch, path: RUN_FILES.modelLast } } });
      return;
    }
    await saveTo(RUN_FILES.model);
    // A resumed run whose last epoch became its best: model-last/ of the earlier ending is stale.
    rmSync(run.path(RUN_FILES.modelLast), { recursive: true, force: true });
    const isBest = best !== undefined && best.epoch === lastEpoch;
    run.update({ model: { epoch: lastEpoch, chosen: isBest ? 'best' : 'last', ...(isBest ? definedOnly(chosen) : {}) } });
    return;
  }
  const good = await restoreLastGoodCheckpoint(model, run.path(RUN_FILES.checkpoints), badSince.epoch);
  if (run.record.best !== undefined && run.record.best.epoch >= badSince.epoch) {
    // The "best" checkpoint was saved after the loss ran away: it is no model to pick.
    const record = { ...run.record };
    delete record.best;
    run.record = record;
  }
  const note =
    good === undefined
      ? 'No checkpoint was saved before the divergence, so no model was written.'
      : `The model (model/) is the last good checkpoint, ${good} (saved before the divergence), not the diverged weights.`;
  run.update({ error: `${run.record.error ?? 'the run diverged'}. ${note}` });
  if (good !== undefined) {
    await saveTo(RUN_FILES.model);
    run.update({ model: { epoch: checkpointEpoch(good) ?? 0, chosen: 'last-good' } });
  }
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Loads the newest checkpoint of an epoch before `badEpoch` whose weights are all finite; returns its name. */
async function restoreLastGoodCheckpoint(model: JointModel, dir: string, badEpoch: number): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  const candidates = readdirSync(dir)
    .filter((name) => (checkpointEpoch(name) ?? Number.POSITIVE_INFINITY) < badEpoch)
    .sort()
    .reverse();
  for (const name of candidates) {
    try {
      await restoreWeights(model, join(dir, name));
    } catch {
      continue; // A torn checkpoint: an older one may still be whole.
    }
    if (await weightsAreFinite(model)) return name;
  }
  return undefined;
}

async function weightsAreFinite(model: JointModel): Promise<boolean> {
  const values = await Promise.all(model.model.getWeights().map((weight) => weight.data()));
  return values.every((value) => (value as Float32Array).every(Number.isFinite));
}

/** Frees the weights: an in-process caller (tests, the benchmarks) may run many experiments. */
export function disposeModel(model: JointModel): void {
  // A layer shared by several stems (the trunk) counts one reference per use, so disposing the
  // model can leave its weights alive: free whatever remains explicitly.
  const variables = model.model.weights.map((weight) => weight.read());
  model.model.dispose();
  variables.filter((variable) => !variable.isDisposed).forEach((variable) => variable.dispose());
}

export function headsRecord(plan: TrainingPlan, model: JointModel): RunRecord['heads'] {
  return Object.fromEntries(
    Object.entries(plan.heads).map(([head, info]) => [
      head,
      {
        task: info.task,
        classes: info.classes,
        outputs: Object.fromEntries(model.paths.filter((path) => path.key.head === head).map((path) => [path.key.stem, path.outputName])),
      },
    ]),
  );
}

/** The model's weights (trainable or not) as the checkpoint saved them. */
export async function restoreWeights(model: JointModel, dir: string): Promise<void> {
  const saved = await tf.loadLayersModel(fileLoadHandler(join(dir, 'model.json')));
  model.model.setWeights(saved.getWeights());
  // A layer shared by several stems keeps its weights past dispose(), as in disposeModel.
  const variables = saved.weights.map((weight) => weight.read());
  saved.dispose();
  variables.filter((variable) => !variable.isDisposed).forEach((variable) => variable.dispose());
}
