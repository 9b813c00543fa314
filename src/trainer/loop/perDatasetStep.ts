/**
 * One optimizer step with each dataset's gradient computed apart, for the balancers that need them
 * in the update: GradNorm's gradient norms and PCGrad's projection (whose steps also give the
 * diagnostics; other runs measure them beside the usual step, `measureGradients`). The
 * update is the same Σ_d ∇term_d (+ ∇l2) as `trainStep`'s unless PCGrad changes the shared part;
 * it costs one backward pass per dataset on its sub-batch instead of one on the whole batch.
 */
import * as tf from '@tensorflow/tfjs';
import { gradientDiagnostics } from '../balancing/gradientMath';
import { pcgrad } from '../balancing/pcgrad';
import { datasetStepTerm, l2Penalty, type DatasetBatch } from './jointLoss';
import { applyAllGradients } from './optimizer';
import type { StepOutcome, StepTarget } from './trainStep';

export interface PerDatasetStepOptions {
  /** `pcgrad` projects conflicting gradients on the shared parameters before summing them. */
  combine: 'sum' | 'pcgrad';
  /** PCGrad's order of the other datasets for dataset d (indices into the batches); seeded by the caller. */
  order?: (d: number) => number[];
}

export interface SeparateGradients {
  /** Per batch: its gradient on the parameters every batch of the step shares, flattened. */
  shared: Float32Array[];
  sharedParameters: number;
  diagnostics: ReturnType<typeof gradientDiagnostics>;
}

/** Each batch's term, its gradient and its numbers, computed apart; and the gradients on what every batch shares, flattened. */
async function separateGradients(batches: readonly DatasetBatch[], batchSize: number, variables: tf.Variable[], training: boolean) {
  const perBatch: Array<{ grads: tf.NamedTensorMap; lossSum: number; contribution: number; outcomeSum: number }> = [];
  for (const batch of batches) {
    let row: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const { term, numbers } = datasetStepTerm(batch, batchSize, training);
      row = tf.keep(tf.stack(numbers));
      return term;
    }, variables);
    const numbers = await (row as tf.Tensor).data();
    tf.dispose([value, row as tf.Tensor]);
    perBatch.push({ grads, lossSum: numbers[0] as number, contribution: numbers[1] as number, outcomeSum: numbers[2] as number });
  }
  // Shared: what every batch's term reaches (the trunk, and stems or heads the datasets share).
  const shared = variables.filter((variable) => perBatch.every(({ grads }) => grads[variable.name] !== undefined));
  const flat = await Promise.all(perBatch.map(({ grads }) => flatten(shared.map((variable) => grads[variable.name] as tf.Tensor))));
  const sharedParameters = shared.reduce((total, variable) => total + variable.size, 0);
  return { perBatch, shared, flat, sharedParameters };
}

/**
 * The gradient diagnostics of a step, measured beside it: each dataset's gradient computed apart,
 * nothing applied, in inference mode (dropout off, batch normalization on its moving statistics,
 * which it leaves as they were), so that a run measures exactly what it trains without them. The
 * step itself is then taken as usual. Costs one forward and backward pass per dataset on its sub-batch.
 */
export async function measureGradients(batches: readonly DatasetBatch[], batchSize: number, variables: tf.Variable[]): Promise<SeparateGradients> {
  const { perBatch, flat, sharedParameters } = await separateGradients(batches, batchSize, variables, false);
  tf.dispose(perBatch.flatMap(({ grads }) => Object.values(grads)));
  return { shared: flat, sharedParameters, diagnostics: gradientDiagnostics(flat) };
}

export async function perDatasetStep(
  batches: readonly DatasetBatch[],
  batchSize: number,
  { optimizer, variables, kernels, l2, rules }: StepTarget,
  options: PerDatasetStepOptions,
): Promise<StepOutcome & { gradients: SeparateGradients }> {
  const { perBatch, shared, flat, sharedParameters } = await separateGradients(batches, batchSize, variables, true);
  const combinedShared = options.combine === 'pcgrad' && perBatch.length > 1 ? pcgrad(flat, options.order ?? ((d) => others(d, perBatch.length))) : undefined;

  const combined: tf.NamedTensorMap = {};
  let offset = 0;
  for (const variable of variables) {
    const parts = perBatch.flatMap(({ grads }) => (grads[variable.name] ? [grads[variable.name] as tf.Tensor] : []));
    if (parts.length === 0) continue;
    if (combinedShared !== undefined && shared.includes(variable)) {
      combined[variable.name] = tf.tensor(combinedShared.subarray(offset, offset + variable.size), variable.shape);
      offset += variable.size;
    } else {
      combined[variable.name] = parts.length === 1 ? tf.clone(parts[0] as tf.Tensor) : tf.addN(parts);
    }
  }
  let l2Value = 0;
  if (l2 > 0 && kernels.length > 0) {
    const { value, grads } = tf.variableGrads(() => l2Penalty(kernels, l2), [...kernels]);
    l2Value = (await value.data())[0] as number;
    for (const [name, grad] of Object.entries(grads)) {
      const previous = combined[name];
      combined[name] = previous === undefined ? grad : tf.add(previous, grad);
      if (previous !== undefined) tf.dispose([previous, grad]);
    }
    value.dispose();
  }
  applyAllGradients(optimizer, variables, combined, rules);
  tf.dispose([...Object.values(combined), ...perBatch.flatMap(({ grads }) => Object.values(grads))]);

  return {
    totalLoss: perBatch.reduce((total, { contribution }) => total + contribution, l2Value),
    backwardPasses: perBatch.length,
    l2Penalty: l2Value,
    datasets: batches.map((batch, i) => {
      const result = perBatch[i] as (typeof perBatch)[number];
      return { samples: batch.labels.shape[0], lossSum: result.lossSum, contribution: result.contribution, outcomeSum: result.outcomeSum };
    }),
    gradients: { shared: flat, sharedParameters, diagnostics: gradientDiagnostics(flat) },
  };
}

async function flatten(tensors: readonly tf.Tensor[]): Promise<Float32Array> {
  const size = tensors.reduce((total, tensor) => total + tensor.size, 0);
  const out = new Float32Array(size);
  const values = await Promise.all(tensors.map((tensor) => tensor.data()));
  let offset = 0;
  values.forEach((value, i) => {
    out.set(value as Float32Array, offset);
    offset += (tensors[i] as tf.Tensor).size;
  });
  return out;
}

function others(d: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => k).filter((k) => k !== d);
}
