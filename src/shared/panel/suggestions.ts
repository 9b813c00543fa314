/**
 * Suggestions, as the panel offers them: what each would change and why, in the order to act on
 * them, and the request that accepts one. A suggestion comes from a balancer in `suggest` mode
 * (`dwa`, `gradnorm`: loss weights; `sampling`: sampling weights and augmentation) or from the
 * balance warnings (`diagnostics`). Accepting is a `set-weights` request whose requestId is the
 * suggestion's id, carrying exactly what it proposes (the trainer answers with
 * `suggestion-decided`); its sampling and loss weights may first be edited in the weight controls,
 * and the request still carries the id and the suggestion's augmentation, so the trainer records
 * the suggestion as edited. Augmentation cannot be edited. Rejecting is its own message.
 *
 * The list and the Balance section's warnings agree: a suggestion that does what a warning advises
 * is ranked as that warning is (see `balanceAdvice`), and the Balance section points to it rather
 * than repeating its own action; a suggestion that goes against a warning says so.
 */
import { balanceAdvice, balanceWarnings, type BalanceAdvice, type BalanceWarning } from './balanceWarnings';
import type { RunView, Suggestion } from './runView';
import { DIAGNOSTICS_SOURCE, suggestionKinds } from './timeline';
import { partialProposalProblem, type WeightChangeRequest, type WeightProposal } from './weightPreview';

export interface SuggestionDiffRow {
  dataset: string;
  kind: 'sampling' | 'loss' | 'augment';
  /** Weights only: the weight in force and the proposed one. */
  current?: number;
  proposed?: number;
  /** "clean loss weight: 1 → 1.4", "tiny augmentation: off → on (auto preset)". */
  text: string;
}

/** What the panel knows of its own answer to a suggestion, until the trainer's decision removes it. */
export type SuggestionStatus = 'open' | 'accepting' | 'rejecting';

/** How a suggestion stands to a balance warning: it does what the warning advises, or the opposite. */
export interface WarningRelation {
  warning: BalanceWarning;
  relation: 'follows' | 'against';
  /** "raises tiny’s loss weight": what it does to the warning's dataset. */
  what: string;
}

export interface SuggestionCard {
  suggestion: Suggestion;
  title: string;
  rows: SuggestionDiffRow[];
  /** "Expected: …", or empty. */
  expected: string;
  status: SuggestionStatus;
  /** Empty while open. */
  statusText: string;
  /** 1 for the one to act on first. */
  rank: number;
  /** With several cards, "1 of 2: act on this one first"; empty with one. */
  rankText: string;
  /** How it stands to the Balance section's warnings, in words; empty when it touches none. */
  balanceNote: string;
  /** How augmentation is treated by Edit, when the suggestion switches any on; empty otherwise. */
  augmentHelp: string;
  /** False when there are no weights to edit (an augmentation-only suggestion). */
  editable: boolean;
}

/** A weight for reading: at most 3 significant digits, no trailing zeros. */
export function formatWeight(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : String(Number(value.toPrecision(3)));
}

/** "sampling balancer suggests sampling weights after epoch 3", "diagnostics suggest augmentation for tiny after epoch 3". */
export function suggestionTitle(suggestion: Suggestion): string {
  const who = suggestion.balancer === DIAGNOSTICS_SOURCE ? 'diagnostics suggest' : `${suggestion.balancer} balancer suggests`;
  return `${who} ${suggestionKinds(suggestion)} after epoch ${suggestion.epoch}`;
}

const EPSILON = 1e-9;

/**
 * One row per changed value, sampling weights first, then loss weights, then augmentation, each in
 * the run's dataset order; a proposed weight equal to the one in force is left out. A suggestion
 * that changes nothing any more (the weights moved meanwhile) gets one row saying so.
 */
export function suggestionDiff(view: Pick<RunView, 'datasets' | 'weights'>, suggestion: Suggestion): SuggestionDiffRow[] {
  const order = view.datasets.map((d) => d.name);
  const inOrder = (names: readonly string[]) => [...order.filter((name) => names.includes(name)), ...names.filter((name) => !order.includes(name))];
  const rows: SuggestionDiffRow[] = [];
  for (const kind of ['sampling', 'loss'] as const) {
    const proposed = suggestion[kind];
    if (proposed === undefined) continue;
    for (const dataset of inOrder(Object.keys(proposed))) {
      const current = view.weights[kind][dataset];
      const next = proposed[dataset] ?? 0;
      if (current !== undefined && Math.abs(current - next) < EPSILON) continue;
      rows.push({ dataset, kind, current, proposed: next, text: `${dataset} ${kind} weight: ${formatWeight(current)} → ${formatWeight(next)}` });
    }
  }
  for (const dataset of inOrder(suggestion.augment ?? [])) rows.push({ dataset, kind: 'augment', text: `${dataset} augmentation: off → on (auto preset)` });
  return rows.length > 0 ? rows : [{ dataset: '', kind: 'loss', text: 'no change from the weights now in force' }];
}

export function suggestionStatus(view: Pick<RunView, 'pending' | 'settled'>, suggestionId: string, rejectionsSent: readonly string[]): SuggestionStatus {
  if (view.pending.some((p) => p.requestId === suggestionId) || view.settled.includes(suggestionId)) return 'accepting';
  return rejectionsSent.includes(suggestionId) ? 'rejecting' : 'open';
}

/** The Balance section's advice on the newest epoch, as `renderDiagnostics` shows it. */
export function currentAdvice(view: Pick<RunView, 'datasets' | 'latestEpoch'>): BalanceAdvice {
  const sizes = Object.fromEntries(view.datasets.map((d) => [d.name, d.trainSize]));
  return balanceAdvice(balanceWarnings(view.latestEpoch, sizes), view.latestEpoch);
}

/** Dataset `name`'s part of all the weights of a kind, in force and as proposed: the ratio says which way the suggestion moves it. */
function relativeChange(current: Readonly<Record<string, number>>, proposed: Readonly<Record<string, number>> | undefined, name: string): number {
  if (proposed === undefined) return 1;
  const after = { ...current, ...proposed };
  const part = (weights: Readonly<Record<string, number>>) => {
    const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
    return total > 0 ? (weights[name] ?? 0) / total : 0;
  };
  const before = part(current);
  return before > 0 ? part(after) / before : part(after) > 0 ? Number.POSITIVE_INFINITY : 1;
}

/**
 * How a suggestion stands to one warning. A memorised dataset is helped by switching its
 * augmentation on or by a smaller part of the sampling weights, and harmed by a larger part of the
 * sampling or loss weights (it would be learnt by heart harder: see `balanceAdvice`); a dataset that
 * dominates the loss is helped by a smaller part of the loss weights and harmed by a larger one.
 */
export function warningRelation(view: Pick<RunView, 'weights'>, suggestion: Suggestion, warning: BalanceWarning): WarningRelation | undefined {
  const name = warning.dataset;
  const sampling = relativeChange(view.weights.sampling, suggestion.sampling, name);
  const loss = relativeChange(view.weights.loss, suggestion.loss, name);
  const up = (ratio: number) => ratio > 1 + 1e-6;
  const down = (ratio: number) => ratio < 1 - 1e-6;
  const word = (ratio: number, kind: 'sampling' | 'loss') => {
    const from = view.weights[kind][name] ?? 0;
    const to = suggestion[kind]?.[name] ?? from;
    // Its own weight moved the same way: say so; else the others' weights moved around it.
    if (up(ratio) ? to > from : to < from) return `${up(ratio) ? 'raises' : 'lowers'} ${name}’s ${kind} weight`;
    return `gives ${name} a ${up(ratio) ? 'larger' : 'smaller'} part of the ${kind} weights`;
  };
  if (warning.kind === 'likely-memorised') {
    if (suggestion.augment?.includes(name)) return { warning, relation: 'follows', what: `switches on ${name}’s augmentation` };
    if (up(sampling)) return { warning, relation: 'against', what: word(sampling, 'sampling') };
    if (up(loss)) return { warning, relation: 'against', what: word(loss, 'loss') };
    if (down(sampling)) return { warning, relation: 'follows', what: word(sampling, 'sampling') };
    return undefined;
  }
  if (down(loss)) return { warning, relation: 'follows', what: word(loss, 'loss') };
  if (up(loss)) return { warning, relation: 'against', what: word(loss, 'loss') };
  return undefined;
}

const WARNING_WORDS: Record<BalanceWarning['kind'], string> = {
  'likely-memorised': 'is likely memorised',
  'dominates-loss': 'takes most of the weighted loss',
};

/** A suggestion's relations to the warnings, in the order to act on the warnings. */
function relations(view: Pick<RunView, 'weights'>, suggestion: Suggestion, advice: BalanceAdvice): WarningRelation[] {
  return advice.ranked.flatMap((warning) => warningRelation(view, suggestion, warning) ?? []);
}

const relationText = ({ warning, relation, what }: WarningRelation): string =>
  relation === 'follows'
    ? `It answers the Balance section’s warning that ${warning.dataset} ${WARNING_WORDS[warning.kind]}: it ${what}.`
    : `Against the Balance section’s advice: ${warning.dataset} ${WARNING_WORDS[warning.kind]}, and this ${what}.`;

/**
 * The open suggestions in the order to act on them, read from the first warning (in the Balance
 * section's order) each touches: one that does what it advises ranks as that warning does (a
 * memorised dataset before a dominant loss), before those that touch no warning; one that goes
 * against it comes last. Ties keep the order they came in.
 */
export function suggestionCards(view: RunView, rejectionsSent: readonly string[]): SuggestionCard[] {
  const advice = currentAdvice(view);
  const ranked = view.suggestions
    .map((suggestion, order) => {
      const related = relations(view, suggestion, advice);
      const first = related[0];
      const key = first === undefined ? advice.ranked.length : first.relation === 'follows' ? advice.ranked.indexOf(first.warning) : advice.ranked.length + 1;
      return { suggestion, order, key, related };
    })
    .sort((a, b) => a.key - b.key || a.order - b.order);
  return ranked.map(({ suggestion, related }, i) => {
    const status = suggestionStatus(view, suggestion.suggestionId, rejectionsSent);
    const augment = suggestion.augment ?? [];
    const editable = suggestion.sampling !== undefined || suggestion.loss !== undefined;
    const balanceNote = related.map(relationText).join(' ');
    return {
      suggestion,
      title: suggestionTitle(suggestion),
      rows: suggestionDiff(view, suggestion),
      expected: suggestion.expected ? `Expected: ${suggestion.expected}` : '',
      status,
      statusText:
        status === 'accepting'
          ? 'Accepted: the trainer applies it at an epoch boundary.'
          : status === 'rejecting'
            ? 'Rejected: waiting for the trainer to record it.'
            : '',
      rank: i + 1,
      rankText: ranked.length < 2 ? '' : i === 0 ? `1 of ${ranked.length}: act on this one first` : `${i + 1} of ${ranked.length}`,
      balanceNote,
      augmentHelp:
        augment.length === 0
          ? ''
          : editable
            ? `Augmentation cannot be edited: Edit changes the weights only, and sending them still switches on augmentation for ${augment.join(', ')}. Reject declines the whole suggestion.`
            : 'Augmentation cannot be edited: accept or reject it.',
      editable,
    };
  });
}

/**
 * The open suggestion the Balance section's recommended warning should point to (one that does what
 * it advises), and those that go against it, each with what it does to the warning's dataset.
 * Suggestions this panel has rejected are left out.
 */
export function adviceAndSuggestions(
  view: RunView,
  rejectionsSent: readonly string[],
): { advice: BalanceAdvice; answeredBy?: SuggestionCard; against: Array<{ card: SuggestionCard; what: string }> } {
  const advice = currentAdvice(view);
  const recommended = advice.recommended?.warning;
  if (recommended === undefined) return { advice, against: [] };
  const related = suggestionCards(view, rejectionsSent)
    .filter((card) => card.status !== 'rejecting')
    .map((card) => ({ card, relation: warningRelation(view, card.suggestion, recommended) }));
  const answeredBy = related.find((r) => r.relation?.relation === 'follows')?.card;
  const against = related.flatMap(({ card, relation }) => (relation?.relation === 'against' ? [{ card, what: relation.what }] : []));
  return { advice, ...(answeredBy ? { answeredBy } : {}), against };
}

/** The current weights with the suggestion's sampling and loss weights: what Edit puts in the fields. */
export function suggestedProposal(view: Pick<RunView, 'weights'>, suggestion: Suggestion): WeightProposal {
  return { sampling: { ...view.weights.sampling, ...suggestion.sampling }, loss: { ...view.weights.loss, ...suggestion.loss } };
}

/**
 * What Accept sends: exactly the kinds the suggestion proposes (each as a full set: datasets it does
 * not name keep the weight in force) and its augmentation, so the trainer records it accepted.
 */
export function suggestedChange(view: Pick<RunView, 'weights'>, suggestion: Suggestion): WeightChangeRequest {
  return {
    ...(suggestion.sampling ? { sampling: { ...view.weights.sampling, ...suggestion.sampling } } : {}),
    ...(suggestion.loss ? { loss: { ...view.weights.loss, ...suggestion.loss } } : {}),
    ...(suggestion.augment && suggestion.augment.length > 0 ? { augment: [...suggestion.augment] } : {}),
  };
}

export type AcceptRequest = { ok: true; requestId: string; change: WeightChangeRequest } | { ok: false; problem: string };

/** The `setWeights` that accepts a suggestion as it is, or why it cannot be sent. */
export function acceptRequest(view: Pick<RunView, 'datasets' | 'weights'>, suggestion: Suggestion): AcceptRequest {
  const change = suggestedChange(view, suggestion);
  const problem = partialProposalProblem(view.datasets, change);
  return problem === undefined ? { ok: true, requestId: suggestion.suggestionId, change } : { ok: false, problem };
}

/**
 * The request for weights from the controls: under the id of the suggestion they were edited from
 * while it is still open and unanswered (so sending them accepts it, with its augmentation), else
 * under a fresh id of the panel's.
 */
export function editedRequest(
  view: Pick<RunView, 'suggestions' | 'pending' | 'settled'>,
  proposal: WeightProposal,
  sourceSuggestionId: string | undefined,
  rejectionsSent: readonly string[],
  freshId: () => string,
): { requestId: string; change: WeightChangeRequest } {
  const requestId = weightRequestId(view, sourceSuggestionId, rejectionsSent, freshId);
  const augment = view.suggestions.find((s) => s.suggestionId === requestId)?.augment ?? [];
  return { requestId, change: { sampling: { ...proposal.sampling }, loss: { ...proposal.loss }, ...(augment.length > 0 ? { augment: [...augment] } : {}) } };
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
