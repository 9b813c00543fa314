/**
 * What the panel says of a classification dataset's classes after an epoch: per class of the
 * dataset, its training samples, validation recall and precision (from the epoch's confusion
 * matrix), the macro-F1, and the weakest class — so a user sees *which* classes fail.
 */
import { classMetrics, weakestClasses } from '../metrics/classMetrics';
import type { EpochDatasetMetrics } from '../runs/format';
import type { DatasetView } from './runView';

export interface ClassReport {
  rows: Array<{ name: string; trainSamples: number; validation: number; recall?: number; precision?: number }>;
  macroF1?: number;
  weakest?: { name: string; recall: number; support: number };
  /** The confusion matrix over the dataset's own classes (rows true, columns predicted), when it has one. */
  confusion?: { classes: string[]; counts: number[][] };
}

export function classReport(dataset: DatasetView, latest: EpochDatasetMetrics | undefined): ClassReport {
  const confusion = latest?.valConfusion;
  const headClasses = dataset.headClasses;
  const names = Object.keys(dataset.classes);
  if (confusion === undefined || headClasses === undefined) {
    return { rows: names.map((name) => ({ name, trainSamples: dataset.classes[name] ?? 0, validation: 0 })) };
  }
  const metrics = classMetrics(confusion).perClass;
  const index = names.map((name) => headClasses.indexOf(name));
  const rows = names.map((name, i) => {
    const at = index[i] as number;
    const entry = at >= 0 ? metrics[at] : undefined;
    const support = entry?.support ?? 0;
    return {
      name,
      trainSamples: dataset.classes[name] ?? 0,
      validation: support,
      ...(entry !== undefined && support > 0 ? { recall: entry.recall } : {}),
      ...(entry !== undefined && support > 0 ? { precision: entry.precision } : {}),
    };
  });
  const weakest = weakestClasses(confusion, headClasses, 1)[0];
  const own = index.filter((at) => at >= 0);
  return {
    rows,
    macroF1: classMetrics(confusion).macroF1,
    ...(weakest !== undefined ? { weakest } : {}),
    confusion: { classes: own.map((at) => headClasses[at] as string), counts: own.map((row) => own.map((column) => confusion[row]?.[column] ?? 0)) },
  };
}
