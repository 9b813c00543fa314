/**
 * The PNG export: the panel's charts on one canvas that reads on its own, away from the panel — the
 * experiment and run as a title, the charts in the grid the panel showed them in, each with its
 * caption, its axes (uPlot draws their names on the chart's canvas) and a legend of line samples
 * with each series' latest value. Drawn on the theme's background in its colours.
 */
import type uPlot from 'uplot';
import { cssVar } from './chartTheme';

export interface PngChart {
  plot: uPlot;
  title: string;
  series: Array<{ label: string; dash: number[]; color: string }>;
}

export interface PngLayout {
  title: string;
  subtitle: string;
  columns: number;
  charts: PngChart[];
}

const PAD = 12;
const LEGEND_LINE = 16;
const SAMPLE_WIDTH = 22;

/** The series' newest value, as the legend shows it away from the cursor. */
function latestValue(plot: uPlot, index: number): string {
  const column: ArrayLike<number | null | undefined> = plot.data[index] ?? [];
  for (let i = column.length - 1; i >= 0; i--) {
    const value = column[i];
    if (value !== null && value !== undefined) return value.toPrecision(4);
  }
  return '–';
}

export function chartsPng(layout: PngLayout): string | undefined {
  const ratio = window.devicePixelRatio || 1;
  const font = cssVar('--vscode-font-family', 'sans-serif');
  const cellWidth = Math.max(...layout.charts.map(({ plot }) => plot.ctx.canvas.width));
  const legendHeight = Math.max(...layout.charts.map((c) => c.series.length)) * LEGEND_LINE * ratio;
  const cellHeight = Math.max(...layout.charts.map(({ plot }) => plot.ctx.canvas.height)) + (20 + 4) * ratio + legendHeight;
  const columns = Math.max(1, Math.min(layout.columns, layout.charts.length));
  const rows = Math.ceil(layout.charts.length / columns);
  const header = 48 * ratio;
  const out = document.createElement('canvas');
  out.width = columns * cellWidth + (columns + 1) * PAD * ratio;
  out.height = header + rows * (cellHeight + PAD * ratio);
  const ctx = out.getContext('2d');
  if (!ctx) return undefined;
  const foreground = cssVar('--vscode-editor-foreground', '#000000');
  ctx.fillStyle = cssVar('--vscode-editor-background', '#ffffff');
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = foreground;
  ctx.textBaseline = 'alphabetic';
  ctx.font = `600 ${16 * ratio}px ${font}`;
  ctx.fillText(layout.title, PAD * ratio, 22 * ratio);
  ctx.font = `${11 * ratio}px ${font}`;
  ctx.fillText(layout.subtitle, PAD * ratio, 40 * ratio);
  layout.charts.forEach((chart, i) => {
    const x = PAD * ratio + (i % columns) * (cellWidth + PAD * ratio);
    const y = header + Math.floor(i / columns) * (cellHeight + PAD * ratio);
    ctx.fillStyle = foreground;
    ctx.font = `600 ${12 * ratio}px ${font}`;
    ctx.fillText(chart.title, x, y + 14 * ratio);
    const canvas = chart.plot.ctx.canvas;
    ctx.drawImage(canvas, x, y + 20 * ratio);
    drawLegend(ctx, chart, x, y + 20 * ratio + canvas.height + 4 * ratio, ratio, font, foreground);
  });
  return out.toDataURL('image/png');
}

function drawLegend(ctx: CanvasRenderingContext2D, chart: PngChart, x: number, top: number, ratio: number, font: string, foreground: string): void {
  ctx.font = `${11 * ratio}px ${font}`;
  chart.series.forEach((s, i) => {
    const middle = top + (i + 0.5) * LEGEND_LINE * ratio;
    ctx.save();
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5 * ratio;
    ctx.setLineDash(s.dash.map((d) => d * ratio));
    ctx.beginPath();
    ctx.moveTo(x, middle);
    ctx.lineTo(x + SAMPLE_WIDTH * ratio, middle);
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = foreground;
    ctx.textBaseline = 'middle';
    ctx.fillText(`${s.label}: ${latestValue(chart.plot, i + 1)}`, x + (SAMPLE_WIDTH + 6) * ratio, middle);
  });
}
