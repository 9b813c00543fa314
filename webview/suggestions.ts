/**
 * Open suggestions (of a balancer in `suggest` mode, or of the balance diagnostics): what each would
 * change — sampling weights, loss weights, augmentation — why and what it should do, with Accept,
 * Edit (its weights into the weight controls; augmentation cannot be edited) and Reject, ranked in
 * the order to act on them. The trainer applies or records the decision; the panel only shows its
 * own answer as sent until the trainer's `suggestion-decided` removes it.
 */
import type { RunView, Suggestion } from '../src/shared/panel/runView';
import { suggestionCards, type SuggestionCard } from '../src/shared/panel/suggestions';
import { createButton } from './components';
import { el } from './dom';

export interface SuggestionActions {
  accept(suggestion: Suggestion): void;
  edit(suggestion: Suggestion): void;
  reject(suggestion: Suggestion): void;
}

export class SuggestionList {
  readonly element = el('section', { className: 'suggestions', attrs: { 'aria-label': 'Suggested changes' } });
  /** Buttons are rebuilt only when what they show changes, so keyboard focus survives deltas. */
  private shown = '';

  constructor(private readonly actions: SuggestionActions) {
    this.element.hidden = true;
  }

  render(view: RunView, rejectionsSent: readonly string[]): void {
    const cards = suggestionCards(view, rejectionsSent);
    const shown = JSON.stringify({ cards, status: view.status });
    if (shown === this.shown) return;
    this.shown = shown;
    this.element.hidden = cards.length === 0;
    const ranked = cards.length > 1 ? [el('p', { className: 'hint', text: 'In the order to act on them, as the Balance section ranks its warnings.' })] : [];
    this.element.replaceChildren(
      ...(cards.length === 0 ? [] : [el('h2', { text: 'Suggestions' }), ...ranked, ...cards.map((card) => this.card(card, view.status))]),
    );
  }

  private card(card: SuggestionCard, status: RunView['status']): HTMLElement {
    const { suggestion } = card;
    const live = status === 'running' || status === 'paused';
    const buttons = [
      ['Accept', () => this.actions.accept(suggestion), 'primary'],
      ['Edit', () => this.actions.edit(suggestion), 'secondary'],
      ['Reject', () => this.actions.reject(suggestion), 'secondary'],
    ] as const;
    const answer = el(
      'div',
      { className: 'buttons' },
      buttons.map(([label, onClick, appearance]) => {
        const button = createButton(label, onClick, appearance);
        button.element.setAttribute('aria-label', `${label} the suggestion of epoch ${suggestion.epoch}`);
        button.setDisabled(!live || card.status !== 'open' || (label === 'Edit' && !card.editable));
        if (label === 'Edit' && !card.editable) button.element.setAttribute('title', 'Nothing to edit: augmentation cannot be edited');
        return button.element;
      }),
    );
    const optional = (className: string, text: string) => (text === '' ? [] : [el('p', { className, text })]);
    return el('article', { className: `suggestion ${card.status}`, attrs: { 'data-rank': String(card.rank) } }, [
      ...optional('rank', card.rankText),
      el('h3', { text: card.title }),
      el(
        'ul',
        { className: 'diff', attrs: { 'aria-label': 'Proposed changes: current → proposed' } },
        card.rows.map((row) => el('li', { className: row.kind, text: row.text })),
      ),
      el('p', { className: 'reason', text: card.suggestion.reason }),
      ...optional('reason expected', card.expected),
      ...optional('balance-note', card.balanceNote),
      ...optional('hint augment-help', card.augmentHelp),
      answer,
      el('p', {
        className: 'answer',
        attrs: { 'aria-live': 'polite' },
        text: card.statusText || (live ? '' : `The run is ${status}: suggestions can be answered only while it runs.`),
      }),
    ]);
  }
}
