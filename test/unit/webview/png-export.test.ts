/** webview/pngExport.ts: every chart on one canvas — its size from the grid, the title, each chart's caption, image and legend. */
import { createdContexts, setDevicePixelRatio, setThemeVariables, window, type CanvasCall, type RecordingContext } from './support/dom';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type uPlot from 'uplot';
import { chartsPng, type PngChart } from '../../../webview/pngExport';

/** What the export reads of a uPlot chart: its canvas and its data. */
function chart(title: string, size: { width: number; height: number }, data: Array<Array<number | null>>, labels: string[]): PngChart {
  const canvas = { width: size.width, height: size.height };
  return {
    plot: { ctx: { canvas }, data } as unknown as uPlot,
    title,
    series: labels.map((label, i) => ({ label, dash: i === 0 ? [] : [8, 4], color: `#00000${i}` })),
  };
}

/** The canvas's size from the stub's data URL (`<width>x<height>`). */
const sizeOf = (dataUrl: string | undefined): string => Buffer.from((dataUrl ?? '').replace(/^data:image\/png;base64,/, ''), 'base64').toString();

function exported(layout: Parameters<typeof chartsPng>[0]): { url: string | undefined; ctx: RecordingContext } {
  const before = createdContexts.length;
  const url = chartsPng(layout);
  const ctx = createdContexts[before];
  assert.ok(ctx, 'the export drew on a new canvas');
  return { url, ctx };
}

const calls = (ctx: RecordingContext, name: string): unknown[][] => ctx.calls.filter((c: CanvasCall) => c.name === name).map((c) => c.args);

afterEach(() => {
  setDevicePixelRatio(1);
});

const three = [
  chart(
    'All datasets — train loss',
    { width: 440, height: 380 },
    [
      [1, 2, 3],
      [0.9, 0.8, 0.7],
      [1.5, null, 1.25],
    ],
    ['digits', 'prices'],
  ),
  chart(
    'digits — loss',
    { width: 440, height: 380 },
    [
      [1, 2, 3],
      [0.9, 0.8, 0.7654321],
    ],
    ['train loss'],
  ),
  chart(
    'prices — MAE',
    { width: 400, height: 300 },
    [
      [1, 2],
      [null, null],
      [3, null],
    ],
    ['validation MAE', 'compared: validation MAE'],
  ),
];

test('the canvas holds the charts in the panel’s grid: the widest and tallest chart, legends, captions and padding', () => {
  const { url, ctx } = exported({ title: 'digits — run', subtitle: 'epoch 2 of 4 (running)', columns: 2, charts: three });
  // Cells of 440 × (380 + 24 for the caption + 2 legend lines of 16); 2 columns and 2 rows with 12 px of padding; a 48 px header.
  assert.equal(sizeOf(url), `${2 * 440 + 3 * 12}x${48 + 2 * (380 + 24 + 32 + 12)}`);
  assert.match(url ?? '', /^data:image\/png;base64,/);
  assert.deepEqual(calls(ctx, 'fillRect'), [[0, 0, 916, 944]]);
  assert.deepEqual(
    calls(ctx, 'drawImage').map(([, x, y]) => [x, y]),
    [
      [12, 68],
      [464, 68],
      [12, 516],
    ],
  );
});

test('the title and subtitle head the canvas, each chart has its caption, and each legend line its series’ latest value', () => {
  const { ctx } = exported({ title: 'digits-and-prices — run-1', subtitle: 'epoch 2 of 4 (running)', columns: 2, charts: three });
  assert.deepEqual(ctx.texts(), [
    'digits-and-prices — run-1',
    'epoch 2 of 4 (running)',
    'All datasets — train loss',
    'digits: 0.7000',
    'prices: 1.250',
    'digits — loss',
    'train loss: 0.7654',
    'prices — MAE',
    'validation MAE: –',
    'compared: validation MAE: 3.000',
  ]);
  const fillText = calls(ctx, 'fillText');
  assert.deepEqual(fillText[0]?.slice(1), [12, 22]);
  assert.deepEqual(fillText[1]?.slice(1), [12, 40]);
  // The third chart's caption, image and first legend line, in the second row.
  assert.deepEqual(fillText[7]?.slice(1), [12, 48 + 448 + 14]);
  assert.deepEqual(fillText[8]?.slice(1), [12 + 28, 516 + 300 + 4 + 8]);
});

test('legend samples are drawn in each series’ colour and dash', () => {
  const { ctx } = exported({ title: 't', subtitle: 's', columns: 1, charts: [three[0] as PngChart] });
  assert.deepEqual(calls(ctx, '=strokeStyle'), [['#000000'], ['#000001']]);
  assert.deepEqual(calls(ctx, 'setLineDash'), [[[]], [[8, 4]]]);
  assert.deepEqual(
    calls(ctx, 'moveTo').map(([x]) => x),
    [12, 12],
  );
  assert.deepEqual(
    calls(ctx, 'lineTo').map(([x]) => x),
    [34, 34],
  );
});

test('drawn in the theme’s colours, and scaled by the device pixel ratio', () => {
  setThemeVariables({ '--vscode-editor-background': '#1e1e1e', '--vscode-editor-foreground': '#d4d4d4', '--vscode-font-family': 'Segoe WPC' });
  setDevicePixelRatio(2);
  const { url, ctx } = exported({ title: 't', subtitle: 's', columns: 3, charts: [three[1] as PngChart] });
  // One chart: one column whatever the grid had; padding and header double, the canvases are already in device pixels.
  assert.equal(sizeOf(url), `${440 + 2 * 24}x${96 + (380 + 48 + 32 + 24)}`);
  const fills = calls(ctx, '=fillStyle').map(([colour]) => colour);
  assert.equal(fills[0], '#1e1e1e', 'the background first');
  assert.ok(
    fills.slice(1).every((colour) => colour === '#d4d4d4'),
    'text in the foreground colour',
  );
  assert.equal(calls(ctx, '=font')[0]?.[0], '600 32px Segoe WPC');
});

test('no 2D context (a canvas the webview may not draw on): no PNG', () => {
  const prototype = window.HTMLCanvasElement.prototype as unknown as { getContext: unknown };
  const getContext = prototype.getContext;
  prototype.getContext = () => null;
  try {
    assert.equal(chartsPng({ title: 't', subtitle: 's', columns: 1, charts: three }), undefined);
  } finally {
    prototype.getContext = getContext;
  }
});
