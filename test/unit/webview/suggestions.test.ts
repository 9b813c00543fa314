/** webview/suggestions.ts: a balancer's open suggestions as cards with Accept, Edit and Reject. */
import './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunView, Suggestion } from '../../../src/shared/panel/runView';
import type { RunEvent } from '../../../src/shared/runs/format';
import { SuggestionList } from '../../../webview/suggestions';
import { at, epochRecord, runView } from './support/runs';

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
  assert.equal(list.element.getAttribute('aria-label'), 'Suggested changes');
});

test('an open suggestion: its title, each dataset’s current → proposed loss weight, the reason, and enabled buttons', () => {
  const { list } = recorder();
  list.render(viewWithSuggestions(), []);
  assert.equal(list.element.hidden, false);
  assert.equal(list.element.querySelector('h2')?.textContent, 'Suggestions');
  const card = list.element.querySelector('article');
  assert.equal(card?.className, 'suggestion open');
  assert.equal(card?.querySelector('h3')?.textContent, 'gradnorm balancer suggests loss weights after epoch 2');
  assert.equal(card?.querySelector('ul.diff')?.getAttribute('aria-label'), 'Proposed changes: current → proposed');
  assert.deepEqual(
    [...(card?.querySelectorAll('ul.diff li') ?? [])].map((li) => li.textContent),
    ['digits loss weight: 1 → 1.4', 'prices loss weight: 1 → 0.6'],
  );
  assert.equal(card?.querySelector('.reason')?.textContent, 'gradient norms drifted in epoch 2');
  assert.equal(card?.querySelector('.expected'), null, 'no expected effect given, none shown');
  assert.equal(card?.querySelector('.rank'), null, 'one card: no rank');
  assert.equal(card?.querySelector('.augment-help'), null);
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
    ['digits loss weight: 1 → 2'],
  );

  view.suggestions = [];
  list.render(view, []);
  assert.equal(list.element.hidden, true);
  assert.equal(list.element.children.length, 0);
});

test('a suggestion of sampling weights and augmentation: a row for each change, the reason and the expected effect, and what Edit does with augmentation', () => {
  const { list, calls } = recorder();
  const view = runView({
    events: [
      {
        kind: 'weights-suggested',
        time: at(45),
        epoch: 3,
        suggestionId: 'suggestion-3',
        balancer: 'sampling',
        sampling: { digits: 0.8, prices: 1 },
        augment: ['digits'],
        dataset: 'digits',
        reason: 'digits is memorised (training accuracy 99.0% against 61.0% on validation) and declares augment: auto: switch on its augmentation',
        expected: 'the gap between training and validation accuracy should narrow',
      },
    ],
  });
  list.render(view, []);
  const card = list.element.querySelector('article');
  assert.equal(card?.querySelector('h3')?.textContent, 'sampling balancer suggests sampling weights and augmentation for digits after epoch 3');
  assert.deepEqual(
    [...(card?.querySelectorAll('ul.diff li') ?? [])].map((li) => [li.className, li.textContent]),
    [
      ['sampling', 'digits sampling weight: 1 → 0.8'],
      ['augment', 'digits augmentation: off → on (auto preset)'],
    ],
  );
  assert.equal(
    card?.querySelector('.reason')?.textContent,
    'digits is memorised (training accuracy 99.0% against 61.0% on validation) and declares augment: auto: switch on its augmentation',
  );
  assert.equal(card?.querySelector('.expected')?.textContent, 'Expected: the gap between training and validation accuracy should narrow');
  assert.equal(
    card?.querySelector('.augment-help')?.textContent,
    'Augmentation cannot be edited: Edit changes the weights only, and sending them still switches on augmentation for digits. Reject declines the whole suggestion.',
  );
  assert.ok(buttons(card).every((b) => !b.hasAttribute('disabled')));
  buttons(card)[1]?.click();
  assert.deepEqual(calls, [['edit', 'suggestion-3']]);
});

test('a suggestion that only switches augmentation on cannot be edited, only accepted or rejected', () => {
  const { list, calls } = recorder();
  list.render(
    runView({
      events: [
        {
          kind: 'weights-suggested',
          time: at(45),
          epoch: 4,
          suggestionId: 'suggestion-4',
          balancer: 'diagnostics',
          augment: ['digits'],
          reason: 'digits is likely memorised',
        },
      ],
    }),
    [],
  );
  const card = list.element.querySelector('article');
  assert.equal(card?.querySelector('h3')?.textContent, 'diagnostics suggest augmentation for digits after epoch 4');
  assert.deepEqual(
    buttons(card).map((b) => [b.textContent, b.hasAttribute('disabled')]),
    [
      ['Accept', false],
      ['Edit', true],
      ['Reject', false],
    ],
  );
  assert.equal(buttons(card)[1]?.getAttribute('title'), 'Nothing to edit: augmentation cannot be edited');
  assert.equal(card?.querySelector('.augment-help')?.textContent, 'Augmentation cannot be edited: accept or reject it.');
  buttons(card)[1]?.click();
  assert.deepEqual(calls, []);
});

test('several suggestions are listed in the order to act on them, each saying its rank and how it stands to the Balance warnings', () => {
  const { list } = recorder();
  const view = runView({
    epochs: 1,
    metrics: [epochRecord(2, { digits: { epochsSeen: 24, lossShare: 0.2 }, prices: { epochsSeen: 2, lossShare: 0.8 } })],
    events: [
      {
        kind: 'weights-suggested',
        time: at(45),
        epoch: 2,
        suggestionId: 'suggestion-2',
        balancer: 'dwa',
        loss: { digits: 1.5, prices: 1 },
        reason: 'digits learns slower',
      },
      {
        kind: 'weights-suggested',
        time: at(46),
        epoch: 2,
        suggestionId: 'suggestion-2b',
        balancer: 'diagnostics',
        augment: ['digits'],
        reason: 'digits is likely memorised',
      },
    ],
  });
  list.render(view, []);
  assert.equal(list.element.querySelector('p.hint')?.textContent, 'In the order to act on them, as the Balance section ranks its warnings.');
  const cards = [...list.element.querySelectorAll('article')];
  assert.deepEqual(
    cards.map((card) => [card.getAttribute('data-rank'), card.querySelector('.rank')?.textContent, card.querySelector('h3')?.textContent]),
    [
      ['1', '1 of 2: act on this one first', 'diagnostics suggest augmentation for digits after epoch 2'],
      ['2', '2 of 2', 'dwa balancer suggests loss weights after epoch 2'],
    ],
  );
  assert.deepEqual(
    cards.map((card) => card.querySelector('.balance-note')?.textContent),
    [
      'It answers the Balance section’s warning that digits is likely memorised: it switches on digits’s augmentation.',
      'Against the Balance section’s advice: digits is likely memorised, and this raises digits’s loss weight. It answers the Balance section’s warning that prices takes most of the weighted loss: it gives prices a smaller part of the loss weights.',
    ],
  );
});
