/**
 * The schedules of a run drawn over its epochs: the planned value of each scheduled weight (and of
 * the mixing temperature) at every epoch, from `scheduleValue` as the trainer computes it, beside
 * the value actually in force in each finished epoch, from the epoch records.
 */
import type { ScheduleSpec } from '../experiment/schema';
import { scheduleValue } from '../schedules';
import { scheduledLearningRate } from '../learningRateSchedule';
import type { ExperimentSchedules, RunView } from './runView';

export interface ScheduleLine {
  /** The dataset, or "temperature". */
  label: string;
  /** Per epoch 1..N. */
  planned: number[];
  /** Per epoch 1..N; null for an epoch not finished (or not reported). */
  actual: Array<number | null>;
}

export interface ScheduleChart {
  key: 'sampling' | 'loss' | 'temperature' | 'learning-rate';
  title: string;
  epochs: number[];
  lines: ScheduleLine[];
}

type ScheduleView = Pick<RunView, 'schedules' | 'epochs' | 'epochHistory' | 'temperatures' | 'datasets'> & Partial<Pick<RunView, 'learningRates'>>;

/** One chart per kind of scheduled value that the run has; none without schedules. */
export function scheduleCharts(view: ScheduleView): ScheduleChart[] {
  const schedules = view.schedules;
  if (schedules === undefined) return [];
  const count = Math.max(view.epochs.total, view.epochs.completed, 1);
  const epochs = Array.from({ length: count }, (_, i) => i + 1);
  const planned = (spec: ScheduleSpec) => epochs.map((epoch) => scheduleValue(spec, epoch));
  const history = new Map(view.epochHistory.map((h) => [h.epoch, h.datasets]));
  const weightChart = (key: 'sampling' | 'loss', title: string): ScheduleChart | undefined => {
    const order = view.datasets.map((d) => d.name);
    const names = [...order.filter((name) => name in schedules[key]), ...Object.keys(schedules[key]).filter((name) => !order.includes(name))];
    const field = key === 'sampling' ? 'samplingWeight' : 'lossWeight';
    const lines = names.flatMap((name) => {
      const spec = schedules[key][name];
      return spec === undefined
        ? []
        : [{ label: name, planned: planned(spec), actual: epochs.map((epoch) => finiteOrNull(history.get(epoch)?.[name]?.[field])) }];
    });
    return lines.length === 0 ? undefined : { key, title, epochs, lines };
  };
  const charts = [weightChart('sampling', 'Sampling weight schedules'), weightChart('loss', 'Loss weight schedules')];
  if (schedules.temperature !== undefined) {
    const temperature = epochs.map((epoch) => finiteOrNull(view.temperatures[epoch - 1]));
    charts.push({
      key: 'temperature',
      title: 'Mixing temperature schedule',
      epochs,
      lines: [{ label: 'temperature', planned: planned(schedules.temperature), actual: temperature }],
    });
  }
  const rate = learningRateChart(schedules.learningRate, epochs, view.learningRates ?? []);
  if (rate !== undefined) charts.push(rate);
  return charts.filter((chart): chart is ScheduleChart => chart !== undefined);
}

/**
 * The learning rate: as its schedule plans it (the written rate for constant and reduce_on_plateau)
 * beside the rate each finished epoch trained with. Drawn when the experiment schedules it, or when
 * a request or a plateau moved it off the plan.
 */
function learningRateChart(learningRate: ExperimentSchedules['learningRate'], epochs: number[], actual: readonly number[]): ScheduleChart | undefined {
  if (learningRate === undefined) return undefined;
  const planned = epochs.map((epoch) => scheduledLearningRate(learningRate.schedule, learningRate.base, epoch, epochs.length));
  const inForce = epochs.map((epoch) => finiteOrNull(actual[epoch - 1]));
  const scheduled = learningRate.schedule !== undefined && learningRate.schedule.type !== 'constant';
  const moved = inForce.some((value, i) => value !== null && value !== planned[i]);
  if (!scheduled && !moved) return undefined;
  return { key: 'learning-rate', title: 'Learning rate', epochs, lines: [{ label: 'learning rate', planned, actual: inForce }] };
}

function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
