/**
 * uPlot's legend shows values under the cursor and `--` otherwise. These hooks make it show each
 * series' latest value whenever the cursor is not over the plot, so a glance at a legend reads the
 * run's current numbers without hovering.
 */
import type uPlot from 'uplot';

/** The index of each column's last value (null where a series has none), x first. */
function latestIndexes(plot: uPlot): Array<number | null> {
  return plot.data.map((column) => {
    const values: ArrayLike<number | null | undefined> = column;
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return i;
    return null;
  });
}

function showLatest(plot: uPlot): void {
  // uPlot leaves the cursor's index null while the pointer is off the plot.
  if (plot.cursor.idx !== null && plot.cursor.idx !== undefined) return;
  // `setLegend` without firing its hook, so this does not call itself.
  plot.setLegend({ idxs: latestIndexes(plot) }, false);
}

export function latestLegend(): Pick<uPlot.Hooks.Arrays, 'ready' | 'setData' | 'setLegend'> {
  return { ready: [showLatest], setData: [showLatest], setLegend: [showLatest] };
}
