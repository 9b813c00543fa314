/**
 * How much of a series a chart draws for its width. A canvas shows at most one value per pixel
 * column, and rasterising a path costs time for every point in it (more with dashes, far more
 * with a circle per point), so each series is cut, just before it is drawn, to the lowest and
 * highest value of each pixel column: a spike stays visible, and the first and last points stay
 * where they are. This is the render-time cut; the host's `downsampleMinMax` to
 * `MAX_POINTS_PER_CURVE` bounds what crosses to the webview.
 */
import type { ChartSeries } from './chartSeries';

export interface XRange {
  min: number;
  max: number;
}

/** Below this many CSS pixels per point, markers would merge into a thick line: the line alone says as much. */
export const MIN_PIXELS_PER_MARKER = 8;

/**
 * At most two points per column of `range` (its min and max, in x order) plus the series' ends.
 * Non-finite values are dropped (the charts span gaps). A series that already fits is returned as it is.
 */
export function decimateToColumns(series: ChartSeries, range: XRange, columns: number): ChartSeries {
  const { xs, ys } = series;
  const width = (range.max - range.min) / columns;
  if (xs.length <= 2 * columns + 2 || !(width > 0) || !Number.isFinite(width)) return series;
  const kept: number[] = [];
  const keep = (i: number) => {
    if (kept[kept.length - 1] !== i) kept.push(i);
  };
  let column = -1;
  let min = -1;
  let max = -1;
  let last = -1;
  const flush = () => {
    if (min < 0) return;
    keep(Math.min(min, max));
    keep(Math.max(min, max));
  };
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i] as number;
    if (!Number.isFinite(y)) continue;
    const at = Math.min(columns - 1, Math.max(0, Math.floor(((xs[i] as number) - range.min) / width)));
    if (at !== column) {
      flush();
      if (last < 0) keep(i);
      column = at;
      min = max = i;
    } else if (y < (ys[min] as number)) min = i;
    else if (y > (ys[max] as number)) max = i;
    last = i;
  }
  flush();
  if (last >= 0) keep(last);
  return { ...series, xs: kept.map((i) => xs[i] as number), ys: kept.map((i) => ys[i] as number) };
}

/**
 * Point markers only where a series' points are far enough apart to be seen one by one (validation
 * once per epoch, say): `spanPx` is the width its points cover. A lone point is nothing but its marker.
 */
export function showsMarkers(points: number, spanPx: number): boolean {
  return points === 1 || (points > 1 && spanPx / (points - 1) >= MIN_PIXELS_PER_MARKER);
}

/**
 * One x range for every chart of the panel, so that a step or epoch sits at the same place in each
 * and weight-change markers line up: from 0 (where training starts; validation's first point is an
 * epoch later) to the furthest point of any series or marker.
 */
export function sharedXRange(series: ReadonlyArray<Pick<ChartSeries, 'xs'>>, markerXs: readonly number[] = []): XRange | undefined {
  let max = Number.NEGATIVE_INFINITY;
  let min = 0;
  for (const { xs } of series) {
    if (xs.length === 0) continue;
    min = Math.min(min, xs[0] as number);
    max = Math.max(max, xs[xs.length - 1] as number);
  }
  if (max === Number.NEGATIVE_INFINITY) return undefined;
  for (const x of markerXs) if (Number.isFinite(x)) max = Math.max(max, x);
  return max > min ? { min, max } : { min, max: min + 1 };
}
