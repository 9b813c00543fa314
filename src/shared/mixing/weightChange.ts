/**
 * The one rule for a weight change, applied by the panel before it sends, by the host before it
 * sends what the user typed, and by the trainer when it applies: each weight a finite number from 0
 * to MAX_WEIGHT, for a dataset the run has (own names only: `constructor` is not a dataset), and the
 * weights in force afterwards not all zero — a partial change is judged merged over the current
 * weights, so setting one dataset to 0 is fine while another still has weight.
 */
import type { WeightChange } from '../runs/format';

export const MAX_WEIGHT = 1e6;
const KINDS = ['sampling', 'loss'] as const;

export type CurrentWeights = Record<(typeof KINDS)[number], Readonly<Record<string, number>>>;

/** Why `change` cannot be applied over `current`, or undefined when it can. */
export function weightChangeProblem(change: WeightChange, current: CurrentWeights): string | undefined {
  for (const kind of KINDS) {
    const requested = change[kind] ?? {};
    for (const [name, weight] of Object.entries(requested)) {
      if (!Object.hasOwn(current[kind], name))
        return `${kind} weight for unknown dataset '${name}' (datasets: ${Object.keys(current[kind]).join(', ') || 'none'})`;
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > MAX_WEIGHT) {
        return `${kind} weight of '${name}' must be a finite number from 0 to ${MAX_WEIGHT}, got ${String(weight)}`;
      }
    }
    const after = { ...current[kind], ...requested };
    const names = Object.keys(after);
    if (names.length > 0 && names.every((name) => after[name] === 0)) return `${kind} weights would all be zero: at least one dataset needs a positive weight`;
  }
  return undefined;
}
