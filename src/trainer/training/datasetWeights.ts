/**
 * The one owner of a run's per-dataset weights. The sampling and loss weights in force start as
 * written; at each epoch boundary the schedules set theirs, then a change asked for by hand (which
 * waited for the boundary) takes effect and ends the schedules of the weights it sets; the mixing
 * temperature follows its schedule. A step's loss weight is the one in force times the balancer's
 * multiplier. Everything else reads weights here, and a checkpoint saves them from here.
 */
import type { Experiment } from '../../shared/experiment/schema';
import type { RunEvent, WeightChange } from '../../shared/runs/format';
import { EpochSchedules } from '../loop/epochSchedules';
import { WeightSchedule, type Weights } from '../loop/weightSchedule';

const now = () => new Date().toISOString();

/** The weights an epoch trains with. */
export interface EpochWeights {
  sampling: Weights;
  loss: Weights;
  temperature: number;
}

export interface DatasetWeightsState {
  sampling: Weights;
  loss: Weights;
  /** A change asked for by hand, waiting for the next epoch boundary. */
  pending?: { change: WeightChange; requestIds: string[] };
  /** The schedules a hand-set weight has ended, as `kind/name`. */
  schedulesEnded: string[];
  /** The temperature of the last epoch started, so a schedule's change is announced once. */
  temperature: number;
}

export class DatasetWeights {
  private readonly inForce: WeightSchedule;
  private readonly schedules: EpochSchedules;
  private temperature: number;

  constructor(
    experiment: Experiment,
    private readonly names: readonly string[],
    /** The balancer's multiplier on dataset `d`'s loss weight (1 where it adapts nothing). */
    private readonly multiplier: (d: number) => number,
    private readonly emit: (event: RunEvent) => void,
  ) {
    const byName = (value: (spec: Experiment['datasets'][number]) => number) => Object.fromEntries(experiment.datasets.map((spec) => [spec.name, value(spec)]));
    this.inForce = new WeightSchedule(
      byName((spec) => spec.sampling_weight),
      byName((spec) => spec.loss_weight),
    );
    this.schedules = new EpochSchedules(experiment);
    this.temperature = experiment.mixing.temperature;
  }

  /** The sampling and loss weights in force. */
  get current(): { sampling: Weights; loss: Weights } {
    return this.inForce.current;
  }

  /** The temperature the first epoch will mix with, before any epoch has started. */
  firstTemperature(): number {
    return this.schedules.temperatureFor(1);
  }

  /** Queues a change for the next epoch boundary; returns why it is refused, if it is. */
  request(change: WeightChange, requestId?: string): string | undefined {
    return this.inForce.request(change, requestId);
  }

  /**
   * The epoch boundary: the schedules set weights and the temperature for `epoch`, then a requested
   * change takes effect — each recorded as an event — and the weights in force for the epoch come out.
   */
  startEpoch(epoch: number): EpochWeights {
    const scheduled = this.inForce.setScheduled(this.schedules.weightsFor(epoch));
    const temperature = this.schedules.temperatureFor(epoch);
    const temperatureChanged = temperature !== this.temperature;
    if (scheduled.sampling || scheduled.loss || temperatureChanged) {
      this.emit({ kind: 'weights-scheduled', time: now(), epoch, ...scheduled, ...(temperatureChanged ? { temperature } : {}) });
    }
    this.temperature = temperature;
    const applied = this.inForce.applyPending();
    const { sampling, loss } = this.inForce.current;
    if (applied) {
      this.schedules.endByHand(applied.change);
      for (const requestId of applied.requestIds.length ? applied.requestIds : [undefined]) {
        this.emit({ kind: 'weights-applied', time: now(), epoch, sampling, loss, ...(requestId ? { requestId } : {}) });
      }
    }
    return { sampling, loss, temperature };
  }

  /** The loss weight a step gives dataset `d`: the one in force times the balancer's multiplier. */
  stepLossWeight(d: number): number {
    return (this.inForce.current.loss[this.names[d] as string] ?? 0) * this.multiplier(d);
  }

  state(): DatasetWeightsState {
    const pending = this.inForce.pendingState();
    return { ...this.inForce.current, ...(pending ? { pending } : {}), schedulesEnded: this.schedules.ended(), temperature: this.temperature };
  }

  restore(state: DatasetWeightsState): void {
    this.inForce.restore({ sampling: state.sampling, loss: state.loss }, state.pending);
    this.schedules.restoreEnded(state.schedulesEnded);
    this.temperature = state.temperature;
  }
}
