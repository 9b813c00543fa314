/** webview/chartTheme.ts and latestLegend.ts: colours from the theme, dashes, theme changes, and legends that show the latest values. */
import { settle, setThemeVariables, window } from './support/dom';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type uPlot from 'uplot';
import { axisStyle, cssVar, DASHES, dashFor, onThemeChange, seriesColor } from '../../../webview/chartTheme';
import { latestLegend } from '../../../webview/latestLegend';

test('dashFor cycles through the dash patterns, solid first', () => {
  assert.deepEqual(dashFor(0), []);
  assert.deepEqual(dashFor(1), [8, 4]);
  assert.deepEqual(dashFor(DASHES.length), [], 'wraps around');
  assert.deepEqual(dashFor(DASHES.length + 2), DASHES[2]);
  assert.equal(new Set(DASHES.map((d) => JSON.stringify(d))).size, DASHES.length, 'every pattern differs');
});

test('cssVar reads a theme variable from the body, trimmed, or falls back when it is unset', () => {
  assert.equal(cssVar('--jointrain-test-unset', '#abcdef'), '#abcdef');
  setThemeVariables({ '--jointrain-test-set': '  #010203 ' });
  assert.equal(cssVar('--jointrain-test-set', '#abcdef'), '#010203');
});

test('seriesColor takes the theme chart colours in palette order and wraps after six', () => {
  assert.equal(seriesColor(0), '#3794ff', 'the fallback before the theme sets any colour');
  setThemeVariables({ '--vscode-charts-blue': '#0000aa', '--vscode-charts-red': '#aa0000', '--vscode-charts-purple': '#aa00aa' });
  assert.equal(seriesColor(0), '#0000aa');
  assert.equal(seriesColor(1), '#aa0000');
  assert.equal(seriesColor(5), '#aa00aa');
  assert.equal(seriesColor(6), '#0000aa');
  assert.equal(seriesColor(2), '#3794ff', 'green is unset: the fallback');
});

test('axisStyle uses the editor foreground for labels and the widget border for grid and ticks', () => {
  setThemeVariables({ '--vscode-editor-foreground': '#cccccc', '--vscode-editorWidget-border': '#454545' });
  const axis = axisStyle();
  assert.equal(axis.stroke, '#cccccc');
  assert.deepEqual(axis.grid, { stroke: '#454545', width: 1 });
  assert.deepEqual(axis.ticks, { stroke: '#454545', width: 1 });
});

test('onThemeChange calls back when the body class changes (a theme switch), not on other attributes', async () => {
  let redraws = 0;
  onThemeChange(() => redraws++);
  window.document.body.setAttribute('data-other', '1');
  await settle();
  assert.equal(redraws, 0);
  window.document.body.className = 'vscode-dark';
  await settle();
  assert.equal(redraws, 1);
});

/** Enough of a uPlot for the legend hooks: its data, its cursor, and what setLegend was asked. */
function fakePlot(data: Array<Array<number | null | undefined>>, cursorIdx: number | null | undefined) {
  const calls: Array<{ idxs: Array<number | null> | undefined; fire: boolean | undefined }> = [];
  const plot = {
    data,
    cursor: { idx: cursorIdx },
    setLegend: (opts: { idxs?: Array<number | null> }, fire?: boolean) => calls.push({ idxs: opts.idxs, fire }),
  };
  return { plot: plot as unknown as uPlot, calls };
}

test('latestLegend shows each column’s last value while the cursor is off the plot, without firing its own hook', () => {
  const hooks = latestLegend();
  assert.deepEqual(Object.keys(hooks).sort(), ['ready', 'setData', 'setLegend']);
  const { plot, calls } = fakePlot(
    [
      [1, 2, 3, 4],
      [0.5, 0.4, null, null],
      [null, null, null, null],
      [1, undefined, 3, 2],
    ],
    null,
  );
  for (const hook of [hooks.ready, hooks.setData, hooks.setLegend]) hook?.[0]?.(plot);
  assert.equal(calls.length, 3);
  for (const call of calls) {
    assert.deepEqual(call.idxs, [3, 1, null, 3]);
    assert.equal(call.fire, false);
  }
});

test('latestLegend leaves the legend to uPlot while the cursor is over the plot', () => {
  const { plot, calls } = fakePlot(
    [
      [1, 2],
      [3, 4],
    ],
    0,
  );
  latestLegend().setLegend?.[0]?.(plot);
  assert.deepEqual(calls, []);
  const { plot: off, calls: offCalls } = fakePlot(
    [
      [1, 2],
      [3, 4],
    ],
    undefined,
  );
  latestLegend().setData?.[0]?.(off);
  assert.deepEqual(offCalls[0]?.idxs, [1, 1]);
});
