/**
 * Suggestions of a balancer in `suggest` mode, as the panel offers them: what each would change,
 * and the request that accepts one. Accepting is a `set-weights` request whose requestId is the
 * suggestion's id (the trainer answers with `suggestion-decided`); the loss weights may first be
 * edited in the weight controls, and the request still carries the id, so the trainer records the
 * suggestion as edited. Rejecting is its own message.
 */
import { proposalProblem, type WeightProposal } from './weightPreview';
import type { RunView, Suggestion } from './runView';

export interface SuggestionDiffRow {
  dataset: string;
  current: number | undefined;
  proposed: number;
  /** "clean: 1 → 1.4". */
  text: string;
}

/** What the panel knows of its own answer to a suggestion, until the trainer's decision removes it. */
export type SuggestionStatus = 'open' | 'accepting' | 'rejecting';

export interface SuggestionCard {
  suggestion: Suggestion;
  title: string;
  rows: SuggestionDiffRow[];
  status: SuggestionStatus;
  /** Empty while open. */
  statusText: string;
}

/** A weight for reading: at most 3 significant digits, no trailing zeros. */
export function formatWeight(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : String(Number(value.toPrecision(3)));
}

/** One row per dataset the suggestion names, in the run's dataset order. */
export function suggestionDiff(view: Pick<RunView, 'datasets' | 'weights'>, suggestion: Suggestion): SuggestionDiffRow[] {
  const order = view.datasets.map((d) => d.name);
  const named = [...order.filter((name) => name in suggestion.loss), ...Object.keys(suggestion.loss).filter((name) => !order.includes(name))];
  return named.map((dataset) => {
    const current = view.weights.loss[dataset];
    const proposed = suggestion.loss[dataset] ?? 0;
    return { dataset, current, proposed, text: `${dataset}: ${formatWeight(current)} → ${formatWeight(proposed)}` };
  });
}

export function suggestionStatus(view: Pick<RunView, 'pending' | 'settled'>, suggestionId: string, rejectionsSent: readonly string[]): SuggestionStatus {
  if (view.pending.some((p) => p.requestId === suggestionId) || view.settled.includes(suggestionId)) return 'accepting';
  return rejectionsSent.includes(suggestionId) ? 'rejecting' : 'open';
}

export function suggestionCards(view: RunView, rejectionsSent: readonly string[]): SuggestionCard[] {
  return view.suggestions.map((suggestion) => {
    const status = suggestionStatus(view, suggestion.suggestionId, rejectionsSent);
    return {
      suggestion,
      title: `${suggestion.balancer} suggests loss weights after epoch ${suggestion.epoch}`,
      rows: suggestionDiff(view, suggestion),
      status,
      statusText:
        status === 'accepting'
          ? 'Accepted: the trainer applies it at an epoch boundary.'
          : status === 'rejecting'
            ? 'Rejected: waiting for the trainer to record it.'
            : '',
    };
  });
}

/** The current weights with the suggestion's loss weights: what Accept sends and what Edit puts in the fields. */
export function suggestedProposal(view: Pick<RunView, 'weights'>, suggestion: Suggestion): WeightProposal {
  return { sampling: { ...view.weights.sampling }, loss: { ...view.weights.loss, ...suggestion.loss } };
}

export type AcceptRequest = { ok: true; requestId: string; proposal: WeightProposal } | { ok: false; problem: string };

/** The `setWeights` that accepts a suggestion as it is, or why it cannot be sent. */
export function acceptRequest(view: Pick<RunView, 'datasets' | 'weights'>, suggestion: Suggestion): AcceptRequest {
  const proposal = suggestedProposal(view, suggestion);
  const problem = proposalProblem(view.datasets, proposal);
  return problem === undefined ? { ok: true, requestId: suggestion.suggestionId, proposal } : { ok: false, problem };
}

/**
 * The requestId of weights from the controls: the id of the suggestion they were edited from while
 * it is still open and unanswered (so sending them accepts it), else a fresh id of the panel's.
 */
export function weightRequestId(
  view: Pick<RunView, 'suggestions' | 'pending' | 'settled'>,
  sourceSuggestionId: string | undefined,
  rejectionsSent: readonly string[],
  freshId: () => string,
): string {
  return sourceSuggestionId !== undefined && isOpenSuggestion(view, sourceSuggestionId, rejectionsSent) ? sourceSuggestionId : freshId();
}

/** Listed by the trainer and not yet answered by this panel. */
export function isOpenSuggestion(view: Pick<RunView, 'suggestions' | 'pending' | 'settled'>, suggestionId: string, rejectionsSent: readonly string[]): boolean {
  return view.suggestions.some((s) => s.suggestionId === suggestionId) && suggestionStatus(view, suggestionId, rejectionsSent) === 'open';
}
