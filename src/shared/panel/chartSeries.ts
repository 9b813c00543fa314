/**
 * Turns a run view's curves into the columns a chart draws: the chosen x (step or epoch), smoothed
 * y, and every series aligned on the union of their x values (null where a series has no point).
 */
import { smoothDebiased } from './smoothing';
import { epochPosition, type CurveMetric, type RunView } from './runView';

export type XAxis = 'step' | 'epoch';

export interface ChartSeries {
  dataset: string;
  metric: CurveMetric;
  xs: number[];
  ys: number[];
}

/** `view` may be this run's view or a compared run's curves. */
export function curveSeries(view: Pick<RunView, 'curves' | 'epochEndX'>, dataset: string, metric: CurveMetric, xAxis: XAxis, smoothing: number): ChartSeries | undefined {
  const points = view.curves[dataset]?.[metric];
  if (points === undefined || points.length === 0) return undefined;
  const xs = points.map((point) => (xAxis === 'step' ? point.x : epochPosition(view, point)));
  // Epoch-level curves have one point per epoch: smoothing them would hide the trend it should show.
  const ys = metric.startsWith('train') ? smoothDebiased(points.map((p) => p.y), smoothing) : points.map((p) => p.y);
  return { dataset, metric, xs, ys };
}

/** uPlot's data layout: `[x, y1, y2, …]`, x ascending and shared, gaps as null. */
export function alignSeries(series: readonly ChartSeries[]): [number[], ...Array<Array<number | null>>] {
  const xs = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = series.map((s) => {
    const column: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      column[index.get(x) ?? 0] = y !== undefined && Number.isFinite(y) ? y : null;
    });
    return column;
  });
  return [xs, ...columns];
}
