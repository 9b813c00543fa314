/**
 * What the panel says of a classification dataset's classes: per class of the dataset, its
 * training samples, recall and precision on held-out data (the latest epoch's validation, or the
 * test split evaluated when training ended), the macro-F1, and the weakest class — so a user sees
 * *which* classes fail.
 */
import { classMetrics, weakestClasses } from '../metrics/classMetrics';
import type { EpochDatasetMetrics, RunRecord } from '../runs/format';
import type { DatasetView } from './runView';

export interface ClassReport {
  /** `support`: the class's held-out samples (validation or test). */
  rows: Array<{ name: string; trainSamples: number; support: number; recall?: number; precision?: number }>;
  macroF1?: number;
  weakest?: { name: string; recall: number; support: number };
  /** The confusion matrix over the dataset's own classes (rows true, columns predicted), when it has one. */
  confusion?: { classes: string[]; counts: number[][] };
}

/** The latest epoch's validation, by class. */
export function classReport(dataset: DatasetView, latest: EpochDatasetMetrics | undefined): ClassReport {
  return reportOf(dataset, latest?.valConfusion, dataset.headClasses);
}

type TestResult = NonNullable<RunRecord['test']>[string];

/** The test split's evaluation by class, when the run has one for this dataset (a classification dataset). */
export function testClassReport(dataset: DatasetView, test: TestResult | undefined): ClassReport | undefined {
  if (test?.confusion === undefined || test.classes === undefined) return undefined;
  return reportOf(dataset, test.confusion, test.classes);
}

/** `confusion` counts [true][predicted] over `headClasses`, the head's classes, which may hold classes this dataset lacks. */
function reportOf(dataset: DatasetView, confusion: number[][] | undefined, headClasses: readonly string[] | undefined): ClassReport {
  const names = Object.keys(dataset.classes);
  if (confusion === undefined || headClasses === undefined) {
    return { rows: names.map((name) => ({ name, trainSamples: dataset.classes[name] ?? 0, support: 0 })) };
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
      support,
      ...(entry !== undefined && support > 0 ? { recall: entry.recall } : {}),
      ...(entry !== undefined && support > 0 ? { precision: entry.precision } : {}),
    };
  });
  const weakest = weakestClasses(confusion, [...headClasses], 1)[0];
  const own = index.filter((at) => at >= 0);
  return {
    rows,
    macroF1: classMetrics(confusion).macroF1,
    ...(weakest !== undefined ? { weakest } : {}),
    confusion: { classes: own.map((at) => headClasses[at] as string), counts: own.map((row) => own.map((column) => confusion[row]?.[column] ?? 0)) },
  };
}
