/**
 * Evaluates a model on data kept out of training: each dataset's test split (`test: { path }`),
 * or any folder or CSV of the same shape given for a dataset. The data layer reads a dataset's
 * training source with its held-out set, so a held-out set is read as the dataset's validation
 * source — its classes are checked against the training classes exactly as validation's are —
 * and evaluated as validation is: in inference mode, with a confusion matrix for classification.
 */
import { resolve } from 'node:path';
import { classMetrics } from '../../shared/metrics/classMetrics';
import type { DatasetReport } from '../../shared/runs/format';
import type { LoadedExperiment } from '../config/loadExperiment';
import { UserError } from '../errors';
import { datasetContext } from '../data/experimentData';
import { loadDataset } from '../data/loadDataset';
import type { DataSplit, LoadedDataset } from '../data/types';
import { planTraining, routeDatasets, type TrainingPlan } from '../loop/datasetPlan';
import { evaluateDataset } from '../loop/evaluate';
import type { JointModel } from '../model/jointModel';
import { disposeModel } from '../training/modelLifecycle';

export interface SplitEvaluation {
  dataset: string;
  /** The folder or file evaluated, absolute. */
  source: string;
  samples: number;
  loss: number;
  accuracy?: number;
  /** Regression: mean absolute error. */
  mae?: number;
  macroF1?: number;
  /** Classification: the head's classes, and counts of [true][predicted] over them. */
  classes?: string[];
  confusion?: number[][];
}

/** Each dataset's test path, absolute, for the datasets that declare one. */
export function testSources(loaded: LoadedExperiment): Record<string, string> {
  return Object.fromEntries(loaded.experiment.datasets.flatMap((spec) => (spec.test ? [[spec.name, resolve(loaded.dir, spec.test.path)]] : [])));
}

/** Where a dataset is evaluated: a folder or CSV (absolute), or its own validation set as configured. */
export type EvaluationSource = string | { validation: true };

/**
 * A dataset that is not evaluated, as the run recorded it (its classes and sample shape): enough
 * for the plan — the heads' classes and the stems' shapes — without reading its data again, which
 * on a machine with a cold decode cache would mean decoding every training image.
 */
function recordedDataset(report: DatasetReport): LoadedDataset {
  const classes = [...new Set([...Object.keys(report.train.classes), ...Object.keys(report.validation.classes)])].sort();
  const empty: DataSplit = {
    size: 0,
    sampleShape: report.sampleShape,
    labels: new Int32Array(0),
    readBatch: () => {
      throw new Error(`dataset '${report.name}' is not evaluated: its data was not read`);
    },
  };
  return { name: report.name, classes, train: empty, validation: empty, report, close: () => undefined };
}

export interface EvaluationOptions {
  cacheDir: string;
  onProgress?: ((dataset: string, done: number, total: number) => void) | undefined;
  /** The run's datasets as run.json describes them: those without a source are not read. */
  reports?: readonly DatasetReport[] | undefined;
}

/**
 * Evaluates a model on `sources` (dataset name → source), in the order of the experiment's
 * datasets; datasets without a source are left out, and not read at all when the run's `reports`
 * (run.json's datasets) describe them. `model` is a model whose weights are already the ones to
 * evaluate, or makes one for the plan the data gives (and is then disposed here).
 */
export async function evaluateSplits(
  loaded: LoadedExperiment,
  model: JointModel | ((plan: TrainingPlan) => Promise<JointModel>),
  sources: Readonly<Record<string, EvaluationSource>>,
  { cacheDir, onProgress, reports = [] }: EvaluationOptions,
): Promise<SplitEvaluation[]> {
  const { experiment } = loaded;
  const unknown = Object.keys(sources).filter((name) => !experiment.datasets.some((spec) => spec.name === name));
  if (unknown.length > 0) {
    throw new UserError(
      `no dataset named ${unknown.map((name) => `'${name}'`).join(', ')} in ${loaded.file}`,
      `its datasets: ${experiment.datasets.map((spec) => spec.name).join(', ')}`,
    );
  }
  // The plan (heads, their classes, stem shapes) must be the model's: every dataset counts, read
  // or as recorded; each held-out source stands in for its dataset's validation. A CSV keeps its configured training
  // split, whose statistics standardise the held-out rows as they standardised training's.
  const held = {
    ...experiment,
    datasets: experiment.datasets.map((spec) => {
      const source = sources[spec.name];
      return typeof source === 'string' && spec.type === 'images' ? { ...spec, validation: { path: source } } : spec;
    }),
  };
  const routes = routeDatasets(held);
  const datasets: LoadedDataset[] = [];
  try {
    for (const [d, spec] of held.datasets.entries()) {
      const report = reports.find((candidate) => candidate.name === spec.name);
      if (sources[spec.name] === undefined && report !== undefined) {
        datasets.push(recordedDataset(report));
        continue;
      }
      datasets.push(
        await loadDataset(spec, {
          ...datasetContext(loaded, d, spec, routes[d], { cacheDir, onProgress }),
          ...(spec.type === 'csv' && typeof sources[spec.name] === 'string' ? { heldOut: sources[spec.name] as string } : {}),
        }),
      );
    }
    const plan = planTraining(held, datasets, loaded.place);
    const evaluated = typeof model === 'function' ? await model(plan) : model;
    try {
      // Awaited here, not returned: the model is disposed in `finally`, after the evaluation ends.
      return await evaluateAll(plan, evaluated, loaded, sources);
    } finally {
      if (evaluated !== model) disposeModel(evaluated);
    }
  } finally {
    datasets.forEach((dataset) => dataset.close());
  }
}

async function evaluateAll(
  plan: TrainingPlan,
  model: JointModel,
  loaded: LoadedExperiment,
  sources: Readonly<Record<string, EvaluationSource>>,
): Promise<SplitEvaluation[]> {
  const results: SplitEvaluation[] = [];
  for (const planned of plan.datasets) {
    const given = sources[planned.spec.name];
    if (given === undefined) continue;
    const validation = planned.spec.validation;
    const source =
      typeof given === 'string'
        ? given
        : 'path' in validation
          ? resolve(loaded.dir, validation.path)
          : `${resolve(loaded.dir, planned.spec.path)} (validation split ${validation.split})`;
    const head = plan.heads[planned.route.head];
    const evaluation = await evaluateDataset(planned, model, head?.units ?? 0);
    const classification = planned.route.task === 'classification';
    results.push({
      dataset: planned.spec.name,
      source,
      samples: evaluation.samples,
      loss: evaluation.loss,
      ...(classification ? { accuracy: evaluation.outcome } : { mae: evaluation.outcome }),
      ...(evaluation.confusion !== undefined
        ? { macroF1: classMetrics(evaluation.confusion).macroF1, classes: head?.classes ?? [], confusion: evaluation.confusion }
        : {}),
    });
  }
  return results;
}
