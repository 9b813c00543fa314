/**
 * The curves, drawn with uPlot on canvas: small multiples (one loss chart and one accuracy or MAE
 * chart per dataset) and overlays of every dataset. Colours come from the theme's --vscode-charts-*
 * variables; series also differ by dash pattern, so they can be told apart without colour, and
 * validation series add a marker per point while their points are sparse (one per epoch).
 *
 * Drawing is what costs (the canvas is rasterised point by point, a wide or dashed line more, a
 * circle per point most), so each chart draws at most one point per CSS pixel of its plot (the min
 * and max of every two-pixel column, so spikes stay), markers only for sparse series, a delta
 * redraws only the charts whose curves it changed and that are in (or near) the viewport, and
 * charts are built anew only when their layout changes: otherwise new data is set on them.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, CurveSeriesCache, type ChartSeries, type XAxis } from '../src/shared/panel/chartSeries';
import type { ComparedRun } from '../src/shared/panel/comparison';
import { decimateToColumns, showsMarkers, type XRange } from '../src/shared/panel/renderDensity';
import { epochStartX, type CurveMetric, type RunView } from '../src/shared/panel/runView';
import { axisStyle, cssVar, DASHES, onThemeChange, seriesColor } from './chartTheme';
import { el } from './dom';

export interface ChartOptions {
  xAxis: XAxis;
  smoothing: number;
  hiddenSeries: ReadonlySet<string>;
  /** Another run of the experiment, drawn dashed in a neutral colour in each dataset's charts. */
  compared?: ComparedRun | undefined;
}

interface SeriesSpec {
  dataset: string;
  metric: CurveMetric;
  label: string;
  dash: number[];
  color: number;
  compared?: true;
}

interface ChartSpec {
  key: string;
  title: string;
  series: SeriesSpec[];
}

const METRIC_LABEL: Record<CurveMetric, string> = {
  trainLoss: 'train loss',
  trainAccuracy: 'train accuracy',
  valLoss: 'validation loss',
  valAccuracy: 'validation accuracy',
  valMae: 'validation MAE',
  gradShare: 'gradient-norm share',
  balancerWeight: 'balancer weight',
};
const CHART_HEIGHT = 180;
/** uPlot's default width of a y axis, in CSS pixels. */
const Y_AXIS_WIDTH = 50;
/**
 * Each column keeps its min and max, so two CSS pixels per column draw one point per pixel: drawn
 * side by side, one and two points per pixel look the same, and the second costs twice the time.
 */
const CSS_PIXELS_PER_COLUMN = 2;
/** Dotted and dash-dot: unlike this run's solid and dashed lines even where colour cannot be seen. */
const COMPARED_DASHES = [[2, 2], [8, 3, 2, 3]];
/**
 * Every curve is one CSS pixel wide: a software rasteriser (a webview without GPU) draws a 1-px line
 * as a hairline, several times faster than a 1.5-px one, and series differ by dash pattern, markers
 * and colour rather than by width.
 */
const LINE_WIDTH = 1;
/** Charts this close to the viewport count as in view, so that one scrolled into view is usually up to date already. */
const VIEW_MARGIN = '200px 0px';

let nextCurveId = 0;

export const seriesKey = (dataset: string, metric: CurveMetric): string => `${dataset}/${metric}`;

function chartSpecs(view: RunView, compared: ComparedRun | undefined): ChartSpec[] {
  const names = view.datasets.map((d) => d.name);
  const second = (name: string): CurveMetric[] => (view.datasets.find((d) => d.name === name)?.task === 'regression' ? ['valMae'] : ['trainAccuracy', 'valAccuracy']);
  const perDataset = names.flatMap((name, i): ChartSpec[] => [
    { key: `${name}/loss`, title: `${name} — loss`, series: (['trainLoss', 'valLoss'] as const).map((metric, j) => ({ dataset: name, metric, label: METRIC_LABEL[metric], dash: DASHES[j] ?? [], color: i })) },
    { key: `${name}/quality`, title: `${name} — ${second(name).includes('valMae') ? 'MAE' : 'accuracy'}`, series: second(name).map((metric, j) => ({ dataset: name, metric, label: METRIC_LABEL[metric], dash: DASHES[j] ?? [], color: i })) },
  ]);
  const overlay = (metric: CurveMetric): ChartSpec => ({
    key: `all/${metric}`,
    title: `All datasets — ${METRIC_LABEL[metric]}`,
    series: names.map((name, i) => ({ dataset: name, metric, label: name, dash: DASHES[i % DASHES.length] ?? [], color: i })),
  });
  const withCompared = (spec: ChartSpec): ChartSpec =>
    compared === undefined || spec.key.startsWith('all/')
      ? spec
      : { ...spec, series: [...spec.series, ...spec.series.map((s, j) => ({ ...s, label: `${compared.runId}: ${s.label}`, dash: COMPARED_DASHES[j] ?? [], compared: true as const }))] };
  return [overlay('trainLoss'), overlay('valLoss'), ...perDataset.map(withCompared)];
}

/** One drawn chart, and what its data was made from: a delta that leaves that unchanged leaves the chart alone. */
interface DrawnChart {
  plot: uPlot;
  spec: ChartSpec;
  drawnFrom: string;
  /** In or near the viewport: a chart nobody can see is brought up to date when it comes into view. */
  inView: boolean;
}

export class Charts {
  readonly element = el('section', { className: 'charts', attrs: { 'aria-label': 'Curves' } });
  private charts: DrawnChart[] = [];
  /** Which charts and series are drawn, and how: when it changes, the charts are built anew; otherwise data is set on them. */
  private layout = '';
  /** Per chart key, per series: whether its points are few enough to be drawn as markers. */
  private readonly markers = new Map<string, boolean[]>();
  private view: RunView | undefined;
  private options: ChartOptions | undefined;
  private width = 0;
  /** Curves are updated in place (a delta pushes onto them), so a curve is known by its array and its length. */
  private readonly curveIds = new WeakMap<object, number>();
  private readonly series = new CurveSeriesCache();
  private readonly byBox = new Map<Element, DrawnChart>();
  private readonly visibility = new IntersectionObserver((entries) => this.seen(entries), { rootMargin: VIEW_MARGIN });

  constructor() {
    new ResizeObserver((entries) => this.resize(entries[0]?.contentRect.width)).observe(this.element);
    onThemeChange(() => this.rebuild());
  }

  render(view: RunView, options: ChartOptions): void {
    this.view = view;
    this.options = { ...options, hiddenSeries: new Set(options.hiddenSeries) };
    const specs = chartSpecs(view, options.compared);
    const layout = JSON.stringify([options.xAxis, [...options.hiddenSeries].sort(), specs]);
    if (layout !== this.layout) {
      this.layout = layout;
      return this.rebuild();
    }
    this.refresh();
  }

  private rebuild(): void {
    for (const { plot } of this.charts) plot.destroy();
    this.charts = [];
    this.byBox.clear();
    this.visibility.disconnect();
    if (!this.view || !this.options) return this.element.replaceChildren();
    this.width = this.chartWidth(this.element.clientWidth);
    // Built detached and attached together: the page's style and layout are invalidated once, not once per chart.
    const boxes = chartSpecs(this.view, this.options.compared).map((spec) => {
      const box = el('figure', { className: spec.key.startsWith('all/') ? 'chart overlay' : 'chart' }, [el('figcaption', { text: spec.title })]);
      const chart = { plot: new uPlot(this.plotOptions(spec), this.data(spec), box), spec, drawnFrom: this.drawnFrom(spec), inView: true };
      this.charts.push(chart);
      this.byBox.set(box, chart);
      this.visibility.observe(box);
      return box;
    });
    this.element.replaceChildren(...boxes);
  }

  /** Brings the charts in view up to date; the others wait until they come into view (`seen`). */
  private refresh(): void {
    for (const chart of this.charts) if (chart.inView) this.update(chart);
  }

  private seen(entries: readonly IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      const chart = this.byBox.get(entry.target);
      if (!chart) continue;
      chart.inView = entry.isIntersecting;
      if (chart.inView) this.update(chart);
    }
  }

  /**
   * Sets new data on a chart if its curves, smoothing, width, epochs or weight markers changed. uPlot
   * draws in a microtask; `now` draws before returning, for an export that reads the canvas next.
   */
  private update(chart: DrawnChart, now = false): void {
    const drawnFrom = this.drawnFrom(chart.spec);
    if (drawnFrom === chart.drawnFrom) return;
    chart.drawnFrom = drawnFrom;
    const data = this.data(chart.spec);
    if (now) chart.plot.batch(() => chart.plot.setData(data));
    else chart.plot.setData(data);
  }

  private source(s: SeriesSpec): Pick<RunView, 'curves' | 'epochEndX'> | undefined {
    return s.compared ? this.options?.compared : this.view;
  }

  private drawnFrom(spec: ChartSpec): string {
    const view = this.view;
    const options = this.options;
    if (!view || !options) return '';
    const curves = spec.series.map((s) => {
      const points = this.source(s)?.curves[s.dataset]?.[s.metric];
      const last = points?.[points.length - 1];
      return points && last ? `${this.curveId(points)}:${points.length}:${last.x}:${last.y}` : '-';
    });
    return [this.plotColumns(), options.smoothing, view.epochEndX.length, view.markers.length, ...curves].join('|');
  }

  private curveId(points: object): number {
    let id = this.curveIds.get(points);
    if (id === undefined) this.curveIds.set(points, (id = nextCurveId++));
    return id;
  }

  /** Each series cut to the min and max of every column of the plot, then aligned on a shared x. */
  private data(spec: ChartSpec): uPlot.AlignedData {
    const options = this.options;
    if (!options) return [[]];
    const series = spec.series.map((s) => {
      const source = this.source(s);
      return (source && this.series.series(source, s.dataset, s.metric, options.xAxis, options.smoothing)) ?? ({ dataset: s.dataset, metric: s.metric, xs: [], ys: [] } satisfies ChartSeries);
    });
    const range = xRange(series);
    const columns = this.plotColumns();
    const drawn = range ? series.map((s) => decimateToColumns(s, range, columns)) : series;
    this.markers.set(
      spec.key,
      drawn.map((s) => s.metric.startsWith('val') && range !== undefined && showsMarkers(s.xs.length, spanPx(s, range, this.plotWidth()))),
    );
    return alignSeries(drawn) as uPlot.AlignedData;
  }

  private plotOptions(spec: ChartSpec): uPlot.Options {
    const foreground = cssVar('--vscode-editor-foreground', '#888');
    const axis = axisStyle();
    return {
      width: this.width,
      height: CHART_HEIGHT,
      scales: { x: { time: false } },
      axes: [{ ...axis, label: this.options?.xAxis === 'epoch' ? 'epoch' : 'step' }, axis],
      series: [
        { label: this.options?.xAxis === 'epoch' ? 'epoch' : 'step' },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.compared ? cssVar('--vscode-descriptionForeground', '#888') : seriesColor(s.color),
          dash: s.dash,
          width: LINE_WIDTH,
          spanGaps: true,
          show: !this.options?.hiddenSeries.has(seriesKey(s.dataset, s.metric)),
          points: { show: (_plot: uPlot, index: number) => this.markers.get(spec.key)?.[index - 1] ?? false },
        })),
      ],
      hooks: { draw: [(plot: uPlot) => this.drawMarkers(plot, foreground)] },
    };
  }

  /** A dotted vertical line where each weight change took effect (the start of its epoch). */
  private drawMarkers(plot: uPlot, color: string): void {
    const view = this.view;
    if (!view) return;
    const ctx = plot.ctx;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.setLineDash([2, 4]);
    for (const marker of view.markers) {
      const x = this.options?.xAxis === 'epoch' ? marker.epoch - 1 : epochStartX(view, marker.epoch);
      const px = plot.valToPos(x, 'x', true);
      if (!Number.isFinite(px) || px < plot.bbox.left || px > plot.bbox.left + plot.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(px, plot.bbox.top);
      ctx.lineTo(px, plot.bbox.top + plot.bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  }

  /** Every chart with its title on one canvas, on the theme's background, as a PNG data URL. */
  toPng(): string | undefined {
    const plots = this.charts;
    if (plots.length === 0) return undefined;
    for (const chart of plots) this.update(chart, true);
    const ratio = window.devicePixelRatio || 1;
    const titleHeight = 20 * ratio;
    const canvases = plots.map(({ plot }) => plot.ctx.canvas);
    const out = document.createElement('canvas');
    out.width = Math.max(...canvases.map((c) => c.width));
    out.height = canvases.reduce((sum, c) => sum + c.height + titleHeight, 0);
    const ctx = out.getContext('2d');
    if (!ctx) return undefined;
    ctx.fillStyle = cssVar('--vscode-editor-background', '#ffffff');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = cssVar('--vscode-editor-foreground', '#000000');
    ctx.font = `${12 * ratio}px sans-serif`;
    let y = 0;
    plots.forEach(({ spec }, i) => {
      const canvas = canvases[i] as HTMLCanvasElement;
      ctx.fillText(spec.title, 4 * ratio, y + 14 * ratio);
      ctx.drawImage(canvas, 0, y + titleHeight);
      y += canvas.height + titleHeight;
    });
    return out.toDataURL('image/png');
  }

  private chartWidth(available: number): number {
    return Math.max(240, Math.min(560, available - 16));
  }

  /** The plot area's width in CSS pixels: the chart's, less the y axis. */
  private plotWidth(): number {
    return Math.max(1, this.width - Y_AXIS_WIDTH);
  }

  private plotColumns(): number {
    return Math.max(1, Math.round(this.plotWidth() / CSS_PIXELS_PER_COLUMN));
  }

  /** Reads the width the observer measured, so that a resize forces no layout of its own. */
  private resize(available: number | undefined): void {
    // A detached section (the table view is shown) measures 0: its charts keep their size.
    if (!available || this.charts.length === 0) return;
    const width = this.chartWidth(available);
    if (width === this.width) return;
    this.width = width;
    for (const { plot } of this.charts) plot.setSize({ width, height: CHART_HEIGHT });
    this.refresh();
  }
}

/** How wide the points of `series` lie on a plot `plotWidth` pixels wide showing `range`. */
function spanPx(series: ChartSeries, range: XRange, plotWidth: number): number {
  const extent = range.max - range.min;
  return extent > 0 ? (((series.xs[series.xs.length - 1] ?? 0) - (series.xs[0] ?? 0)) / extent) * plotWidth : 0;
}

/** The x extent of the chart's series: their points are in x order. */
function xRange(series: readonly ChartSeries[]): XRange | undefined {
  const drawn = series.filter((s) => s.xs.length > 0);
  if (drawn.length === 0) return undefined;
  return { min: Math.min(...drawn.map((s) => s.xs[0] as number)), max: Math.max(...drawn.map((s) => s.xs[s.xs.length - 1] as number)) };
}
