/**
 * The webview's state reducer: applies snapshots and deltas in sequence order. A delta that does
 * not follow the last message is not applied; the panel asks for a snapshot and ignores deltas
 * until one arrives. Requests the panel sent itself stay pending across snapshots until the
 * trainer settles them. The reducer updates the run view it holds in place: curves can hold
 * 100,000 points each, and copying them on every step would cost more than drawing them.
 */
import type { ComparedRun, ComparisonCandidate } from './comparison';
import type { HostToPanelMessage } from './protocol';
import { addPending, foldRecords, type PendingWeights, type RunView } from './runView';

export interface PanelState {
  /** Sequence number of the last message applied; -1 before the first snapshot. */
  seq: number;
  run?: RunView;
  /** True from a detected gap until the next snapshot. */
  awaitingSnapshot: boolean;
  /** The newest notice from the host (an export result). */
  notice?: string;
  /** Other runs of the same experiment, for the "Compare with" picker. */
  candidates?: ComparisonCandidate[];
  /** The run drawn over this one's curves. */
  compared?: ComparedRun;
  /** Suggestions this panel has asked the trainer to reject, shown as answered until the trainer's decision removes them. */
  rejectionsSent: string[];
}

export const initialPanelState: PanelState = { seq: -1, awaitingSnapshot: true, rejectionsSent: [] };

export interface Reduced {
  state: PanelState;
  /** The panel must post `requestSnapshot`. */
  requestSnapshot: boolean;
}

export function reducePanel(state: PanelState, message: HostToPanelMessage): Reduced {
  if (message.type === 'snapshot') {
    const run = message.run;
    for (const pending of state.run?.pending ?? []) addPending(run, pending);
    return { state: { ...state, seq: message.seq, run, awaitingSnapshot: false, notice: undefined }, requestSnapshot: false };
  }
  if (message.seq <= state.seq) return { state, requestSnapshot: false };
  if (state.awaitingSnapshot || state.run === undefined || message.seq !== state.seq + 1) {
    return { state: { ...state, awaitingSnapshot: true }, requestSnapshot: !state.awaitingSnapshot };
  }
  if (message.type === 'notice') return { state: { ...state, seq: message.seq, notice: message.message }, requestSnapshot: false };
  if (message.type === 'comparison')
    return { state: { ...withComparison(state, message.compared), seq: message.seq, candidates: message.candidates }, requestSnapshot: false };
  const run = foldRecords(state.run, message.metrics, message.events);
  if (message.status) run.status = message.status;
  if (message.epochs) run.epochs = { total: message.epochs.total, completed: Math.max(run.epochs.completed, message.epochs.completed) };
  if (message.model) run.model = message.model;
  if (message.test) run.test = message.test;
  return { state: { ...state, seq: message.seq, run }, requestSnapshot: false };
}

/** Records a request the panel has just sent, pending until the trainer answers. */
export function withSentRequest(state: PanelState, pending: PendingWeights): PanelState {
  if (state.run === undefined) return state;
  addPending(state.run, pending);
  return { ...state };
}

/** Records a rejection the panel has just sent; ids of suggestions no longer listed are dropped. */
export function withRejectionSent(state: PanelState, suggestionId: string): PanelState {
  const listed = new Set(state.run?.suggestions.map((s) => s.suggestionId));
  return { ...state, rejectionsSent: [...state.rejectionsSent.filter((id) => id !== suggestionId && listed.has(id)), suggestionId] };
}

/** The epoch a request sent now would first train with: the one after the epoch in progress. */
export function nextEpochFor(run: RunView): number {
  return Math.max(run.currentEpoch, run.epochs.completed) + 1;
}

function withComparison(state: PanelState, compared: PanelState['compared']): PanelState {
  const next = { ...state };
  delete next.compared;
  if (compared) next.compared = compared;
  return next;
}
