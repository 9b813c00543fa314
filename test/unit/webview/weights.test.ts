/** webview/weights.ts: the weight controls — fields per dataset, the share preview, problems, Apply and Reset, pending requests. */
import { window } from './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunView, Suggestion } from '../../../src/shared/panel/runView';
import type { WeightProposal } from '../../../src/shared/panel/weightPreview';
import { WeightControls } from '../../../webview/weights';
import { at, runView } from './support/runs';

function controls() {
  const sent: Array<{ proposal: WeightProposal; source: string | undefined }> = [];
  const weights = new WeightControls((proposal, source) => sent.push({ proposal, source }));
  window.document.body.append(weights.element);
  return { weights, sent, element: weights.element };
}

const field = (root: HTMLElement, label: string, type: 'range' | 'number'): HTMLInputElement => {
  const input = root.querySelector<HTMLInputElement>(`input[type="${type}"][aria-label="${label}"]`);
  assert.ok(input, `no ${type} input "${label}"`);
  return input;
};

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new window.Event('input', { bubbles: true }));
}

const preview = (root: HTMLElement): string[][] =>
  [...root.querySelectorAll('.preview tbody tr')].map((row) => [...row.children].map((cell) => cell.textContent ?? ''));
const button = (root: HTMLElement, label: string): HTMLElement => {
  const found = [...root.querySelectorAll<HTMLElement>('vscode-button')].find((b) => b.textContent === label);
  assert.ok(found, `no button ${label}`);
  return found;
};
const text = (root: HTMLElement, selector: string): string => root.querySelector(selector)?.textContent ?? '';

test('a row per dataset with a slider and a number for its sampling and its loss weight, set to the run’s weights', () => {
  const { weights, element } = controls();
  weights.render(
    runView({
      events: [
        { kind: 'weights-applied', time: at(43), epoch: 2, sampling: { prices: 2 }, loss: {}, requestId: 'panel-1' },
        { kind: 'weights-applied', time: at(44), epoch: 3, sampling: { prices: 3 }, loss: {}, requestId: 'host-1' },
      ],
    }),
  );
  assert.equal(element.getAttribute('aria-label'), 'Dataset weights');
  const rows = [...element.querySelectorAll('.weight-row')];
  assert.deepEqual(
    rows.map((r) => r.querySelector('.dataset-name')?.textContent),
    ['digits', 'prices'],
  );
  assert.deepEqual(
    [...(rows[1]?.querySelectorAll('label.weight-field') ?? [])].map((l) => [l.className, l.querySelector('span')?.textContent]),
    [
      ['weight-field sampling', 'sampling'],
      ['weight-field loss', 'loss'],
    ],
  );
  assert.equal(field(element, 'prices sampling weight', 'number').value, '3');
  const slider = field(element, 'prices sampling weight', 'range');
  assert.equal(slider.value, '3');
  assert.equal(slider.max, '6', 'a slider reaches twice the weight');
  assert.equal(field(element, 'digits loss weight', 'range').max, '4', 'and at least 4');
  assert.equal(text(element, 'p.pending'), 'Last change applied at epoch 3 (weights changed from the command palette).');
  element.remove();
});

test('the preview shows last epoch’s shares beside the next epoch’s for the weights in the fields', () => {
  const { weights, element } = controls();
  weights.render(runView());
  assert.equal(text(element, '.preview caption'), 'Preview of the next epoch with these weights');
  assert.deepEqual(
    [...element.querySelectorAll('.preview thead th')].map((th) => th.textContent),
    ['Dataset', 'Sample share, last epoch', 'Sample share, next', 'Loss share, last epoch', 'Loss share, next'],
  );
  // Proportional mixing of 300 and 100 samples; losses 1.4 and 2.8 weighed by those shares: 1.05 : 0.7.
  assert.deepEqual(preview(element), [
    ['digits', '75.0%', '75.0%', '40.0%', '60.0%'],
    ['prices', '25.0%', '25.0%', '60.0%', '40.0%'],
  ]);
  assert.equal(text(element, 'p.problem'), '');
  assert.ok(button(element, 'Apply at next epoch').hasAttribute('disabled'), 'nothing edited: nothing to apply');
  assert.ok(button(element, 'Reset').hasAttribute('disabled'));

  // Sampling weight 3 for digits: 900 : 100, and losses 1.4 · 0.9 : 2.8 · 0.1 = 1.26 : 0.28.
  type(field(element, 'digits sampling weight', 'number'), '3');
  assert.equal(field(element, 'digits sampling weight', 'range').value, '3', 'the slider follows the number');
  assert.deepEqual(preview(element), [
    ['digits', '75.0%', '90.0%', '40.0%', '81.8%'],
    ['prices', '25.0%', '10.0%', '60.0%', '18.2%'],
  ]);
  assert.equal(button(element, 'Apply at next epoch').hasAttribute('disabled'), false);
  assert.equal(button(element, 'Reset').hasAttribute('disabled'), false);

  // Loss weight 0.5 for prices, from its slider: 1.26 : 0.14.
  type(field(element, 'prices loss weight', 'range'), '0.5');
  assert.equal(field(element, 'prices loss weight', 'number').value, '0.5', 'the number follows the slider');
  assert.deepEqual(
    preview(element).map((row) => row[4]),
    ['90.0%', '10.0%'],
  );
  element.remove();
});

test('Apply sends every dataset’s weights from the fields, and the request then shows as pending', () => {
  const { weights, sent, element } = controls();
  const view = runView();
  weights.render(view);
  type(field(element, 'digits sampling weight', 'number'), '2.5');
  type(field(element, 'prices loss weight', 'number'), '0.25');
  button(element, 'Apply at next epoch').click();
  assert.deepEqual(sent, [{ proposal: { sampling: { digits: 2.5, prices: 1 }, loss: { digits: 1, prices: 0.25 } }, source: undefined }]);

  view.pending.push({ requestId: 'panel-xyz', untilEpoch: 4, sampling: { digits: 2.5, prices: 1 }, loss: { digits: 1, prices: 0.25 } });
  weights.render(view);
  assert.equal(text(element, 'p.pending'), 'Pending until epoch 4: the trainer applies the change asked from the panel when that epoch starts.');
  assert.ok(button(element, 'Apply at next epoch').hasAttribute('disabled'), 'sent: nothing edited any more');
  assert.ok(button(element, 'Reset').hasAttribute('disabled'));

  // The run then ended in that epoch (early stopping, a budget): the request never applied, and the panel says so.
  view.status = 'completed';
  weights.render(view);
  assert.equal(text(element, 'p.pending'), 'Not applied: the change asked from the panel was for epoch 4, and the run completed before that epoch started.');
  view.status = 'stopped';
  weights.render(view);
  assert.equal(
    text(element, 'p.pending'),
    'Not applied: the change asked from the panel was for epoch 4, and the run ended (stopped) before that epoch started.',
  );
  element.remove();
});

test('a weight that is no number, or all weights zero, is explained and cannot be applied', () => {
  const { weights, sent, element } = controls();
  weights.render(runView());
  type(field(element, 'digits sampling weight', 'number'), '');
  assert.equal(text(element, 'p.problem'), "Cannot apply: sampling weight of 'digits' must be a finite number from 0 to 1000000, got NaN.");
  assert.ok(button(element, 'Apply at next epoch').hasAttribute('disabled'));
  assert.deepEqual(
    preview(element).map((row) => row[2]),
    ['–', '–'],
  );
  button(element, 'Apply at next epoch').click();
  assert.deepEqual(sent, []);

  type(field(element, 'digits sampling weight', 'number'), '0');
  type(field(element, 'prices sampling weight', 'number'), '0');
  assert.equal(text(element, 'p.problem'), 'Cannot apply: sampling weights would all be zero: at least one dataset needs a positive weight.');
  element.remove();
});

test('weights change only while the run is live; without the experiment snapshot no share can be previewed', () => {
  const { weights, element } = controls();
  weights.render(runView({ record: { status: 'completed' } }));
  type(field(element, 'digits loss weight', 'number'), '2');
  assert.equal(text(element, 'p.problem'), 'The run is completed: weights can change only while it runs.');
  assert.ok(button(element, 'Apply at next epoch').hasAttribute('disabled'));
  element.remove();

  const blind = controls();
  blind.weights.render(runView({ defaults: null }));
  assert.equal(text(blind.element, 'p.problem'), 'Cannot apply: the experiment snapshot could not be read, so shares cannot be previewed.');
  assert.deepEqual(preview(blind.element)[0], ['digits', '75.0%', '–', '40.0%', '–']);
  blind.element.remove();
});

test('Reset puts the run’s weights back; while the user edits, new weights from the run do not overwrite the fields', () => {
  const { weights, element } = controls();
  const view = runView();
  weights.render(view);
  type(field(element, 'digits sampling weight', 'number'), '5');

  view.weights = { sampling: { digits: 2, prices: 1 }, loss: { digits: 1, prices: 1 } };
  weights.render(view);
  assert.equal(field(element, 'digits sampling weight', 'number').value, '5', 'the edit is kept');

  button(element, 'Reset').click();
  assert.equal(field(element, 'digits sampling weight', 'number').value, '2', 'the run’s weights now');
  assert.ok(button(element, 'Reset').hasAttribute('disabled'));

  view.weights = { sampling: { digits: 3, prices: 1 }, loss: { digits: 1, prices: 1 } };
  weights.render(view);
  assert.equal(field(element, 'digits sampling weight', 'number').value, '3', 'not editing: the fields follow the run');
  element.remove();
});

test('Edit from a suggestion fills the fields, focuses the first loss weight, and Apply answers that suggestion', () => {
  const { weights, sent, element } = controls();
  const suggestion: Suggestion = { suggestionId: 'suggestion-2', epoch: 2, balancer: 'gradnorm', loss: { digits: 1.4, prices: 0.6 }, reason: 'drift' };
  const view: RunView = { ...runView(), suggestions: [suggestion] };
  weights.editFrom(suggestion, { sampling: {}, loss: {} });
  assert.equal(element.querySelectorAll('.weight-row').length, 0, 'before a run is shown there is nothing to edit');

  weights.render(view);
  weights.editFrom(suggestion, { sampling: { digits: 1, prices: 1 }, loss: { digits: 1.4, prices: 0.6 } });
  assert.equal(text(element, 'p.source'), 'Editing the gradnorm suggestion of epoch 2: sending these weights accepts it with your changes.');
  assert.equal(field(element, 'digits loss weight', 'number').value, '1.4');
  assert.equal(field(element, 'prices loss weight', 'number').value, '0.6');
  assert.equal(window.document.activeElement, field(element, 'digits loss weight', 'number'));
  assert.equal(button(element, 'Apply at next epoch').hasAttribute('disabled'), false, 'the suggestion’s weights can be sent as they are');

  type(field(element, 'prices loss weight', 'number'), '0.7');
  button(element, 'Apply at next epoch').click();
  assert.deepEqual(sent, [{ proposal: { sampling: { digits: 1, prices: 1 }, loss: { digits: 1.4, prices: 0.7 } }, source: 'suggestion-2' }]);
  assert.equal(text(element, 'p.source'), '');
  element.remove();
});

test('an edit from a suggestion stops answering it once the suggestion is answered elsewhere', () => {
  const { weights, sent, element } = controls();
  const suggestion: Suggestion = { suggestionId: 'suggestion-2', epoch: 2, balancer: 'dwa', loss: { digits: 2 }, reason: 'r' };
  const view: RunView = { ...runView(), suggestions: [suggestion] };
  weights.render(view);
  weights.editFrom(suggestion, { sampling: { digits: 1, prices: 1 }, loss: { digits: 2, prices: 1 } });
  assert.notEqual(text(element, 'p.source'), '');

  weights.render(view, ['suggestion-2']);
  assert.equal(text(element, 'p.source'), '', 'rejected from its card: no longer the source');
  button(element, 'Apply at next epoch').click();
  assert.equal(sent[0]?.source, undefined);
  element.remove();
});

test('after Apply the buttons are disabled at once, so a second click sends nothing, even before the host answers', () => {
  const { weights, sent, element } = controls();
  weights.render(runView());
  type(field(element, 'digits sampling weight', 'number'), '3');
  button(element, 'Apply at next epoch').click();
  assert.ok(button(element, 'Apply at next epoch').hasAttribute('disabled'), 'Apply is disabled as soon as the weights are sent');
  assert.ok(button(element, 'Reset').hasAttribute('disabled'));
  button(element, 'Apply at next epoch').click();
  assert.equal(sent.length, 1);
  element.remove();
});

test('emptying a number field leaves its slider where it was (an empty field is no value, not 0)', () => {
  const { weights, element } = controls();
  weights.render(runView());
  type(field(element, 'digits sampling weight', 'number'), '3');
  assert.equal(field(element, 'digits sampling weight', 'range').value, '3');
  type(field(element, 'digits sampling weight', 'number'), '');
  assert.equal(field(element, 'digits sampling weight', 'range').value, '3');
  element.remove();
});

test('Edit from a suggestion with augmentation says the augmentation is sent with the weights, and focuses the first sampling weight', () => {
  const { weights, element } = controls();
  const suggestion: Suggestion = {
    suggestionId: 'suggestion-3',
    epoch: 3,
    balancer: 'sampling',
    sampling: { digits: 0.8, prices: 1 },
    augment: ['digits'],
    reason: 'digits is memorised',
  };
  weights.render({ ...runView(), suggestions: [suggestion] });
  weights.editFrom(suggestion, { sampling: { digits: 0.8, prices: 1 }, loss: { digits: 1, prices: 1 } });
  assert.equal(
    text(element, 'p.source'),
    'Editing the sampling suggestion of epoch 3: sending these weights accepts it with your changes. Its augmentation for digits is sent with them (it cannot be edited; Reject the suggestion to decline it).',
  );
  assert.equal(field(element, 'digits sampling weight', 'number').value, '0.8');
  assert.equal(window.document.activeElement, field(element, 'digits sampling weight', 'number'));
  element.remove();
});

test('the sampling balancer’s multipliers are said and drawn into the preview, and augmentation switched on is said', () => {
  const { weights, element } = controls();
  const view = runView({
    events: [
      { kind: 'sampling-balanced', time: at(44), epoch: 2, multipliers: { digits: 1, prices: 3 }, shares: { digits: 0.5, prices: 0.5 }, reason: 'prices lags' },
      { kind: 'augmentation-on', time: at(44), epoch: 3, dataset: 'digits', augment: { rotation: 10 }, reason: 'digits is memorised' },
    ],
  });
  weights.render(view);
  assert.equal(
    text(element, 'p.auto'),
    'From epoch 3 the sampling balancer multiplies the sampling weights: digits ×1, prices ×3 (shares of each batch: digits 50.0%, prices 50.0%). The preview includes its multipliers. Augmentation (auto preset) on: digits from epoch 3.',
  );
  // Proportional mixing of 300 and 100 samples: 75% / 25% as written; prices' weight ×3 evens them.
  type(field(element, 'digits sampling weight', 'number'), '1');
  assert.deepEqual(
    preview(element).map((row) => [row[0], row[2]]),
    [
      ['digits', '50.0%'],
      ['prices', '50.0%'],
    ],
  );
  weights.render(runView());
  assert.equal(text(element, 'p.auto'), '', 'neither: nothing said');
  element.remove();
});
