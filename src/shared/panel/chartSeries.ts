/**
 * Turns a run view's curves into the columns a chart draws: the chosen x (step or epoch), smoothed
 * y, and every series aligned on the union of their x values (null where a series has no point).
 */
import { smoothDebiased, type SmoothingState } from './smoothing';
import { epochPosition, type CurvePoint, type CurveMetric, type RunView } from './runView';

export type XAxis = 'step' | 'epoch';

export interface ChartSeries {
  dataset: string;
  metric: CurveMetric;
  xs: number[];
  ys: number[];
}

type CurveSource = Pick<RunView, 'curves' | 'epochEndX'>;

/** `view` may be this run's view or a compared run's curves. */
export function curveSeries(view: CurveSource, dataset: string, metric: CurveMetric, xAxis: XAxis, smoothing: number): ChartSeries | undefined {
  const points = view.curves[dataset]?.[metric];
  if (points === undefined || points.length === 0) return undefined;
  return { dataset, metric, ...seriesPoints(view, points, metric, xAxis, smoothing, { last: 0, count: 0 }) };
}

function seriesPoints(
  view: CurveSource,
  points: readonly CurvePoint[],
  metric: CurveMetric,
  xAxis: XAxis,
  smoothing: number,
  state: SmoothingState,
): { xs: number[]; ys: number[] } {
  const xs = points.map((point) => (xAxis === 'step' ? point.x : epochPosition(view, point)));
  // Epoch-level curves have one point per epoch: smoothing them would hide the trend it should show.
  const ys = metric.startsWith('train')
    ? smoothDebiased(
        points.map((p) => p.y),
        smoothing,
        state,
      )
    : points.map((p) => p.y);
  return { xs, ys };
}

interface KeptSeries {
  xAxis: XAxis;
  smoothing: number;
  /** Finished epochs when it was made: a step's position on the epoch axis depends on them. */
  epochs: number;
  /** The curve's length when it was last extended. */
  length: number;
  smoothed: SmoothingState;
  series: ChartSeries;
}

/**
 * Chart series kept from one render to the next. The reducer pushes each delta's points onto the
 * curves in place, and the smoothing is causal, so a curve that only grew needs its new points
 * converted and smoothed, not all of them again; a curve the reducer replaced (cut to the point
 * budget) is a new array and is made afresh. The series it returns grow in place: draw them, don't keep them.
 */
export class CurveSeriesCache {
  private readonly kept = new WeakMap<readonly CurvePoint[], KeptSeries>();

  series(view: CurveSource, dataset: string, metric: CurveMetric, xAxis: XAxis, smoothing: number): ChartSeries | undefined {
    const points = view.curves[dataset]?.[metric];
    if (points === undefined || points.length === 0) return undefined;
    const epochs = view.epochEndX.length;
    const kept = this.kept.get(points);
    if (!kept || kept.xAxis !== xAxis || kept.smoothing !== smoothing || (xAxis === 'epoch' && kept.epochs !== epochs) || kept.length > points.length) {
      const smoothed = { last: 0, count: 0 };
      const series = { dataset, metric, ...seriesPoints(view, points, metric, xAxis, smoothing, smoothed) };
      this.kept.set(points, { xAxis, smoothing, epochs, length: points.length, smoothed, series });
      return series;
    }
    if (kept.length < points.length) {
      const added = seriesPoints(view, points.slice(kept.length), metric, xAxis, smoothing, kept.smoothed);
      kept.series.xs.push(...added.xs);
      kept.series.ys.push(...added.ys);
      kept.length = points.length;
    }
    return kept.series;
  }
}

/** uPlot's data layout: `[x, y1, y2, …]`, x ascending and shared, gaps as null. */
export function alignSeries(series: readonly ChartSeries[]): [number[], ...Array<Array<number | null>>] {
  return series.every((s) => ascending(s.xs)) ? mergeAscending(series) : alignAny(series);
}

const cell = (y: number | undefined): number | null => (y !== undefined && Number.isFinite(y) ? y : null);

function ascending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (!((xs[i] as number) >= (xs[i - 1] as number))) return false;
  return true;
}

/**
 * The usual case, drawn on every delta: each series is already in x order, so one merge pass aligns
 * them, without the hashing and sorting of `alignAny`. A repeated x keeps its last value there too.
 */
function mergeAscending(series: readonly ChartSeries[]): [number[], ...Array<Array<number | null>>] {
  const xs: number[] = [];
  const columns = series.map((): Array<number | null> => []);
  const next = series.map(() => 0);
  for (;;) {
    let x = Number.POSITIVE_INFINITY;
    for (let j = 0; j < series.length; j++) {
      const candidate = (series[j] as ChartSeries).xs[next[j] as number];
      if (candidate !== undefined && candidate < x) x = candidate;
    }
    if (x === Number.POSITIVE_INFINITY) break;
    xs.push(x);
    for (let j = 0; j < series.length; j++) {
      const { xs: sx, ys: sy } = series[j] as ChartSeries;
      let i = next[j] as number;
      let y: number | null = null;
      for (; sx[i] === x; i++) y = cell(sy[i]);
      next[j] = i;
      (columns[j] as Array<number | null>).push(y);
    }
  }
  return [xs, ...columns];
}

function alignAny(series: readonly ChartSeries[]): [number[], ...Array<Array<number | null>>] {
  const xs = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = series.map((s) => {
    const column: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    s.xs.forEach((x, i) => {
      column[index.get(x) ?? 0] = cell(s.ys[i]);
    });
    return column;
  });
  return [xs, ...columns];
}
