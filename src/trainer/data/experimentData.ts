/**
 * How a run reads an experiment's datasets — paths relative to the experiment file, each dataset's
 * task from its head, messages placed at the dataset's fields, decoded images in the cache — in
 * one place, so that `jointrain validate --data` reads exactly what `run` and `evaluate` read and
 * refuses exactly what they would.
 */
import type { DatasetSpec } from '../../shared/experiment/schema';
import type { LoadedExperiment } from '../config/loadExperiment';
import { UserError } from '../errors';
import { planTraining, routeDatasets, type DatasetRoute } from '../loop/datasetPlan';
import { loadDataset } from './loadDataset';
import type { LoadContext, LoadedDataset } from './types';

export interface DatasetReadOptions {
  cacheDir: string;
  /** Called as a dataset's files are decoded, for progress bars. */
  onProgress?: ((dataset: string, done: number, total: number) => void) | undefined;
}

/** The context dataset `d` of `loaded` is read with; `spec` may differ from the file's (evaluation's held-out splits). */
export function datasetContext(
  loaded: LoadedExperiment,
  d: number,
  spec: DatasetSpec,
  route: DatasetRoute | undefined,
  options: DatasetReadOptions,
): LoadContext {
  const { onProgress } = options;
  return {
    experimentDir: loaded.dir,
    cacheDir: options.cacheDir,
    seed: loaded.experiment.training.seed,
    task: route?.task ?? 'classification',
    // A loader names a nested field with dots (`validation.path`); the file has a key per part.
    place: (field) => loaded.place(['datasets', d, ...field.split('.')]),
    ...(onProgress ? { onProgress: (done: number, total: number) => onProgress(spec.name, done, total) } : {}),
  };
}

/** One dataset as `validate --data` read it: what a run would record of it, or why a run would stop. */
export type DatasetReading = { name: string; report: LoadedDataset['report'] } | { name: string; problem: UserError };

export interface DataReading {
  /** Every dataset, in the file's order: one that cannot be read does not hide the others' problems. */
  datasets: DatasetReading[];
  /** A problem between datasets once all are read (e.g. two datasets on one stem with different shapes). */
  problem?: UserError;
}

/**
 * Reads every dataset as a run does at its start — every image decoded (and cached), every CSV row
 * parsed, the splits drawn — then plans training across them, and releases them. A problem a run
 * would stop on (`UserError`) is returned, one per dataset; anything else (the disk failing) is thrown.
 */
export async function readExperimentData(loaded: LoadedExperiment, options: DatasetReadOptions): Promise<DataReading> {
  const routes = routeDatasets(loaded.experiment);
  const readings: DatasetReading[] = [];
  const datasets: LoadedDataset[] = [];
  try {
    for (const [d, spec] of loaded.experiment.datasets.entries()) {
      try {
        const dataset = await loadDataset(spec, datasetContext(loaded, d, spec, routes[d], options));
        datasets.push(dataset);
        readings.push({ name: spec.name, report: dataset.report });
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        readings.push({ name: spec.name, problem: error });
      }
    }
    if (datasets.length < loaded.experiment.datasets.length) return { datasets: readings };
    try {
      planTraining(loaded.experiment, datasets, loaded.place);
      return { datasets: readings };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { datasets: readings, problem: error };
    }
  } finally {
    datasets.forEach((dataset) => dataset.close());
  }
}
