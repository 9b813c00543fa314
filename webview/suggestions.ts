/**
 * Open suggestions of a balancer in `suggest` mode: what each would change and why, with Accept,
 * Edit (into the weight controls) and Reject. The trainer applies or records the decision; the
 * panel only shows its own answer as sent until the trainer's `suggestion-decided` removes it.
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
  readonly element = el('section', { className: 'suggestions', attrs: { 'aria-label': 'Suggested loss weights' } });
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
    this.element.replaceChildren(...(cards.length === 0 ? [] : [el('h2', { text: 'Suggestions' }), ...cards.map((card) => this.card(card, view.status))]));
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
        button.setDisabled(!live || card.status !== 'open');
        return button.element;
      }),
    );
    return el('article', { className: `suggestion ${card.status}` }, [
      el('h3', { text: card.title }),
      el(
        'ul',
        { className: 'diff', attrs: { 'aria-label': 'Loss weight: current → proposed' } },
        card.rows.map((row) => el('li', { text: row.text })),
      ),
      el('p', { className: 'reason', text: card.suggestion.reason }),
      answer,
      el('p', {
        className: 'answer',
        attrs: { 'aria-live': 'polite' },
        text: card.statusText || (live ? '' : `The run is ${status}: suggestions can be answered only while it runs.`),
      }),
    ]);
  }
}
