/**
 * The curves, drawn with uPlot on canvas: small multiples (one loss chart and one accuracy or MAE
 * chart per dataset) and overlays of every dataset. Colours come from the theme's --vscode-charts-*
 * variables; series also differ by dash pattern, so they can be told apart without colour.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, curveSeries, type ChartSeries, type XAxis } from '../src/shared/panel/chartSeries';
import type { ComparedRun } from '../src/shared/panel/comparison';
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

interface ChartSpec {
  key: string;
  title: string;
  series: Array<{ dataset: string; metric: CurveMetric; label: string; dash: number[]; color: number; compared?: true }>;
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
const COMPARED_DASHES = [[6, 3], [2, 2]];

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

export class Charts {
  readonly element = el('section', { className: 'charts', attrs: { 'aria-label': 'Curves' } });
  private plots = new Map<string, { plot: uPlot; spec: ChartSpec; box: HTMLElement }>();
  private view: RunView | undefined;
  private options: ChartOptions | undefined;

  constructor() {
    new ResizeObserver(() => this.resize()).observe(this.element);
    onThemeChange(() => this.rebuild());
  }

  render(view: RunView, options: ChartOptions): void {
    const sameLayout =
      this.view?.runId === view.runId &&
      this.options?.xAxis === options.xAxis &&
      this.options.compared === options.compared &&
      this.plots.size === chartSpecs(view, options.compared).length &&
      sameHidden(this.options, options);
    this.view = view;
    this.options = { ...options, hiddenSeries: new Set(options.hiddenSeries) };
    if (!sameLayout) return this.rebuild();
    for (const { plot, spec } of this.plots.values()) plot.setData(this.data(spec));
  }

  private rebuild(): void {
    for (const { plot } of this.plots.values()) plot.destroy();
    this.plots.clear();
    this.element.replaceChildren();
    if (!this.view || !this.options) return;
    const width = this.chartWidth();
    for (const spec of chartSpecs(this.view, this.options.compared)) {
      const box = el('figure', { className: spec.key.startsWith('all/') ? 'chart overlay' : 'chart' }, [el('figcaption', { text: spec.title })]);
      this.element.append(box);
      const plot = new uPlot(this.plotOptions(spec, width), this.data(spec), box);
      this.plots.set(spec.key, { plot, spec, box });
    }
  }

  private data(spec: ChartSpec): uPlot.AlignedData {
    const view = this.view;
    const options = this.options;
    if (!view || !options) return [[]];
    const source = (s: ChartSpec['series'][number]) => (s.compared ? options.compared : view) ?? view;
    const series = spec.series.map((s) => curveSeries(source(s), s.dataset, s.metric, options.xAxis, options.smoothing) ?? ({ dataset: s.dataset, metric: s.metric, xs: [], ys: [] } satisfies ChartSeries));
    return alignSeries(series) as uPlot.AlignedData;
  }

  private plotOptions(spec: ChartSpec, width: number): uPlot.Options {
    const foreground = cssVar('--vscode-editor-foreground', '#888');
    const axis = axisStyle();
    return {
      width,
      height: CHART_HEIGHT,
      scales: { x: { time: false } },
      axes: [{ ...axis, label: this.options?.xAxis === 'epoch' ? 'epoch' : 'step' }, axis],
      series: [
        { label: this.options?.xAxis === 'epoch' ? 'epoch' : 'step' },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.compared ? cssVar('--vscode-descriptionForeground', '#888') : seriesColor(s.color),
          dash: s.dash,
          width: s.compared ? 1 : 1.5,
          spanGaps: true,
          show: !this.options?.hiddenSeries.has(seriesKey(s.dataset, s.metric)),
          points: { show: s.metric.startsWith('val') },
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
    const plots = [...this.plots.values()];
    if (plots.length === 0) return undefined;
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

  private chartWidth(): number {
    return Math.max(240, Math.min(560, this.element.clientWidth - 16));
  }

  private resize(): void {
    const width = this.chartWidth();
    for (const { plot } of this.plots.values()) if (plot.width !== width) plot.setSize({ width, height: CHART_HEIGHT });
  }
}

function sameHidden(a: ChartOptions | undefined, b: ChartOptions): boolean {
  return a !== undefined && a.hiddenSeries.size === b.hiddenSeries.size && [...a.hiddenSeries].every((key) => b.hiddenSeries.has(key));
}
