import type { TrainingReporter } from './runExperiment';

/** One reporter that passes every callback to each of `reporters` in turn (the CLI's progress bar and the channel). */
export function combineReporters(reporters: TrainingReporter[]): TrainingReporter {
  // `Required` makes a callback added to TrainingReporter but forgotten here a type error.
  const combined: Required<TrainingReporter> = {
    onRunCreated: (...args) => reporters.forEach((reporter) => reporter.onRunCreated?.(...args)),
    onDataProgress: (...args) => reporters.forEach((reporter) => reporter.onDataProgress?.(...args)),
    onStart: (...args) => reporters.forEach((reporter) => reporter.onStart?.(...args)),
    onEpochStart: (...args) => reporters.forEach((reporter) => reporter.onEpochStart?.(...args)),
    onStep: (...args) => reporters.forEach((reporter) => reporter.onStep?.(...args)),
    onEpochEnd: (...args) => reporters.forEach((reporter) => reporter.onEpochEnd?.(...args)),
    onEvent: (...args) => reporters.forEach((reporter) => reporter.onEvent?.(...args)),
    onStatus: (...args) => reporters.forEach((reporter) => reporter.onStatus?.(...args)),
    onWarning: (...args) => reporters.forEach((reporter) => reporter.onWarning?.(...args)),
  };
  return combined;
}
