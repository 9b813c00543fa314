/**
 * The one owner of the learning rate in force. At each epoch boundary a time-based schedule sets
 * it, then a rate asked for by hand (which waited for the boundary) takes effect and ends a
 * time-based schedule (reduce_on_plateau goes on from the rate asked for); at each epoch end
 * reduce_on_plateau may lower it for the next epoch. Every change is an event with its cause. A
 * stateful part: a resumed run continues with the same rate, schedule and plateau count.
 */
import { describeMonitor, monitorImproves } from '../../shared/experiment/monitor';
import type { Experiment, LrScheduleSpec } from '../../shared/experiment/schema';
import type { RunEvent } from '../../shared/runs/format';
import { scheduledLearningRate } from '../../shared/learningRateSchedule';

const now = () => new Date().toISOString();

export interface LearningRateState {
  current: number;
  pending?: { value: number; requestId?: string };
  scheduleEnded: boolean;
  plateau: { best: number | null; since: number; cooldown: number; reduction?: { value: number; reason: string } };
}

export class LearningRate {
  private current: number;
  private pending: LearningRateState['pending'];
  private scheduleEnded = false;
  private plateau: LearningRateState['plateau'] = { best: null, since: 0, cooldown: 0 };
  private readonly schedule: LrScheduleSpec | undefined;
  private readonly base: number;
  private readonly epochs: number;

  constructor(
    training: Experiment['training'],
    private readonly emit: (event: RunEvent) => void,
  ) {
    this.schedule = training.lr_schedule;
    this.base = training.optimizer.learning_rate;
    this.epochs = training.epochs;
    this.current = scheduledLearningRate(this.schedule, this.base, 1, this.epochs);
  }

  /** The rate the current (or next) epoch trains with. */
  get inForce(): number {
    return this.current;
  }

  /** Queues a rate for the next epoch boundary; returns why it is refused, if it is. */
  request(value: number, requestId?: string): string | undefined {
    if (!Number.isFinite(value) || value <= 0) return `the learning rate must be a positive number, not ${value}`;
    this.pending = { value, ...(requestId !== undefined ? { requestId } : {}) };
    return undefined;
  }

  /** The epoch boundary: the schedule's rate, then a plateau's reduction, then a requested rate; each change an event. */
  startEpoch(epoch: number): number {
    const timeBased = this.schedule !== undefined && this.schedule.type !== 'constant' && this.schedule.type !== 'reduce_on_plateau';
    if (timeBased && !this.scheduleEnded) this.change(epoch, scheduledLearningRate(this.schedule, this.base, epoch, this.epochs), 'schedule');
    if (this.plateau.reduction !== undefined) {
      this.change(epoch, this.plateau.reduction.value, 'plateau', this.plateau.reduction.reason);
      delete this.plateau.reduction;
    }
    if (this.pending !== undefined) {
      const { value, requestId } = this.pending;
      this.pending = undefined;
      if (timeBased) this.scheduleEnded = true;
      this.change(epoch, value, 'request', undefined, requestId, true);
    }
    return this.current;
  }

  /**
   * reduce_on_plateau watches `value`, the monitored metric of the epoch that ended, as Keras'
   * ReduceLROnPlateau does, except that a cooldown of N is N epochs that count for nothing (in
   * Keras the last of them already counts).
   */
  epochEnd(value: number): void {
    const spec = this.schedule;
    if (spec?.type !== 'reduce_on_plateau') return;
    const plateau = this.plateau;
    const improved = monitorImproves(spec.monitor, value, plateau.best, spec.min_delta);
    // An epoch of the cooldown after a reduction counts for nothing, improved or not (but an improvement is remembered).
    const cooling = plateau.cooldown > 0;
    if (cooling) plateau.cooldown--;
    if (improved) {
      plateau.best = value;
      plateau.since = 0;
      return;
    }
    if (cooling) return;
    plateau.since++;
    if (plateau.since < spec.patience) return;
    plateau.since = 0;
    const reduced = Math.max(this.current * spec.factor, spec.min_learning_rate);
    if (reduced >= this.current) return;
    plateau.cooldown = spec.cooldown;
    const bestText = plateau.best === null ? 'no finite value yet' : `its best is ${Number(plateau.best.toPrecision(4))}`;
    plateau.reduction = {
      value: reduced,
      reason: `${spec.monitor} (${describeMonitor(spec.monitor)}) has not improved for ${spec.patience} epochs (${bestText})`,
    };
  }

  state(): LearningRateState {
    return {
      current: this.current,
      ...(this.pending !== undefined ? { pending: { ...this.pending } } : {}),
      scheduleEnded: this.scheduleEnded,
      plateau: { ...this.plateau },
    };
  }

  restore(state: LearningRateState): void {
    this.current = state.current;
    this.pending = state.pending === undefined ? undefined : { ...state.pending };
    this.scheduleEnded = state.scheduleEnded;
    this.plateau = { ...state.plateau };
  }

  private change(epoch: number, value: number, cause: 'schedule' | 'plateau' | 'request', reason?: string, requestId?: string, always = false): void {
    if (value === this.current && !always) return;
    const previous = this.current;
    this.current = value;
    this.emit({
      kind: 'learning-rate',
      time: now(),
      epoch,
      learningRate: value,
      previous,
      cause,
      ...(reason !== undefined ? { reason } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    });
  }
}
