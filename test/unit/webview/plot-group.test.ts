/** webview/plotGroup.ts: small uPlot charts — built from their specs, data set in place, markers only while sparse, resized and rethemed. */
import { ResizeObserverStub, setThemeVariables, settle, window } from './support/dom';
import { isDestroyed, livePlots, plotIn, resolved, seriesLabels } from './support/uplot';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type uPlot from 'uplot';
import { PlotGroup, type PlotSpec } from '../../../webview/plotGroup';

const shares = (data: uPlot.AlignedData): PlotSpec => ({
  key: 'gradShare',
  title: 'Share of the gradient norm',
  xLabel: 'step',
  yRange: [0, 1],
  series: [
    { label: 'digits', color: 0, dash: [], line: true, points: true },
    { label: 'prices', color: 1, dash: [8, 4], line: true, points: true },
  ],
  data,
});

const schedule: PlotSpec = {
  key: 'schedule/loss',
  title: 'Loss weight schedules',
  xLabel: 'epoch',
  series: [
    { label: 'digits, planned', color: 0, dash: [], line: true, points: false },
    { label: 'digits, in force', color: 0, dash: [], line: false, points: true, hollow: true },
  ],
  data: [
    [1, 2, 3],
    [1, 2, 3],
    [1, null, null],
  ],
};

function group(): PlotGroup {
  const plots = new PlotGroup('gradient-plots');
  window.document.body.append(plots.element);
  return plots;
}

test('a figure per spec, captioned, with a chart of the spec’s series, axes, fixed y range and data', async () => {
  setThemeVariables({ '--vscode-charts-blue': '#1111ff', '--vscode-charts-red': '#ff1111' });
  const plots = group();
  plots.render([
    shares([
      [10, 20, 30],
      [0.25, 0.5, 0.75],
      [0.75, 0.5, 0.25],
    ]),
    schedule,
  ]);
  await settle();
  assert.equal(plots.element.className, 'plot-group gradient-plots');
  const figures = [...plots.element.querySelectorAll('figure')];
  assert.deepEqual(
    figures.map((f) => [f.className, f.querySelector('figcaption')?.textContent]),
    [
      ['chart small', 'Share of the gradient norm'],
      ['chart small', 'Loss weight schedules'],
    ],
  );
  const plot = plotIn(figures[0] as HTMLElement);
  assert.deepEqual(seriesLabels(plot), ['step', 'digits', 'prices']);
  assert.equal(plot.width, 240, 'a group that has no width yet draws at its narrowest');
  assert.equal(plot.height, 150);
  assert.deepEqual(plot.data, [
    [10, 20, 30],
    [0.25, 0.5, 0.75],
    [0.75, 0.5, 0.25],
  ]);
  assert.deepEqual([plot.scales.y?.min, plot.scales.y?.max], [0, 1], 'shares are drawn on 0..1 whatever their values');
  assert.equal(plot.axes[0]?.label, 'step');
  assert.deepEqual(
    plot.series.slice(1).map((s, i) => [resolved(s.stroke, plot, i + 1), s.dash, s.width]),
    [
      ['#1111ff', [], 1.5],
      ['#ff1111', [8, 4], 1.5],
    ],
  );

  assert.equal(resolved(plot.series[1]?.points?.show, plot, 1), true, 'three points a plot apart: sparse enough for markers');
  assert.equal(plot.series[1]?.points?.size, 4, 'small markers on a line');

  const scheduled = plotIn(figures[1] as HTMLElement);
  assert.equal(scheduled.axes[0]?.label, 'epoch');
  assert.notDeepEqual([scheduled.scales.y?.min, scheduled.scales.y?.max], [0, 1], 'no fixed range: fitted to the data');
  plots.element.remove();
});

test('a marker-only series draws no line; its markers are large and, hollow, filled with the background', async () => {
  setThemeVariables({ '--vscode-editor-background': '#202020' });
  const plots = group();
  plots.render([schedule]);
  await settle();
  const plot = plotIn(plots.element.querySelector('figure') as HTMLElement);
  const [, planned, inForce] = plot.series;
  assert.ok(planned && inForce);
  assert.equal(resolved(planned.points?.show, plot, 1), false, 'the planned values are a line without markers');
  assert.notEqual(planned.paths?.(plot, 1, 0, 2), null, 'the planned values are a line');
  assert.equal(inForce.paths?.(plot, 2, 0, 2), null, 'the values in force are markers alone');
  assert.equal(resolved(inForce.points?.show, plot, 2), true);
  assert.equal(inForce.points?.size, 7);
  assert.equal(resolved(inForce.points?.fill, plot, 2), '#202020');
  plots.element.remove();
});

test('a line series shows its markers only while its points are far enough apart', async () => {
  const many = Array.from({ length: 200 }, (_, i) => i);
  const plots = group();
  plots.render([
    {
      key: 'dense',
      title: 'dense',
      xLabel: 'step',
      series: [
        { label: 'dense', color: 0, dash: [], line: true, points: true },
        { label: 'lone', color: 1, dash: [], line: true, points: true },
        { label: 'none', color: 2, dash: [], line: true, points: false },
      ],
      data: [many, many.map((i) => i / 200), many.map((i) => (i === 100 ? 0.5 : null)), many.map(() => 1)],
    },
  ]);
  await settle();
  const plot = plotIn(plots.element.querySelector('figure') as HTMLElement);
  assert.equal(resolved(plot.series[1]?.points?.show, plot, 1), false, '200 points on a 165-pixel plot: a line, no markers');
  assert.equal(resolved(plot.series[2]?.points?.show, plot, 2), true, 'a lone point is nothing but its marker');
  assert.equal(resolved(plot.series[3]?.points?.show, plot, 3), false, 'a series without points never shows them');
  plots.element.remove();
});

test('new data is set on the same charts; unchanged data sets nothing; a new layout rebuilds them', async () => {
  const plots = group();
  plots.render([
    shares([
      [1, 2],
      [0.5, 0.5],
      [0.5, 0.5],
    ]),
  ]);
  await settle();
  const [plot] = livePlots().slice(-1);
  assert.ok(plot);
  let setData = 0;
  const original = plot.setData.bind(plot);
  plot.setData = (data: uPlot.AlignedData, resetScales?: boolean) => {
    setData++;
    original(data, resetScales);
  };

  plots.render([
    shares([
      [1, 2],
      [0.5, 0.5],
      [0.5, 0.5],
    ]),
  ]);
  assert.equal(setData, 0, 'equal data, in new arrays: nothing to set');

  plots.render([
    shares([
      [1, 2, 3],
      [0.5, 0.5, 0.6],
      [0.5, 0.5, 0.4],
    ]),
  ]);
  assert.equal(setData, 1);
  assert.deepEqual(plot.data[1], [0.5, 0.5, 0.6]);
  plots.render([
    shares([
      [1, 2, 3],
      [0.5, 0.5, 0.7],
      [0.5, 0.5, 0.3],
    ]),
  ]);
  assert.equal(setData, 2, 'a changed value, same length');
  assert.equal(isDestroyed(plot), false);

  plots.render([{ ...shares([[1], [1], [0]]), title: 'Renamed' }]);
  assert.equal(isDestroyed(plot), true, 'a new title is a new layout');
  assert.equal(plots.element.querySelector('figcaption')?.textContent, 'Renamed');
  assert.equal(plots.element.querySelectorAll('figure').length, 1);

  plots.render([]);
  assert.equal(plots.element.querySelectorAll('figure').length, 0);
  plots.element.remove();
});

test('charts take the group’s width, from 240 to 520 pixels, when it is resized', async () => {
  const plots = group();
  plots.render([schedule]);
  await settle();
  const plot = plotIn(plots.element.querySelector('figure') as HTMLElement);
  Object.defineProperty(plots.element, 'clientWidth', { configurable: true, value: 408 });
  ResizeObserverStub.trigger();
  assert.deepEqual([plot.width, plot.height], [400, 150]);
  Object.defineProperty(plots.element, 'clientWidth', { configurable: true, value: 2000 });
  ResizeObserverStub.trigger();
  assert.equal(plot.width, 520);
  plots.element.remove();
});

test('a theme change rebuilds the charts in the new colours', async () => {
  setThemeVariables({ '--vscode-charts-blue': '#0000aa' });
  const plots = group();
  plots.render([schedule]);
  await settle();
  const before = plotIn(plots.element.querySelector('figure') as HTMLElement);
  assert.equal(resolved(before.series[1]?.stroke, before, 1), '#0000aa');

  setThemeVariables({ '--vscode-charts-blue': '#7777ff' });
  window.document.body.classList.toggle('vscode-light');
  await settle();
  assert.equal(isDestroyed(before), true);
  const after = plotIn(plots.element.querySelector('figure') as HTMLElement);
  assert.equal(resolved(after.series[1]?.stroke, after, 1), '#7777ff');
  plots.element.remove();
});
