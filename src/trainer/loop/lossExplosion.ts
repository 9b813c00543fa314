/**
 * Loss explosion: a loss that stays finite but runs away (a learning rate far too high) never
 * trips the non-finite check, and the run would end `completed` at chance accuracy. Each dataset's
 * smoothed per-step mean loss is compared with its starting level; the alarm needs it far above
 * that for several consecutive steps in which the dataset was trained, so one noisy batch never
 * fires it. Smoothing matters: a run that blows up for a few steps and collapses into a dead
 * network alternates between huge and tiny batch losses, which a raw-loss streak would miss.
 */

/** How far above its starting level a loss must be: ordinary noisy training stays within a few times. */
export const EXPLOSION_FACTOR = 100;
/** Consecutive steps (in which the dataset was trained) above the bound that make an explosion. */
export const EXPLOSION_STEPS = 5;
/** Weight of the newest step in the exponential moving average of a dataset's loss. */
const SMOOTHING = 0.3;
/** The starting level is the lowest mean loss of a dataset's first this-many steps. */
const BASELINE_STEPS = 3;
/**
 * The bound is never below FACTOR × this: a loss that starts near zero (a regression head on small
 * targets) may rise a hundredfold while still being small, which is no explosion.
 */
const BASELINE_FLOOR = 1;

export interface LossExplosion {
  dataset: number;
  /** The dataset's smoothed mean loss at the step that completed the streak. */
  loss: number;
  /** Its starting level and the bound it stayed above. */
  baseline: number;
  bound: number;
  /** The (epoch, step) at which the streak above the bound began: weights saved before it are good. */
  since: { epoch: number; step: number };
}

interface DatasetWatch {
  firstLosses: number[];
  smoothed: number;
  streak: number;
  since: { epoch: number; step: number } | undefined;
}

export class LossExplosionWatch {
  private readonly watches: DatasetWatch[];

  constructor(datasets: number) {
    this.watches = Array.from({ length: datasets }, () => ({ firstLosses: [], smoothed: 0, streak: 0, since: undefined }));
  }

  /** Records dataset d's mean loss at a step it was trained in; returns the explosion once the streak is long enough. */
  observe(d: number, meanLoss: number, at: { epoch: number; step: number }): LossExplosion | undefined {
    const watch = this.watches[d];
    if (watch === undefined || !Number.isFinite(meanLoss)) return undefined;
    if (watch.firstLosses.length === 0) {
      watch.firstLosses.push(meanLoss);
      watch.smoothed = meanLoss;
      return undefined;
    }
    watch.smoothed += SMOOTHING * (meanLoss - watch.smoothed);
    const baseline = Math.min(...watch.firstLosses);
    const bound = EXPLOSION_FACTOR * Math.max(baseline, BASELINE_FLOOR);
    if (watch.smoothed <= bound) {
      // Only losses under the bound join the starting level: a run exploding at once keeps its first.
      if (watch.firstLosses.length < BASELINE_STEPS) watch.firstLosses.push(meanLoss);
      watch.streak = 0;
      watch.since = undefined;
      return undefined;
    }
    watch.streak++;
    watch.since ??= at;
    return watch.streak >= EXPLOSION_STEPS ? { dataset: d, loss: watch.smoothed, baseline, bound, since: watch.since } : undefined;
  }
}
