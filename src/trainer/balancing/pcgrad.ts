/**
 * PCGrad (Yu et al. 2020, "Gradient Surgery for Multi-Task Learning"): where two datasets'
 * gradients conflict (negative dot product), each is stripped of its component along the other
 * before they are summed, so neither dataset's step undoes the other's.
 */
import { dot } from './gradientMath';

/**
 * `g` with its component along each conflicting vector of `others` removed, in the given order.
 * Each projection is against the original other gradient, as in the paper, not its projected form.
 */
export function projectConflicting(g: Float32Array, others: Float32Array[]): Float32Array {
  // Worked on in float64 so that the residual conflict after a projection is rounding-free
  // until the final cast back to the trainer's float32.
  const projected = Float64Array.from(g);
  for (const other of others) {
    const otherNormSquared = dot(other, other);
    if (otherNormSquared === 0) continue;
    const overlap = dot(projected, other);
    if (overlap >= 0) continue;
    const scale = overlap / otherNormSquared;
    for (let i = 0; i < projected.length; i++) projected[i] = (projected[i] as number) - scale * (other[i] as number);
  }
  return Float32Array.from(projected);
}

/**
 * The sum of every dataset's projected gradient. `order(d)` lists the other datasets in the order
 * d is projected against them; the paper shuffles it every step, and taking it from the caller
 * keeps the shuffle on the run's seeded generator.
 */
export function pcgrad(grads: Float32Array[], order: (d: number) => number[]): Float32Array {
  const length = grads[0]?.length ?? 0;
  const total = new Float64Array(length);
  grads.forEach((g, d) => {
    const others = order(d).map((k) => {
      const other = grads[k];
      if (k === d || other === undefined) throw new RangeError(`PCGrad order for dataset ${d} names ${k}, not another dataset of the step`);
      return other;
    });
    const projected = projectConflicting(g, others);
    if (projected.length !== length) throw new RangeError(`gradient vectors differ in length: ${length} and ${projected.length}`);
    for (let i = 0; i < length; i++) total[i] = (total[i] as number) + (projected[i] as number);
  });
  return Float32Array.from(total);
}
