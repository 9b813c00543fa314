/**
 * Long histories are cut to a bounded number of points before they cross to the webview. Min/max
 * bucketing keeps every spike (a divergence must stay visible) and the first and last points.
 */

export interface XY {
  x: number;
  y: number;
}

/** At most about `target` points (two per bucket plus the ends), in x order; short inputs are returned as they are. */
export function downsampleMinMax<T extends XY>(points: readonly T[], target: number): T[] {
  if (points.length <= target || target < 4) return [...points];
  const buckets = Math.floor((target - 2) / 2);
  const first = points[0] as T;
  const last = points[points.length - 1] as T;
  const inner = points.length - 2;
  const result: T[] = [first];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let min = points[start] as T;
    let max = min;
    for (let i = start + 1; i < end; i++) {
      const point = points[i] as T;
      if (point.y < min.y) min = point;
      if (point.y > max.y) max = point;
    }
    if (min === max) result.push(min);
    else if (min.x <= max.x) result.push(min, max);
    else result.push(max, min);
  }
  result.push(last);
  return result;
}
