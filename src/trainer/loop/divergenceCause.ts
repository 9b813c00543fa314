/**
 * Which term of loss_total made it non-finite, with its value and what to change. The total is
 * Σ_d lossWeight_d·L_d + l2·Σ‖kernel‖² (see `jointLoss`); a dataset's raw loss can be finite while
 * its weighted term (a huge loss_weight or class weight) or the regulariser overflows, and blaming
 * the first dataset's finite loss would send the user to the wrong knob.
 */
import { EXPLOSION_FACTOR, EXPLOSION_STEPS, type LossExplosion } from './lossExplosion';
import type { StepOutcome } from './trainStep';

export interface DivergenceCause {
  /** The dataset at fault; absent when the regulariser or the sum of finite terms is. */
  dataset?: string;
  /** What became non-finite, with its value. */
  message: string;
  /** What to change. */
  advice: string;
}

export interface StepTerms {
  /** The datasets of the step, in the order of `outcome.datasets`. */
  names: readonly string[];
  /** Each one's loss weight as applied (the balancer's multiplier included). */
  lossWeights: readonly number[];
  l2: number;
  learningRate: number;
}

export function divergenceCause(outcome: StepOutcome, terms: StepTerms): DivergenceCause {
  const results = outcome.datasets;
  const raw = results.findIndex((result) => !Number.isFinite(result.lossSum));
  if (raw >= 0) {
    const dataset = terms.names[raw] as string;
    return {
      dataset,
      message: `the loss of dataset '${dataset}' became ${(results[raw] as { lossSum: number }).lossSum}`,
      advice: `lower the learning rate (now ${terms.learningRate}) or check dataset '${dataset}' for extreme values`,
    };
  }
  const weighted = results.findIndex((result) => !Number.isFinite(result.contribution));
  if (weighted >= 0) {
    const dataset = terms.names[weighted] as string;
    const result = results[weighted] as (typeof results)[number];
    const meanLoss = result.lossSum / Math.max(1, result.samples);
    return {
      dataset,
      message: `the weighted loss term of dataset '${dataset}' became ${result.contribution} (its mean loss ${meanLoss} times loss_weight ${terms.lossWeights[weighted]} and its class_weights)`,
      advice: `lower dataset '${dataset}''s loss_weight or class_weights`,
    };
  }
  if (!Number.isFinite(outcome.l2Penalty)) {
    return {
      message: `the l2 regulariser became ${outcome.l2Penalty} (training.l2 = ${terms.l2} times the sum of squared kernel weights)`,
      advice: `lower training.l2 (now ${terms.l2}) or the learning rate (now ${terms.learningRate})`,
    };
  }
  const parts = results.map((result, i) => `'${terms.names[i]}' ${result.contribution}`);
  return {
    message: `the total loss became ${outcome.totalLoss} though each term is finite (${[...parts, `l2 ${outcome.l2Penalty}`].join(', ')})`,
    advice: 'lower the loss_weight of the largest terms',
  };
}

/** A loss that ran away while staying finite (see `LossExplosionWatch`). */
export function explosionCause(explosion: LossExplosion, dataset: string, learningRate: number): DivergenceCause {
  return {
    dataset,
    message: `the loss of dataset '${dataset}' exploded: smoothed, it reached ${explosion.loss.toPrecision(6)} (above ${explosion.bound.toPrecision(3)}, ${EXPLOSION_FACTOR} times its starting level ${explosion.baseline.toPrecision(3)}, for ${EXPLOSION_STEPS} steps in a row)`,
    advice: `lower the learning rate (now ${learningRate}; try a tenth of it or less)`,
  };
}
