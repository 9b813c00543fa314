/** webview/suggestions.ts: a balancer's open suggestions as cards with Accept, Edit and Reject. */
import './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunView, Suggestion } from '../../../src/shared/panel/runView';
import type { RunEvent } from '../../../src/shared/runs/format';
import { SuggestionList } from '../../../webview/suggestions';
import { at, runView } from './support/runs';

const suggested = (epoch: number, loss: Record<string, number>): RunEvent => ({
  kind: 'weights-suggested',
  time: at(44),
  epoch,
  suggestionId: `suggestion-${epoch}`,
  balancer: 'gradnorm',
  loss,
  reason: `gradient norms drifted in epoch ${epoch}`,
});

function viewWithSuggestions(status: RunView['status'] = 'running'): RunView {
  return runView({ record: { status }, events: [suggested(2, { digits: 1.4, prices: 0.6 })] });
}

function recorder() {
  const calls: Array<[string, string]> = [];
  const list = new SuggestionList({
    accept: (s: Suggestion) => calls.push(['accept', s.suggestionId]),
    edit: (s: Suggestion) => calls.push(['edit', s.suggestionId]),
    reject: (s: Suggestion) => calls.push(['reject', s.suggestionId]),
  });
  return { list, calls };
}

const buttons = (card: Element | null | undefined): HTMLElement[] => [...(card?.querySelectorAll<HTMLElement>('vscode-button') ?? [])];

test('the section is hidden while there is no suggestion', () => {
  const { list } = recorder();
  assert.equal(list.element.hidden, true, 'hidden from the start');
  list.render(runView(), []);
  assert.equal(list.element.hidden, true);
  assert.equal(list.element.children.length, 0);
  assert.equal(list.element.getAttribute('aria-label'), 'Suggested loss weights');
});

test('an open suggestion: its title, each dataset’s current → proposed loss weight, the reason, and enabled buttons', () => {
  const { list } = recorder();
  list.render(viewWithSuggestions(), []);
  assert.equal(list.element.hidden, false);
  assert.equal(list.element.querySelector('h2')?.textContent, 'Suggestions');
  const card = list.element.querySelector('article');
  assert.equal(card?.className, 'suggestion open');
  assert.equal(card?.querySelector('h3')?.textContent, 'gradnorm suggests loss weights after epoch 2');
  assert.equal(card?.querySelector('ul.diff')?.getAttribute('aria-label'), 'Loss weight: current → proposed');
  assert.deepEqual(
    [...(card?.querySelectorAll('ul.diff li') ?? [])].map((li) => li.textContent),
    ['digits: 1 → 1.4', 'prices: 1 → 0.6'],
  );
  assert.equal(card?.querySelector('.reason')?.textContent, 'gradient norms drifted in epoch 2');
  assert.deepEqual(
    buttons(card).map((b) => [b.textContent, b.getAttribute('aria-label'), b.getAttribute('appearance'), b.hasAttribute('disabled')]),
    [
      ['Accept', 'Accept the suggestion of epoch 2', 'primary', false],
      ['Edit', 'Edit the suggestion of epoch 2', 'secondary', false],
      ['Reject', 'Reject the suggestion of epoch 2', 'secondary', false],
    ],
  );
  assert.equal(card?.querySelector('.answer')?.textContent, '');
});

test('each button hands its suggestion to its action', () => {
  const { list, calls } = recorder();
  list.render(viewWithSuggestions(), []);
  for (const button of buttons(list.element.querySelector('article'))) button.click();
  assert.deepEqual(calls, [
    ['accept', 'suggestion-2'],
    ['edit', 'suggestion-2'],
    ['reject', 'suggestion-2'],
  ]);
});

test('a suggestion this panel rejected, or one whose acceptance is pending, is answered: buttons disabled and the answer said', () => {
  const { list, calls } = recorder();
  list.render(viewWithSuggestions(), ['suggestion-2']);
  let card = list.element.querySelector('article');
  assert.equal(card?.className, 'suggestion rejecting');
  assert.equal(card?.querySelector('.answer')?.textContent, 'Rejected: waiting for the trainer to record it.');
  assert.ok(buttons(card).every((b) => b.hasAttribute('disabled')));
  buttons(card)[0]?.click();
  assert.deepEqual(calls, [], 'disabled buttons do nothing');

  const accepting = viewWithSuggestions();
  accepting.pending.push({ requestId: 'suggestion-2', untilEpoch: 3, sampling: {}, loss: { digits: 1.4, prices: 0.6 } });
  list.render(accepting, []);
  card = list.element.querySelector('article');
  assert.equal(card?.className, 'suggestion accepting');
  assert.equal(card?.querySelector('.answer')?.textContent, 'Accepted: the trainer applies it at an epoch boundary.');
  assert.ok(buttons(card).every((b) => b.hasAttribute('disabled')));
});

test('a run that is not live cannot answer: the buttons are disabled and the card says why', () => {
  const { list } = recorder();
  list.render(viewWithSuggestions('completed'), []);
  const card = list.element.querySelector('article');
  assert.ok(buttons(card).every((b) => b.hasAttribute('disabled')));
  assert.equal(card?.querySelector('.answer')?.textContent, 'The run is completed: suggestions can be answered only while it runs.');

  list.render(viewWithSuggestions('paused'), []);
  assert.ok(
    buttons(list.element.querySelector('article')).every((b) => !b.hasAttribute('disabled')),
    'paused runs still take answers',
  );
});

test('cards are rebuilt only when what they show changes, so the focused button survives a delta', () => {
  const { list } = recorder();
  const view = viewWithSuggestions();
  list.render(view, []);
  const card = list.element.querySelector('article');
  list.render(view, []);
  assert.equal(list.element.querySelector('article'), card);

  view.suggestions.push({ suggestionId: 'suggestion-3', epoch: 3, balancer: 'gradnorm', loss: { digits: 2 }, reason: 'again' });
  list.render(view, []);
  const cards = [...list.element.querySelectorAll('article')];
  assert.equal(cards.length, 2);
  assert.notEqual(cards[0], card);
  assert.deepEqual(
    [...(cards[1]?.querySelectorAll('ul.diff li') ?? [])].map((li) => li.textContent),
    ['digits: 1 → 2'],
  );

  view.suggestions = [];
  list.render(view, []);
  assert.equal(list.element.hidden, true);
  assert.equal(list.element.children.length, 0);
});
