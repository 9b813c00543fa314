/**
 * The balancing section: the balancer in use, each dataset's share of the gradient norm on the
 * shared layers over time and the balancer's weights, the gradient conflict heat map, and the
 * schedules (planned values and the values in force). A run without diagnostics, balancer or
 * schedules has none of these, and the section is hidden.
 */
import type uPlot from 'uplot';
import { balancerSummary, conflictMap, datasetsWithCurve, type ConflictMap } from '../src/shared/panel/balancing';
import { alignSeries, curveSeries, type ChartSeries, type XAxis } from '../src/shared/panel/chartSeries';
import type { CurveMetric, RunView } from '../src/shared/panel/runView';
import { scheduleCharts } from '../src/shared/panel/scheduleSeries';
import { dashFor } from './chartTheme';
import { el, scrollBox } from './dom';
import { PlotGroup, type PlotSpec } from './plotGroup';

export class BalancingView {
  readonly element = el('section', { className: 'balancing', attrs: { 'aria-label': 'Balancing' } });
  private readonly summary = el('p', { className: 'balancer' });
  private readonly gradients = new PlotGroup('gradient-plots');
  private readonly conflict = el('div', { className: 'conflict-map' });
  private readonly schedulesHeading = el('h3', { text: 'Schedules' });
  private readonly schedules = new PlotGroup('schedule-plots');
  /** The summary the heat map was built from: it changes once an epoch (or diagnostic step), not on every delta. */
  private conflictSource: unknown;

  constructor() {
    this.element.append(el('h2', { text: 'Balancing' }), this.summary, this.gradients.element, this.conflict, this.schedulesHeading, this.schedules.element);
  }

  render(view: RunView, xAxis: XAxis): void {
    const gradientSpecs = gradientPlots(view, xAxis);
    const map = conflictMap(view);
    const scheduleSpecs = schedulePlots(view);
    const summary = balancerSummary(view);
    const adaptive = view.balancer !== undefined && view.balancer.type !== 'static';
    this.element.hidden = gradientSpecs.length === 0 && map === undefined && scheduleSpecs.length === 0 && !adaptive;
    if (this.element.hidden) return;
    this.summary.textContent = summary ?? '';
    this.gradients.render(gradientSpecs);
    const source = view.latestGradients ?? view.latestDiagnostics;
    if (source !== this.conflictSource) {
      this.conflictSource = source;
      this.conflict.replaceChildren(...(map ? renderConflictMap(map) : []));
    }
    this.schedulesHeading.hidden = scheduleSpecs.length === 0;
    this.schedules.render(scheduleSpecs);
  }
}

const colorOf = (view: RunView, dataset: string): number =>
  Math.max(
    0,
    view.datasets.findIndex((d) => d.name === dataset),
  );

function gradientPlots(view: RunView, xAxis: XAxis): PlotSpec[] {
  const xLabel = xAxis === 'epoch' ? 'epoch' : 'step';
  const plot = (metric: CurveMetric, title: string, yRange?: [number, number]): PlotSpec[] => {
    const names = datasetsWithCurve(view, metric);
    if (names.length === 0) return [];
    const series = names.map((name) => curveSeries(view, name, metric, xAxis, 0) ?? ({ dataset: name, metric, xs: [], ys: [] } satisfies ChartSeries));
    return [
      {
        key: metric,
        title,
        xLabel,
        ...(yRange ? { yRange } : {}),
        series: names.map((name) => ({ label: name, color: colorOf(view, name), dash: dashFor(colorOf(view, name)), line: true, points: true })),
        data: alignSeries(series) as uPlot.AlignedData,
      },
    ];
  };
  return [
    ...plot('gradShare', 'Share of the gradient norm on the shared layers', [0, 1]),
    ...plot('balancerWeight', 'Balancer weight (multiplies the loss weight)'),
  ];
}

function schedulePlots(view: RunView): PlotSpec[] {
  return scheduleCharts(view).map((chart) => ({
    key: `schedule/${chart.key}`,
    title: chart.title,
    xLabel: 'epoch',
    ...(chart.key === 'learning-rate' ? { significantTicks: true } : {}),
    series: chart.lines.flatMap((line, i) => [
      { label: `${line.label}, planned`, color: colorOf(view, line.label), dash: dashFor(i), line: true, points: false },
      { label: `${line.label}, in force`, color: colorOf(view, line.label), dash: [], line: false, points: true, hollow: i % 2 === 1 },
    ]),
    data: [chart.epochs, ...chart.lines.flatMap((line) => [line.planned, line.actual])] as uPlot.AlignedData,
  }));
}

/** A real table: a screen reader reads each pair by its row and column headers, and each cell's text is its value. */
function renderConflictMap(map: ConflictMap): HTMLElement[] {
  const table = el('table', { className: 'heat-map' }, [
    el('caption', { text: map.caption }),
    el('thead', {}, [
      el('tr', {}, [el('th', { text: 'Dataset', attrs: { scope: 'col' } }), ...map.names.map((name) => el('th', { text: name, attrs: { scope: 'col' } }))]),
    ]),
    el(
      'tbody',
      {},
      map.rows.map((row) =>
        el('tr', {}, [
          el('th', { text: row.name, attrs: { scope: 'row' } }),
          ...row.cells.map((cell) => el('td', { className: `heat ${cell.bucket}`, text: cell.text })),
        ]),
      ),
    ),
  ]);
  return [
    el('h3', { text: 'Gradient conflict' }),
    scrollBox(table),
    el('p', {
      className: 'hint',
      text: 'Cosine of two datasets’ gradients on the shared layers: below 0 they pull those layers in opposite directions; the percentage is how many steps conflicted.',
    }),
  ];
}
