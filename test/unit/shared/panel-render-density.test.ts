import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignSeries, curveSeries, CurveSeriesCache, type ChartSeries } from '../../../src/shared/panel/chartSeries';
import { decimateToColumns, MIN_PIXELS_PER_MARKER, showsMarkers } from '../../../src/shared/panel/renderDensity';
import type { CurvePoint, RunView } from '../../../src/shared/panel/runView';
import { smoothDebiased } from '../../../src/shared/panel/smoothing';

const noisy = (length: number): ChartSeries => ({
  dataset: 'digits',
  metric: 'trainLoss',
  xs: Array.from({ length }, (_, i) => i + 1),
  ys: Array.from({ length }, (_, i) => Math.exp(-i / 500) + 0.1 * Math.sin(i * 1.7)),
});

const rangeOf = (s: ChartSeries) => ({ min: s.xs[0] ?? 0, max: s.xs[s.xs.length - 1] ?? 0 });

test('a series wider than its chart is cut to at most two points per column, plus its ends', () => {
  const series = noisy(2000);
  const drawn = decimateToColumns(series, rangeOf(series), 250);
  assert.ok(drawn.xs.length <= 2 * 250 + 2, `${drawn.xs.length} points`);
  assert.ok(drawn.xs.length >= 250, `${drawn.xs.length} points: every column keeps a point`);
  assert.equal(drawn.xs.length, drawn.ys.length);
});

test('render-time decimation keeps a one-step spike and the lowest dip', () => {
  const series = noisy(2000);
  series.ys[1234] = 50;
  series.ys[777] = -50;
  const drawn = decimateToColumns(series, rangeOf(series), 100);
  assert.ok(drawn.ys.includes(50), 'the spike is drawn');
  assert.ok(drawn.ys.includes(-50), 'the dip is drawn');
  assert.equal(Math.max(...drawn.ys), 50);
  assert.equal(Math.min(...drawn.ys), -50);
});

test('each column keeps its lowest and highest value, and only points of the series, in x order', () => {
  const series = noisy(3000);
  const range = rangeOf(series);
  const columns = 120;
  const drawn = decimateToColumns(series, range, columns);
  const width = (range.max - range.min) / columns;
  const column = (x: number) => Math.min(columns - 1, Math.floor((x - range.min) / width));
  for (let c = 0; c < columns; c++) {
    const inColumn = series.ys.filter((_, i) => column(series.xs[i] ?? 0) === c);
    const drawnInColumn = drawn.ys.filter((_, i) => column(drawn.xs[i] ?? 0) === c);
    assert.ok(drawnInColumn.includes(Math.min(...inColumn)), `column ${c} keeps its min`);
    assert.ok(drawnInColumn.includes(Math.max(...inColumn)), `column ${c} keeps its max`);
  }
  drawn.xs.forEach((x, i) => {
    const at = series.xs.indexOf(x);
    assert.ok(at >= 0, `x ${x} is a point of the series`);
    assert.equal(drawn.ys[i], series.ys[at]);
    if (i > 0) assert.ok(x > (drawn.xs[i - 1] ?? 0), 'x stays ascending');
  });
});

test('the first and last points stay where they are, so a live curve ends on its newest value', () => {
  const series = noisy(5000);
  const drawn = decimateToColumns(series, rangeOf(series), 200);
  assert.equal(drawn.xs[0], series.xs[0]);
  assert.equal(drawn.ys[0], series.ys[0]);
  assert.equal(drawn.xs[drawn.xs.length - 1], series.xs[series.xs.length - 1]);
  assert.equal(drawn.ys[drawn.ys.length - 1], series.ys[series.ys.length - 1]);
});

test('a series that already fits its chart is drawn as it is', () => {
  const series = noisy(300);
  assert.equal(decimateToColumns(series, rangeOf(series), 250), series);
});

test('values a chart cannot draw (NaN, Infinity) are left out of the cut', () => {
  const series = noisy(2000);
  series.ys[10] = Number.NaN;
  series.ys[1999] = Number.POSITIVE_INFINITY;
  const drawn = decimateToColumns(series, rangeOf(series), 100);
  assert.ok(drawn.ys.every(Number.isFinite));
  assert.equal(drawn.xs[drawn.xs.length - 1], 1999, 'the last finite point ends the curve');
});

test('point markers are drawn for one validation point per epoch, never for thousands of points', () => {
  assert.equal(showsMarkers(30, 500), true, 'thirty epochs across the plot');
  assert.equal(showsMarkers(2000, 500), false);
  assert.equal(showsMarkers(0, 500), false);
});

test('markers need their points to lie at least a few pixels apart where they are, not on average over the plot', () => {
  assert.equal(showsMarkers(11, 10 * MIN_PIXELS_PER_MARKER), true);
  assert.equal(showsMarkers(12, 10 * MIN_PIXELS_PER_MARKER), false);
  assert.equal(showsMarkers(30, 120), false, 'thirty epochs squeezed into the first quarter of the plot');
});

test('a lone point is drawn as its marker, since a line needs two', () => {
  assert.equal(showsMarkers(1, 0), true);
});

test('smoothing a curve in two parts from the kept state equals smoothing it whole', () => {
  const values = noisy(100).ys;
  const state = { last: 0, count: 0 };
  const parts = [...smoothDebiased(values.slice(0, 60), 0.6, state), ...smoothDebiased(values.slice(60), 0.6, state)];
  assert.deepEqual(parts, smoothDebiased(values, 0.6));
});

function viewWith(points: CurvePoint[], epochEndX: number[] = []): Pick<RunView, 'curves' | 'epochEndX'> {
  return { curves: { digits: { trainLoss: points, valLoss: points.filter((p) => p.x % 10 === 0).map((p) => ({ ...p, epoch: p.x / 10 })) } }, epochEndX };
}

test('a kept series that grew by a delta equals the series made afresh, smoothing included', () => {
  const points = Array.from({ length: 50 }, (_, i) => ({ x: i + 1, y: Math.cos(i) }));
  const view = viewWith(points);
  const cache = new CurveSeriesCache();
  cache.series(view, 'digits', 'trainLoss', 'step', 0.6);
  points.push({ x: 51, y: 3 }, { x: 52, y: -1 });
  assert.deepEqual(cache.series(view, 'digits', 'trainLoss', 'step', 0.6), curveSeries(view, 'digits', 'trainLoss', 'step', 0.6));
});

test('a kept series is made afresh when the smoothing, the axis or, on the epoch axis, the finished epochs change', () => {
  const points = Array.from({ length: 30 }, (_, i) => ({ x: i + 1, y: i % 3 }));
  const view = viewWith(points, [10, 20]);
  const cache = new CurveSeriesCache();
  cache.series(view, 'digits', 'trainLoss', 'step', 0.6);
  assert.deepEqual(cache.series(view, 'digits', 'trainLoss', 'step', 0.9), curveSeries(view, 'digits', 'trainLoss', 'step', 0.9));
  cache.series(view, 'digits', 'trainLoss', 'epoch', 0.9);
  view.epochEndX.push(30);
  assert.deepEqual(cache.series(view, 'digits', 'trainLoss', 'epoch', 0.9), curveSeries(view, 'digits', 'trainLoss', 'epoch', 0.9));
});

test('a curve the reducer replaced (cut to its point budget) is not mistaken for the one kept before', () => {
  const view = viewWith(Array.from({ length: 40 }, (_, i) => ({ x: i + 1, y: i })));
  const cache = new CurveSeriesCache();
  cache.series(view, 'digits', 'trainLoss', 'step', 0);
  const cut = [
    { x: 1, y: 100 },
    { x: 40, y: 200 },
  ];
  const replaced = { ...view, curves: { digits: { trainLoss: cut } } };
  assert.deepEqual(cache.series(replaced, 'digits', 'trainLoss', 'step', 0)?.ys, [100, 200]);
});

test('aligning series in x order gives what aligning them in any order gives', () => {
  const a: ChartSeries = { dataset: 'a', metric: 'trainLoss', xs: [1, 2, 4, 7, 9], ys: [1, 2, Number.NaN, 7, 9] };
  const b: ChartSeries = { dataset: 'b', metric: 'valLoss', xs: [2, 3, 9, 12], ys: [20, 30, 90, 120] };
  const shuffled: ChartSeries = { ...b, xs: [9, 2, 12, 3], ys: [90, 20, 120, 30] };
  const expected = [
    [1, 2, 3, 4, 7, 9, 12],
    [1, 2, null, null, 7, 9, null],
    [null, 20, 30, null, null, 90, 120],
  ];
  assert.deepEqual(alignSeries([a, b]), expected);
  assert.deepEqual(alignSeries([a, shuffled]), expected);
});

test('a step repeated within a series keeps its last value when aligned', () => {
  const a: ChartSeries = { dataset: 'a', metric: 'trainLoss', xs: [1, 2, 2, 3], ys: [1, 2, 5, 3] };
  assert.deepEqual(alignSeries([a]), [
    [1, 2, 3],
    [1, 5, 3],
  ]);
});
