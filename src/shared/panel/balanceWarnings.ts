/** Warnings about the balance of a joint run, from the last epoch's per-dataset numbers. */
import type { EpochDatasetMetrics } from '../runs/format';

/** A dataset seen this many times (epochs-equivalent) is likely memorised... */
export const MEMORISE_EPOCHS_SEEN = 20;
/** ...when it is also seen at least this many times as often as the least-seen dataset, so uniformly long runs do not warn. */
export const MEMORISE_RATIO = 4;
/** One dataset with more than this share of the weighted loss drowns the others out. */
export const DOMINANT_LOSS_SHARE = 0.7;

export interface BalanceWarning {
  dataset: string;
  kind: 'likely-memorised' | 'dominates-loss';
  message: string;
}

export function balanceWarnings(latest: Readonly<Record<string, EpochDatasetMetrics>>, sizes: Readonly<Record<string, number>> = {}): BalanceWarning[] {
  const entries = Object.entries(latest);
  if (entries.length < 2) return [];
  const warnings: BalanceWarning[] = [];
  const leastSeen = Math.min(...entries.map(([, m]) => m.epochsSeen));
  for (const [name, m] of entries) {
    if (m.epochsSeen >= MEMORISE_EPOCHS_SEEN && m.epochsSeen >= MEMORISE_RATIO * Math.max(leastSeen, 1e-9)) {
      const size = sizes[name];
      warnings.push({
        dataset: name,
        kind: 'likely-memorised',
        message: `${name}${size === undefined ? '' : ` (${size} training samples)`} has been seen ${m.epochsSeen.toFixed(1)} times, ${(m.epochsSeen / Math.max(leastSeen, 1e-9)).toFixed(1)}× as often as the least-seen dataset: it is likely memorised. Lower its sampling weight or add data.`,
      });
    }
    if (m.lossShare > DOMINANT_LOSS_SHARE) {
      warnings.push({
        dataset: name,
        kind: 'dominates-loss',
        message: `${name} takes ${(m.lossShare * 100).toFixed(0)}% of the weighted loss: the other datasets barely steer training. Lower its loss weight or raise theirs.`,
      });
    }
  }
  return warnings;
}
