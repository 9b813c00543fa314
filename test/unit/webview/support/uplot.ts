/**
 * Records every uPlot chart the webview builds, so a test can read what it was given (series,
 * scales, data, size) and whether it was destroyed. Import after `./dom`, before any webview module:
 * the webview's modules then get this recording constructor in place of uPlot's.
 */
import './dom';
import { createRequire } from 'node:module';
import uPlot from 'uplot';

export const plots: uPlot[] = [];
const destroyed = new WeakSet<uPlot>();

function RecordedPlot(options: uPlot.Options, data: uPlot.AlignedData, target?: HTMLElement): uPlot {
  const plot = new uPlot(options, data, target);
  const destroy = plot.destroy.bind(plot);
  plot.destroy = () => {
    destroyed.add(plot);
    destroy();
  };
  plots.push(plot);
  return plot;
}
Object.setPrototypeOf(RecordedPlot, uPlot);
RecordedPlot.prototype = uPlot.prototype;

const load = createRequire(__filename);
const cached = load.cache[load.resolve('uplot')];
if (!cached) throw new Error('uplot was not loaded through require');
cached.exports = RecordedPlot;

/** Charts built and not destroyed, oldest first. */
export const livePlots = (): uPlot[] => plots.filter((plot) => !destroyed.has(plot));
export const isDestroyed = (plot: uPlot): boolean => destroyed.has(plot);

/** The chart drawn in `figure` (the webview puts each in its own figure). */
export function plotIn(figure: Element): uPlot {
  const plot = plots.find((p) => p.root.parentElement === figure && !destroyed.has(p));
  if (!plot) throw new Error(`no live chart in ${figure.outerHTML.slice(0, 80)}`);
  return plot;
}

/** A series' labels, the x series first. */
export const seriesLabels = (plot: uPlot): string[] => plot.series.map((s) => (typeof s.label === 'string' ? s.label : (s.label?.textContent ?? '')));

/** A uPlot option as uPlot uses it: options given as values are kept as functions of the plot and the series' index. */
export const resolved = (value: unknown, plot: uPlot, index: number): unknown =>
  typeof value === 'function' ? (value as (u: uPlot, i: number) => unknown)(plot, index) : value;
