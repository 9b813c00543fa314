/**
 * Values that follow a schedule over epochs (loss and sampling weights, the mixing temperature).
 * The trainer applies them at epoch boundaries and the panel draws them, so both use this.
 */
import type { ScheduleSpec } from './experiment/schema';

/** The scheduled value for a 1-based epoch: constant before `start_epoch` and from `end_epoch` on. */
export function scheduleValue(schedule: ScheduleSpec, epoch: number): number {
  const { from, to, start_epoch: start, end_epoch: end } = schedule;
  if (epoch <= start) return schedule.type === 'step' && end === start ? to : from;
  if (epoch >= end) return to;
  if (schedule.type === 'step') return from;
  const progress = (epoch - start) / (end - start);
  const eased = schedule.type === 'linear' ? progress : (1 - Math.cos(Math.PI * progress)) / 2;
  return from + (to - from) * eased;
}
