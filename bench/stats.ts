/** Summaries of repeated measurements. Medians, because a stray GC pause should not move a ratio. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** `1,234` — thousands separated, no decimals. */
export function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

export function percent(fraction: number, digits = 1): string {
  return `${(100 * fraction).toFixed(digits)}%`;
}

export function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** `0.48×`; with a third decimal where two would round a ratio onto its goal (0.4987 → `0.499×`, not `0.50×` beside "goal missed"). */
export function ratioAgainst(value: number, goal: number): string {
  const two = value.toFixed(2);
  return `${Number(two) === goal && value !== goal ? value.toFixed(3) : two}×`;
}
