/**
 * The benchmark MLP experiment loaded and planned as `runExperiment` does it: dataset through the
 * decode cache, training plan, and a fresh joint model on demand.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import { loadDataset } from '../src/trainer/data/loadDataset';
import type { LoadedDataset } from '../src/trainer/data/types';
import { planTraining, type PlannedDataset, type TrainingPlan } from '../src/trainer/loop/datasetPlan';
import { buildDeclaredModel, type JointModel } from '../src/trainer/model/jointModel';
import { loadMlpExperiment, type MlpExperiment } from './mlpExperiment';

/** The backend every tfjs benchmark runs on. */
const BENCH_BACKEND = 'wasm';

export interface TrainingSetup {
  experiment: MlpExperiment;
  data: LoadedDataset;
  plan: TrainingPlan;
  planned: PlannedDataset;
  /** Output units of the digit head. */
  units: number;
  /** A new model with the experiment's seeded initial weights. */
  buildModel(): JointModel;
}

/** Selects the benchmark backend as the trainer does and describes it for the results. */
export async function useBenchBackend(): Promise<string> {
  const backend = await selectBackend(BENCH_BACKEND);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  // tfjs turns wasm threads off under Node, so this is one core whatever the machine has.
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `${backend.name} (tfjs ${tf.version.tfjs}; SIMD ${simd ? 'on' : 'off'}; ${threads ? 'multi' : 'single'}-threaded)`;
}

export async function loadTrainingSetup(imagesDir: string, cacheDir: string): Promise<TrainingSetup> {
  const experiment = await loadMlpExperiment(imagesDir, 1);
  const { loaded } = experiment;
  const data = await loadDataset(experiment.dataset, {
    experimentDir: loaded.dir,
    cacheDir,
    seed: loaded.experiment.training.seed,
    task: 'classification',
    place: (field) => loaded.place(['datasets', 0, field]),
  });
  const plan = planTraining(loaded.experiment, [data], loaded.place);
  const planned = plan.datasets[0] as PlannedDataset;
  return {
    experiment,
    data,
    plan,
    planned,
    units: plan.heads[planned.route.head]?.units ?? 0,
    buildModel: () => buildDeclaredModel(experiment.model, plan.stemShapes, plan.heads, plan.paths, loaded.experiment.training.seed),
  };
}
