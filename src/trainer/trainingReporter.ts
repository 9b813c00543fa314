/**
 * What a front end (the CLI's progress bar, the extension's channel) learns of a run as it trains.
 * It lives apart from the loop so that implementing a reporter never means importing the loop.
 */
import type { MetricRecord, RunEvent, RunRecord, RunStatus } from '../shared/runs/format';

export type StepRecord = Extract<MetricRecord, { kind: 'step' }>;
export type EpochRecord = Extract<MetricRecord, { kind: 'epoch' }>;

/** Progress callbacks for a front end (the CLI's progress bar, the extension's channel). */
export interface TrainingReporter {
  onRunCreated?(runDir: string): void;
  onDataProgress?(dataset: string, done: number, total: number): void;
  onStart?(record: RunRecord): void;
  onEpochStart?(epoch: number, totalEpochs: number, steps: number): void;
  onStep?(record: StepRecord, samplesPerSecond: number): void;
  onEpochEnd?(record: EpochRecord): void;
  onEvent?(event: RunEvent): void;
  /** run.json records a new status: paused, running again, or the end of the run. */
  onStatus?(status: RunStatus): void;
  onWarning?(message: string): void;
}

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
