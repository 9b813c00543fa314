/**
 * The learning rate a time-based schedule gives an epoch (1-based), from the rate written in the
 * experiment; the trainer sets it at each epoch boundary and the panel draws it as planned.
 * reduce_on_plateau is not time-based: it keeps the rate until a plateau (the trainer's
 * LearningRate lowers it), so here it gives the written rate.
 */
import type { LrScheduleSpec } from './experiment/schema';

export function scheduledLearningRate(schedule: LrScheduleSpec | undefined, base: number, epoch: number, epochs: number): number {
  switch (schedule?.type) {
    case undefined:
    case 'constant':
    case 'reduce_on_plateau':
      return base;
    case 'step':
      return base * schedule.factor ** Math.floor((epoch - 1) / schedule.every_epochs);
    case 'exponential':
      return base * schedule.factor ** (epoch - 1);
    case 'cosine': {
      const warmup = schedule.warmup_epochs;
      if (epoch <= warmup) return (base * epoch) / warmup;
      // From the first epoch after warm-up (at the written rate) to the last (at the minimum).
      const span = epochs - warmup - 1;
      const progress = span <= 0 ? 0 : Math.min(1, (epoch - warmup - 1) / span);
      return schedule.min_learning_rate + ((base - schedule.min_learning_rate) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
  }
}
