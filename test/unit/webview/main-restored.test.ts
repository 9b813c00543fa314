/**
 * webview/main.ts in a panel that VS Code restores with the state an earlier one saved: the saved
 * choices come back (what is valid of them), and a run that has ended offers no control.
 */
import { window } from './support/dom';
import { plotIn } from './support/uplot';
import { installVsCodeApi, sendToPanel } from './support/vscodeApi';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, test } from 'node:test';
import { PANEL_PROTOCOL_VERSION } from '../../../src/shared/panel/protocol';
import { at, RUN_ID, runView } from './support/runs';

const document = window.document;
/** Saved by an earlier panel, partly by an older or broken one: a smoothing that is no number, a series name that is no string. */
const vscode = installVsCodeApi({ runId: RUN_ID, smoothing: 'high', xAxis: 'epoch', view: 'table', hiddenSeries: ['digits/trainLoss', 42] });

before(() => {
  createRequire(__filename)('../../../webview/main');
});

const select = (label: string): HTMLSelectElement => document.querySelector(`select[aria-label="${label}"]`) as HTMLSelectElement;
const toolbarButton = (label: string): HTMLElement => {
  const found = [...document.querySelectorAll<HTMLElement>('.toolbar vscode-button')].find((b) => b.textContent === label);
  assert.ok(found, `no button ${label}`);
  return found;
};

test('the toolbar starts from the saved choices, with the default smoothing where the saved one is no number', () => {
  assert.equal((document.querySelector('input[aria-label="Smoothing"]') as HTMLInputElement).value, '0.6');
  assert.equal(document.querySelector('.toolbar output')?.textContent, '0.60');
  assert.equal(select('X axis').value, 'epoch');
  assert.equal(select('View').value, 'table');
});

test('the first snapshot shows the saved view (the table) and saves the cleaned state', () => {
  const rejected = (reason: string) => ({ kind: 'weights-rejected' as const, time: at(50), reason, requestId: `host-${reason}` });
  const run = runView({
    record: { status: 'completed', epochs: { total: 2, completed: 2 }, error: 'an old error' },
    events: [rejected('first'), rejected('second'), rejected('third')],
  });
  sendToPanel({ type: 'snapshot', protocol: PANEL_PROTOCOL_VERSION, seq: 0, run });
  assert.ok(document.querySelector('.body .metrics-table'));
  assert.equal(document.querySelector('.body .charts'), null);
  assert.equal(document.querySelectorAll('.metrics-table tbody tr').length, 4);
  assert.deepEqual(vscode.lastState(), {
    runId: RUN_ID,
    smoothing: 0.6,
    xAxis: 'epoch',
    view: 'table',
    hiddenSeries: ['digits/trainLoss'],
    comparedRunId: null,
  });
  assert.equal(document.querySelector('.series-toggles'), null, 'the series toggles go with the charts');
  assert.equal(
    document.querySelector('p.notice')?.textContent,
    'Weight change rejected: first · Weight change rejected: second · Weight change rejected: third',
    'the three newest of the run’s notices',
  );
});

test('a run that has ended: where it ended, no run control, no weight change, and exports still offered', () => {
  assert.equal(document.querySelector('.toolbar .status')?.textContent, 'epoch 2 of 2 (completed)');
  assert.deepEqual(
    ['Pause', 'Resume', 'Stop', 'Export CSV', 'Export PNG'].map((label) => toolbarButton(label).hasAttribute('disabled')),
    [true, true, true, false, true],
  );
  assert.equal(document.querySelector('.weights p.problem')?.textContent, 'The run is completed: weights can change only while it runs.');
  const posted = vscode.posted.length;
  toolbarButton('Export PNG').click();
  assert.equal(vscode.posted.length, posted, 'no charts shown: no PNG');
  toolbarButton('Export CSV').click();
  assert.deepEqual(vscode.posted.at(-1), { type: 'export-csv', runId: RUN_ID });
});

test('switching to the charts draws them on the saved axis without the hidden series', () => {
  select('View').value = 'charts';
  select('View').dispatchEvent(new window.Event('change'));
  const figure = [...document.querySelectorAll('.charts figure')].find((f) => f.querySelector('figcaption')?.textContent === 'digits — loss');
  assert.ok(figure);
  const plot = plotIn(figure);
  assert.equal(plot.axes[0]?.label, 'epoch');
  assert.deepEqual(
    plot.series.map((s) => s.show),
    [true, false, true],
    'digits’ train loss stays hidden',
  );
  const toggles = [...document.querySelectorAll('.series-toggles vscode-checkbox')];
  assert.deepEqual(
    toggles.slice(0, 2).map((c) => [c.textContent, c.getAttribute('aria-checked')]),
    [
      ['digits · train loss', 'false'],
      ['digits · validation loss', 'true'],
    ],
  );
  assert.equal(toolbarButton('Export PNG').hasAttribute('disabled'), false);
  assert.equal(vscode.lastState()?.view, 'charts');
});

test('when the run has saved its model and evaluated its test split, a delta says so under the title', async () => {
  assert.equal(document.querySelector('header .outcome')?.textContent, '', 'nothing before the run says');
  sendToPanel({
    type: 'delta',
    seq: 1,
    metrics: [],
    events: [],
    status: 'completed',
    model: { epoch: 2, chosen: 'best', monitor: 'val_accuracy_worst', value: 0.9, last: { epoch: 3, path: 'model-last' } },
    test: {
      digits: { source: '/d/test', samples: 40, loss: 0.2, accuracy: 0.925, macroF1: 0.9183 },
      prices: { source: '/d/p.csv', samples: 10, loss: 0.1, mae: 0.0421 },
    },
  });
  await new Promise((resolve) => window.requestAnimationFrame(() => resolve(undefined)));
  assert.deepEqual(
    [...document.querySelectorAll('header .outcome p')].map((p) => p.textContent),
    [
      'Model: model/: epoch 2, the best by val_accuracy_worst (0.9); model-last/: epoch 3, the last',
      'Test digits (40 samples): accuracy 92.5%, macro-F1 0.918',
      'Test prices (10 samples): MAE 0.042',
    ],
  );
});
