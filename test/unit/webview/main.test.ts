/**
 * webview/main.ts: the whole panel against a fake host — what it shows of the snapshots and deltas
 * it is sent, and what it posts when the user acts. The tests run in order on one panel, as a
 * session would: main.ts starts the panel when it is loaded, once per test file.
 */
import { window } from './support/dom';
import { plotIn, seriesLabels } from './support/uplot';
import { installVsCodeApi, nextFrame, sendToPanel } from './support/vscodeApi';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, test } from 'node:test';
import type uPlot from 'uplot';
import { PANEL_PROTOCOL_VERSION, type HostToPanelMessage } from '../../../src/shared/panel/protocol';
import type { RunView } from '../../../src/shared/panel/runView';
import type { MetricRecord, RunEvent } from '../../../src/shared/runs/format';
import { at, epochRecord, OTHER_RUN_ID, RUN_ID, runView, stepRecord } from './support/runs';

const document = window.document;
const app = document.getElementById('app') as HTMLElement;
const loading = document.createElement('p');
loading.textContent = 'Loading the run…';
app.append(loading);
const vscode = installVsCodeApi();

before(() => {
  // The panel acquires the API and starts when it is loaded: load it now that the fake is in place.
  createRequire(__filename)('../../../webview/main');
});

let seq = -1;
const snapshot = (run: RunView): HostToPanelMessage => ({ type: 'snapshot', protocol: PANEL_PROTOCOL_VERSION, seq: ++seq, run });
const delta = (
  metrics: MetricRecord[],
  events: RunEvent[] = [],
  more: { status?: RunView['status']; epochs?: RunView['epochs'] } = {},
): HostToPanelMessage => ({
  type: 'delta',
  seq: ++seq,
  metrics,
  events,
  ...more,
});

const panel = (): HTMLElement => app.firstElementChild as HTMLElement;
const text = (selector: string): string => document.querySelector(selector)?.textContent ?? '';
function button(label: string, root: ParentNode = document): HTMLElement {
  const found = [...root.querySelectorAll<HTMLElement>('vscode-button')].find((b) => b.textContent === label);
  assert.ok(found, `no button ${label}`);
  return found;
}
const enabled = (label: string): boolean => !button(label, document.querySelector('.toolbar') as HTMLElement).hasAttribute('disabled');
const select = (label: string): HTMLSelectElement => document.querySelector(`select[aria-label="${label}"]`) as HTMLSelectElement;
function choose(control: HTMLSelectElement | HTMLInputElement, value: string, event: 'change' | 'input' = 'change'): void {
  control.value = value;
  control.dispatchEvent(new window.Event(event, { bubbles: true }));
}
function chart(caption: string): uPlot {
  const figure = [...document.querySelectorAll('.charts figure')].find((f) => f.querySelector('figcaption')?.textContent === caption);
  assert.ok(figure, `no chart ${caption}`);
  return plotIn(figure);
}
const toggle = (label: string): HTMLElement => {
  const found = [...document.querySelectorAll<HTMLElement>('.series-toggles vscode-checkbox')].find((c) => c.textContent === label);
  assert.ok(found, `no toggle ${label}`);
  return found;
};
const card = (epoch: number): HTMLElement => {
  const found = [...document.querySelectorAll<HTMLElement>('.suggestions article')].find((a) => a.querySelector('h3')?.textContent?.endsWith(`epoch ${epoch}`));
  assert.ok(found, `no suggestion of epoch ${epoch}`);
  return found;
};
const lastPosted = () => vscode.posted[vscode.posted.length - 1];

test('on load the panel says it is ready, and is built hidden while the host reads the run', () => {
  assert.deepEqual(vscode.posted, [{ type: 'ready' }]);
  assert.equal(panel(), loading, 'what the page showed stays until the first snapshot');
  const built = app.lastElementChild as HTMLElement;
  assert.equal(built.hidden, true);
  assert.ok(built.querySelector('.toolbar'));
});

test('the first snapshot replaces the page with the run: title, where it is, controls for its status, and the saved UI state', () => {
  sendToPanel(snapshot(runView({ record: { error: 'an earlier attempt failed' } })));
  assert.equal(app.children.length, 1, 'the loading text is gone');
  assert.equal(panel().hidden, false);
  assert.equal(text('h1'), `digits-and-prices — ${RUN_ID}`);
  assert.equal(text('.toolbar .status'), 'epoch 3 of 4 (running)');
  assert.equal(document.querySelector('.toolbar .status')?.getAttribute('role'), 'status');
  assert.deepEqual(['Pause', 'Resume', 'Stop', 'Export CSV', 'Export PNG'].map(enabled), [true, false, true, true, true]);
  assert.equal(text('p.notice'), 'an earlier attempt failed');
  assert.deepEqual(vscode.lastState(), { runId: RUN_ID, smoothing: 0.6, xAxis: 'step', view: 'charts', hiddenSeries: [], comparedRunId: null });
  assert.equal(text('.toolbar output'), '0.60');
  assert.equal(select('X axis').value, 'step');
  assert.equal(select('View').value, 'charts');
  assert.deepEqual(
    [...document.querySelectorAll('.series-toggles vscode-checkbox')].map((c) => [c.textContent, c.getAttribute('aria-checked')]),
    [
      ['digits · train loss', 'true'],
      ['digits · validation loss', 'true'],
      ['digits · validation accuracy', 'true'],
      ['prices · train loss', 'true'],
      ['prices · validation loss', 'true'],
      ['prices · validation MAE', 'true'],
    ],
  );
  assert.equal(text('.series-toggles legend'), 'Series');
  assert.equal(document.querySelectorAll('.charts figure').length, 6);
  assert.deepEqual(
    [...document.querySelectorAll('.weight-row .dataset-name')].map((n) => n.textContent),
    ['digits', 'prices'],
  );
  assert.equal(text('.diagnostics caption'), 'Epoch 2');
  assert.ok(text('.timeline').includes('Nothing yet'));
  assert.equal(select('Compare with').disabled, true, 'no other run to compare with');
});

test('the run’s buttons post their intent with the run’s id; a disabled one posts nothing', () => {
  const before = vscode.posted.length;
  for (const label of ['Pause', 'Stop', 'Export CSV', 'Resume']) button(label).click();
  assert.deepEqual(vscode.posted.slice(before), [
    { type: 'pause', runId: RUN_ID },
    { type: 'stop', runId: RUN_ID },
    { type: 'export-csv', runId: RUN_ID },
  ]);
  button('Export PNG').click();
  const png = lastPosted();
  assert.equal(png?.type, 'export-png');
  assert.ok(png?.type === 'export-png' && /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/.test(png.dataUrl) && png.runId === RUN_ID);
});

test('deltas are folded into the run and drawn at the next frame: status, controls and curves', async () => {
  sendToPanel(delta([stepRecord(3, 1)], [{ kind: 'paused', time: at(50), epoch: 3, step: 1 }], { status: 'paused' }));
  assert.equal(text('.toolbar .status'), 'epoch 3 of 4 (running)', 'not before the frame');
  await nextFrame();
  assert.equal(text('.toolbar .status'), 'epoch 3 of 4 (paused)');
  assert.deepEqual(['Pause', 'Resume', 'Stop'].map(enabled), [false, true, true]);
  assert.deepEqual(chart('digits — loss').data[0], [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(text('.timeline .event .what'), 'Paused in epoch 3.');
  button('Resume').click();
  assert.deepEqual(lastPosted(), { type: 'resume', runId: RUN_ID });
});

test('the diagnostics are rebuilt when an epoch reports, not on every step', async () => {
  const diagnostics = document.querySelector('.diagnostics');
  sendToPanel(delta([stepRecord(3, 2)], [], { status: 'running' }));
  await nextFrame();
  assert.equal(document.querySelector('.diagnostics'), diagnostics);
  sendToPanel(delta([stepRecord(3, 3), epochRecord(3)], [], { epochs: { total: 4, completed: 3 } }));
  await nextFrame();
  assert.notEqual(document.querySelector('.diagnostics'), diagnostics);
  assert.equal(text('.diagnostics caption'), 'Epoch 3');
});

test('a delta out of sequence is not applied: the panel asks for a snapshot once, and waits for it', async () => {
  const posted = vscode.posted.length;
  seq += 5;
  sendToPanel(delta([stepRecord(4, 1)]));
  sendToPanel(delta([stepRecord(4, 2)]));
  await nextFrame();
  assert.deepEqual(vscode.posted.slice(posted), [{ type: 'request-snapshot' }]);
  assert.equal(chart('digits — loss').data[0]?.length, 9, 'the deltas after the gap were not applied');

  sendToPanel(snapshot(runView({ epochs: 3 })));
  assert.equal(chart('digits — loss').data[0]?.length, 9);
  sendToPanel(delta([stepRecord(4, 1)]));
  await nextFrame();
  assert.equal(chart('digits — loss').data[0]?.length, 10, 'after the snapshot, deltas that follow it are applied again');
  assert.equal(vscode.postedOf('request-snapshot').length, 1);
});

test('the host’s notices are shown with the run’s newest notices', async () => {
  sendToPanel({ type: 'notice', seq: ++seq, message: 'Exported metrics to /work/metrics.csv' });
  await nextFrame();
  assert.equal(text('p.notice'), 'Exported metrics to /work/metrics.csv');
  sendToPanel(delta([], [{ kind: 'weights-rejected', time: at(51), reason: 'the run ended', requestId: 'host-9' }]));
  await nextFrame();
  assert.equal(text('p.notice'), 'Exported metrics to /work/metrics.csv · Weight change rejected: the run ended');
});

test('compare: the picker lists the other runs; choosing one posts it, and the host’s answer draws it over this run', () => {
  sendToPanel({ type: 'comparison', seq: ++seq, candidates: [{ runId: OTHER_RUN_ID, label: '2026-11-30 09:15 · completed' }] });
  const picker = select('Compare with');
  assert.equal(picker.disabled, false);
  assert.deepEqual(
    [...picker.options].map((o) => [o.value, o.textContent]),
    [
      ['', 'Compare with…'],
      [OTHER_RUN_ID, `${OTHER_RUN_ID} (2026-11-30 09:15 · completed)`],
    ],
  );
  choose(picker, OTHER_RUN_ID);
  assert.deepEqual(lastPosted(), { type: 'compare', runId: RUN_ID, otherRunId: OTHER_RUN_ID });

  const other = runView({ record: { id: OTHER_RUN_ID }, epochs: 1 });
  sendToPanel({
    type: 'comparison',
    seq: ++seq,
    candidates: [{ runId: OTHER_RUN_ID, label: '2026-11-30 09:15 · completed' }],
    compared: { runId: OTHER_RUN_ID, curves: other.curves, epochEndX: other.epochEndX },
  });
  assert.equal(picker.value, OTHER_RUN_ID);
  assert.equal(vscode.lastState()?.comparedRunId, OTHER_RUN_ID);
  assert.deepEqual(seriesLabels(chart('digits — loss')).slice(3), ['20261130-091502-a1b2: train loss', '20261130-091502-a1b2: validation loss']);

  choose(picker, '');
  assert.deepEqual(lastPosted(), { type: 'compare', runId: RUN_ID, otherRunId: null });
  sendToPanel({ type: 'comparison', seq: ++seq, candidates: [{ runId: OTHER_RUN_ID, label: '2026-11-30 09:15 · completed' }] });
  assert.equal(picker.value, '');
  assert.equal(vscode.lastState()?.comparedRunId, null);
  assert.equal(seriesLabels(chart('digits — loss')).length, 3);
});

test('a comparison the host restores (after a reload) shows in the picker without the user choosing it', () => {
  const other = runView({ record: { id: OTHER_RUN_ID }, epochs: 1 });
  const candidates = [{ runId: OTHER_RUN_ID, label: '2026-11-30 09:15 · completed' }];
  const posted = vscode.posted.length;
  sendToPanel({ type: 'comparison', seq: ++seq, candidates, compared: { runId: OTHER_RUN_ID, curves: other.curves, epochEndX: other.epochEndX } });
  assert.equal(select('Compare with').value, OTHER_RUN_ID);
  assert.equal(vscode.posted.length, posted, 'nothing is asked back');
  sendToPanel({ type: 'comparison', seq: ++seq, candidates });
  assert.equal(select('Compare with').value, '');
});

test('the series toggles hide a series in the charts and are saved', () => {
  toggle('digits · validation loss').click();
  assert.deepEqual(vscode.lastState()?.hiddenSeries, ['digits/valLoss']);
  assert.deepEqual(
    chart('digits — loss').series.map((s) => s.show),
    [true, true, false],
  );
  toggle('digits · validation loss').click();
  assert.deepEqual(vscode.lastState()?.hiddenSeries, []);
  assert.equal(chart('digits — loss').series[2]?.show, true);
});

test('smoothing and the x axis redraw the charts and are saved', () => {
  const slider = document.querySelector('input[aria-label="Smoothing"]') as HTMLInputElement;
  assert.equal(slider.value, '0.6');
  choose(slider, '0', 'input');
  assert.equal(text('.toolbar output'), '0.00');
  assert.equal(vscode.lastState()?.smoothing, 0);
  assert.deepEqual(chart('digits — loss').data[1]?.slice(0, 2), [1.9, 1.8], 'unsmoothed');

  choose(select('X axis'), 'epoch');
  assert.equal(vscode.lastState()?.xAxis, 'epoch');
  assert.equal(chart('digits — loss').axes[0]?.label, 'epoch');
  choose(select('X axis'), 'step');
  assert.equal(vscode.lastState()?.xAxis, 'step');
});

test('the table view replaces the charts with the per-epoch table, rebuilt when an epoch reports; PNG export needs the charts', async () => {
  choose(select('View'), 'table');
  assert.equal(vscode.lastState()?.view, 'table');
  assert.equal(document.querySelector('.body .charts'), null);
  assert.equal(document.querySelectorAll('.metrics-table tbody tr').length, 6);
  assert.equal(enabled('Export PNG'), false);

  const table = document.querySelector('.metrics-table');
  sendToPanel(delta([stepRecord(4, 2)]));
  await nextFrame();
  assert.equal(document.querySelector('.metrics-table'), table, 'a step changes no row');
  sendToPanel(delta([stepRecord(4, 3), epochRecord(4)]));
  await nextFrame();
  assert.equal(document.querySelectorAll('.metrics-table tbody tr').length, 8);

  choose(select('View'), 'charts');
  assert.ok(document.querySelector('.body .charts'));
  assert.equal(document.querySelector('.metrics-table'), null);
  assert.equal(enabled('Export PNG'), true);
});

test('Apply posts the weights with a fresh panel request id, and they show as pending until the epoch after this one', () => {
  const field = document.querySelector('input.weight-number[aria-label="digits sampling weight"]') as HTMLInputElement;
  choose(field, '2', 'input');
  button('Apply at next epoch').click();
  const sent = lastPosted();
  assert.ok(sent?.type === 'set-weights');
  assert.equal(sent.runId, RUN_ID);
  assert.match(sent.requestId, /^panel-[0-9a-z]+-[0-9a-z]+$/);
  assert.deepEqual(
    [sent.sampling, sent.loss],
    [
      { digits: 2, prices: 1 },
      { digits: 1, prices: 1 },
    ],
  );
  assert.equal(text('.weights p.pending'), 'Pending until epoch 5: the trainer applies the change asked from the panel when that epoch starts.');
  assert.equal(field.value, '2', 'the fields keep what was sent');
});

test('once the trainer applies the weights sent, the controls say so and have nothing left to apply', async () => {
  const sent = vscode.postedOf('set-weights').at(-1);
  assert.ok(sent?.sampling && sent.loss, 'weights from the controls name both kinds');
  sendToPanel(
    delta(
      [],
      [
        { kind: 'weights-requested', time: at(51), epoch: 4, step: 3, change: { sampling: sent.sampling, loss: sent.loss }, requestId: sent.requestId },
        { kind: 'weights-applied', time: at(52), epoch: 5, sampling: sent.sampling, loss: sent.loss, requestId: sent.requestId },
      ],
    ),
  );
  await nextFrame();
  assert.equal(text('.weights p.pending'), 'Last change applied at epoch 5 (weights changed from the panel).');
  assert.ok(button('Apply at next epoch').hasAttribute('disabled'));
  assert.ok(button('Reset').hasAttribute('disabled'));
  assert.equal(text('.timeline .event .what'), 'Weights changed from epoch 5, asked from the panel.');
});

test('suggestions: Reject posts the rejection and marks the card; Accept posts the suggested weights under the suggestion’s id', async () => {
  const suggest = (epoch: number, loss: Record<string, number>): RunEvent => ({
    kind: 'weights-suggested',
    time: at(52),
    epoch,
    suggestionId: `suggestion-${epoch}`,
    balancer: 'dwa',
    loss,
    reason: 'loss ratios drifted',
  });
  sendToPanel(delta([], [suggest(2, { digits: 0.5 }), suggest(3, { prices: 2 }), suggest(4, { digits: 0, prices: 0 })]));
  await nextFrame();
  assert.equal(document.querySelector<HTMLElement>('.suggestions')?.hidden, false);

  button('Reject', card(2)).click();
  assert.deepEqual(lastPosted(), { type: 'reject-suggestion', runId: RUN_ID, suggestionId: 'suggestion-2' });
  assert.equal(card(2).className, 'suggestion rejecting');

  button('Accept', card(3)).click();
  const accepted = lastPosted();
  assert.ok(accepted?.type === 'set-weights');
  assert.equal(accepted.requestId, 'suggestion-3');
  assert.deepEqual(accepted.loss, { digits: 1, prices: 2 });
  assert.equal(card(3).className, 'suggestion accepting');

  const posted = vscode.posted.length;
  button('Accept', card(4)).click();
  assert.equal(vscode.posted.length, posted, 'weights that cannot be applied are not sent');
  assert.equal(
    text('p.notice'),
    'Suggestion not accepted: loss weights would all be zero: at least one dataset needs a positive weight. · Weight change rejected: the run ended',
  );
});

test('Edit puts a suggestion’s weights in the controls; sending them answers the suggestion', async () => {
  sendToPanel(
    delta([], [{ kind: 'weights-suggested', time: at(53), epoch: 5, suggestionId: 'suggestion-5', balancer: 'dwa', loss: { prices: 3 }, reason: 'r' }]),
  );
  await nextFrame();
  button('Edit', card(5)).click();
  assert.equal(text('.weights p.source'), 'Editing the dwa suggestion of epoch 5: sending these weights accepts it with your changes.');
  const prices = document.querySelector('input.weight-number[aria-label="prices loss weight"]') as HTMLInputElement;
  assert.equal(prices.value, '3');
  choose(prices, '2.5', 'input');
  button('Apply at next epoch').click();
  const sent = lastPosted();
  assert.ok(sent?.type === 'set-weights');
  assert.equal(sent.requestId, 'suggestion-5');
  assert.equal(sent.loss?.prices, 2.5);
});

test('a suggestion of sampling weights and augmentation: Accept posts exactly what it proposes, Edit sends its augmentation with the weights, and the Balance advice points to it', async () => {
  const decided = [2, 3, 4, 5].map((n): RunEvent => ({
    kind: 'suggestion-decided',
    time: at(54),
    epoch: 5,
    suggestionId: `suggestion-${n}`,
    decision: n === 2 ? 'rejected' : 'accepted',
  }));
  sendToPanel(
    delta(
      [epochRecord(4, { digits: { epochsSeen: 24, lossShare: 0.2 }, prices: { epochsSeen: 2, lossShare: 0.8 } })],
      [
        ...decided,
        {
          kind: 'weights-suggested',
          time: at(55),
          epoch: 6,
          suggestionId: 'suggestion-6',
          balancer: 'sampling',
          sampling: { digits: 0.8, prices: 1 },
          augment: ['digits'],
          dataset: 'digits',
          reason: 'digits is memorised',
          expected: 'the gap should narrow',
        },
        {
          kind: 'weights-suggested',
          time: at(55),
          epoch: 7,
          suggestionId: 'suggestion-7',
          balancer: 'diagnostics',
          augment: ['digits'],
          reason: 'digits is likely memorised',
        },
      ],
      { epochs: { total: 8, completed: 4 } },
    ),
  );
  await nextFrame();
  assert.equal(document.querySelectorAll('.suggestions article').length, 2);
  assert.equal(card(6).querySelector('.expected')?.textContent, 'Expected: the gap should narrow');
  assert.equal(
    text('.diagnostics .advice .action'),
    'Recommended: the open suggestion above (sampling balancer suggests sampling weights and augmentation for digits after epoch 6): digits sampling weight: 1 → 0.8; digits augmentation: off → on (auto preset). Accept, Edit or Reject it there.',
  );

  button('Accept', card(7)).click();
  assert.deepEqual(lastPosted(), { type: 'set-weights', runId: RUN_ID, requestId: 'suggestion-7', augment: ['digits'] });
  assert.equal(card(7).className, 'suggestion accepting');

  button('Edit', card(6)).click();
  assert.match(text('.weights p.source'), /Its augmentation for digits is sent with them/);
  const digits = document.querySelector('input.weight-number[aria-label="digits sampling weight"]') as HTMLInputElement;
  assert.equal(digits.value, '0.8');
  choose(digits, '0.7', 'input');
  button('Apply at next epoch').click();
  assert.deepEqual(lastPosted(), {
    type: 'set-weights',
    runId: RUN_ID,
    requestId: 'suggestion-6',
    sampling: { digits: 0.7, prices: 1 },
    loss: { digits: 1, prices: 1 },
    augment: ['digits'],
  });

  sendToPanel(
    delta(
      [],
      [
        { kind: 'suggestion-decided', time: at(56), epoch: 7, suggestionId: 'suggestion-7', decision: 'accepted', augment: ['digits'] },
        { kind: 'augmentation-on', time: at(57), epoch: 8, dataset: 'digits', augment: { rotation: 10 }, reason: 'asked for', requestId: 'suggestion-7' },
      ],
    ),
  );
  await nextFrame();
  assert.equal(document.querySelectorAll('.suggestions article').length, 1);
  assert.doesNotMatch(text('.weights p.pending'), /suggestion of the balance diagnostics/, 'the augmentation switched on settles its acceptance');
  assert.equal(text('.weights p.auto'), 'Augmentation (auto preset) on: digits from epoch 8.');
});
