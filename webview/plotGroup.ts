/**
 * A column of small uPlot charts that the balancing section draws (gradient shares, balancer
 * weights, schedules). Charts are rebuilt only when their layout changes (which charts, which
 * series) or the theme does; otherwise new data is set on the charts in place.
 */
import uPlot from 'uplot';
import { axisStyle, cssVar, onThemeChange, seriesColor } from './chartTheme';
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
  series: PlotSeries[];
  /** `[x, y1, y2, …]`, one y column per series. */
  data: uPlot.AlignedData;
}

const HEIGHT = 150;
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
    this.specs = specs;
    const layout = JSON.stringify(specs.map(({ data: _data, ...rest }) => rest));
    if (layout !== this.layout || this.plots.length !== specs.length) {
      this.layout = layout;
      this.rebuild();
      return;
    }
    specs.forEach((spec, i) => this.plots[i]?.setData(spec.data));
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
      axes: [{ ...axis, label: spec.xLabel }, axis],
      series: [
        { label: spec.xLabel },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: seriesColor(s.color),
          dash: s.dash,
          width: 1.5,
          spanGaps: true,
          ...(s.line ? {} : { paths: noPath }),
          points: s.points ? { show: true, size: s.line ? 4 : 7, fill: s.hollow ? cssVar('--vscode-editor-background', '#fff') : seriesColor(s.color) } : { show: false },
        })),
      ],
    };
  }

  private width(): number {
    return Math.max(240, Math.min(520, this.element.clientWidth - 8));
  }

  private resize(): void {
    const width = this.width();
    for (const plot of this.plots) if (plot.width !== width) plot.setSize({ width, height: HEIGHT });
  }
}
