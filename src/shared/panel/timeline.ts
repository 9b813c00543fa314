/**
 * The panel's event timeline: what happened to a run, in words a user reads without knowing the
 * run-folder format — weight changes with each dataset's old → new value and who asked for them,
 * suggestions and their answers, pauses, resumptions, divergence and the end of the run.
 * `events.jsonl` records who asked only through a weight request's id, so the source is read from
 * it: the panel's ids start with `panel-`, the command palette's with `host-`, a balancer's
 * suggestion is answered under its own id, and the CLI's control file sends none.
 */
import { deviceWords } from '../runs/backendWords';
import type { RunEvent, RunEventKind } from '../runs/format';

/** `suggestion`: an accepted suggestion of the balance diagnostics (not of a balancer). */
export type TimelineSource = 'panel' | 'command palette' | 'CLI' | 'balancer' | 'suggestion' | 'schedule';

export interface TimelineEntry {
  kind: RunEventKind;
  /** The trainer's ISO time of the event. */
  time: string;
  epoch?: number;
  /** `problem`: the run failed, diverged or refused a change; `change`: weights changed. */
  tone: 'change' | 'info' | 'problem';
  summary: string;
  /** One line per changed value: `mnist sampling 1 → 2`. */
  changes: string[];
}

export interface Weights {
  sampling: Record<string, number>;
  loss: Record<string, number>;
}

/**
 * What the timeline remembers between events: the weights in force, to tell old from new; who made
 * each suggestion (by its id), to say whose suggestion was answered; the `sampling` balancer's last
 * multipliers and shares, to say what its next move changed.
 */
export interface Timeline {
  entries: TimelineEntry[];
  weights: Weights;
  /** Suggestion id → its source (a balancer's type, or `diagnostics`). */
  suggestions: Record<string, string>;
  sampling?: { multipliers: Record<string, number>; shares: Record<string, number> };
}

/** Long runs keep their newest entries: a panel lists what a user scrolls through, not an archive. */
export const MAX_TIMELINE_ENTRIES = 300;

export function emptyTimeline(weights: Weights): Timeline {
  return { entries: [], weights: { sampling: { ...weights.sampling }, loss: { ...weights.loss } }, suggestions: {} };
}

/** The source of suggestions made from the balance warnings rather than by a balancer. */
export const DIAGNOSTICS_SOURCE = 'diagnostics';

/**
 * Who asked for a weight change, read from its request id; `suggestions` (id → source, as the
 * timeline keeps them) tells an accepted suggestion of the balance diagnostics from a balancer's.
 */
export function requestSource(requestId: string | undefined, suggestions: Readonly<Record<string, string>> = {}): TimelineSource {
  if (requestId === undefined) return 'CLI';
  if (requestId.startsWith('panel-')) return 'panel';
  if (requestId.startsWith('host-')) return 'command palette';
  if (requestId.startsWith('suggestion-')) return suggestions[requestId] === DIAGNOSTICS_SOURCE ? 'suggestion' : 'balancer';
  return 'CLI';
}

const SOURCE_TEXT: Record<TimelineSource, string> = {
  panel: 'from the panel',
  'command palette': 'from the command palette',
  CLI: 'from the command line',
  balancer: 'by accepting the balancer’s suggestion',
  suggestion: 'by accepting a suggestion of the balance diagnostics',
  schedule: 'by the experiment’s schedule',
};

export const sourceText = (source: TimelineSource): string => SOURCE_TEXT[source];

const value = (n: number | undefined): string => (n === undefined ? '?' : String(Number(n.toPrecision(4))));
const share = (n: number): string => `${(100 * n).toFixed(1)}%`;

/** "sampling weights, loss weights and augmentation for tiny": what kinds of change a suggestion proposes. */
export function suggestionKinds(suggestion: { sampling?: object; loss?: object; augment?: readonly string[] }): string {
  const kinds = [
    ...(suggestion.sampling ? ['sampling weights'] : []),
    ...(suggestion.loss ? ['loss weights'] : []),
    ...(suggestion.augment && suggestion.augment.length > 0 ? [`augmentation for ${suggestion.augment.join(', ')}`] : []),
  ];
  if (kinds.length === 0) return 'no change';
  return kinds.length === 1 ? (kinds[0] as string) : `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1] as string}`;
}

/** "The dwa balancer" / "The balance diagnostics": who made a suggestion, as a sentence's subject. */
export function suggestionSourceText(source: string): string {
  return source === DIAGNOSTICS_SOURCE ? 'The balance diagnostics' : `The ${source} balancer`;
}

/** `tiny augmentation off → on (auto preset)` for each dataset a suggestion or an event switches augmentation on for. */
export function augmentChanges(names: readonly string[]): string[] {
  return names.map((name) => `${name} augmentation off → on (auto preset)`);
}

const withoutStop = (text: string): string => text.replace(/\.$/, '');

/** A suggestion's reason, then "Expected: …" as its own sentence when it says what the change should do. */
export function reasonAndExpected(reason: string, expected: string | undefined): string {
  return expected === undefined || expected === '' ? reason : `${withoutStop(reason)}. Expected: ${withoutStop(expected)}.`;
}

/** `mnist sampling 1 → 2` for every value that `next` changes; values it does not name are unchanged. */
export function weightChanges(before: Weights, next: Partial<Weights>): string[] {
  const lines: string[] = [];
  for (const kind of ['sampling', 'loss'] as const) {
    for (const [name, to] of Object.entries(next[kind] ?? {})) {
      const from = before[kind][name];
      if (from !== to) lines.push(`${name} ${kind} ${value(from)} → ${value(to)}`);
    }
  }
  return lines;
}

/** Adds an event to the timeline (mutating it); events that say nothing to a user are left out. */
export function foldTimeline(timeline: Timeline, event: RunEvent): Timeline {
  // Timelines made before suggestions were remembered have no map.
  timeline.suggestions ??= {};
  const entry = timelineEntry(timeline, event);
  if (event.kind === 'weights-applied' || event.kind === 'weights-scheduled') {
    timeline.weights = { sampling: { ...timeline.weights.sampling, ...event.sampling }, loss: { ...timeline.weights.loss, ...event.loss } };
  }
  if (event.kind === 'weights-suggested') timeline.suggestions[event.suggestionId] = event.balancer;
  if (event.kind === 'sampling-balanced') timeline.sampling = { multipliers: { ...event.multipliers }, shares: { ...event.shares } };
  if (entry === undefined) return timeline;
  const last = timeline.entries[timeline.entries.length - 1];
  // Two requests applied at one boundary give two events with the same weights: one entry names both askers.
  if (entry.kind === 'weights-applied' && last?.kind === 'weights-applied' && last.epoch === entry.epoch && entry.changes.length === 0) {
    last.summary = `${last.summary.replace(/\.$/, '')}; also asked ${sourceText(requestSource(event.kind === 'weights-applied' ? event.requestId : undefined, timeline.suggestions))}.`;
    return timeline;
  }
  timeline.entries.push(entry);
  if (timeline.entries.length > MAX_TIMELINE_ENTRIES) timeline.entries.splice(0, timeline.entries.length - MAX_TIMELINE_ENTRIES);
  return timeline;
}

function timelineEntry(timeline: Timeline, event: RunEvent): TimelineEntry | undefined {
  const at = (epoch: number) => ({ kind: event.kind, time: event.time, epoch });
  switch (event.kind) {
    case 'started':
      return {
        kind: event.kind,
        time: event.time,
        tone: 'info',
        summary: `Training started on the ${event.backend} backend${deviceWords(event)}.`,
        changes: [],
      };
    case 'weights-requested':
      return {
        ...at(event.epoch),
        tone: 'info',
        // Read at step 0, the boundary before the epoch's first step: it applies to that epoch.
        summary:
          event.step === 0
            ? `Weight change asked ${sourceText(requestSource(event.requestId, timeline.suggestions))} before epoch ${event.epoch}: applies as it starts.`
            : `Weight change asked ${sourceText(requestSource(event.requestId, timeline.suggestions))} during epoch ${event.epoch}: applies when epoch ${event.epoch + 1} starts.`,
        changes: weightChanges(timeline.weights, event.change),
      };
    case 'weights-applied':
      return {
        ...at(event.epoch),
        tone: 'change',
        summary: `Weights changed from epoch ${event.epoch}, asked ${sourceText(requestSource(event.requestId, timeline.suggestions))}.`,
        changes: weightChanges(timeline.weights, event),
      };
    case 'weights-rejected':
      return {
        kind: event.kind,
        time: event.time,
        tone: 'problem',
        summary: `Weight change asked ${sourceText(requestSource(event.requestId, timeline.suggestions))} was refused: ${event.reason}.`,
        changes: [],
      };
    case 'weights-scheduled': {
      const changes = weightChanges(timeline.weights, event);
      if (event.temperature !== undefined) changes.push(`mixing temperature → ${value(event.temperature)}`);
      return { ...at(event.epoch), tone: 'change', summary: `Weights set ${sourceText('schedule')} for epoch ${event.epoch}.`, changes };
    }
    case 'learning-rate': {
      const change = `learning rate ${value(event.previous)} → ${value(event.learningRate)}`;
      const summary =
        event.cause === 'schedule'
          ? `Learning rate set ${sourceText('schedule')} for epoch ${event.epoch}.`
          : event.cause === 'plateau'
            ? `Learning rate reduced from epoch ${event.epoch}: ${event.reason ?? 'the monitored metric stopped improving'}.`
            : `Learning rate changed from epoch ${event.epoch}, asked ${sourceText(requestSource(event.requestId, timeline.suggestions))}.`;
      return { ...at(event.epoch), tone: 'change', summary, changes: [change] };
    }
    case 'weights-suggested':
      return {
        ...at(event.epoch),
        tone: 'info',
        summary: `${suggestionSourceText(event.balancer)} suggested ${suggestionKinds(event)} after epoch ${event.epoch}: ${reasonAndExpected(event.reason, event.expected)}`,
        changes: [
          ...weightChanges(timeline.weights, { ...(event.sampling ? { sampling: event.sampling } : {}), ...(event.loss ? { loss: event.loss } : {}) }),
          ...augmentChanges(event.augment ?? []),
        ],
      };
    case 'suggestion-decided': {
      const whose = timeline.suggestions[event.suggestionId] === DIAGNOSTICS_SOURCE ? 'The suggestion' : 'The balancer’s suggestion';
      return {
        ...at(event.epoch),
        tone: 'info',
        summary: `${whose} of epoch ${event.suggestionId.replace(/^suggestion-/, '')} was ${event.decision === 'edited' ? 'accepted with changes' : event.decision}.`,
        changes: [],
      };
    }
    case 'sampling-balanced': {
      const before = timeline.sampling;
      const changes = Object.entries(event.shares).map(([name, to]) => {
        const from = before?.shares[name];
        const was = before?.multipliers[name] ?? 1;
        const now = event.multipliers[name] ?? was;
        const multiplier = Math.abs(now - was) > 1e-9 ? ` (sampling weight ×${value(was)} → ×${value(now)})` : '';
        return `${name} share ${from === undefined ? '' : `${share(from)} → `}${share(to)}${multiplier}`;
      });
      return {
        ...at(event.epoch),
        tone: 'change',
        summary: `The sampling balancer moved shares after epoch ${event.epoch}: ${withoutStop(event.reason)}.`,
        changes,
      };
    }
    case 'augmentation-on': {
      const preset = Object.entries(event.augment)
        .map(([key, n]) => `${key} ${value(n)}`)
        .join(', ');
      return {
        ...at(event.epoch),
        tone: 'change',
        summary: `Augmentation switched on for ${event.dataset} from epoch ${event.epoch}: ${withoutStop(event.reason)}.`,
        changes: [`${event.dataset} augmentation off → on (auto preset${preset ? `: ${preset}` : ''})`],
      };
    }
    case 'paused':
      return {
        ...at(event.epoch),
        tone: event.reason ? 'problem' : 'info',
        summary: event.reason ? `Paused by the trainer in epoch ${event.epoch}: ${event.reason}` : `Paused in epoch ${event.epoch}.`,
        changes: [],
      };
    case 'resumed':
      return { ...at(event.epoch), tone: 'info', summary: `Resumed in epoch ${event.epoch}.`, changes: [] };
    case 'resumed-from-checkpoint':
      return {
        ...at(event.epoch),
        tone: 'info',
        summary: `Resumed from checkpoint ${event.checkpoint} (after epoch ${event.epoch})${event.backend !== undefined ? ` on the ${event.backend} backend${deviceWords(event)}` : ''}.`,
        changes: [],
      };
    case 'diverged':
      return {
        ...at(event.epoch),
        tone: 'problem',
        summary: `Diverged in epoch ${event.epoch}${event.dataset ? ` (${event.dataset})` : ''}: ${event.message}`,
        changes: [],
      };
    case 'stopped':
      return { ...at(event.epoch), tone: 'info', summary: `Stopped after epoch ${event.epoch}${event.reason ? ` (${event.reason})` : ''}.`, changes: [] };
    case 'completed':
      return event.reason !== undefined && event.epoch !== undefined
        ? { ...at(event.epoch), tone: 'change', summary: `Training completed after epoch ${event.epoch}: ${event.reason}.`, changes: [] }
        : { kind: event.kind, time: event.time, tone: 'info', summary: 'Training completed.', changes: [] };
    case 'failed':
      return { kind: event.kind, time: event.time, tone: 'problem', summary: `Failed: ${event.message}`, changes: [] };
    case 'checkpoint':
      return undefined;
  }
}

/** The entries as the panel lists them: newest first. */
export function newestFirst(timeline: Pick<Timeline, 'entries'>): TimelineEntry[] {
  return [...timeline.entries].reverse();
}

/** "14:02:31" in the viewer's time zone, or the raw text if it is no date. */
export function timeOfDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toTimeString().slice(0, 8);
}
