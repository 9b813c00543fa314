/**
 * What every chart of the panel shares: colours from the theme's --vscode-* variables (read when a
 * chart is built, and again after a theme change) and dash patterns, so that series can be told
 * apart without colour.
 */
import type uPlot from 'uplot';

const PALETTE = ['blue', 'red', 'green', 'yellow', 'orange', 'purple'];
export const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [12, 6]];

export const dashFor = (index: number): number[] => DASHES[index % DASHES.length] ?? [];

export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** The theme's chart colour for the series at `index`. */
export function seriesColor(index: number): string {
  return cssVar(`--vscode-charts-${PALETTE[index % PALETTE.length] ?? 'blue'}`, '#3794ff');
}

export function axisStyle(): uPlot.Axis {
  const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.2)');
  return { stroke: cssVar('--vscode-editor-foreground', '#888'), grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

/** Calls `redraw` when VS Code switches themes (it changes the body's class). */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
