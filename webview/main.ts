/**
 * The training panel: a projection of the host's run view. It applies snapshots and deltas with
 * the shared reducer, renders every value as text, and posts the user's intent (weights, pause,
 * resume, stop, export) to the host, which validates it before the trainer sees it.
 */
import { backendWords } from '../src/shared/runs/backendWords';
import { epochProgress } from '../src/shared/runs/epochProgress';
import { initialPanelState, nextEpochFor, reducePanel, withRejectionSent, withSentRequest, type PanelState } from '../src/shared/panel/panelState';
import type { HostToPanelMessage, PanelToHostMessage, PanelUiState } from '../src/shared/panel/protocol';
import type { RunView, Suggestion } from '../src/shared/panel/runView';
import { acceptRequest, editedRequest, suggestedProposal } from '../src/shared/panel/suggestions';
import type { WeightChangeRequest, WeightProposal } from '../src/shared/panel/weightPreview';
import { BalancingView } from './balancing';
import { Charts, seriesKey, seriesLabel } from './charts';
import { createButton, createCheckbox } from './components';
import { renderDiagnostics } from './diagnostics';
import { el, setText } from './dom';
import { renderMetricsTable } from './metricsTable';
import { SuggestionList } from './suggestions';
import { TimelineView } from './timelineView';
import { WeightControls } from './weights';
import { LearningRateControl } from './learningRate';
import { outcomeLines } from '../src/shared/panel/outcomeLines';

interface VsCodeApi {
  postMessage(message: PanelToHostMessage): void;
  getState(): unknown;
  setState(state: PanelUiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const saved = (vscode.getState() ?? {}) as Partial<PanelUiState>;
const ui = {
  smoothing: typeof saved.smoothing === 'number' ? saved.smoothing : 0.6,
  xAxis: saved.xAxis === 'epoch' ? ('epoch' as const) : ('step' as const),
  view: saved.view === 'table' ? ('table' as const) : ('charts' as const),
  hiddenSeries: new Set(Array.isArray(saved.hiddenSeries) ? saved.hiddenSeries.filter((s): s is string => typeof s === 'string') : []),
};
let state: PanelState = initialPanelState;

const app = document.getElementById('app') as HTMLElement;
const title = el('h1');
const device = el('p', { className: 'device' });
const outcome = el('div', { className: 'outcome' });
const header = el('header', {}, [title, device, outcome]);
const statusText = el('span', { className: 'status', attrs: { role: 'status' } });
const notice = el('p', { className: 'notice', attrs: { 'aria-live': 'polite' } });
const charts = new Charts();
const controls = new WeightControls(sendWeights);
const learningRate = new LearningRateControl((value) => post({ type: 'set-learning-rate', runId: runId(), requestId: freshRequestId(), value }));
const suggestions = new SuggestionList({ accept: acceptSuggestion, edit: editSuggestion, reject: rejectSuggestion });
const balancing = new BalancingView();
const timeline = new TimelineView();
const body = el('div', { className: 'body' });
const diagnostics = el('div');
const openClasses = new Set<string>();
const seriesToggles = el('fieldset', { className: 'series-toggles' });

const post = (message: PanelToHostMessage) => vscode.postMessage(message);
const runId = () => state.run?.runId ?? '';
const pause = createButton('Pause', () => post({ type: 'pause', runId: runId() }));
const resume = createButton('Resume', () => post({ type: 'resume', runId: runId() }));
const stop = createButton('Stop', () => post({ type: 'stop', runId: runId() }));
const exportCsv = createButton('Export CSV', () => post({ type: 'export-csv', runId: runId() }));
const exportPng = createButton('Export PNG', () => {
  const dataUrl = charts.toPng();
  if (dataUrl) post({ type: 'export-png', runId: runId(), dataUrl });
});

const compareWith = el('select', { attrs: { 'aria-label': 'Compare with' } });
compareWith.addEventListener('change', () => post({ type: 'compare', runId: runId(), otherRunId: compareWith.value === '' ? null : compareWith.value }));

function renderComparePicker(): void {
  const candidates = state.candidates ?? [];
  const keys = candidates.map((c) => `${c.runId}\t${c.label}`).join('\n');
  if (compareWith.dataset.keys !== keys) {
    compareWith.dataset.keys = keys;
    compareWith.replaceChildren(
      el('option', { text: 'Compare with…', attrs: { value: '' } }),
      ...candidates.map((c) => el('option', { text: `${c.runId} (${c.label})`, attrs: { value: c.runId } })),
    );
  }
  compareWith.value = state.compared?.runId ?? '';
  compareWith.disabled = candidates.length === 0;
}

function toolbar(): HTMLElement {
  const smoothing = el('input', { attrs: { type: 'range', min: '0', max: '0.99', step: '0.01', 'aria-label': 'Smoothing' } });
  smoothing.value = String(ui.smoothing);
  const smoothingValue = el('output', { text: ui.smoothing.toFixed(2) });
  smoothing.addEventListener('input', () => {
    ui.smoothing = Number(smoothing.value);
    smoothingValue.textContent = ui.smoothing.toFixed(2);
    saveAndRender();
  });
  const axis = el('select', { attrs: { 'aria-label': 'X axis' } }, [
    el('option', { text: 'by step', attrs: { value: 'step' } }),
    el('option', { text: 'by epoch', attrs: { value: 'epoch' } }),
  ]);
  axis.value = ui.xAxis;
  axis.addEventListener('change', () => {
    ui.xAxis = axis.value === 'epoch' ? 'epoch' : 'step';
    saveAndRender();
  });
  const mode = el('select', { attrs: { 'aria-label': 'View' } }, [
    el('option', { text: 'Charts', attrs: { value: 'charts' } }),
    el('option', { text: 'Table', attrs: { value: 'table' } }),
  ]);
  mode.value = ui.view;
  mode.addEventListener('change', () => {
    ui.view = mode.value === 'table' ? 'table' : 'charts';
    saveAndRender();
  });
  return el('div', { className: 'toolbar' }, [
    statusText,
    pause.element,
    resume.element,
    stop.element,
    exportCsv.element,
    exportPng.element,
    el('label', {}, [el('span', { text: 'Smoothing ' }), smoothing, smoothingValue]),
    axis,
    mode,
    compareWith,
  ]);
}

const freshRequestId = (): string => `panel-${Date.now().toString(36)}-${Math.floor(Math.random() * 0x100000).toString(36)}`;

/** Weights from the controls; edited from a suggestion that is still open, they answer it (with its augmentation). */
function sendWeights(proposal: WeightProposal, sourceSuggestionId: string | undefined): void {
  const run = state.run;
  if (!run) return;
  const request = editedRequest(run, proposal, sourceSuggestionId, state.rejectionsSent, freshRequestId);
  postWeights(run, request.requestId, request.change);
}

function postWeights(run: RunView, requestId: string, change: WeightChangeRequest): void {
  post({ type: 'set-weights', runId: run.runId, requestId, ...change });
  state = withSentRequest(state, { requestId, untilEpoch: nextEpochFor(run), sampling: change.sampling ?? {}, loss: change.loss ?? {} });
  render();
}

function acceptSuggestion(suggestion: Suggestion): void {
  const run = state.run;
  if (!run) return;
  const request = acceptRequest(run, suggestion);
  if (request.ok) return postWeights(run, request.requestId, request.change);
  state = { ...state, notice: `Suggestion not accepted: ${request.problem}.` };
  render();
}

function editSuggestion(suggestion: Suggestion): void {
  if (state.run) controls.editFrom(suggestion, suggestedProposal(state.run, suggestion));
}

function rejectSuggestion(suggestion: Suggestion): void {
  const run = state.run;
  if (!run) return;
  post({ type: 'reject-suggestion', runId: run.runId, suggestionId: suggestion.suggestionId });
  state = withRejectionSent(state, suggestion.suggestionId);
  render();
}

function saveAndRender(): void {
  if (state.run) {
    vscode.setState({
      runId: state.run.runId,
      smoothing: ui.smoothing,
      xAxis: ui.xAxis,
      view: ui.view,
      hiddenSeries: [...ui.hiddenSeries],
      comparedRunId: state.compared?.runId ?? null,
    });
  }
  render();
}

function renderToggles(run: RunView): void {
  const series = run.datasets.flatMap((d) =>
    (['trainLoss', 'valLoss', d.task === 'regression' ? 'valMae' : 'valAccuracy'] as const).map((metric) => ({
      key: seriesKey(d.name, metric),
      label: seriesLabel(d.name, metric),
    })),
  );
  const keys = series.map((s) => s.key);
  if (seriesToggles.dataset.keys === keys.join('\n')) return;
  seriesToggles.dataset.keys = keys.join('\n');
  seriesToggles.replaceChildren(
    el('legend', { text: 'Series' }),
    ...series.map(({ key, label }) =>
      createCheckbox(label, !ui.hiddenSeries.has(key), (checked) => {
        if (checked) ui.hiddenSeries.delete(key);
        else ui.hiddenSeries.add(key);
        saveAndRender();
      }),
    ),
  );
}

/** What the table and the diagnostics were last built from: both change once an epoch, not on every step. */
let tableFrom: readonly unknown[] = [];
let diagnosticsFrom: readonly unknown[] = [];
const changed = (before: readonly unknown[], now: readonly unknown[]) => now.some((value, i) => value !== before[i]);

function render(): void {
  const run = state.run;
  if (!run) return;
  if (panel.hidden) {
    for (const node of [...app.childNodes]) if (node !== panel) node.remove();
    panel.hidden = false;
  }
  setText(title, `${run.experimentName} — ${run.runId}`);
  setText(device, run.backend ? `Backend: ${backendWords(run.backend)}` : '');
  const lines = outcomeLines(run);
  if (outcome.dataset.lines !== lines.join('\n')) {
    outcome.dataset.lines = lines.join('\n');
    outcome.replaceChildren(...lines.map((line) => el('p', { text: line })));
  }
  setText(statusText, epochProgress({ status: run.status, ...run.epochs, ...(run.currentEpoch > 0 ? { current: run.currentEpoch } : {}) }));
  pause.setDisabled(run.status !== 'running');
  resume.setDisabled(run.status !== 'paused');
  stop.setDisabled(run.status !== 'running' && run.status !== 'paused');
  exportPng.setDisabled(ui.view !== 'charts');
  setText(notice, [state.notice, ...run.notices.slice(-3)].filter(Boolean).join(' · '));
  renderToggles(run);
  renderComparePicker();
  if (ui.view === 'charts') {
    tableFrom = [];
    if (!body.contains(charts.element)) body.replaceChildren(seriesToggles, charts.element);
    charts.render(run, { ...ui, compared: state.compared });
  } else if (changed(tableFrom, [run, run.epochHistory.length])) {
    tableFrom = [run, run.epochHistory.length];
    body.replaceChildren(renderMetricsTable(run));
  }
  suggestions.render(run, state.rejectionsSent);
  controls.render(run, state.rejectionsSent);
  learningRate.render(run);
  timeline.render(run);
  balancing.render(run, ui.xAxis);
  // The suggestions and the panel's answers too: the advice points to the suggestion that answers it.
  const diagnosticsNow = [run.latestEpoch, run.datasets, run.epochs.completed, run.suggestions, run.pending, run.settled.length, state.rejectionsSent];
  if (changed(diagnosticsFrom, diagnosticsNow)) {
    diagnosticsFrom = diagnosticsNow;
    diagnostics.replaceChildren(renderDiagnostics(run, openClasses, state.rejectionsSent));
  }
}

let frame = 0;
window.addEventListener('message', (event: MessageEvent<HostToPanelMessage>) => {
  const reduced = reducePanel(state, event.data);
  state = reduced.state;
  if (reduced.requestSnapshot) post({ type: 'request-snapshot' });
  if (event.data.type === 'snapshot' || event.data.type === 'comparison') saveAndRender();
  // Deltas can arrive faster than frames: draw once per frame.
  else if (frame === 0)
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
});

post({ type: 'ready' });
// Built while the host reads the run for its snapshot, rather than after the snapshot arrives; shown with the first one.
const panel = el('div', {}, [
  header,
  toolbar(),
  notice,
  el('div', { className: 'layout' }, [
    body,
    el('aside', {}, [suggestions.element, controls.element, learningRate.element, timeline.element, diagnostics, balancing.element]),
  ]),
]);
panel.hidden = true;
app.append(panel);
