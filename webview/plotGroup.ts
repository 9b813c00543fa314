/**
 * A column of small uPlot charts that the balancing section draws (gradient shares, balancer
 * weights, schedules). Charts are rebuilt only when their layout changes (which charts, which
 * series) or the theme does; otherwise new data is set in place, and only on the charts whose data
 * changed (most deltas change none of them). A line series shows its point markers only while its
 * points are sparse enough to be seen one by one.
 */
import uPlot from 'uplot';
import { showsMarkers } from '../src/shared/panel/renderDensity';
import { axisStyle, cssVar, onThemeChange, seriesColor } from './chartTheme';
import { latestLegend } from './latestLegend';
import { el } from './dom';

export interface PlotSeries {
  label: string;
  /** Index into the theme's chart colours. */
  color: number;
  dash: number[];
  /** False: markers only (values in force), no line. */
  line: boolean;
  points: boolean;
  /** Hollow markers tell a series' points from a neighbour's without colour. */
  hollow?: boolean;
}

export interface PlotSpec {
  key: string;
  title: string;
  xLabel: string;
  /** A fixed y range, e.g. [0, 1] for shares; auto when absent. */
  yRange?: [number, number];
  /** Y ticks with three significant digits (a learning rate: 0.0005 next to 0.001), not uPlot's fixed decimals. */
  significantTicks?: boolean;
  series: PlotSeries[];
  /** `[x, y1, y2, …]`, one y column per series. */
  data: uPlot.AlignedData;
}

const HEIGHT = 150;
const significantTicks = (_plot: uPlot, splits: number[]): string[] => splits.map((value) => String(Number(value.toPrecision(3))));
const noPath: uPlot.Series.PathBuilder = () => null;

export class PlotGroup {
  readonly element: HTMLElement;
  private plots: uPlot[] = [];
  private specs: PlotSpec[] = [];
  private layout = '';

  constructor(className: string) {
    this.element = el('div', { className: `plot-group ${className}` });
    new ResizeObserver(() => this.resize()).observe(this.element);
    onThemeChange(() => this.rebuild());
  }

  render(specs: PlotSpec[]): void {
    const before = this.specs;
    this.specs = specs;
    const layout = JSON.stringify(specs.map(({ data: _data, ...rest }) => rest));
    if (layout !== this.layout || this.plots.length !== specs.length) {
      this.layout = layout;
      this.rebuild();
      return;
    }
    specs.forEach((spec, i) => {
      if (!sameData(before[i]?.data, spec.data)) this.plots[i]?.setData(spec.data);
    });
  }

  private rebuild(): void {
    for (const plot of this.plots) plot.destroy();
    this.plots = [];
    this.element.replaceChildren();
    const width = this.width();
    for (const spec of this.specs) {
      const box = el('figure', { className: 'chart small' }, [el('figcaption', { text: spec.title })]);
      this.element.append(box);
      this.plots.push(new uPlot(this.options(spec, width), spec.data, box));
    }
  }

  private options(spec: PlotSpec, width: number): uPlot.Options {
    const axis = axisStyle();
    return {
      width,
      height: HEIGHT,
      scales: { x: { time: false }, ...(spec.yRange ? { y: { range: spec.yRange } } : {}) },
      axes: [{ ...axis, label: spec.xLabel }, spec.significantTicks ? { ...axis, values: significantTicks, size: 64 } : axis],
      // As the main charts: each legend reads its series' latest value without hovering.
      hooks: latestLegend(),
      series: [
        { label: spec.xLabel },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: seriesColor(s.color),
          dash: s.dash,
          width: 1.5,
          spanGaps: true,
          ...(s.line ? {} : { paths: noPath }),
          points: s.points
            ? {
                show: s.line ? (plot: uPlot, index: number) => this.sparse(plot, index) : true,
                size: s.line ? 4 : 7,
                fill: s.hollow ? cssVar('--vscode-editor-background', '#fff') : seriesColor(s.color),
              }
            : { show: false },
        })),
      ],
    };
  }

  private sparse(plot: uPlot, index: number): boolean {
    const xs: ArrayLike<number | null | undefined> = plot.data[0];
    const column: ArrayLike<number | null | undefined> = plot.data[index] ?? [];
    let points = 0;
    let first: number | undefined;
    let last: number | undefined;
    for (let i = 0; i < column.length; i++) {
      if (column[i] === null || column[i] === undefined) continue;
      points++;
      first ??= xs[i] ?? undefined;
      last = xs[i] ?? undefined;
    }
    const span = first === undefined || last === undefined ? 0 : plot.valToPos(last, 'x') - plot.valToPos(first, 'x');
    return showsMarkers(points, span);
  }

  private width(): number {
    return Math.max(240, Math.min(520, this.element.clientWidth - 8));
  }

  private resize(): void {
    const width = this.width();
    for (const plot of this.plots) if (plot.width !== width) plot.setSize({ width, height: HEIGHT });
  }
}

function sameData(a: uPlot.AlignedData | undefined, b: uPlot.AlignedData): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let c = 0; c < a.length; c++) {
    const before: ArrayLike<number | null | undefined> = a[c] ?? [];
    const now: ArrayLike<number | null | undefined> = b[c] ?? [];
    if (before.length !== now.length) return false;
    for (let i = 0; i < now.length; i++) if (before[i] !== now[i]) return false;
  }
  return true;
}
