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
  /** What the numbers show, then what to do about it. */
  message: string;
  /** The first part of `message` alone: what the numbers show, without the advice. */
  finding: string;
}

export function balanceWarnings(latest: Readonly<Record<string, EpochDatasetMetrics>>, sizes: Readonly<Record<string, number>> = {}): BalanceWarning[] {
  const entries = Object.entries(latest);
  if (entries.length < 2) return [];
  const warnings: BalanceWarning[] = [];
  const leastSeen = Math.min(...entries.map(([, m]) => m.epochsSeen));
  for (const [name, m] of entries) {
    if (m.epochsSeen >= MEMORISE_EPOCHS_SEEN && m.epochsSeen >= MEMORISE_RATIO * Math.max(leastSeen, 1e-9)) {
      const size = sizes[name];
      const finding = `${name}${size === undefined ? '' : ` (${size} training samples)`} has been seen ${m.epochsSeen.toFixed(1)} times, ${(m.epochsSeen / Math.max(leastSeen, 1e-9)).toFixed(1)}× as often as the least-seen dataset: it is likely memorised.`;
      warnings.push({ dataset: name, kind: 'likely-memorised', finding, message: `${finding} Lower its sampling weight or add data.` });
    }
    if (m.lossShare > DOMINANT_LOSS_SHARE) {
      const finding = `${name} takes ${(m.lossShare * 100).toFixed(0)}% of the weighted loss: the other datasets barely steer training.`;
      warnings.push({ dataset: name, kind: 'dominates-loss', finding, message: `${finding} Lower its loss weight or raise theirs.` });
    }
  }
  return warnings;
}

/** The warnings in the order to act on them, the first with what to do and why. */
export interface BalanceAdvice {
  /** Absent when there is nothing to warn about. */
  recommended?: { warning: BalanceWarning; action: string; why: string };
  /** Every warning, the recommended one first. */
  ranked: BalanceWarning[];
}

/**
 * Ranks warnings that may pull against each other. A memorised dataset comes first: its training
 * loss falls towards zero as it is learnt by heart, which by itself raises the other datasets' share
 * of the weighted loss — so a "takes most of the loss" warning beside it is often its symptom, and
 * raising the memorised dataset's loss weight (what that warning suggests) would drive the
 * memorising harder. Among memorised datasets the most-seen comes first; with none, the dataset
 * with the largest loss share.
 */
export function balanceAdvice(warnings: readonly BalanceWarning[], latest: Readonly<Record<string, EpochDatasetMetrics>>): BalanceAdvice {
  const seen = (w: BalanceWarning) => latest[w.dataset]?.epochsSeen ?? 0;
  const share = (w: BalanceWarning) => latest[w.dataset]?.lossShare ?? 0;
  const memorised = warnings.filter((w) => w.kind === 'likely-memorised').sort((a, b) => seen(b) - seen(a));
  const dominant = warnings.filter((w) => w.kind === 'dominates-loss').sort((a, b) => share(b) - share(a));
  const ranked = [...memorised, ...dominant];
  const first = ranked[0];
  if (first === undefined) return { ranked };
  if (first.kind === 'likely-memorised') {
    const others = dominant.filter((w) => w.dataset !== first.dataset).map((w) => w.dataset);
    return {
      ranked,
      recommended: {
        warning: first,
        action: `Lower ${first.dataset}’s sampling weight (or add data to it) first.`,
        why:
          others.length > 0
            ? `A dataset learnt by heart has a training loss near zero, which alone raises ${others.join(', ')}’s share of the loss: raising ${first.dataset}’s loss weight would make it memorise harder. Check the loss shares again a few epochs after the change.`
            : `It has been seen ${seen(first).toFixed(1)} times: more epochs of it teach the shared layers its samples, not its task.`,
      },
    };
  }
  return {
    ranked,
    recommended: {
      warning: first,
      action: `Lower ${first.dataset}’s loss weight.`,
      why: `It takes ${(share(first) * 100).toFixed(0)}% of the weighted loss, so the shared layers follow its gradient; lowering one weight changes less than raising all the others.`,
    },
  };
}
