/**
 * Early stopping, as Keras' EarlyStopping callback: at each epoch end the monitored validation
 * metric either improves on the best so far by more than `min_delta`, or one more epoch counts
 * against `patience`; when patience runs out the run stops, saying why. A stateful part: a resumed
 * run continues its count.
 */
import { describeMonitor, monitorImproves } from '../../shared/experiment/monitor';
import type { Experiment } from '../../shared/experiment/schema';

type Spec = NonNullable<Experiment['training']['early_stopping']>;

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  since: number;
}

export class EarlyStopping {
  private best: number | undefined;
  private bestEpoch = 0;
  /** Epochs since the last improvement. */
  private since = 0;

  constructor(private readonly spec: Spec | undefined) {}

  /** Why to stop after `epoch`, whose monitored value is `value`; undefined to go on. */
  observe(epoch: number, value: number): string | undefined {
    if (this.spec === undefined) return undefined;
    const improved = monitorImproves(this.spec.monitor, value, this.best, this.spec.min_delta);
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.since = 0;
      return undefined;
    }
    this.since++;
    if (this.since < this.spec.patience) return undefined;
    const best = this.best === undefined ? 'no finite value' : `its best, ${this.best.toPrecision(4)} at epoch ${this.bestEpoch}`;
    return `early stopping: ${this.spec.monitor} (${describeMonitor(this.spec.monitor)}) has not improved for ${this.since} epochs (${best})`;
  }

  state(): EarlyStoppingState {
    return { best: this.best ?? null, bestEpoch: this.bestEpoch, since: this.since };
  }

  restore(state: EarlyStoppingState): void {
    this.best = state.best ?? undefined;
    this.bestEpoch = state.bestEpoch;
    this.since = state.since;
  }
}
