import type { SplitReport } from '../../shared/runs/format';

/** Sample count of a split and per class (every class listed, zero included); no classes for regression. */
export function splitReport(labels: ArrayLike<number>, classes: readonly string[]): SplitReport {
  const counts = new Array<number>(classes.length).fill(0);
  if (classes.length > 0) for (let i = 0; i < labels.length; i++) counts[labels[i] as number]! += 1;
  return { size: labels.length, classes: Object.fromEntries(classes.map((name, i) => [name, counts[i] ?? 0])) };
}
