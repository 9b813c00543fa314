/**
 * What a validation monitor watches (checkpoints, early stopping, reduce-on-plateau) and which way
 * is better: the one reading of a `Monitor` that every part of the product shares.
 */
import type { Monitor } from './schema';

export interface MonitorParts {
  metric: 'loss' | 'accuracy';
  /** Over every dataset (each counting once), or one dataset by name. */
  over: 'mean' | 'worst' | { dataset: string };
}

export function monitorParts(monitor: Monitor): MonitorParts {
  const metric = monitor.startsWith('val_loss') ? 'loss' : 'accuracy';
  const separator = monitor.indexOf(':');
  if (separator >= 0) return { metric, over: { dataset: monitor.slice(separator + 1) } };
  return { metric, over: monitor.endsWith('_worst') ? 'worst' : 'mean' };
}

/** The dataset a per-dataset monitor names, else undefined. */
export function monitoredDataset(monitor: Monitor): string | undefined {
  const { over } = monitorParts(monitor);
  return typeof over === 'object' ? over.dataset : undefined;
}

export function lowerIsBetter(monitor: Monitor): boolean {
  return monitorParts(monitor).metric === 'loss';
}

/** Whether `value` beats `best` by more than `minDelta` in the monitor's direction; a non-finite value never does. */
export function monitorImproves(monitor: Monitor, value: number, best: number | null | undefined, minDelta = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === undefined || best === null) return true;
  return lowerIsBetter(monitor) ? value < best - minDelta : value > best + minDelta;
}

/**
 * One value per dataset (its validation loss or accuracy, by name) reduced as the monitor says:
 * NaN when nothing is there to watch (no dataset reports an accuracy, or the named one is absent).
 */
export function reduceMonitor(monitor: Monitor, values: ReadonlyMap<string, number | undefined>): number {
  const { metric, over } = monitorParts(monitor);
  if (typeof over === 'object') return values.get(over.dataset) ?? Number.NaN;
  const present = [...values.values()].filter((value): value is number => value !== undefined);
  if (present.length === 0) return Number.NaN;
  if (over === 'mean') return present.reduce((sum, value) => sum + value, 0) / present.length;
  // The worst dataset: the highest loss, the lowest accuracy.
  return metric === 'loss' ? Math.max(...present) : Math.min(...present);
}

/** The monitor in words: "the worst dataset's validation accuracy", "digits's validation loss". */
export function describeMonitor(monitor: Monitor): string {
  const { metric, over } = monitorParts(monitor);
  const what = `validation ${metric}`;
  if (typeof over === 'object') return `${over.dataset}'s ${what}`;
  return over === 'worst' ? `the worst dataset's ${what}` : `the mean ${what} over datasets`;
}
