/**
 * The run's events in the words the panel's timeline uses, for the CLI's final summary: weight
 * changes with each dataset's old → new value and who asked, suggestions and their answers,
 * pauses, divergence. Routine events (the start, the end) are left to the status line.
 */
import { emptyTimeline, foldTimeline, type Weights } from '../../shared/panel/timeline';
import type { RunEvent } from '../../shared/runs/format';

const ROUTINE: ReadonlySet<string> = new Set(['started', 'completed', 'resumed-from-checkpoint']);

export function eventSummaryLines(events: readonly RunEvent[], weights: Weights): string[] {
  const timeline = emptyTimeline(weights);
  for (const event of events) foldTimeline(timeline, event);
  return (
    timeline.entries
      // A completion the trainer decided early says why; the ordinary one is the status line's.
      .filter((entry) => !ROUTINE.has(entry.kind) || (entry.kind === 'completed' && entry.epoch !== undefined))
      .map((entry) => {
        const where = entry.epoch === undefined ? '' : `epoch ${entry.epoch}: `;
        const changes = entry.changes.length > 0 ? ` (${entry.changes.join(', ')})` : '';
        return `  ${where}${entry.summary.replace(/\.$/, '')}${changes}`;
      })
  );
}
