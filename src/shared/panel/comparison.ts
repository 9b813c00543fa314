/**
 * Compare: another run of the same experiment drawn over this run's curves. The host offers the
 * runs that share the experiment's name and sends the chosen one's (downsampled) curves; the panel
 * keeps them beside its own run view, never folded into it.
 */
import type { RunRecord } from '../runs/format';
import type { RunView } from './runView';

/** A run the panel can compare with, as the picker lists it. */
export interface ComparisonCandidate {
  runId: string;
  /** Start time and status, e.g. "2026-11-29 20:15 · completed". */
  label: string;
}

/** The curves of the compared run: what the charts need and nothing that could be mistaken for this run's state. */
export interface ComparedRun {
  runId: string;
  curves: RunView['curves'];
  epochEndX: number[];
}

/** Runs of the same experiment as `current`, other than it, newest first. */
export function comparisonCandidates(current: Pick<RunRecord, 'id' | 'experimentName'>, records: readonly RunRecord[]): ComparisonCandidate[] {
  return records
    .filter((record) => record.experimentName === current.experimentName && record.id !== current.id)
    .sort((a, b) => b.timings.startedAt.localeCompare(a.timings.startedAt))
    .map((record) => ({ runId: record.id, label: `${record.timings.startedAt.slice(0, 16).replace('T', ' ')} · ${record.status}` }));
}

/** Whether `other` may be drawn over `current`: a different run of the same experiment. */
export function canCompare(current: Pick<RunRecord, 'id' | 'experimentName'>, other: Pick<RunRecord, 'id' | 'experimentName'>): boolean {
  return other.id !== current.id && other.experimentName === current.experimentName;
}

/**
 * Whether runs that changed on disk change what the comparison shows: a candidate came, went or
 * changed status, or the compared run (one of the candidates) gained curves.
 */
export function comparisonAffected(current: Pick<RunRecord, 'id' | 'experimentName'>, changed: readonly Pick<RunRecord, 'id' | 'experimentName'>[]): boolean {
  return changed.some((record) => canCompare(current, record));
}

export function comparedRun(view: RunView): ComparedRun {
  return { runId: view.runId, curves: view.curves, epochEndX: view.epochEndX };
}

/**
 * A short name for `other` beside `current` in legends: the parts of its id (split at `-`) that
 * differ from the current run's, e.g. `191502-a1b2` for `20261129-191502-digits-a1b2` beside
 * `20261129-184239-digits-6c54`. Ids of different shapes keep the whole id.
 */
export function comparedLabel(currentId: string, otherId: string): string {
  const mine = currentId.split('-');
  const theirs = otherId.split('-');
  if (mine.length !== theirs.length) return otherId;
  const differing = theirs.filter((part, i) => part !== mine[i]);
  return differing.length > 0 ? differing.join('-') : otherId;
}
