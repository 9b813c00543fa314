/**
 * webview/charts.ts: the panel's curves — which charts and series, the numbers they draw (smoothed,
 * on a step or epoch axis, over one shared x range), compared runs, weight markers, zoom, and when
 * charts are rebuilt, updated or left alone.
 */
import { createdContexts, IntersectionObserverStub, ResizeObserverStub, setThemeVariables, settle, window, type RecordingContext } from './support/dom';
import { isDestroyed, livePlots, plotIn, resolved, seriesLabels } from './support/uplot';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type uPlot from 'uplot';
import type { ComparedRun } from '../../../src/shared/panel/comparison';
import { foldRecords, type RunView } from '../../../src/shared/panel/runView';
import type { RunEvent } from '../../../src/shared/runs/format';
import { Charts, seriesKey, seriesLabel, type ChartOptions } from '../../../webview/charts';
import { at, digitsLoss, OTHER_RUN_ID, runView, stepRecord } from './support/runs';

const STEP: ChartOptions = { xAxis: 'step', smoothing: 0, hiddenSeries: new Set() };
const CAPTIONS = ['All datasets — train loss', 'All datasets — validation loss', 'digits — loss', 'digits — accuracy', 'prices — loss', 'prices — MAE'];

function charts(): Charts {
  const made = new Charts();
  window.document.body.append(made.element);
  return made;
}

/** The chart captioned `caption`. */
function chart(of: Charts, caption: string): uPlot {
  const figure = [...of.element.querySelectorAll('figure')].find((f) => f.querySelector('figcaption')?.textContent === caption);
  assert.ok(figure, `no chart "${caption}"`);
  return plotIn(figure);
}

const shows = (plot: uPlot): unknown[] => plot.series.slice(1).map((s) => s.show);

/** Counts the data set on `plot` from now on. */
function setDataCount(plot: uPlot): { count: number } {
  const counter = { count: 0 };
  const original = plot.setData.bind(plot);
  plot.setData = (data: uPlot.AlignedData, resetScales?: boolean) => {
    counter.count++;
    original(data, resetScales);
  };
  return counter;
}

/** The grid's columns as laid out (media/panel.css lays them out with container queries). */
const gridStyle = window.document.createElement('style');
window.document.head.append(gridStyle);
const layOutGrid = (columns: string): void => void (gridStyle.textContent = `.chart-grid { grid-template-columns: ${columns}; }`);
afterEach(() => layOutGrid('none'));

const applied = (epoch: number, requestId: string | undefined): RunEvent => ({
  kind: 'weights-applied',
  time: at(45),
  epoch,
  sampling: { digits: 2 },
  loss: {},
  ...(requestId !== undefined ? { requestId } : {}),
});
const arrows = (plot: uPlot): Array<[string, number, number]> =>
  (plot.ctx as unknown as RecordingContext).calls
    .filter((c) => c.name === 'fillText' && /[↦↤]/.test(String(c.args[0])))
    .map((c) => [String(c.args[0]), Number(c.args[1]), Number(c.args[2])]);

test('series keys and the labels of the series toggles', () => {
  assert.equal(seriesKey('digits', 'valLoss'), 'digits/valLoss');
  assert.equal(seriesLabel('digits', 'valLoss'), 'digits · validation loss');
  assert.equal(seriesLabel('prices', 'valMae'), 'prices · validation MAE');
  assert.equal(seriesLabel('mnist', 'gradShare'), 'mnist · gradient-norm share');
});

test('two overlays of every dataset, then a loss chart and an accuracy or MAE chart per dataset, with their series and axes', async () => {
  const made = charts();
  made.render(runView(), STEP);
  await settle();
  assert.equal(made.element.getAttribute('aria-label'), 'Curves');
  const figures = [...made.element.querySelectorAll('.chart-grid > figure')];
  assert.deepEqual(
    figures.map((f) => [f.className, f.querySelector('figcaption')?.textContent]),
    CAPTIONS.map((caption, i) => [i < 2 ? 'chart overlay' : 'chart', caption]),
  );
  assert.deepEqual(seriesLabels(chart(made, 'All datasets — train loss')), ['step', 'digits', 'prices']);
  assert.deepEqual(seriesLabels(chart(made, 'digits — loss')), ['step', 'train loss', 'validation loss']);
  assert.deepEqual(seriesLabels(chart(made, 'digits — accuracy')), ['step', 'train accuracy', 'validation accuracy']);
  assert.deepEqual(seriesLabels(chart(made, 'prices — MAE')), ['step', 'validation MAE']);
  assert.deepEqual(
    CAPTIONS.map((caption) => chart(made, caption).axes.map((a) => a.label)),
    [
      ['step', 'loss'],
      ['step', 'loss'],
      ['step', 'loss'],
      ['step', 'accuracy'],
      ['step', 'loss'],
      ['step', 'MAE'],
    ],
  );
  const overlay = chart(made, 'All datasets — train loss');
  assert.deepEqual(
    overlay.series.slice(1).map((s) => [s.dash, s.width, s.spanGaps]),
    [
      [[], 1, true],
      [[8, 4], 1, true],
    ],
    'datasets differ by dash; every curve is one pixel wide and spans gaps',
  );
  assert.deepEqual(
    chart(made, 'digits — loss')
      .series.slice(1)
      .map((s) => s.dash),
    [[], [8, 4]],
    'train solid, validation dashed',
  );
  // With no laid-out grid, a chart is as narrow as a chart gets.
  assert.deepEqual([overlay.width, overlay.height], [220, 190]);
  made.element.remove();
});

test('the numbers drawn: train curves per step, validation per epoch end, aligned on one x with gaps, over a shared x range from 0', async () => {
  const made = charts();
  made.render(runView(), STEP);
  await settle();
  const digits = chart(made, 'digits — loss');
  assert.deepEqual(digits.data[0], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    digits.data[1],
    [1, 2, 3, 4, 5, 6].map((g) => digitsLoss(g)),
  );
  assert.deepEqual(digits.data[2], [null, null, 1.4, null, null, 1.3]);
  assert.deepEqual(chart(made, 'prices — MAE').data, [
    [3, 6],
    [2.5, 2],
  ]);
  assert.deepEqual(chart(made, 'All datasets — validation loss').data, [
    [3, 6],
    [1.4, 1.3],
    [2, 2],
  ]);
  for (const caption of CAPTIONS) {
    const plot = chart(made, caption);
    assert.deepEqual([plot.scales.x?.min, plot.scales.x?.max], [0, 6], `${caption}: every chart shows steps 0 to 6`);
  }
  made.element.remove();
});

test('train curves are smoothed (the average with its start-up bias divided out); validation curves never are', async () => {
  const made = charts();
  made.render(runView(), { ...STEP, smoothing: 0.6 });
  await settle();
  const digits = chart(made, 'digits — loss');
  // 0.4 · 1.9 / (1 - 0.6) = 1.9; (0.6 · 0.76 + 0.4 · 1.8) / (1 - 0.36) = 1.8375.
  assert.equal(digits.data[1]?.[0], 1.9);
  assert.ok(Math.abs((digits.data[1]?.[1] ?? 0) - 1.8375) < 1e-12);
  assert.deepEqual(digits.data[2], [null, null, 1.4, null, null, 1.3]);
  made.element.remove();
});

test('on the epoch axis, a step sits at its place between epoch ends and validation at its epoch; changing the axis rebuilds the charts', async () => {
  const made = charts();
  made.render(runView(), STEP);
  await settle();
  const before = livePlots().slice(-6);
  made.render(runView(), { ...STEP, xAxis: 'epoch' });
  await settle();
  assert.ok(before.every(isDestroyed));
  const digits = chart(made, 'digits — loss');
  assert.equal(digits.axes[0]?.label, 'epoch');
  assert.equal(digits.series[0]?.label, 'epoch');
  assert.deepEqual(digits.data[0], [1 / 3, 2 / 3, 1, 1 + 1 / 3, 1 + 2 / 3, 2]);
  assert.deepEqual(digits.data[2], [null, null, 1.4, null, null, 1.3]);
  assert.deepEqual([digits.scales.x?.min, digits.scales.x?.max], [0, 2]);
  made.element.remove();
});

test('hidden series are drawn hidden, in their dataset’s charts and in the overlays', async () => {
  const made = charts();
  made.render(runView(), { ...STEP, hiddenSeries: new Set([seriesKey('digits', 'valLoss'), seriesKey('prices', 'trainLoss')]) });
  await settle();
  assert.deepEqual(shows(chart(made, 'digits — loss')), [true, false]);
  assert.deepEqual(shows(chart(made, 'All datasets — validation loss')), [false, true]);
  assert.deepEqual(shows(chart(made, 'All datasets — train loss')), [true, false]);
  assert.deepEqual(shows(chart(made, 'prices — loss')), [false, true]);
  assert.deepEqual(shows(chart(made, 'prices — MAE')), [true]);
  made.element.remove();
});

test('validation series show a marker per point while sparse; train series never do', async () => {
  const made = charts();
  made.render(runView(), STEP);
  await settle();
  const digits = chart(made, 'digits — loss');
  assert.equal(resolved(digits.series[1]?.points?.show, digits, 1), false);
  assert.equal(resolved(digits.series[2]?.points?.show, digits, 2), true);
  made.element.remove();
});

test('a compared run adds its curves, dotted and dash-dotted in a neutral colour and labelled by how its id differs, to each dataset’s charts', async () => {
  setThemeVariables({ '--vscode-descriptionForeground': '#999999' });
  const other = runView({ record: { id: OTHER_RUN_ID }, epochs: 1 });
  const compared: ComparedRun = { runId: OTHER_RUN_ID, curves: other.curves, epochEndX: other.epochEndX };
  const made = charts();
  made.render(runView(), { ...STEP, compared });
  await settle();
  const digits = chart(made, 'digits — loss');
  assert.deepEqual(seriesLabels(digits), [
    'step',
    'train loss',
    'validation loss',
    '20261130-091502-a1b2: train loss',
    '20261130-091502-a1b2: validation loss',
  ]);
  assert.deepEqual(
    digits.series.slice(3).map((s, i) => [s.dash, resolved(s.stroke, digits, i + 3)]),
    [
      [[2, 2], '#999999'],
      [[8, 3, 2, 3], '#999999'],
    ],
  );
  // The compared run has one epoch: its points stop at step 3.
  assert.deepEqual(digits.data[3], [1.9, 1.8, 1.7, null, null, null]);
  assert.deepEqual(digits.data[4], [null, null, 1.4, null, null, null]);
  assert.deepEqual(seriesLabels(chart(made, 'All datasets — train loss')), ['step', 'digits', 'prices'], 'overlays stay this run’s');
  made.element.remove();
});

test('new points are set on the charts in place; a render that changes nothing sets nothing', async () => {
  const made = charts();
  const view = runView();
  made.render(view, STEP);
  await settle();
  const digits = chart(made, 'digits — loss');
  const counter = setDataCount(digits);
  made.render(view, STEP);
  assert.equal(counter.count, 0, 'nothing new: nothing set');

  foldRecords(view, [stepRecord(3, 1)], []);
  made.render(view, STEP);
  await settle();
  assert.equal(counter.count, 1);
  assert.equal(isDestroyed(digits), false, 'the same chart');
  assert.equal(chart(made, 'digits — loss'), digits);
  assert.deepEqual(digits.data[0], [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(digits.data[1]?.[6], digitsLoss(7));
  assert.equal(digits.scales.x?.max, 7);
  made.element.remove();
});

test('charts out of view are brought up to date only when they come into view', async () => {
  const made = charts();
  const view = runView();
  made.render(view, STEP);
  await settle();
  const figure = [...made.element.querySelectorAll('figure')][2] as HTMLElement;
  const hidden = plotIn(figure);
  const counter = setDataCount(hidden);
  IntersectionObserverStub.fire(figure, false);
  foldRecords(view, [stepRecord(3, 1)], []);
  made.render(view, STEP);
  assert.equal(counter.count, 0, 'out of view: left as it was');
  assert.equal(hidden.data[0]?.length, 6);

  IntersectionObserverStub.fire(figure, true);
  assert.equal(counter.count, 1, 'in view again: up to date');
  assert.equal(hidden.data[0]?.length, 7);
  made.element.remove();
});

test('a long curve is cut to at most two points per plot column, keeping its ends', async () => {
  const view = runView({ epochs: 0, metrics: Array.from({ length: 1000 }, (_, i) => stepRecord(1, i + 1)) });
  const made = charts();
  made.render(view, STEP);
  await settle();
  const xs = chart(made, 'digits — loss').data[0] as number[];
  // A 220-pixel chart less its 66-pixel y axis: 154 pixels, 77 columns of 2.
  assert.ok(xs.length <= 2 * 77 + 2, `${xs.length} points drawn`);
  assert.ok(xs.length > 77, 'a point or two in every column');
  assert.equal(xs[0], 1);
  assert.equal(xs[xs.length - 1], 1000);
  made.element.remove();
});

test('weight changes are dotted lines at the start of their epoch, labelled with who asked, on a second row when they would overprint', async () => {
  const view = runView({ events: [applied(2, 'panel-1'), applied(2, 'panel-2'), applied(2, undefined)] });
  const made = charts();
  made.render(view, STEP);
  await settle();
  const plot = chart(made, 'digits — loss');
  const x = plot.valToPos(3, 'x', true);
  const top = plot.bbox.top;
  assert.deepEqual(arrows(plot), [
    ['↦ panel', x + 3, top + 2],
    ['↦ panel', x + 3, top + 14],
  ]);
  const ctx = plot.ctx as unknown as RecordingContext;
  const lines = (of: RecordingContext) => of.calls.filter((c) => c.name === 'moveTo' && c.args[0] === x && c.args[1] === top).length;
  assert.equal(lines(ctx), 3, 'every marker has its line; the third, with both rows taken, goes unlabelled');
  assert.ok(ctx.calls.some((c) => c.name === 'setLineDash' && JSON.stringify(c.args[0]) === '[2,4]'));

  // "↦ command palette" fits neither right of its line nor left of it on a 154-pixel plot: the tooltip names it instead.
  ctx.calls.length = 0;
  made.render(runView({ events: [applied(2, 'host-1')] }), STEP);
  await settle();
  const narrow = chart(made, 'digits — loss');
  assert.deepEqual(arrows(narrow), []);
  assert.equal(lines(narrow.ctx as unknown as RecordingContext), 1);
  made.element.remove();
});

test('a marker near the right edge is labelled on its left; on the epoch axis a marker sits at its epoch’s start', async () => {
  const view = runView({ events: [applied(3, 'panel-1')] });
  const made = charts();
  made.render(view, STEP);
  await settle();
  const plot = chart(made, 'prices — loss');
  const x = plot.valToPos(6, 'x', true);
  assert.deepEqual(arrows(plot), [['panel ↤', x - 3 - 'panel ↤'.length * 6, plot.bbox.top + 2]]);

  made.render(view, { ...STEP, xAxis: 'epoch' });
  await settle();
  const byEpoch = chart(made, 'prices — loss');
  assert.equal(arrows(byEpoch)[0]?.[1], byEpoch.valToPos(2, 'x', true) - 3 - 'panel ↤'.length * 6);
  made.element.remove();
});

test('hovering a weight marker names it in the tooltip; away from it the tooltip is empty', async () => {
  const made = charts();
  made.render(runView({ events: [applied(2, 'panel-1')] }), STEP);
  await settle();
  const plot = chart(made, 'digits — loss');
  const x = plot.valToPos(3, 'x');
  plot.setCursor({ left: x + 4, top: 10 });
  assert.equal(plot.over.title, 'Epoch 2: weights changed from the panel');
  plot.setCursor({ left: x + 6, top: 10 });
  assert.equal(plot.over.title, '', 'more than 4 pixels away');
  plot.setCursor({ left: x - 3, top: 10 });
  assert.equal(plot.over.title, 'Epoch 2: weights changed from the panel');
  plot.setCursor({ left: -10, top: 10 });
  assert.equal(plot.over.title, '', 'the cursor left the plot');
  made.element.remove();
});

test('dragging across a chart zooms every chart to that range; a click does not; a double click shows the whole run again', async () => {
  const made = charts();
  made.render(runView(), STEP);
  await settle();
  const digits = chart(made, 'digits — loss');
  const left = digits.valToPos(2, 'x');
  const right = digits.valToPos(4, 'x');

  digits.setSelect({ left, width: 2, top: 0, height: 10 });
  await settle();
  assert.deepEqual([digits.scales.x?.min, digits.scales.x?.max], [0, 6], 'a click is no drag');

  digits.setSelect({ left, width: right - left, top: 0, height: 10 });
  await settle();
  for (const caption of CAPTIONS) {
    const plot = chart(made, caption);
    assert.ok(Math.abs((plot.scales.x?.min ?? 0) - 2) < 1e-9 && Math.abs((plot.scales.x?.max ?? 0) - 4) < 1e-9, `${caption} zoomed to steps 2..4`);
  }
  assert.equal(digits.select.width, 0, 'the selection is cleared once applied');

  chart(made, 'prices — MAE').over.dispatchEvent(new window.MouseEvent('dblclick'));
  await settle();
  assert.deepEqual([digits.scales.x?.min, digits.scales.x?.max], [0, 6]);
  made.element.remove();
});

test('charts take the width of the grid’s cells, at least 220 pixels, and grow taller with it', async () => {
  layOutGrid('300px 300px');
  const made = charts();
  made.render(runView(), STEP);
  await settle();
  const plot = chart(made, 'digits — loss');
  assert.deepEqual([plot.width, plot.height], [300, 190]);

  layOutGrid('480px');
  ResizeObserverStub.trigger();
  assert.deepEqual([plot.width, plot.height], [480, 260]);
  layOutGrid('100px 100px 100px');
  ResizeObserverStub.trigger();
  assert.deepEqual([plot.width, plot.height], [220, 190]);
  made.element.remove();
});

test('a theme change rebuilds the charts in the theme’s colours', async () => {
  setThemeVariables({ '--vscode-charts-blue': '#000080' });
  const made = charts();
  made.render(runView(), STEP);
  await settle();
  const before = chart(made, 'All datasets — train loss');
  setThemeVariables({ '--vscode-charts-blue': '#8080ff' });
  window.document.body.classList.toggle('vscode-high-contrast');
  await settle();
  assert.equal(isDestroyed(before), true);
  const after = chart(made, 'All datasets — train loss');
  assert.equal(resolved(after.series[1]?.stroke, after, 1), '#8080ff');
  made.element.remove();
});

test('toPng draws every chart with a title that names the run, and says what the dotted lines are', async () => {
  const made = charts();
  assert.equal(made.toPng(), undefined, 'nothing drawn yet: nothing to export');
  layOutGrid('300px 300px');
  const other = runView({ record: { id: OTHER_RUN_ID }, epochs: 1 });
  const view: RunView = runView({ events: [applied(2, 'panel-1')] });
  made.render(view, { ...STEP, compared: { runId: OTHER_RUN_ID, curves: other.curves, epochEndX: other.epochEndX } });
  await settle();
  const before = createdContexts.length;
  const url = made.toPng();
  assert.match(url ?? '', /^data:image\/png;base64,/);
  const png = createdContexts.slice(before).find((ctx) => ctx.texts().length > 0);
  assert.ok(png);
  const texts = png.texts();
  assert.deepEqual(texts.slice(0, 2), [
    'digits-and-prices — 20261129-184239-digits-6c54',
    `epoch 3 of 4 (running) · dotted: run ${OTHER_RUN_ID} · vertical dotted lines: weight changes`,
  ]);
  assert.deepEqual(
    texts.filter((t) => CAPTIONS.includes(t)),
    CAPTIONS,
  );
  assert.ok(texts.includes('validation MAE: 2.000'), 'legends with the latest values');
  // Two columns of 300-pixel charts, as the grid shows them.
  assert.equal(
    Buffer.from((url ?? '').split(',')[1] ?? '', 'base64')
      .toString()
      .split('x')[0],
    String(2 * 300 + 3 * 12),
  );
  made.element.remove();
});
