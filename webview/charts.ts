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
import { epochProgress } from '../src/shared/runs/epochProgress';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, CurveSeriesCache, type ChartSeries, type XAxis } from '../src/shared/panel/chartSeries';
import { comparedLabel, type ComparedRun } from '../src/shared/panel/comparison';
import { decimateToColumns, sharedXRange, showsMarkers, type XRange } from '../src/shared/panel/renderDensity';
import { epochStartX, type CurveMetric, type RunView, type WeightMarker } from '../src/shared/panel/runView';
import { axisStyle, cssVar, DASHES, onThemeChange, seriesColor } from './chartTheme';
import { el } from './dom';
import { latestLegend } from './latestLegend';
import { chartsPng } from './pngExport';

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

export interface ChartSpec {
  key: string;
  title: string;
  /** The y axis's name: loss, accuracy or MAE. */
  yLabel: string;
  series: SeriesSpec[];
}

/** uPlot's cursor-sync group of the panel's charts. */
const CURSOR_SYNC_KEY = 'jointrain-charts';
const METRIC_LABEL: Record<CurveMetric, string> = {
  trainLoss: 'train loss',
  trainAccuracy: 'train accuracy',
  valLoss: 'validation loss',
  valAccuracy: 'validation accuracy',
  valMae: 'validation MAE',
  gradShare: 'gradient-norm share',
  balancerWeight: 'balancer weight',
};
/** Charts grow taller with their width, up to a height that still shows a row of them at once. */
const chartHeight = (width: number): number => Math.round(Math.min(260, Math.max(190, width * 0.55)));
/** The x axis's tick labels and its name, in CSS pixels: uPlot's defaults (50 and 30) leave a small chart little plot. */
const X_AXIS_SIZE = 32;
const X_LABEL_SIZE = 16;
/** A y axis's width in CSS pixels: uPlot's default 50 for the ticks, and the axis name beside them. */
const Y_LABEL_SIZE = 16;
const Y_AXIS_WIDTH = 50 + Y_LABEL_SIZE;
/** The narrowest chart worth drawing; a grid cell narrower than this (under ~300 px of panel) scrolls. */
const MIN_CHART_WIDTH = 220;
/**
 * Each column keeps its min and max, so two CSS pixels per column draw one point per pixel: drawn
 * side by side, one and two points per pixel look the same, and the second costs twice the time.
 */
const CSS_PIXELS_PER_COLUMN = 2;
/** Dotted and dash-dot: unlike this run's solid and dashed lines even where colour cannot be seen. */
const COMPARED_DASHES = [
  [2, 2],
  [8, 3, 2, 3],
];
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
/** What the series toggles say: `mnist · validation loss`. */
export const seriesLabel = (dataset: string, metric: CurveMetric): string => `${dataset} · ${METRIC_LABEL[metric]}`;

function chartSpecs(view: RunView, compared: ComparedRun | undefined): ChartSpec[] {
  const names = view.datasets.map((d) => d.name);
  const second = (name: string): CurveMetric[] =>
    view.datasets.find((d) => d.name === name)?.task === 'regression' ? ['valMae'] : ['trainAccuracy', 'valAccuracy'];
  const quality = (name: string): string => (second(name).includes('valMae') ? 'MAE' : 'accuracy');
  const perDataset = names.flatMap((name, i): ChartSpec[] => [
    {
      key: `${name}/loss`,
      title: `${name} — loss`,
      yLabel: 'loss',
      series: (['trainLoss', 'valLoss'] as const).map((metric, j) => ({ dataset: name, metric, label: METRIC_LABEL[metric], dash: DASHES[j] ?? [], color: i })),
    },
    {
      key: `${name}/quality`,
      title: `${name} — ${quality(name)}`,
      yLabel: quality(name),
      series: second(name).map((metric, j) => ({ dataset: name, metric, label: METRIC_LABEL[metric], dash: DASHES[j] ?? [], color: i })),
    },
  ]);
  const overlay = (metric: CurveMetric): ChartSpec => ({
    key: `all/${metric}`,
    title: `All datasets — ${METRIC_LABEL[metric]}`,
    yLabel: 'loss',
    series: names.map((name, i) => ({ dataset: name, metric, label: name, dash: DASHES[i % DASHES.length] ?? [], color: i })),
  });
  const withCompared = (spec: ChartSpec): ChartSpec =>
    compared === undefined || spec.key.startsWith('all/')
      ? spec
      : {
          ...spec,
          series: [
            ...spec.series,
            ...spec.series.map((s, j) => ({
              ...s,
              label: `${comparedLabel(view.runId, compared.runId)}: ${s.label}`,
              dash: COMPARED_DASHES[j] ?? [],
              compared: true as const,
            })),
          ],
        };
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
  /** The section is the container its grid's column count answers to (media/panel.css). */
  readonly element = el('section', { className: 'charts', attrs: { 'aria-label': 'Curves' } });
  private readonly grid = el('div', { className: 'chart-grid' });
  private charts: DrawnChart[] = [];
  /** Which charts and series are drawn, and how: when it changes, the charts are built anew; otherwise data is set on them. */
  private layout = '';
  /** Per chart key, per series: whether its points are few enough to be drawn as markers. */
  private readonly markers = new Map<string, boolean[]>();
  private view: RunView | undefined;
  private options: ChartOptions | undefined;
  private width = 0;
  /** The x range every chart shows, so steps and weight markers line up from chart to chart. */
  private range: XRange | undefined;
  /** The x range a drag on any chart zoomed every chart to; a double click clears it. */
  private zoom: XRange | undefined;
  /** Curves are updated in place (a delta pushes onto them), so a curve is known by its array and its length. */
  private readonly curveIds = new WeakMap<object, number>();
  private readonly series = new CurveSeriesCache();
  private readonly byBox = new Map<Element, DrawnChart>();
  private readonly visibility = new IntersectionObserver((entries) => this.seen(entries), { rootMargin: VIEW_MARGIN });

  constructor() {
    this.element.append(this.grid);
    new ResizeObserver(() => this.resize()).observe(this.grid);
    onThemeChange(() => this.rebuild());
  }

  render(view: RunView, options: ChartOptions): void {
    this.view = view;
    this.options = { ...options, hiddenSeries: new Set(options.hiddenSeries) };
    const specs = chartSpecs(view, options.compared);
    this.range = this.sharedRange(specs);
    const layout = JSON.stringify([options.xAxis, [...options.hiddenSeries].sort(), specs]);
    if (layout !== this.layout) {
      this.layout = layout;
      return this.rebuild();
    }
    this.refresh();
  }

  /** The weight markers' x positions in the current x mode. */
  private markerXs(): Array<{ x: number; marker: WeightMarker }> {
    const view = this.view;
    if (!view) return [];
    return view.markers.map((marker) => ({ marker, x: this.options?.xAxis === 'epoch' ? marker.epoch - 1 : epochStartX(view, marker.epoch) }));
  }

  private sharedRange(specs: readonly ChartSpec[]): XRange | undefined {
    return sharedXRange(
      specs.flatMap((spec) => spec.series.map((s) => this.seriesOf(s))),
      this.markerXs().map((m) => m.x),
    );
  }

  private rebuild(): void {
    for (const { plot } of this.charts) plot.destroy();
    this.charts = [];
    this.byBox.clear();
    this.visibility.disconnect();
    if (!this.view || !this.options) return this.grid.replaceChildren();
    this.width = this.cellWidth() ?? this.width;
    if (this.width === 0) this.width = MIN_CHART_WIDTH;
    // Built detached and attached together: the page's style and layout are invalidated once, not once per chart.
    const boxes = chartSpecs(this.view, this.options.compared).map((spec) => {
      const box = el('figure', { className: spec.key.startsWith('all/') ? 'chart overlay' : 'chart' }, [el('figcaption', { text: spec.title })]);
      const chart = { plot: new uPlot(this.plotOptions(spec), this.data(spec), box), spec, drawnFrom: this.drawnFrom(spec), inView: true };
      this.charts.push(chart);
      this.byBox.set(box, chart);
      this.visibility.observe(box);
      return box;
    });
    this.grid.replaceChildren(...boxes);
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
   * Sets new data on a chart if its curves, smoothing, width, epochs, x range or weight markers
   * changed. uPlot draws in a microtask; `now` draws before returning, for an export that reads the canvas next.
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
    const shown = this.shownRange();
    return [this.plotColumns(), options.smoothing, view.epochEndX.length, view.markers.length, shown?.min, shown?.max, ...curves].join('|');
  }

  private curveId(points: object): number {
    let id = this.curveIds.get(points);
    if (id === undefined) this.curveIds.set(points, (id = nextCurveId++));
    return id;
  }

  private seriesOf(s: SeriesSpec): ChartSeries {
    const options = this.options;
    const source = this.source(s);
    return (
      (options && source && this.series.series(source, s.dataset, s.metric, options.xAxis, options.smoothing)) ?? {
        dataset: s.dataset,
        metric: s.metric,
        xs: [],
        ys: [],
      }
    );
  }

  /** Each series cut to the min and max of every column of the plot, then aligned on a shared x. */
  private data(spec: ChartSpec): uPlot.AlignedData {
    const series = spec.series.map((s) => this.seriesOf(s));
    const range = this.shownRange();
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
    const background = cssVar('--vscode-editor-background', '#fff');
    const axis = axisStyle();
    const xLabel = this.options?.xAxis === 'epoch' ? 'epoch' : 'step';
    return {
      width: this.width,
      height: chartHeight(this.width),
      scales: {
        x: {
          time: false,
          range: (_plot, min, max) => {
            const shown = this.shownRange();
            return shown ? [shown.min, shown.max] : [min, max];
          },
        },
      },
      // One cursor across the charts, on their shared x axis: hovering a step shows it on every
      // chart; dragging across one zooms them all to that range (zoomTo), a double click undoes it.
      cursor: { sync: { key: CURSOR_SYNC_KEY }, drag: { x: true, y: false, setScale: false } },
      axes: [
        { ...axis, label: xLabel, size: X_AXIS_SIZE, labelSize: X_LABEL_SIZE, labelGap: 0 },
        { ...axis, label: spec.yLabel, labelSize: Y_LABEL_SIZE, labelGap: 0 },
      ],
      series: [
        { label: xLabel },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.compared ? cssVar('--vscode-descriptionForeground', '#888') : seriesColor(s.color),
          dash: s.dash,
          width: LINE_WIDTH,
          spanGaps: true,
          show: !this.options?.hiddenSeries.has(seriesKey(s.dataset, s.metric)),
          points: { show: (_plot: uPlot, index: number) => this.markers.get(spec.key)?.[index - 1] ?? false, fill: background },
        })),
      ],
      hooks: {
        draw: [(plot: uPlot) => this.drawMarkers(plot, foreground)],
        ...latestLegend(),
        setCursor: [(plot: uPlot) => this.markerTooltip(plot)],
        setSelect: [(plot: uPlot) => this.zoomToSelection(plot)],
        ready: [(plot: uPlot) => plot.over.addEventListener('dblclick', () => this.zoomTo(undefined))],
      },
    };
  }

  /** The x range every chart shows: the zoomed one, else the whole run's. */
  private shownRange(): XRange | undefined {
    return this.zoom ?? this.range;
  }

  private zoomToSelection(plot: uPlot): void {
    const { left, width } = plot.select;
    // A click, not a drag.
    if (width < 4) return;
    const min = plot.posToVal(left, 'x');
    const max = plot.posToVal(left + width, 'x');
    plot.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (max > min) this.zoomTo({ min, max });
  }

  /** Shows every chart over `range` (undefined: the whole run), with its data cut for that range. */
  private zoomTo(range: XRange | undefined): void {
    this.zoom = range;
    for (const chart of this.charts) this.update(chart, true);
  }

  /** A dotted vertical line where each weight change took effect (the start of its epoch), with who asked at its top. */
  private drawMarkers(plot: uPlot, color: string): void {
    const ctx = plot.ctx;
    const ratio = window.devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.font = `${10 * ratio}px ${cssVar('--vscode-font-family', 'sans-serif')}`;
    ctx.textBaseline = 'top';
    // uPlot leaves the context right-aligned from its y axis.
    ctx.textAlign = 'left';
    /** Where each row of labels ends: a label that would overprint the one before it goes on the next row. */
    const rowEnds = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const { x, marker } of this.markerXs()) {
      const px = plot.valToPos(x, 'x', true);
      const right = plot.bbox.left + plot.bbox.width;
      if (!Number.isFinite(px) || px < plot.bbox.left || px > right) continue;
      ctx.setLineDash([2, 4]);
      ctx.beginPath();
      ctx.moveTo(px, plot.bbox.top);
      ctx.lineTo(px, plot.bbox.top + plot.bbox.height);
      ctx.stroke();
      // Right of its line, or left of it where the plot ends first; the arrow's bar is always at the line.
      const onRight = px + 3 * ratio + ctx.measureText(`↦ ${marker.source}`).width <= right;
      const text = onRight ? `↦ ${marker.source}` : `${marker.source} ↤`;
      const width = ctx.measureText(text).width;
      const start = onRight ? px + 3 * ratio : px - 3 * ratio - width;
      const row = rowEnds.findIndex((end) => start > end);
      // Markers closer still go unlabelled rather than overprinted; the tooltip names each.
      if (row >= 0 && start >= plot.bbox.left) {
        ctx.setLineDash([]);
        ctx.fillText(text, start, plot.bbox.top + (2 + 12 * row) * ratio);
        rowEnds[row] = start + width + 6 * ratio;
      }
    }
    ctx.restore();
  }

  /** Hovering near a weight marker names it in the plot's tooltip: when, and who asked. */
  private markerTooltip(plot: uPlot): void {
    const left = plot.cursor.left;
    const near = left === undefined || left < 0 ? undefined : this.markerXs().find(({ x }) => Math.abs(plot.valToPos(x, 'x') - left) <= 4);
    const text = near ? `Epoch ${near.marker.epoch}: ${near.marker.label}` : '';
    if (plot.over.title !== text) plot.over.title = text;
  }

  /**
   * Every chart on one canvas that reads on its own: the experiment and run as its title, each
   * chart's caption, axes with their names, and a legend of its series with their latest values.
   */
  toPng(): string | undefined {
    const view = this.view;
    if (this.charts.length === 0 || !view) return undefined;
    for (const chart of this.charts) this.update(chart, true);
    return chartsPng({
      title: `${view.experimentName} — ${view.runId}`,
      subtitle: `${epochProgress({ status: view.status, ...view.epochs, ...(view.currentEpoch > 0 ? { current: view.currentEpoch } : {}) })}${this.options?.compared ? ` · dotted: run ${this.options.compared.runId}` : ''}${view.markers.length > 0 ? ' · vertical dotted lines: weight changes' : ''}`,
      columns: this.gridColumns(),
      charts: this.charts.map(({ plot, spec }) => ({
        plot,
        title: spec.title,
        series: spec.series.map((s) => ({
          label: s.label,
          dash: s.dash,
          color: s.compared ? cssVar('--vscode-descriptionForeground', '#888') : seriesColor(s.color),
        })),
      })),
    });
  }

  /** The grid's first column, as laid out: every cell of it is that wide. */
  private cellWidth(): number | undefined {
    const first = Number.parseFloat(getComputedStyle(this.grid).gridTemplateColumns);
    return Number.isFinite(first) && first > 0 ? Math.max(MIN_CHART_WIDTH, Math.floor(first)) : undefined;
  }

  private gridColumns(): number {
    return Math.max(1, getComputedStyle(this.grid).gridTemplateColumns.split(' ').filter(Boolean).length);
  }

  /** The plot area's width in CSS pixels: the chart's, less the y axis. */
  private plotWidth(): number {
    return Math.max(1, this.width - Y_AXIS_WIDTH);
  }

  private plotColumns(): number {
    return Math.max(1, Math.round(this.plotWidth() / CSS_PIXELS_PER_COLUMN));
  }

  /** The grid's columns follow the panel's width (container queries); each chart takes its cell's width. */
  private resize(): void {
    // A detached section (the table view is shown) has no columns: its charts keep their size.
    const width = this.charts.length === 0 ? undefined : this.cellWidth();
    if (width === undefined || width === this.width) return;
    this.width = width;
    for (const { plot } of this.charts) plot.setSize({ width, height: chartHeight(width) });
    this.refresh();
  }
}

/** How wide the points of `series` lie on a plot `plotWidth` pixels wide showing `range`. */
function spanPx(series: ChartSeries, range: XRange, plotWidth: number): number {
  const extent = range.max - range.min;
  return extent > 0 ? (((series.xs[series.xs.length - 1] ?? 0) - (series.xs[0] ?? 0)) / extent) * plotWidth : 0;
}
