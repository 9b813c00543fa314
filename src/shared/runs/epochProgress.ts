/**
 * One way to say where a run is, used by the panel, the status bar, the Runs view and the CLI, so
 * that "epoch 7 of 10 (running)" means the same everywhere: while a run is live, the epoch it is
 * training (the one after the last finished, or the epoch of its newest step); once it has ended,
 * the last epoch it finished.
 */
import { isLiveStatus, type RunStatus } from './format';

export interface EpochPosition {
  status: RunStatus;
  /** Epochs finished (run.json → epochs.completed). */
  completed: number;
  total: number;
  /** The epoch of the newest step, when one is known; a step of an epoch already counted finished says nothing newer. */
  current?: number;
}

/** The epoch a live run is training, or the last one an ended run finished. */
export function shownEpoch({ status, completed, total, current }: EpochPosition): number {
  if (!isLiveStatus(status)) return completed;
  return Math.min(total, Math.max(current ?? 0, completed + 1));
}

/** `epoch 7 of 10 (running)`. */
export function epochProgress(position: EpochPosition): string {
  return `epoch ${shownEpoch(position)} of ${position.total} (${position.status})`;
}
