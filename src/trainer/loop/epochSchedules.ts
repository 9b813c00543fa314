/**
 * The experiment's schedules as the loop applies them at epoch boundaries: per-dataset sampling
 * and loss weights, and the mixing temperature. A weight changed by hand ends its schedule, so
 * the next boundary does not silently undo the user's change.
 */
import type { Experiment, ScheduleSpec } from '../../shared/experiment/schema';
import type { WeightChange } from '../../shared/runs/format';
import { scheduleValue } from '../../shared/schedules';

type Kind = 'sampling' | 'loss';

export class EpochSchedules {
  private readonly schedules: Record<Kind, Map<string, ScheduleSpec>> = { sampling: new Map(), loss: new Map() };

  constructor(private readonly experiment: Experiment) {
    for (const dataset of experiment.datasets) {
      if (dataset.sampling_weight_schedule) this.schedules.sampling.set(dataset.name, dataset.sampling_weight_schedule);
      if (dataset.loss_weight_schedule) this.schedules.loss.set(dataset.name, dataset.loss_weight_schedule);
    }
  }

  /** The scheduled weights for a 1-based epoch, for the datasets whose schedules are still in force. */
  weightsFor(epoch: number): Required<WeightChange> {
    const values = (kind: Kind) => Object.fromEntries([...this.schedules[kind]].map(([name, spec]) => [name, scheduleValue(spec, epoch)]));
    return { sampling: values('sampling'), loss: values('loss') };
  }

  /** The mixing temperature for a 1-based epoch (at least 1, where the temperature strategy starts). */
  temperatureFor(epoch: number): number {
    const schedule = this.experiment.mixing.temperature_schedule;
    return schedule === undefined ? this.experiment.mixing.temperature : Math.max(1, scheduleValue(schedule, epoch));
  }

  /** The schedules a hand-set weight has ended, as `kind/name`, for a checkpoint. */
  ended(): string[] {
    const ended: string[] = [];
    for (const dataset of this.experiment.datasets) {
      if (dataset.sampling_weight_schedule && !this.schedules.sampling.has(dataset.name)) ended.push(`sampling/${dataset.name}`);
      if (dataset.loss_weight_schedule && !this.schedules.loss.has(dataset.name)) ended.push(`loss/${dataset.name}`);
    }
    return ended;
  }

  restoreEnded(ended: readonly string[]): void {
    for (const key of ended) {
      const [kind, ...name] = key.split('/');
      if (kind === 'sampling' || kind === 'loss') this.schedules[kind].delete(name.join('/'));
    }
  }

  /** A change made by hand ends the schedules of the weights it sets; returns them as `kind/name`. */
  endByHand(change: WeightChange): string[] {
    const ended: string[] = [];
    for (const kind of ['sampling', 'loss'] as const) {
      for (const name of Object.keys(change[kind] ?? {})) {
        if (this.schedules[kind].delete(name)) ended.push(`${kind}/${name}`);
      }
    }
    return ended;
  }
}
